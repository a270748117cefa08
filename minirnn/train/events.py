"""What happens around the updates of :func:`~minirnn.train.fit`, and what callbacks see.

After every iteration ``fit`` runs the events that are due, in this order: validation,
sampling, a periodic checkpoint, the progress line, then the ``callbacks`` with a
:class:`TrainInfo`. When an epoch's batches run out it validates (by default), records the
epoch's mean training loss and calls the ``on_epoch_end`` callbacks with an
:class:`EpochInfo`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import numpy as np

from minirnn.train.batches import Batches, evaluate
from minirnn.train.history import History
from minirnn.train.progress import ProgressLine


@dataclass
class TrainInfo:
    """What a callback receives after every iteration.

    Set ``info.stop = True`` in a callback to end training after this iteration (a final
    checkpoint is still written if ``checkpoint_path`` was given). ``epoch`` counts from 0.
    """

    iteration: int
    epoch: int
    loss: float
    smooth_loss: float
    grad_norm: float
    clipped: bool
    lr: float
    elapsed: float
    total_iterations: int | None
    val_loss: float | None
    val_perplexity: float | None
    sample: str | None
    model: Any = field(repr=False)
    optimizer: Any = field(repr=False)
    history: History = field(repr=False)
    stop: bool = False


@dataclass
class EpochInfo:
    """What an ``on_epoch_end`` callback receives when an epoch's batches have run out.

    ``epoch`` is the epoch that just ended (0 for the first, as in :class:`TrainInfo`),
    ``loss`` the mean of its batch losses, ``val_loss`` the validation loss at its end (None
    without validation data). Set ``info.stop = True`` to end training here.
    """

    epoch: int
    iteration: int
    loss: float
    val_loss: float | None
    model: Any = field(repr=False)
    optimizer: Any = field(repr=False)
    history: History = field(repr=False)
    stop: bool = False


# Union rather than "|": this line runs at import time.
Callbacks = Union[Callable[[Any], Any], Sequence[Callable[[Any], Any]]]  # noqa: UP007


def as_callback_list(callbacks: Callbacks | None) -> list[Callable[[Any], Any]]:
    """One callable or a sequence of them, as a list."""
    if callbacks is None:
        return []
    return [callbacks] if callable(callbacks) else list(callbacks)


def check_count(value: object, name: str) -> int | None:
    """``value`` as an int if it is a positive integer, None if None; else ValueError."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer or None, got {value!r}")
    return int(value)


class ScheduledEvents:
    """Validation, sampling and periodic checkpoints, each run when it is due.

    Parameters are those of :func:`~minirnn.train.fit` with the same names; they are
    checked here. ``last_validated`` is the iteration validated last (-1: none yet), so the
    end of an epoch or of the run does not validate the same weights twice.
    """

    def __init__(self, val_batches: Batches | None, val_every: int | None,
                 sample_fn: Callable[[Any], str] | None, sample_every: int | None,
                 checkpoint_path: str | Path | None, checkpoint_every: int | None) -> None:
        self.val_every = check_count(val_every, "val_every")
        self.sample_every = check_count(sample_every, "sample_every")
        self.checkpoint_every = check_count(checkpoint_every, "checkpoint_every")
        if self.checkpoint_every is not None and checkpoint_path is None:
            raise ValueError("checkpoint_every needs a checkpoint_path")
        if (self.sample_every is None) != (sample_fn is None):
            raise ValueError("give sample_fn and sample_every together")
        if self.val_every is not None and val_batches is None:
            raise ValueError("val_every needs val_batches")
        self.val_batches = val_batches
        self.sample_fn = sample_fn
        self.checkpoint_path = Path(checkpoint_path) if checkpoint_path is not None else None
        self.last_validated = -1

    def validate(self, model: Any, history: History, iteration: int,
                 progress: ProgressLine) -> tuple[float, float]:
        """Validate now; record and print the loss and perplexity."""
        loss = evaluate(model, self.val_batches)
        history.record_validation(iteration, loss)
        ppl = float(history.val_perplexity[-1])
        progress.message(
            f"validation at iteration {iteration}: loss {loss:.4f} nats/{progress.unit}, "
            f"perplexity {ppl:.3f}"
        )
        self.last_validated = iteration
        return loss, ppl

    def validate_unless_done(self, model: Any, history: History, iteration: int,
                             progress: ProgressLine) -> float | None:
        """Validate if there is validation data and these weights were not validated yet."""
        if self.val_batches is None:
            return None
        if self.last_validated == iteration:
            return float(history.val_loss[-1])
        return self.validate(model, history, iteration, progress)[0]

    def sample(self, model: Any, history: History, iteration: int,
               progress: ProgressLine) -> str:
        """Call ``sample_fn(model)`` in eval mode; record and print the text."""
        was_training = getattr(model, "training", True)
        model.eval()
        try:
            text = str(self.sample_fn(model))
        finally:
            model.train(was_training)
        history.record_sample(iteration, text)
        progress.message(f"--- sample at iteration {iteration} ---\n{text}\n---")
        return text

    def validation_due(self, iteration: int, last: bool) -> bool:
        """Every ``val_every`` iterations, and at the last one. (By default validation runs
        at the end of each epoch instead, once its iterator is exhausted: epochs may differ
        in length by a batch.)"""
        return self.val_batches is not None and (
            (self.val_every is not None and iteration % self.val_every == 0) or last
        )

    def sample_due(self, iteration: int) -> bool:
        """Every ``sample_every`` iterations."""
        return self.sample_fn is not None and iteration % self.sample_every == 0

    def checkpoint_due(self, iteration: int) -> bool:
        """Every ``checkpoint_every`` iterations."""
        return self.checkpoint_every is not None and iteration % self.checkpoint_every == 0

    def next_due(self, iteration: int) -> float:
        """The first iteration after ``iteration`` when a periodic event is due (``math.inf``
        if none is scheduled): the iterations before it need no check."""
        due = math.inf
        for every in (self.val_every, self.sample_every, self.checkpoint_every):
            if every is not None:
                due = min(due, (iteration // every + 1) * every)
        return due
