r"""An encoder-decoder (sequence to sequence) model with teacher forcing and greedy decoding.

The encoder reads the source; its final state starts the decoder, which is trained to emit
the target one token at a time (teacher forcing: at step ``t`` it is fed the true token
``t - 1``, starting from the start token) and, at inference, feeds back its own most
probable token until it emits the end token. The loss is masked: padding after the end
token of shorter targets counts for nothing.

``peeky=True`` also concatenates the encoder's final hidden state to the input of every
decoder step and to the input of the output layer, so the decoder never has to carry the
summary of the source through its own recurrence (the "peeky decoder" of Saito's *Deep
Learning from Scratch 2*, the NumPy reference for the addition benchmark).
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import check_float_dtype, check_positive_int, check_token_id, make_rng
from minirnn.layers.base import Layer
from minirnn.layers.embedding import Embedding
from minirnn.layers.linear import Linear
from minirnn.models.padded_rnn import check_cell, recurrent_layer


class Seq2Seq(Layer):
    r"""Encoder RNN/LSTM/GRU -> decoder RNN/LSTM/GRU -> linear layer over the vocabulary.

    Parameters
    ----------
    vocab_size : int
        Token ids ``0 .. V-1``, shared by sources and targets.
    hidden_size : int
        ``H`` of encoder and decoder.
    embedding_dim : int, optional
        Size ``E`` of the (separate) encoder and decoder embeddings; ``None`` feeds one-hot
        rows (``E = V``) as the seed's course code does.
    cell : {"rnn", "lstm", "gru"}
        Cell of both encoder and decoder.
    peeky : bool
        Feed the encoder's final state to every decoder step and to the output layer.
    start_id, end_id, pad_id : int
        The start, end and padding tokens.
    seed : int or numpy.random.Generator, optional
        Source of the initial weights.
    dtype : numpy dtype
        Parameter dtype (float32 is fine for training, float64 for gradient checks).

    Notes
    -----
    Encoder over the source :math:`x_1..x_S`: :math:`(h^e_S, c^e_S) = \mathrm{Enc}(x)`.
    Decoder with inputs :math:`y_0 = \langle s \rangle, y_1, \dots, y_{T-1}`, started from the
    encoder's final state, :math:`h_0 = h^e_S` (and :math:`c_0 = c^e_S` for an LSTM):

    .. math::

        h_t = \mathrm{cell}([e(y_{t-1});\ h^e_S], h_{t-1}), \qquad
        z_t = [h_t;\ h^e_S]\, W + b

    where the :math:`h^e_S` parts are present only when ``peeky``. The loss is
    :math:`\frac{1}{\sum m_t} \sum_t m_t \, (-\log \mathrm{softmax}(z_t)_{y_t})` with
    :math:`m_t = 0` on padding. In the backward pass the gradient reaching :math:`h^e_S`
    is the sum of the decoder's :math:`\partial L/\partial h_0` and, when peeky, the
    gradients of every copy of it.
    """

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int = 128,
        embedding_dim: int | None = 16,
        cell: str = "lstm",
        peeky: bool = False,
        start_id: int = 0,
        end_id: int = 1,
        pad_id: int = 2,
        seed: int | np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        self.vocab_size = check_positive_int(vocab_size, "vocab_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.cell = check_cell(cell)
        self.peeky = bool(peeky)
        self.start_id = check_token_id(start_id, self.vocab_size, "start_id")
        self.end_id = check_token_id(end_id, self.vocab_size, "end_id")
        self.pad_id = check_token_id(pad_id, self.vocab_size, "pad_id")
        self.dtype = check_float_dtype(dtype).type
        rng = make_rng(seed)
        H = self.hidden_size
        if embedding_dim is None:
            self.embedding_dim = self.vocab_size
            self.encoder_embedding = self.decoder_embedding = None
        else:
            self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
            self.encoder_embedding = self.add_sublayer(
                "encoder_embedding", Embedding(vocab_size, embedding_dim, seed=rng, dtype=dtype)
            )
        E = self.embedding_dim
        self.encoder = self.add_sublayer(
            "encoder", recurrent_layer(self.cell, E, H, seed=rng, dtype=dtype)
        )
        if embedding_dim is not None:
            self.decoder_embedding = self.add_sublayer(
                "decoder_embedding", Embedding(vocab_size, embedding_dim, seed=rng, dtype=dtype)
            )
        extra = H if self.peeky else 0
        self.decoder = self.add_sublayer(
            "decoder", recurrent_layer(self.cell, E + extra, H, seed=rng, dtype=dtype)
        )
        self.head = self.add_sublayer("head", Linear(H + extra, vocab_size, seed=rng, dtype=dtype))
        self._cache: tuple | None = None

    # -- pieces --------------------------------------------------------------------------
    def _check_ids(self, ids: object, name: str) -> np.ndarray:
        ids = np.asarray(ids)
        if not np.issubdtype(ids.dtype, np.integer):
            raise TypeError(f"{name} must be integer token ids, got dtype {ids.dtype}")
        if ids.ndim != 2 or ids.shape[1] == 0:
            raise ValueError(f"{name} must have shape (N, T) with T >= 1, got {ids.shape}")
        if ids.min() < 0 or ids.max() >= self.vocab_size:
            raise ValueError(
                f"{name} must lie in [0, {self.vocab_size}), "
                f"got values from {ids.min()} to {ids.max()}"
            )
        return ids

    def _embed(self, embedding: Embedding | None, ids: np.ndarray) -> np.ndarray:
        if embedding is None:
            return np.eye(self.vocab_size, dtype=self.dtype)[ids]
        return embedding.forward(ids)

    def encode(self, source: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Run the encoder; return its final hidden state (N, H) and cell state (or None)."""
        out = self.encoder.forward(self._embed(self.encoder_embedding, source))
        return out[1], (out[2] if self.cell == "lstm" else None)

    def _decoder_step_inputs(self, x: np.ndarray, h_enc: np.ndarray) -> np.ndarray:
        if not self.peeky:
            return x
        copies = np.broadcast_to(h_enc[:, None, :], x.shape[:2] + (self.hidden_size,))
        return np.concatenate([x, copies], axis=2)

    def _run_decoder(self, x: np.ndarray, h: np.ndarray, c: np.ndarray | None):
        if self.cell == "lstm":
            return self.decoder.forward(x, h0=h, c0=c)
        return self.decoder.forward(x, h0=h) + (None,)

    # -- passes --------------------------------------------------------------------------
    def forward(self, source: np.ndarray, decoder_inputs: np.ndarray) -> np.ndarray:
        """Teacher-forced scores (N, T, V) for every decoder step."""
        source = self._check_ids(source, "source")
        decoder_inputs = self._check_ids(decoder_inputs, "decoder_inputs")
        if decoder_inputs.shape[0] != source.shape[0]:
            raise ValueError(
                f"source and decoder_inputs must have the same batch size, got "
                f"{source.shape[0]} and {decoder_inputs.shape[0]}"
            )
        h_enc, c_enc = self.encode(source)
        x = self._decoder_step_inputs(self._embed(self.decoder_embedding, decoder_inputs), h_enc)
        hs, _, _ = self._run_decoder(x, h_enc, c_enc)
        features = self._decoder_step_inputs(hs, h_enc) if self.peeky else hs
        self._cache = (source.shape,)
        return self.head.forward(features)

    def backward(self, dlogits: np.ndarray) -> None:
        """Backpropagate the gradient of the scores through decoder and encoder."""
        if self._cache is None:
            raise RuntimeError("Seq2Seq.backward called before forward")
        (source_shape,) = self._cache
        H, E = self.hidden_size, self.embedding_dim
        dfeatures = self.head.backward(dlogits)
        if self.peeky:
            dhs, dh_enc = dfeatures[..., :H], dfeatures[..., H:].sum(axis=1)
        else:
            dhs, dh_enc = dfeatures, 0.0
        dx = self.decoder.backward(dhs)
        dh_enc = dh_enc + self.decoder.dh0
        dc_enc = self.decoder.dc0 if self.cell == "lstm" else None
        if self.peeky:
            dh_enc = dh_enc + dx[..., E:].sum(axis=1)
            dx = dx[..., :E]
        if self.decoder_embedding is not None:
            self.decoder_embedding.backward(np.ascontiguousarray(dx))
        N, S = source_shape
        zeros = np.zeros((N, S, H), dtype=dlogits.dtype)
        if self.cell == "lstm":
            dsource = self.encoder.backward(zeros, dh_last=dh_enc, dc_last=dc_enc)
        else:
            dsource = self.encoder.backward(zeros, dh_last=dh_enc)
        if self.encoder_embedding is not None:
            self.encoder_embedding.backward(dsource)

    # -- the model protocol ---------------------------------------------------------------
    def shift_right(self, targets: np.ndarray) -> np.ndarray:
        """Decoder inputs for teacher forcing: the start token, then targets[:, :-1]."""
        start = np.full((targets.shape[0], 1), self.start_id, dtype=targets.dtype)
        return np.concatenate([start, targets[:, :-1]], axis=1)

    def _loss(self, batch, backward: bool) -> float:
        from minirnn.losses import softmax_cross_entropy

        targets = self._check_ids(batch.targets, "targets")
        mask = getattr(batch, "mask", None)
        if mask is None:
            mask = targets != self.pad_id
        logits = self.forward(batch.inputs, self.shift_right(targets))
        loss, dlogits = softmax_cross_entropy(logits, targets, mask=mask)
        if backward:
            self.backward(dlogits)
        return float(loss)

    def forward_backward(self, batch) -> float:
        """Masked mean cross-entropy with teacher forcing; gradients added into ``grads``.

        ``batch.inputs`` are the sources (N, S); ``batch.targets`` (N, T) end with the end
        token and are padded with ``pad_id``; ``batch.mask`` (optional) marks valid steps
        (default: ``targets != pad_id``).
        """
        return self._loss(batch, backward=True)

    def evaluate(self, batch) -> float:
        """The same loss without gradients."""
        return self._loss(batch, backward=False)

    # -- inference -----------------------------------------------------------------------
    def generate(self, source: np.ndarray, max_length: int = 20) -> list[list[int]]:
        """Greedy decoding: feed back the most probable token until the end token.

        Returns one list of token ids per source row, without the end token (at most
        ``max_length`` tokens if no end token comes).
        """
        source = self._check_ids(source, "source")
        max_length = check_positive_int(max_length, "max_length")
        N = source.shape[0]
        h_enc, c_enc = self.encode(source)
        h, c = h_enc, c_enc
        token = np.full(N, self.start_id, dtype=np.int64)
        steps = []
        finished = np.zeros(N, dtype=bool)
        for _ in range(max_length):
            x = self._decoder_step_inputs(self._embed(self.decoder_embedding, token[:, None]),
                                          h_enc)
            hs, h, c = self._run_decoder(x, h, c)
            features = hs[:, 0]
            if self.peeky:
                features = np.concatenate([features, h_enc], axis=1)
            token = self.head.forward(features).argmax(axis=1)
            steps.append(token)
            finished |= token == self.end_id
            if finished.all():
                break
        out = []
        for row in np.stack(steps, axis=1).tolist():
            out.append(row[: row.index(self.end_id)] if self.end_id in row else row)
        return out
