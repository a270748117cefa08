"""Experiments: a model, a task and :func:`minirnn.train.fit` put together, with the figures
the docs and notebooks quote (digit-sum memory, name gender, the encoder-decoder tasks).

They sit above :mod:`minirnn.train` and below :mod:`minirnn.commands`: the ``minirnn``
subcommands, the notebooks and the benchmarks call them.
"""
