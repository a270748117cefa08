"""The tuned whole-sequence passes that the layers run (the fast path).

Each module here computes exactly what the plain reference pass of the same name in
:mod:`minirnn.functional` computes, only faster; tests pin the two together on outputs and
every gradient. Read :mod:`minirnn.functional` first.
"""
