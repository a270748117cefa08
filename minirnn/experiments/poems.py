"""Seed 004's poem generator: a 2-layer LSTM with an embedding, trained on Tang poems.

Each poem is one sequence ``<bos> poem <eos>``; batches are padded (poems of similar length
together) and the loss is the mean cross-entropy over the real characters, in nats per
character. Validation uses held-out poems.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from minirnn._checks import check_instance, make_rng
from minirnn.data import padded_batches
from minirnn.data.vocab import Vocab
from minirnn.models.language_model import LanguageModel
from minirnn.optim import Adam
from minirnn.tasks.poems import PoemSplit, poem_sequences
from minirnn.train import History, fit

__all__ = ["train_poem_model"]


def train_poem_model(
    split: PoemSplit,
    vocab: Vocab,
    hidden_size: int = 128,
    embedding_dim: int = 64,
    num_layers: int = 2,
    epochs: int = 3,
    batch_size: int = 32,
    lr: float = 5e-3,
    clip_norm: float = 5.0,
    seed: int = 0,
    dtype: type = np.float32,
    checkpoint_path=None,
    verbose: bool = True,
    resume=None,
    run_options: Mapping[str, object] | None = None,
) -> tuple[LanguageModel, History]:
    """Train a character LSTM language model on ``split.train``; validate on ``split.val``.

    Adam with global-norm clipping, float32 by default (the gradient checks of
    :class:`LanguageModel` are float64). Returns the model and the :class:`History`; its
    ``val_loss`` is in nats per character. ``resume`` continues the run saved in a
    checkpoint (see :func:`~minirnn.train.fit`); ``run_options`` (the command's options,
    JSON-able) are stored in the checkpoint's configuration as ``"run"``, so that
    ``minirnn poems train --resume`` can rebuild the run from the file alone.
    """
    check_instance(split, PoemSplit, "split")
    check_instance(vocab, Vocab, "vocab")
    rng = make_rng(seed)
    train = poem_sequences(split.train, vocab)
    val = poem_sequences(split.val, vocab)
    model = LanguageModel(len(vocab), hidden_size, embedding_dim=embedding_dim, cell="lstm",
                          num_layers=num_layers, padding_idx=vocab.pad_id, seed=rng, dtype=dtype)
    history = fit(
        model, Adam(model, lr=lr),
        lambda: padded_batches(train, batch_size=batch_size, pad_id=vocab.pad_id, rng=rng,
                               bucket=True),
        epochs=epochs, clip_norm=clip_norm, rng={"data": rng},
        val_batches=lambda: padded_batches(val, batch_size=256, pad_id=vocab.pad_id,
                                           shuffle=False),
        checkpoint_path=checkpoint_path, resume=resume, vocab=vocab,
        config={"model": model.config(), "level": "char", "tokenizer": "char",
                **({} if run_options is None else {"task": "poems", "run": dict(run_options)})},
        verbose=verbose,
    )
    return model, history
