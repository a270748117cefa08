r"""Many-to-one and many-to-many recurrent models over padded batches of token ids.

:class:`SequenceClassifier` reads a whole sequence and gives one label (is this name female
or male? what is the sum of the first two digits?). :class:`SequenceTagger` gives one label
per step (a tagger, or a next-character model). Both accept a bidirectional encoder, which
is where bidirectional networks belong: every output may depend on the whole input.

Both follow the model protocol of :func:`minirnn.train.fit`: ``forward_backward(batch)``
returns the loss and accumulates gradients, ``evaluate(batch)`` returns the loss only. A
batch has ``inputs`` (N, T) integer ids, ``targets`` ((N,) for the classifier, (N, T) for the
tagger) and an optional ``mask`` (N, T) marking the valid steps (right padding).
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import check_choice, check_float_dtype, check_positive_int, make_rng
from minirnn.functional.activations import softmax
from minirnn.layers.base import Layer
from minirnn.layers.dropout import Dropout
from minirnn.layers.embedding import Embedding
from minirnn.layers.linear import Linear
from minirnn.layers.padded_rnn import (
    last_valid_states,
    last_valid_states_backward,
    lengths_from_mask,
    padded_backward,
    padded_forward,
)
from minirnn.layers.registry import check_cell, recurrent_layer
from minirnn.models.cross_entropy import cross_entropy_step


def _check_ids(ids: object, vocab_size: int, name: str = "inputs") -> np.ndarray:
    ids = np.asarray(ids)
    if not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"{name} must be integer token ids, got dtype {ids.dtype}")
    if ids.ndim != 2:
        raise ValueError(f"{name} must have shape (N, T), got {ids.shape}")
    if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
        raise ValueError(
            f"{name} must lie in [0, {vocab_size}), got values from {ids.min()} to {ids.max()}"
        )
    return ids


def _check_features(x: object, input_size: int, dtype: type) -> np.ndarray:
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"inputs must be float feature vectors (N, T, {input_size}), "
                        f"got dtype {x.dtype}")
    if x.ndim != 3 or x.shape[2] != input_size:
        raise ValueError(f"inputs must have shape (N, T, {input_size}), got {x.shape}")
    return x.astype(dtype, copy=False)


def _check_feature_mode(
    vocab_size: int | None, input_size: int | None, embedding_dim: int | None
) -> int | None:
    """``input_size`` (feature inputs) and ``vocab_size`` (token ids) exclude each other."""
    if input_size is None:
        if vocab_size is None:
            raise ValueError("give vocab_size (token-id inputs) or input_size (feature inputs)")
        return None
    if vocab_size is not None or embedding_dim is not None:
        raise ValueError(
            "input_size means float feature inputs: leave vocab_size and embedding_dim None, "
            f"got vocab_size={vocab_size!r}, embedding_dim={embedding_dim!r}"
        )
    return check_positive_int(input_size, "input_size")


def _input_mask(batch) -> np.ndarray | None:
    """The valid input steps: ``batch.input_mask`` if set (as :func:`minirnn.data.padded_batches`
    does), else ``batch.mask`` (for next-token targets it marks the same steps)."""
    input_mask = getattr(batch, "input_mask", None)
    return input_mask if input_mask is not None else getattr(batch, "mask", None)


class _RecurrentReader(Layer):
    """Shared body: ids -> (embedding or one-hot) -> stacked (bi)directional RNN, and the
    linear ``head`` (``num_classes`` outputs) that subclasses put on the states."""

    def __init__(
        self,
        vocab_size: int,
        num_classes: int,
        hidden_size: int,
        cell: str,
        num_layers: int,
        bidirectional: bool,
        dropout: float,
        embedding_dim: int | None,
        rng: np.random.Generator,
        dtype: type,
        input_size: int | None = None,
    ) -> None:
        super().__init__()
        self.input_size = _check_feature_mode(vocab_size, input_size, embedding_dim)
        self.vocab_size = None if vocab_size is None else check_positive_int(
            vocab_size, "vocab_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.cell = check_cell(cell)
        self.bidirectional = bool(bidirectional)
        self.num_directions = 2 if self.bidirectional else 1
        self.dtype = check_float_dtype(dtype).type
        self.embedding: Embedding | None = None
        if embedding_dim is not None:
            self.embedding = self.add_sublayer(
                "embedding", Embedding(vocab_size, embedding_dim, seed=rng, dtype=dtype)
            )
            input_size = check_positive_int(embedding_dim, "embedding_dim")
        elif self.input_size is not None:
            input_size = self.input_size  # feature vectors, e.g. the pixels of an image row
        else:
            input_size = self.vocab_size  # one-hot rows
        self.rnn = self.add_sublayer(
            "rnn",
            recurrent_layer(
                self.cell, input_size, hidden_size, num_layers=num_layers,
                bidirectional=self.bidirectional, dropout=dropout if num_layers > 1 else 0.0,
                seed=rng, dtype=dtype,
            ),
        )
        self.num_classes = check_positive_int(num_classes, "num_classes")
        width = self.num_directions * hidden_size
        self.head = self.add_sublayer("head", Linear(width, num_classes, seed=rng, dtype=dtype))
        self._reader_cache: tuple | None = None

    def read(self, ids: np.ndarray, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Return every top-layer state (N, T, dirs*H) and the lengths (N,)."""
        if self.input_size is not None:
            x = _check_features(ids, self.input_size, self.dtype)
            lengths = lengths_from_mask(mask, x.shape[:2])
            hs, rnn_cache = padded_forward(self.rnn, x, lengths)
            self._reader_cache = (rnn_cache,)
            return hs, lengths
        ids = _check_ids(ids, self.vocab_size)
        lengths = lengths_from_mask(mask, ids.shape)
        if self.embedding is not None:
            x = self.embedding.forward(ids)
        else:
            x = np.eye(self.vocab_size, dtype=self.dtype)[ids]
        hs, rnn_cache = padded_forward(self.rnn, x, lengths)
        self._reader_cache = (rnn_cache,)
        return hs, lengths

    def read_backward(self, dhs: np.ndarray) -> None:
        """Backpropagate ``dhs`` into the recurrent layer and the embedding."""
        (rnn_cache,) = self._reader_cache
        dx = padded_backward(self.rnn, dhs, rnn_cache)
        if self.embedding is not None:
            self.embedding.backward(dx)

    # -- the model protocol, shared: subclasses define forward, backward and _loss ----------
    def forward_backward(self, batch) -> float:
        """Mean cross-entropy of ``batch`` (over valid steps); gradients go into ``grads``."""
        return self._loss(batch, backward=True)

    def evaluate(self, batch) -> float:
        """Mean cross-entropy of ``batch`` without dropout and without gradients."""
        with self.evaluating():
            return self._loss(batch, backward=False)

    def predict_proba(self, inputs: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Probabilities over the classes, (N, C) or per step (N, T, C), in evaluation mode."""
        with self.evaluating():
            logits = self.forward(inputs, mask)
        return softmax(logits, axis=-1)


class SequenceClassifier(_RecurrentReader):
    r"""Read a sequence of token ids, predict one class: many-to-one.

    Parameters
    ----------
    vocab_size : int or None
        Number of token ids ``V``; ``None`` with ``input_size`` for float feature inputs.
    num_classes : int
        Number of classes ``C``.
    hidden_size : int
        ``H`` per direction.
    cell : {"rnn", "lstm", "gru"}
        Recurrent cell.
    num_layers : int
        Stacked layers.
    bidirectional : bool
        Add a reverse direction; the summary is then ``2H`` wide.
    dropout : float
        Dropout between stacked layers and on the summary before the head.
    embedding_dim : int, optional
        Learn an ``Embedding`` of this size; ``None`` feeds one-hot rows.
    pooling : {"last", "mean"}
        How the states become one vector (Notes).
    seed : int or numpy.random.Generator, optional
        Source of the initial weights and dropout masks.
    dtype : numpy dtype
        Parameter dtype.
    input_size : int, optional
        Read float feature vectors (N, T, ``input_size``) instead of token ids, e.g. the 8
        pixels of each row of an 8x8 digit image (see :mod:`minirnn.tasks.image_rows`).

    Notes
    -----
    With :math:`L_n` the length of sequence :math:`n` and :math:`h_t = [\overrightarrow{h}_t;
    \overleftarrow{h}_t]` the top layer's states, the summary is

    .. math::

        s_n = [\overrightarrow{h}_{L_n - 1};\ \overleftarrow{h}_0] \quad \text{(last)}, \qquad
        s_n = \frac{1}{L_n} \sum_{t < L_n} h_t \quad \text{(mean)},

    each direction's state after it has read the whole valid sequence. Then
    :math:`z = s W + b`, :math:`p = \mathrm{softmax}(z)` and the loss is the mean of
    :math:`-\log p_{y_n}`. Padded steps never reach a valid state (see
    :mod:`minirnn.layers.padded_rnn`), so a padded sequence scores like the unpadded one.
    """

    def __init__(
        self, vocab_size: int, num_classes: int, hidden_size: int = 64, cell: str = "lstm",
        num_layers: int = 1, bidirectional: bool = False, dropout: float = 0.0,
        embedding_dim: int | None = None, pooling: str = "last",
        seed: int | np.random.Generator | None = None, dtype: type = np.float64,
        input_size: int | None = None,
    ) -> None:
        check_choice(pooling, ("last", "mean"), "pooling")
        rng = make_rng(seed)
        super().__init__(vocab_size, num_classes, hidden_size, cell, num_layers, bidirectional,
                         dropout, embedding_dim, rng, dtype, input_size)
        self.pooling = pooling
        # Dropout takes nothing from rng until it runs: building it after the head (made by
        # the reader) does not change the head's initial weights.
        self.drop = self.add_sublayer("drop", Dropout(dropout, seed=rng))
        self._cache: tuple | None = None

    # -- passes -------------------------------------------------------------------------
    def forward(self, inputs: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Return the class scores (logits) of shape (N, C)."""
        hs, lengths = self.read(inputs, mask)
        if self.pooling == "last":
            summary = last_valid_states(hs, lengths, self.hidden_size, self.bidirectional)
        else:
            weights = (np.arange(hs.shape[1])[None, :] < lengths[:, None]) / lengths[:, None]
            weights = weights.astype(hs.dtype)
            summary = np.einsum("nt,nth->nh", weights, hs)
            self._weights = weights
        self._cache = (hs.shape, lengths)
        return self.head.forward(self.drop.forward(summary))

    def backward(self, dlogits: np.ndarray) -> None:
        """Backpropagate the gradient of the logits; accumulates every parameter gradient."""
        if self._cache is None:
            raise RuntimeError("SequenceClassifier.backward called before forward")
        hs_shape, lengths = self._cache
        dsummary = self.drop.backward(self.head.backward(dlogits))
        if self.pooling == "last":
            dhs = last_valid_states_backward(dsummary, hs_shape, lengths, self.hidden_size,
                                             self.bidirectional)
        else:
            dhs = self._weights[:, :, None] * dsummary[:, None, :]
        self.read_backward(dhs)

    # -- the model protocol ---------------------------------------------------------------
    def _loss(self, batch, backward: bool) -> float:
        logits = self.forward(batch.inputs, _input_mask(batch))
        return cross_entropy_step(self, logits, batch.targets, (logits.shape[0],),
                                  "one class per sequence", backward)

    def predict(self, inputs: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """The most probable class of each sequence (N,)."""
        return self.predict_proba(inputs, mask).argmax(axis=1)

    def accuracy(self, inputs: np.ndarray, targets: np.ndarray,
                 mask: np.ndarray | None = None) -> float:
        """Fraction of sequences whose predicted class equals the target."""
        return float(np.mean(self.predict(inputs, mask) == np.asarray(targets)))


class SequenceTagger(_RecurrentReader):
    r"""Read a sequence of token ids, predict one class per step: many-to-many.

    Parameters are those of :class:`SequenceClassifier` without ``pooling`` and
    ``input_size`` (token ids only); ``num_classes`` is the number of tags (for a
    next-character model, the vocabulary size).

    Notes
    -----
    :math:`z_t = h_t W + b` with :math:`h_t = [\overrightarrow{h}_t; \overleftarrow{h}_t]`;
    the loss is the mean of :math:`-\log \mathrm{softmax}(z_t)_{y_t}` over valid steps.
    A bidirectional tagger's output at step :math:`t` depends on the inputs *after*
    :math:`t` too. That is right for tagging and fatal for predicting the next input (the
    reverse direction has already read it): see ``docs/classification.md``.
    """

    def __init__(
        self, vocab_size: int, num_classes: int, hidden_size: int = 64, cell: str = "lstm",
        num_layers: int = 1, bidirectional: bool = False, dropout: float = 0.0,
        embedding_dim: int | None = None, seed: int | np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__(vocab_size, num_classes, hidden_size, cell, num_layers, bidirectional,
                         dropout, embedding_dim, make_rng(seed), dtype)

    def forward(self, inputs: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Return per-step scores (N, T, C); padded steps hold meaningless values."""
        hs, _ = self.read(inputs, mask)
        return self.head.forward(hs)

    def backward(self, dlogits: np.ndarray) -> None:
        """Backpropagate per-step logit gradients (zero on padded steps)."""
        self.read_backward(self.head.backward(dlogits))

    def _loss(self, batch, backward: bool) -> float:
        mask = getattr(batch, "mask", None)
        logits = self.forward(batch.inputs, _input_mask(batch))
        return cross_entropy_step(self, logits, batch.targets, logits.shape[:2],
                                  "one tag per step", backward, mask=mask)
