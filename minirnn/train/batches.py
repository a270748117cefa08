"""Batches as :func:`~minirnn.train.fit` takes them, and :func:`evaluate` over a set of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Union

import numpy as np

#: one epoch of batches: a re-iterable, or a callable returning a fresh iterator
# Union rather than "|": this line runs at import time, and setup.cfg allows Python 3.9.
Batches = Union[Iterable[Any], Callable[[], Iterable[Any]]]  # noqa: UP007


def fresh_iterator(batches: Batches) -> Iterator[Any]:
    """A new pass over the data: call a factory, or iterate an iterable again."""
    if callable(batches) and not hasattr(batches, "__iter__"):
        return iter(batches())
    return iter(batches)


def batch_weight(batch: Any) -> float:
    """How many targets a batch's mean loss averages over (1 if unknown)."""
    targets = getattr(batch, "targets", None)
    if targets is None:
        return 1.0
    mask = getattr(batch, "mask", None)
    # A mask shaped like the targets says which of them count; a classifier's mask marks
    # input steps instead, and then every label counts.
    if mask is not None and np.shape(mask) == np.shape(targets):
        return float(np.sum(mask))
    return float(np.size(targets))


def evaluate(model: Any, batches: Batches) -> float:
    """Mean loss of ``model.evaluate`` over ``batches``, in evaluation mode.

    Each batch's mean loss is weighted by its number of targets (``mask.sum()`` when the
    batch has a mask shaped like its targets, else ``targets.size``, else 1), so the result
    is the mean loss per target over the whole set, whatever the batch sizes.
    """
    was_training = getattr(model, "training", True)
    model.eval()
    total = weight = 0.0
    try:
        for batch in fresh_iterator(batches):
            w = batch_weight(batch)
            total += w * float(model.evaluate(batch))
            weight += w
    finally:
        model.train(was_training)
    if weight == 0:
        raise ValueError("val_batches must give at least one batch (with a positive mask "
                         "total), got none")
    return total / weight
