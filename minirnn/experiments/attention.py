"""Training an encoder-decoder through :func:`minirnn.train.fit` and watching its attention.

:func:`train_seq2seq` is the recipe the ``minirnn seq2seq dates|addition|reverse`` commands,
the attention notebook and the benchmarks share: shuffled minibatches (the order drawn from
a generator that ``fit`` checkpoints), Adam, global-norm clipping, a callback after every
epoch. :func:`attention_maps` decodes a few sources and returns what the model attended to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from minirnn._checks import check_positive_int, make_rng
from minirnn.tasks.seq2seq import Seq2SeqBatch

__all__ = ["attention_maps", "shuffled_batches", "train_seq2seq"]


def shuffled_batches(
    data: Seq2SeqBatch, batch_size: int, rng: np.random.Generator
) -> Callable[[], Iterator[Seq2SeqBatch]]:
    """One epoch of minibatches in a fresh random order per call (for ``fit``)."""
    batch_size = check_positive_int(batch_size, "batch_size")

    def epoch() -> Iterator[Seq2SeqBatch]:
        order = rng.permutation(len(data.inputs))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            yield Seq2SeqBatch(data.inputs[rows], data.targets[rows], data.mask[rows])

    return epoch


def train_seq2seq(
    model,
    train: Seq2SeqBatch,
    epochs: int,
    batch_size: int = 128,
    lr: float = 1e-3,
    clip_norm: float | None = 5.0,
    seed: int | np.random.Generator | None = 0,
    on_epoch: Callable[[int, float], bool | None] | None = None,
    verbose: bool = True,
    checkpoint_path=None,
):
    """Train ``model`` for ``epochs`` with Adam through :func:`minirnn.train.fit`.

    ``on_epoch(epoch, mean training loss in nats per token)`` runs after every epoch (for a
    held-out accuracy, say); when it returns True, training stops there. Returns fit's
    :class:`~minirnn.train.History`.
    """
    from minirnn.optim import Adam
    from minirnn.train import fit

    rng = make_rng(seed)
    per_epoch = -(-len(train.inputs) // check_positive_int(batch_size, "batch_size"))
    losses: list[float] = []

    def after_iteration(info) -> None:
        losses.append(info.loss)
        if on_epoch is not None and info.iteration % per_epoch == 0:
            info.stop = bool(on_epoch(info.iteration // per_epoch,
                                      float(np.mean(losses[-per_epoch:]))))

    return fit(model, Adam(model, lr=lr), shuffled_batches(train, batch_size, rng),
               epochs=check_positive_int(epochs, "epochs"), clip_norm=clip_norm,
               callbacks=[after_iteration], rng={"data": rng}, verbose=verbose,
               checkpoint_path=checkpoint_path)


def attention_maps(model, sources: np.ndarray, max_length: int) -> tuple[list, list]:
    """Greedy outputs and attention maps (output length x source length) of a few sources."""
    with model.evaluating():
        return model.generate(sources, max_length=max_length, return_attention=True)
