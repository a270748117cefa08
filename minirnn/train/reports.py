"""Reports that :func:`~minirnn.train.fit` prints through its callbacks.

:class:`EpochLog` is the training log of d2l's language-model chapter (seed 003): once per
epoch, the epoch's training perplexity, its time, and the model's continuation of a few
prefixes::

    epoch 50, perplexity 69.294698, time 0.43 sec
     - 分开 一颗两 一颗四 ...
     - 不分开 快颗用 ...

It is a callback, not a loop of its own: ``fit(..., callbacks=[EpochLog(len(batches),
continuations)])``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from minirnn._checks import check_positive_int

__all__ = ["EpochLog"]


class EpochLog:
    r"""Callback: each ``every``-th epoch, print the training perplexity and continuations.

    Parameters
    ----------
    batches_per_epoch : int
        Updates in one epoch (``len(batches)``); an epoch ends after every multiple of it.
    continuations : callable, optional
        ``continuations(model) -> list of str``, called in evaluation mode; each string is
        printed on a line of its own after `` - `` (line breaks shown as spaces, as d2l's
        corpus has them).
    every : int
        Report every this many epochs (d2l reports every 50).
    write : callable
        Where the lines go (``print`` by default).

    Notes
    -----
    The perplexity is :math:`\exp(\bar L)`, :math:`\bar L` the mean training loss (nats per
    token) of the updates since the last report: what the model scored on the batches while
    it was learning from them, as d2l computes it. Every report is also kept in
    :attr:`records` as ``(epoch, perplexity, seconds, lines)``.
    """

    def __init__(
        self,
        batches_per_epoch: int,
        continuations: Callable[[Any], Sequence[str]] | None = None,
        every: int = 1,
        write: Callable[[str], Any] = print,
    ) -> None:
        self.batches_per_epoch = check_positive_int(batches_per_epoch, "batches_per_epoch")
        self.every = check_positive_int(every, "every")
        self.continuations = continuations
        self.write = write
        self.records: list[tuple[int, float, float, list[str]]] = []
        self._total = 0.0
        self._count = 0
        self._start = time.perf_counter()

    def __call__(self, info: Any) -> None:
        self._total += info.loss
        self._count += 1
        if info.iteration % self.batches_per_epoch:
            return
        epoch = info.iteration // self.batches_per_epoch
        if epoch % self.every:
            return
        perplexity = math.exp(self._total / self._count)
        seconds = time.perf_counter() - self._start
        lines: list[str] = []
        if self.continuations is not None:
            with info.model.evaluating():
                lines = [str(line) for line in self.continuations(info.model)]
        self.records.append((epoch, perplexity, seconds, lines))
        self.write(f"epoch {epoch}, perplexity {perplexity:f}, time {seconds:.2f} sec")
        for line in lines:
            self.write(" - " + line.replace("\n", " "))
        self._total, self._count = 0.0, 0
        self._start = time.perf_counter()
