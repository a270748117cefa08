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

``attention="dot" | "general" | "additive"`` lets the decoder look at every encoder state at
every step (:class:`minirnn.layers.attention.Attention`) and concatenates the context with
the decoder state before the output layer; ``input_feeding=True`` also feeds each step's
context into the next step's input. The encoder may be bidirectional and stacked. Greedy
and beam-search decoding live in :mod:`minirnn.models.seq2seq_decoding`.
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import (
    check_choice,
    check_float_dtype,
    check_positive_int,
    check_token_id,
    make_rng,
)
from minirnn.functional.attention import SCORES
from minirnn.layers.attention import Attention
from minirnn.layers.base import Layer
from minirnn.layers.embedding import Embedding
from minirnn.layers.linear import Linear
from minirnn.layers.registry import check_cell, recurrent_layer
from minirnn.models.seq2seq_decoding import beam_search, greedy_decode


# -- the one place that knows how a recurrent layer takes and returns its states ----------
def run_recurrent(layer, x: np.ndarray, states: list | None) -> tuple[np.ndarray, list]:
    """``(hs, final states)`` of ``layer`` over ``x``; states as a list in ``state_names`` order."""
    hs, final = layer.forward(x, None if states is None else layer.join_state(states))
    return hs, layer.split_state(final)


def backward_recurrent(layer, dhs: np.ndarray, dfinals: list) -> tuple[np.ndarray, list]:
    """``(dx, gradients of the initial states)`` of ``layer``'s last forward."""
    dx = layer.backward(dhs, layer.join_state(dfinals))
    return dx, layer.split_state(layer.dstate)


def state_names(layer) -> tuple[str, ...]:
    """The recurrent states of a layer, ``("h",)`` or ``("h", "c")``."""
    return layer.state_names


