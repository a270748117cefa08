"""Reference solutions and the common mistakes, as code: the grader's side only.

Nothing here is in what students receive (templates, student notebooks), and the sandbox
blocks importing it (with the rest of minirnn) while a submission runs. Each mistake is a
wrong solution with the student's signature; :mod:`minirnn.exercises.diagnoses` compares a
student's answer with it.
"""
