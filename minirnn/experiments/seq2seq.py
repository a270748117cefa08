"""Training the encoder-decoder on its two tasks (:mod:`minirnn.tasks.seq2seq`), through
:func:`~minirnn.train.fit`."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from minirnn._checks import check_positive_int, make_rng
from minirnn.optim import Adam
from minirnn.tasks.seq2seq import Seq2SeqBatch, toy_data
from minirnn.train import EpochInfo, fit
from minirnn.train.events import Callbacks, as_callback_list


def train_toy(
    model,
    steps: int = 300,
    lr: float = 0.01,
    seed: int | None = 0,
    verbose: bool = False,
) -> list[float]:
    """Train on the six pairs, full batch, Adam; return the loss of every step."""
    steps = check_positive_int(steps, "steps")
    history = fit(model, Adam(model, lr=lr), [toy_data()], epochs=steps, verbose=verbose)
    return history.loss.tolist()


def shuffled_batches(data: Seq2SeqBatch, batch_size: int,
                     rng: np.random.Generator) -> Iterator[Seq2SeqBatch]:
    """One epoch of ``data`` in a fresh random order, ``batch_size`` rows at a time."""
    order = rng.permutation(len(data.inputs))
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        yield Seq2SeqBatch(data.inputs[rows], data.targets[rows], data.mask[rows])


def train_epochs(
    model,
    train: Seq2SeqBatch,
    epochs: int,
    batch_size: int = 128,
    lr: float = 1e-3,
    max_norm: float | None = 5.0,
    seed: int | np.random.Generator | None = 0,
    on_epoch_end: Callbacks = (),
    decay_after: int | None = None,
    decay: float = 0.8,
    verbose: bool = False,
) -> list[float]:
    """Shuffled minibatch epochs with Adam and global-norm clipping; mean loss per epoch.

    Trained by :func:`~minirnn.train.fit`; ``on_epoch_end`` callbacks get its
    :class:`~minirnn.train.EpochInfo` after every epoch (for held-out accuracy). After
    epoch ``decay_after`` (if given, counted from 1) the learning rate is multiplied by
    ``decay`` every epoch: with a constant rate, Adam's occasional large steps near zero loss
    knock the exact-match accuracy down by several points for an epoch (seen: 99.0% -> 93.4%).
    """
    rng = make_rng(seed)
    optimizer = Adam(model, lr=lr)

    def decay_rate(info: EpochInfo) -> None:
        if decay_after is not None and info.epoch + 1 >= decay_after:
            optimizer.lr *= decay

    history = fit(model, optimizer, lambda: shuffled_batches(train, batch_size, rng),
                  epochs=check_positive_int(epochs, "epochs"), clip_norm=max_norm,
                  on_epoch_end=[decay_rate, *as_callback_list(on_epoch_end)], verbose=verbose)
    return history.epoch_loss.tolist()


def time_one_epoch(model, train: Seq2SeqBatch, batch_size: int = 128, batches: int = 20) -> float:
    """Seconds per epoch, extrapolated from ``batches`` timed training steps (no update)."""
    start = time.perf_counter()
    for i in range(batches):
        rows = slice(i * batch_size, (i + 1) * batch_size)
        model.zero_grad()
        model.forward_backward(Seq2SeqBatch(train.inputs[rows], train.targets[rows],
                                            train.mask[rows]))
    per_batch = (time.perf_counter() - start) / batches
    return per_batch * int(np.ceil(len(train.inputs) / batch_size))