class Seq2Seq(Layer):
    r"""Encoder RNN/LSTM/GRU -> decoder RNN/LSTM/GRU (optionally attending) -> linear layer.

    Parameters
    ----------
    vocab_size : int
        Token ids ``0 .. V-1``, shared by sources and targets.
    hidden_size : int
        ``H`` of the decoder; also the width of the encoder states (with a bidirectional
        encoder each direction has ``H/2`` units, so ``H`` must be even).
    embedding_dim : int, optional
        Size ``E`` of the (separate) encoder and decoder embeddings; ``None`` feeds one-hot
        rows (``E = V``) as the seed's course code does.
    cell : {"rnn", "lstm", "gru"}
        Cell of both encoder and decoder.
    peeky : bool
        Feed the encoder's final state to every decoder step and to the output layer.
    attention : {None, "dot", "general", "additive"}
        Attend over every encoder state at every decoder step (not together with peeky).
    input_feeding : bool
        With attention: concatenate the previous step's context to the decoder input.
    bidirectional : bool
        Bidirectional encoder; the final states of its two directions are concatenated to
        start the decoder, and its states are the attention keys.
    num_layers : int
        Stacked encoder layers; the decoder (one layer) starts from the top layer's states.
    attention_size : int, optional
        Hidden size ``A`` of additive scores (default ``H``).
    start_id, end_id, pad_id : int
        The start, end and padding tokens.
    seed : int or numpy.random.Generator, optional
        Source of the initial weights.
    dtype : numpy dtype
        Parameter dtype (float32 is fine for training, float64 for gradient checks).

    Notes
    -----
    Encoder over the source :math:`x_1..x_S` with states :math:`k_1..k_S` (the top layer's,
    directions concatenated) and final states :math:`h^e_S` (and :math:`c^e_S` for an LSTM).
    Decoder with inputs :math:`y_0 = \langle s \rangle, y_1, \dots, y_{T-1}`, started from
    :math:`h_0 = h^e_S`, :math:`c_0 = c^e_S`:

    .. math::

        h_t = \mathrm{cell}([e(y_{t-1});\ h^e_S;\ \tilde c_{t-1}], h_{t-1}), \qquad
        z_t = [h_t;\ h^e_S;\ \tilde c_t]\, W + b

    where the :math:`h^e_S` parts are present only when ``peeky``, :math:`\tilde c_t` (the
    context :math:`\sum_s a_{ts} k_s` of the attention over the non-padded source positions)
    only with ``attention``, and in the input only with ``input_feeding``
    (:math:`\tilde c_0 = 0`). The loss is
    :math:`\frac{1}{\sum m_t} \sum_t m_t \, (-\log \mathrm{softmax}(z_t)_{y_t})` with
    :math:`m_t = 0` on padding. In the backward pass the gradient reaching :math:`h^e_S`
    is the sum of the decoder's :math:`\partial L/\partial h_0` and, when peeky, the
    gradients of every copy of it; the keys collect the attention's gradients of every step.
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
        *,
        attention: str | None = None,
        input_feeding: bool = False,
        bidirectional: bool = False,
        num_layers: int = 1,
        attention_size: int | None = None,
    ) -> None:
        super().__init__()
        self.vocab_size = check_positive_int(vocab_size, "vocab_size")
        self.hidden_size = H = check_positive_int(hidden_size, "hidden_size")
        self.cell = check_cell(cell)
        self._set_options(peeky, attention, input_feeding, bidirectional, num_layers)
        self.start_id = check_token_id(start_id, self.vocab_size, "start_id")
        self.end_id = check_token_id(end_id, self.vocab_size, "end_id")
        self.pad_id = check_token_id(pad_id, self.vocab_size, "pad_id")
        self.dtype = check_float_dtype(dtype).type
        rng = make_rng(seed)
        if embedding_dim is None:
            self.embedding_dim = self.vocab_size
            self.encoder_embedding = self.decoder_embedding = None
        else:
            self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
            self.encoder_embedding = self.add_sublayer(
                "encoder_embedding", Embedding(vocab_size, embedding_dim, seed=rng, dtype=dtype)
            )
        E = self.embedding_dim
        encoder_hidden = H // 2 if self.bidirectional else H
        self.encoder = self.add_sublayer("encoder", recurrent_layer(
            self.cell, E, encoder_hidden, num_layers=self.num_layers,
            bidirectional=self.bidirectional, seed=rng, dtype=dtype))
        if embedding_dim is not None:
            self.decoder_embedding = self.add_sublayer(
                "decoder_embedding", Embedding(vocab_size, embedding_dim, seed=rng, dtype=dtype)
            )
        extra_in = H if (self.peeky or self.input_feeding) else 0
        extra_out = H if (self.peeky or self.attention) else 0
        self.decoder = self.add_sublayer(
            "decoder", recurrent_layer(self.cell, E + extra_in, H, seed=rng, dtype=dtype)
        )
        self.head = self.add_sublayer("head", Linear(H + extra_out, vocab_size, seed=rng,
                                                     dtype=dtype))
        self.attention_layer = None
        if self.attention:
            self.attention_layer = self.add_sublayer(
                "attention", Attention(self.attention, H, H, attention_size, seed=rng, dtype=dtype)
            )
        self._cache: tuple | None = None
        #: attention weights (N, T, S) of the last teacher-forced forward (with attention)
        self.last_attention: np.ndarray | None = None

    def _set_options(self, peeky, attention, input_feeding, bidirectional, num_layers) -> None:
        if attention is not None:
            check_choice(attention, SCORES, "attention")
        if peeky and attention:
            raise ValueError("peeky and attention are alternatives: attention already gives "
                             "every decoder step the encoder's states; choose one")
        if input_feeding and not attention:
            raise ValueError("input_feeding feeds the attention context back; it needs "
                             "attention='dot', 'general' or 'additive'")
        if bidirectional and self.hidden_size % 2:
            raise ValueError(f"a bidirectional encoder needs an even hidden_size (H/2 units "
                             f"per direction), got {self.hidden_size}")
        self.peeky, self.attention = bool(peeky), attention
        self.input_feeding, self.bidirectional = bool(input_feeding), bool(bidirectional)
        self.num_layers = check_positive_int(num_layers, "num_layers")

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

    def source_mask(self, source: np.ndarray) -> np.ndarray | None:
        """Where attention may look: the non-padding source positions (None without attention)."""
        return None if self.attention is None else source != self.pad_id

    def encode(self, source: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Run the encoder; return its states (N, S, H) and the decoder's initial states.

        The initial states are the top encoder layer's final states (directions
        concatenated), one (N, H) array per name in the cell's ``state_names``.
        """
        keys, finals = run_recurrent(self.encoder, self._embed(self.encoder_embedding, source),
                                     None)
        if not self.encoder.stacked:
            return keys, finals
        top = self.encoder.num_directions
        return keys, [np.concatenate(list(final[-top:]), axis=1) for final in finals]

    def _encoder_final_grads(self, dinitials: list[np.ndarray]) -> list[np.ndarray]:
        """Route the gradients of the decoder's initial states to the encoder's final states."""
        if not self.encoder.stacked:
            return dinitials
        top, He = self.encoder.num_directions, self.encoder.hidden_size
        out = []
        for d in dinitials:
            full = np.zeros(self.encoder.state_shape(d.shape[0]), dtype=d.dtype)
            for direction in range(top):
                full[len(full) - top + direction] = d[:, direction * He : (direction + 1) * He]
            out.append(full)
        return out

    def _peeky_copies(self, x: np.ndarray, h_enc: np.ndarray) -> np.ndarray:
        copies = np.broadcast_to(h_enc[:, None, :], x.shape[:2] + (self.hidden_size,))
        return np.concatenate([x, copies], axis=2)

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
        keys, initial = self.encode(source)
        mask = self.source_mask(source)
        x = self._embed(self.decoder_embedding, decoder_inputs)
        if self.input_feeding:
            features = self._fed_forward(x, initial, keys, mask)
        else:
            if self.peeky:
                x = self._peeky_copies(x, initial[0])
            hs, _ = run_recurrent(self.decoder, x, initial)
            features = hs
            if self.attention:
                context, self.last_attention = self.attention_layer.forward(hs, keys, mask)
                features = np.concatenate([hs, context], axis=2)
            elif self.peeky:
                features = self._peeky_copies(hs, initial[0])
        self._cache = (keys.shape, len(initial))
        return self.head.forward(features)

    def _fed_forward(self, x, initial, keys, mask) -> np.ndarray:
        """Input feeding: one decoder step at a time, each fed the previous context."""
        N, T, _ = x.shape
        context = np.zeros((N, self.hidden_size), dtype=x.dtype)
        states, hs, contexts, weights, self._step_caches = initial, [], [], [], []
        for t in range(T):
            step_input = np.concatenate([x[:, t], context], axis=1)[:, None]
            out, states = run_recurrent(self.decoder, step_input, states)
            context, step_weights = self.attention_layer.forward(out[:, 0], keys, mask)
            self._step_caches.append((self.decoder.cache, self.attention_layer.cache))
            hs.append(out[:, 0])
            contexts.append(context)
            weights.append(step_weights)
        self.last_attention = np.stack(weights, axis=1)
        return np.concatenate([np.stack(hs, axis=1), np.stack(contexts, axis=1)], axis=2)

    def _fed_backward(self, dfeatures: np.ndarray, num_states: int, keys_shape):
        """Backward of :meth:`_fed_forward`: (dx, initial-state grads, dkeys)."""
        H, E = self.hidden_size, self.embedding_dim
        N, T, _ = dfeatures.shape
        dx = np.zeros((N, T, E), dtype=dfeatures.dtype)
        dkeys = np.zeros(keys_shape, dtype=dfeatures.dtype)
        dcontext_fed = np.zeros((N, H), dtype=dfeatures.dtype)
        dstates: list = [None] * num_states
        for t in range(T - 1, -1, -1):
            self.decoder.cache, self.attention_layer.cache = self._step_caches[t]
            dquery = self.attention_layer.backward(dfeatures[:, t, H:] + dcontext_fed)
            dkeys += self.attention_layer.dkeys
            dh = (dfeatures[:, t, :H] + dquery)[:, None]
            dstep, dstates = backward_recurrent(self.decoder, dh, dstates)
            dx[:, t], dcontext_fed = dstep[:, 0, :E], dstep[:, 0, E:]
        return dx, dstates, dkeys

    def backward(self, dlogits: np.ndarray) -> None:
        """Backpropagate the gradient of the scores through decoder, attention and encoder."""
        if self._cache is None:
            raise RuntimeError("Seq2Seq.backward called before forward")
        keys_shape, num_states = self._cache
        H, E = self.hidden_size, self.embedding_dim
        dfeatures = self.head.backward(dlogits)
        dkeys = np.zeros(keys_shape, dtype=dlogits.dtype)
        dh_enc = 0.0
        if self.input_feeding:
            dx, dinitial, dkeys = self._fed_backward(dfeatures, num_states, keys_shape)
        else:
            dhs = dfeatures[..., :H]
            if self.attention:
                dhs = dhs + self.attention_layer.backward(dfeatures[..., H:])
                dkeys = self.attention_layer.dkeys
            elif self.peeky:
                dh_enc = dfeatures[..., H:].sum(axis=1)
            dx, dinitial = backward_recurrent(self.decoder, dhs, [None] * num_states)
            if self.peeky:
                dh_enc = dh_enc + dx[..., E:].sum(axis=1)
                dx = dx[..., :E]
        dinitial[0] = dinitial[0] + dh_enc
        if self.decoder_embedding is not None:
            self.decoder_embedding.backward(np.ascontiguousarray(dx))
        dsource, _ = backward_recurrent(self.encoder, dkeys,
                                        self._encoder_final_grads(dinitial))
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
        """Masked mean cross-entropy (nats per token) with teacher forcing; adds into ``grads``.

        ``batch.inputs`` are the sources (N, S); ``batch.targets`` (N, T) end with the end
        token and are padded with ``pad_id``; ``batch.mask`` (optional) marks valid steps
        (default: ``targets != pad_id``).
        """
        return self._loss(batch, backward=True)

    def evaluate(self, batch) -> float:
        """The same loss without gradients."""
        return self._loss(batch, backward=False)

    # -- inference -----------------------------------------------------------------------
    def decoder_step(self, token, states, context, keys, mask, h_enc):
        """One inference step: ``(logits (N, V), states, context, attention weights or None)``.

        ``context`` is the previous step's context (zeros at the start); it is only read with
        input feeding. ``h_enc`` is the encoder's final hidden state (read when peeky).
        """
        parts = [self._embed(self.decoder_embedding, token[:, None])[:, 0]]
        if self.input_feeding:
            parts.append(context)
        if self.peeky:
            parts.append(h_enc)
        hs, states = run_recurrent(self.decoder, np.concatenate(parts, axis=1)[:, None], states)
        features, weights = [hs[:, 0]], None
        if self.attention:
            context, weights = self.attention_layer.forward(hs[:, 0], keys, mask)
            features.append(context)
        elif self.peeky:
            features.append(h_enc)
        return self.head.forward(np.concatenate(features, axis=1)), states, context, weights

    def generate(self, source: np.ndarray, max_length: int = 20,
                 return_attention: bool = False):
        """Greedy decoding: feed back the most probable token until the end token.

        Returns one list of token ids per source row, without the end token (at most
        ``max_length`` tokens if no end token comes); with ``return_attention`` also one
        array (output length, S) of attention weights per row (output tokens as rows, the
        end token's row included when it came).
        """
        source = self._check_ids(source, "source")
        return greedy_decode(self, source, check_positive_int(max_length, "max_length"),
                             return_attention)

    def beam_search(self, source: np.ndarray, beam_width: int = 3,
                    max_length: int = 20) -> list[list[int]]:
        """Beam-search decoding: the most probable sequence among ``beam_width`` kept paths.

        With ``beam_width=1`` it gives exactly the greedy decoding. See
        :func:`minirnn.models.seq2seq_decoding.beam_search`.
        """
        source = self._check_ids(source, "source")
        return beam_search(self, source, check_positive_int(beam_width, "beam_width"),
                           check_positive_int(max_length, "max_length"))
