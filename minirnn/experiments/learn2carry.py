"""The Learn2Carry experiment: train :class:`~minirnn.models.learn2carry.Learn2Carry` per cell
on :mod:`minirnn.tasks.carry`, then score whole sums and digits by width, including widths
longer than any seen in training.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from minirnn._checks import check_instance, check_non_negative_int, check_positive_int, make_rng
from minirnn.data import array_batches
from minirnn.models.learn2carry import Learn2Carry
from minirnn.optim import Adam
from minirnn.tasks.carry import AdditionSet, accuracy_by_width, addition_set
from minirnn.train import fit

__all__ = ["train_learn2carry", "score_widths"]


def train_learn2carry(
    train: AdditionSet,
    cell: str = "lstm",
    hidden_size: int = 32,
    embedding_dim: int = 8,
    epochs: int = 6,
    lr: float = 1e-2,
    batch_size: int = 32,
    seed: int | np.random.Generator | None = 0,
    dtype: type = np.float32,
    verbose: bool = True,
) -> Learn2Carry:
    """A Learn2Carry network trained on ``train`` with Adam through :func:`fit`.

    float32 by default (twice as fast; the gradient checks use float64). ``seed`` draws the
    weights and then the batch order.
    """
    check_instance(train, AdditionSet, "train")
    rng = make_rng(seed)
    model = Learn2Carry(hidden_size, embedding_dim, cell=cell, seed=rng, dtype=dtype)
    fit(model, Adam(model, lr=lr),
        lambda: array_batches(train.inputs, train.targets, batch_size=batch_size, rng=rng),
        epochs=epochs, rng={"data": rng}, verbose=verbose)
    return model


def score_widths(
    model: Learn2Carry, widths: Sequence[int], n: int = 1000, seed: int = 0
) -> dict[int, tuple[float, float, int]]:
    """``{width: (exact_match, digit_accuracy, count)}`` on ``n`` fresh sums of each width.

    The held-out sets depend only on ``seed`` and the width, so every model is scored on
    the same sums.
    """
    check_instance(model, Learn2Carry, "model")
    widths = [check_positive_int(width, "width in widths") for width in widths]
    n = check_positive_int(n, "n")
    seed = check_non_negative_int(seed, "seed")
    scores = {}
    for width in widths:
        test = addition_set(n, width, seed=seed + 1000 + width)
        scores.update(accuracy_by_width(model.predict(test.inputs), test))
    return scores
