"""Training the encoder-decoder on its two tasks (:mod:`minirnn.tasks.seq2seq`), through
:func:`~minirnn.train.fit`."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from minirnn._checks import (
    check_number,
    check_positive_int,
    check_seed,
    make_rng,
)
from minirnn.data import array_batches
from minirnn.optim import Adam, LinearDecay
from minirnn.tasks.seq2seq import Seq2SeqBatch, check_batch, toy_data
from minirnn.train import EpochInfo, History, fit
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
    check_seed(seed)  # the toy pairs and the batch are fixed: nothing is drawn
    history = fit(model, Adam(model, lr=lr), [toy_data()], epochs=steps, verbose=verbose)
    return history.loss.tolist()


def train_seq2seq(
    model,
    train: Seq2SeqBatch,
    epochs: int,
    batch_size: int = 128,
    lr: float = 1e-3,
    clip_norm: float | None = 5.0,
    seed: int | np.random.Generator | None = 0,
    on_epoch_end: Callbacks = (),
    decay_after: int | None = None,
    decay: float = 0.8,
    anneal_to: float | None = None,
    verbose: bool = True,
    checkpoint_path: str | Path | None = None,
) -> History:
    r"""Shuffled minibatch epochs with Adam and global-norm clipping, through :func:`fit`.

    The recipe of the ``minirnn seq2seq`` commands, the notebooks and the benchmarks. The
    batch order is drawn from ``seed``'s generator, which ``fit`` checkpoints;
    ``on_epoch_end`` callbacks get fit's :class:`~minirnn.train.EpochInfo` after every
    epoch (``info.loss``: the epoch's mean training loss in nats per token; for held-out
    accuracy; ``info.stop = True`` ends training). After epoch ``decay_after`` (if given,
    counted from 1) the learning rate is multiplied by ``decay`` every epoch: with a
    constant rate, Adam's occasional large steps near zero loss knock the exact-match
    accuracy down by several points for an epoch (seen: 99.0% -> 93.4%). ``anneal_to`` (a
    fraction; instead of ``decay_after``) lowers the rate after every update instead, in a
    straight line from ``lr`` towards ``anneal_to * lr`` at the end of the last epoch:

    .. math:: \eta_k = \eta_0 \left(1 - (1 - a)\, k / K\right), \qquad k = 0, \dots, K - 1

    for the :math:`K` updates of the run, so that the last epoch takes small steps and ends
    in a minimum instead of jumping around one. Returns fit's
    :class:`~minirnn.train.History` (``history.epoch_loss``: the loss of every epoch).
    """
    check_batch(train, "train")
    rng = make_rng(seed)
    optimizer = Adam(model, lr=lr)
    batch_size = check_positive_int(batch_size, "batch_size")
    epochs = check_positive_int(epochs, "epochs")
    decay = check_number(decay, "decay", 0.0, 1.0, low_open=True)
    if decay_after is not None:
        decay_after = check_positive_int(decay_after, "decay_after")
    scheduler = None
    if anneal_to is not None:
        anneal_to = check_number(anneal_to, "anneal_to", 0.0, 1.0)
        if decay_after is not None:
            raise ValueError(f"give decay_after (per epoch) or anneal_to (per update), not "
                             f"both; got decay_after={decay_after} and anneal_to={anneal_to}")
        updates = epochs * -(-len(train.inputs) // batch_size)  # batches per epoch, rounded up
        scheduler = LinearDecay(optimizer, updates, anneal_to)

    def decay_rate(info: EpochInfo) -> None:
        if decay_after is not None and info.epoch + 1 >= decay_after:
            optimizer.lr *= decay

    def epoch_batches():
        return array_batches(train.inputs, train.targets, mask=train.mask,
                             batch_size=batch_size, rng=rng)

    return fit(model, optimizer, epoch_batches, epochs=epochs, clip_norm=clip_norm,
               scheduler=scheduler,
               on_epoch_end=[decay_rate, *as_callback_list(on_epoch_end)],
               rng={"data": rng}, verbose=verbose, checkpoint_path=checkpoint_path)


def time_one_epoch(model, train: Seq2SeqBatch, batch_size: int = 128, batches: int = 20) -> float:
    """Seconds per epoch, extrapolated from ``batches`` timed training steps (no update)."""
    check_batch(train, "train")
    batch_size = check_positive_int(batch_size, "batch_size")
    batches = check_positive_int(batches, "batches")
    if batches * batch_size > len(train.inputs):
        raise ValueError(f"batches x batch_size must not exceed the {len(train.inputs)} pairs "
                         f"of train, got {batches} x {batch_size}")
    start = time.perf_counter()
    for i in range(batches):
        rows = slice(i * batch_size, (i + 1) * batch_size)
        model.zero_grad()
        model.forward_backward(Seq2SeqBatch(train.inputs[rows], train.targets[rows],
                                            train.mask[rows]))
    per_batch = (time.perf_counter() - start) / batches
    return per_batch * int(np.ceil(len(train.inputs) / batch_size))
