"""Reports that :func:`~minirnn.train.fit` prints through its callbacks.

:class:`EpochLog` is the training log of d2l's language-model chapter (seed 003): once per
epoch, the epoch's training perplexity, its time, and the model's continuation of a few
prefixes::

    epoch 50, perplexity 69.294698, time 0.43 sec
     - 分开 一颗两 一颗四 ...
     - 不分开 快颗用 ...

It is an end-of-epoch event of :func:`~minirnn.train.fit`, not a loop of its own:
``fit(..., on_epoch_end=EpochLog(continuations))``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from minirnn._checks import check_positive_int

__all__ = ["EpochLog"]


class EpochLog:
    r"""``on_epoch_end`` callback: each ``every``-th epoch, the perplexity and continuations.

    Parameters
    ----------
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
    The perplexity is :math:`\exp(\bar L)`, :math:`\bar L` the epoch's mean training loss
    (nats per token, from :class:`~minirnn.train.events.EpochInfo`): what the model scored
    on the batches while it was learning from them, as d2l computes it. The time is the
    time since the previous report. Every report is also kept in
    :attr:`records` as ``(epoch, perplexity, seconds, lines)``.
    """

    def __init__(
        self,
        continuations: Callable[[Any], Sequence[str]] | None = None,
        every: int = 1,
        write: Callable[[str], Any] = print,
    ) -> None:
        self.every = check_positive_int(every, "every")
        self.continuations = continuations
        self.write = write
        self.records: list[tuple[int, float, float, list[str]]] = []
        self._start = time.perf_counter()

    def __call__(self, info: Any) -> None:
        epoch = info.epoch + 1  # EpochInfo counts from 0; the log, like d2l's, from 1
        if epoch % self.every:
            return
        perplexity = math.exp(info.loss)
        seconds = time.perf_counter() - self._start
        lines: list[str] = []
        if self.continuations is not None:
            with info.model.evaluating():
                lines = [str(line) for line in self.continuations(info.model)]
        self.records.append((epoch, perplexity, seconds, lines))
        self.write(f"epoch {epoch}, perplexity {perplexity:f}, time {seconds:.2f} sec")
        for line in lines:
            self.write(" - " + line.replace("\n", " "))
        self._start = time.perf_counter()
