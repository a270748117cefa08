"""A recurrent language model: tokens in, a distribution over the next token out.

``ids -> (Embedding | one-hot) -> RNN/LSTM/GRU (stacked) -> Dropout -> Linear -> softmax``.
The same class trains a character model on Shakespeare, a word model, a poem generator on
Chinese characters and the names generator; only the data and the vocabulary change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from minirnn._checks import (
    as_int_array,
    check_choice,
    check_float_dtype,
    check_number,
    check_positive_int,
    check_token_id,
    make_rng,
)
from minirnn.functional.activations import softmax
from minirnn.layers.base import Layer
from minirnn.layers.dropout import Dropout, check_dropout_probability
from minirnn.layers.embedding import Embedding
from minirnn.layers.linear import Linear
from minirnn.layers.registry import CELLS, recurrent_layer
from minirnn.losses import softmax_cross_entropy

# a recurrent state: (h,) for RNN/GRU, (h, c) for LSTM
State = tuple[np.ndarray, ...]


class LanguageModel(Layer):
    r"""Predict token :math:`x_{t+1}` from :math:`x_1, \dots, x_t` with a recurrent network.

    Parameters
    ----------
    vocab_size : int
        Number of token ids ``V``.
    hidden_size : int
        State size ``H`` of every recurrent layer.
    embedding_dim : int or None
        Size ``E`` of a learned :class:`~minirnn.layers.Embedding`; ``None`` feeds one-hot
        vectors of length ``V`` instead (the classic char-rnn input).
    cell : {"lstm", "gru", "rnn"}
        The recurrent cell.
    num_layers : int
        Number of stacked recurrent layers.
    dropout : float
        Dropout between stacked layers and on the last layer's output, in training mode.
    padding_idx : int, optional
        Passed to the embedding, so a ``<pad>`` id starts at zero and is never updated.
    seed : int or numpy.random.Generator, optional
        Source of every initial weight and dropout mask.
    dtype : numpy dtype
        Parameter dtype; float64 for gradient checks, float32 for speed.

    Notes
    -----
    For a batch of ids :math:`x` (N, T) and targets :math:`y` (N, T) (the ids shifted by one):

    .. math::

        e_t = W^{emb}_{x_t}, \qquad h_t = \mathrm{cell}(e_t, h_{t-1}), \qquad
        z_t = h_t W^{out} + b^{out}, \qquad
        L = -\frac{1}{|M|} \sum_{(n,t) \in M} \log \mathrm{softmax}(z_{n,t})_{y_{n,t}}

    where :math:`M` is the set of unmasked positions. Perplexity is :math:`e^{L}`.

    **State across batches.** With sequential partitioning, row ``n`` of batch ``k+1``
    continues row ``n`` of batch ``k``, so :meth:`forward_backward` starts from the final
    state of the previous batch. It does not backpropagate into it: that is truncated BPTT,
    and it is what ``detach`` means in autograd libraries; here the gradient ``dh0`` simply
    stops. A batch with ``reset_state=True`` (every batch of random partitioning, the first
    of each epoch of sequential partitioning) starts from zeros. Training and evaluation keep
    separate states, so a validation pass in the middle of an epoch does not disturb training.
    """

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int,
        embedding_dim: int | None = None,
        cell: str = "lstm",
        num_layers: int = 1,
        dropout: float = 0.0,
        padding_idx: int | None = None,
        seed: int | np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        check_choice(cell, tuple(CELLS), "cell")
        self.vocab_size = check_positive_int(vocab_size, "vocab_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.num_layers = check_positive_int(num_layers, "num_layers")
        self.dropout = check_dropout_probability(dropout, "dropout")
        self.cell = cell
        self.embedding_dim = (
            None if embedding_dim is None else check_positive_int(embedding_dim, "embedding_dim")
        )
        self.dtype = check_float_dtype(dtype)
        rng = make_rng(seed)
        if self.embedding_dim is not None:
            self.embed: Embedding | None = self.add_sublayer(
                "embed",
                Embedding(vocab_size, self.embedding_dim, padding_idx, seed=rng, dtype=dtype),
            )
            input_size = self.embedding_dim
        else:
            self.embed = None
            input_size = vocab_size
        self.rnn = self.add_sublayer(
            "rnn",
            recurrent_layer(
                cell, input_size, hidden_size, num_layers=num_layers,
                # between stacked layers only; a single layer would warn that it is unused
                dropout=dropout if num_layers > 1 else 0.0,
                seed=rng, dtype=dtype,
            ),
        )
        self.drop = self.add_sublayer("drop", Dropout(dropout, seed=rng))
        self.out = self.add_sublayer("out", Linear(hidden_size, vocab_size, seed=rng, dtype=dtype))
        self._states: dict[str, State | None] = {"train": None, "eval": None}

    # -- configuration ----------------------------------------------------------------
    def config(self) -> dict:
        """The constructor arguments (without seed), e.g. for checkpoint metadata."""
        return {
            "vocab_size": self.vocab_size,
            "hidden_size": self.hidden_size,
            "embedding_dim": self.embedding_dim,
            "cell": self.cell,
            "num_layers": self.num_layers,
            "dropout": self.dropout,
            "padding_idx": None if self.embed is None else self.embed.padding_idx,
            "dtype": self.dtype.name,
        }

    @classmethod
    def from_config(cls, config: dict, seed: int | None = None) -> LanguageModel:
        """Build an (untrained) model from :meth:`config`'s output."""
        kwargs = dict(config)
        kwargs["dtype"] = np.dtype(kwargs.get("dtype", "float64")).type
        return cls(seed=seed, **kwargs)

    # -- states -----------------------------------------------------------------------
    def zero_state(self, batch_size: int) -> State:
        """A zero state for ``batch_size`` sequences, shaped as the recurrent layer expects."""
        shape: tuple[int, ...] = (batch_size, self.hidden_size)
        if self.num_layers > 1:
            shape = (self.num_layers,) + shape
        return tuple(np.zeros(shape, dtype=self.dtype) for _ in self.rnn.state_names)

    def reset_state(self) -> None:
        """Forget the carried training and evaluation states."""
        self._states = {"train": None, "eval": None}

    def carried_state(self) -> dict[str, np.ndarray]:
        """Trainer protocol: the carried training and evaluation states, as named copies.

        Keys are ``"<mode>.h"`` (and ``"<mode>.c"`` for an LSTM) with mode ``train`` or
        ``eval``; a mode with no state yet is left out. :func:`~minirnn.train.fit` saves
        this in checkpoints, so a resumed run continues from the same state.
        """
        out = {}
        for mode, state in self._states.items():
            if state is not None:
                for name, array in zip(self._state_names(), state, strict=True):
                    out[f"{mode}.{name}"] = array.copy()
        return out

    def load_carried_state(self, state: dict[str, np.ndarray]) -> None:
        """Trainer protocol: restore what :meth:`carried_state` returned (``{}``: no state)."""
        names = self._state_names()
        unknown = sorted(set(state) - {f"{m}.{n}" for m in self._states for n in names})
        if unknown:
            raise ValueError(
                f"carried state keys must be '<train|eval>.<{'|'.join(names)}>' for a "
                f"{self.cell} model, got {unknown}"
            )
        restored: dict[str, State | None] = {}
        for mode in self._states:
            arrays = [state.get(f"{mode}.{name}") for name in names]
            if all(a is None for a in arrays):
                restored[mode] = None
            elif any(a is None for a in arrays):
                raise ValueError(f"the carried {mode} state needs all of {names}")
            else:
                if np.ndim(arrays[0]) < 2:
                    raise ValueError(
                        f"the carried {mode} state must be (N, H) or (layers, N, H), "
                        f"got shape {np.shape(arrays[0])}"
                    )
                # the batch size is whatever the state was saved with
                restored[mode] = self._check_state(arrays, np.shape(arrays[0])[-2])
        self._states = restored

    def _state_names(self) -> tuple[str, ...]:
        return self.rnn.state_names

    def _carried_state(self, key: str, batch) -> State:
        state = self._states[key]
        n = np.shape(batch.inputs)[0]
        stale = state is None or state[0].shape[-2] != n
        if getattr(batch, "reset_state", False) or stale:
            return self.zero_state(n)
        return state

    # -- forward and backward ---------------------------------------------------------
    def _check_ids(self, ids: np.ndarray, name: str) -> np.ndarray:
        ids = as_int_array(ids, name)
        if ids.ndim != 2:
            raise ValueError(f"{name} must have 2 dimensions (N, T), got shape {ids.shape}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocab_size):
            raise ValueError(
                f"{name} must lie in [0, {self.vocab_size}), got {ids.min()} to {ids.max()}"
            )
        return ids

    def _check_state(self, state: State, n: int) -> State:
        want = self.zero_state(n)
        if len(state) != len(want):
            raise ValueError(f"state must hold {len(want)} arrays for a {self.cell} model, got "
                             f"{len(state)}")
        for got, ref in zip(state, want, strict=True):
            if np.shape(got) != ref.shape:
                raise ValueError(f"state must have shape {ref.shape}, got {np.shape(got)}")
        return tuple(np.asarray(s, dtype=self.dtype) for s in state)

    def forward(self, ids: np.ndarray, state: State | None = None) -> tuple[np.ndarray, State]:
        """Return the logits (N, T, V) for ids (N, T) and the final state."""
        ids = self._check_ids(ids, "ids")
        state = self.zero_state(ids.shape[0]) if state is None else self._check_state(
            state, ids.shape[0]
        )
        if self.embed is not None:
            x = self.embed.forward(ids)
        else:
            # One-hot rows: the classic char-rnn input; x @ Wx then picks a row of Wx.
            x = np.eye(self.vocab_size, dtype=self.dtype)[ids]
        hs, final = self.rnn.forward(x, self.rnn.join_state(state))
        return self.out.forward(self.drop.forward(hs)), tuple(self.rnn.split_state(final))

    def backward(self, dlogits: np.ndarray) -> None:
        """Backpropagate the logits' gradient; the initial state gets none (truncated BPTT)."""
        dhs = self.drop.backward(self.out.backward(dlogits))
        dx = self.rnn.backward(dhs)
        if self.embed is not None:
            self.embed.backward(dx)

    def loss_and_grads(
        self,
        inputs: np.ndarray,
        targets: np.ndarray,
        mask: np.ndarray | None = None,
        state: State | None = None,
    ) -> tuple[float, State]:
        """Mean cross-entropy of ``targets`` given ``inputs``; ADDS the gradients.

        Returns the loss and the final state (to start the next chunk from).
        """
        targets = self._check_ids(targets, "targets")
        if np.shape(inputs) != targets.shape:
            raise ValueError(
                f"inputs and targets must have the same shape, got {np.shape(inputs)} "
                f"and {targets.shape}"
            )
        logits, final = self.forward(inputs, state)
        loss, dlogits = softmax_cross_entropy(logits, targets, mask=mask)
        self.backward(dlogits)
        return float(loss), final

    def forward_backward(self, batch) -> float:
        """Trainer protocol: loss of ``batch`` with gradients accumulated, state carried."""
        state = self._carried_state("train", batch)
        loss, final = self.loss_and_grads(batch.inputs, batch.targets, batch.mask, state)
        # Only the values move on: the next batch never backpropagates into this one.
        self._states["train"] = tuple(s.copy() for s in final)
        return loss

    def evaluate(self, batch) -> float:
        """Trainer protocol: loss of ``batch`` without gradients (dropout off)."""
        state = self._carried_state("eval", batch)
        with self.evaluating():
            logits, final = self.forward(batch.inputs, state)
        targets = self._check_ids(batch.targets, "targets")
        loss, _ = softmax_cross_entropy(logits, targets, mask=batch.mask)
        self._states["eval"] = tuple(s.copy() for s in final)
        return float(loss)

    # -- generation -------------------------------------------------------------------
    def next_token_probs(
        self, ids: Sequence[int], state: State | None = None, temperature: float = 1.0
    ) -> tuple[np.ndarray, State]:
        """Feed ``ids`` (one sequence) and return the next-token distribution and the state.

        The whole prefix goes through the network in one call ("warm-up"), dropout off.
        """
        if np.size(ids) == 0:  # checked first: an empty list has no integer dtype
            raise ValueError("ids must hold at least one id to condition on (e.g. a <bos> "
                             "id), got none")
        ids = as_int_array(ids, "ids").reshape(1, -1)
        with self.evaluating():
            logits, state = self.forward(ids, state)
        return softmax_with_temperature(logits[0, -1], temperature), state

    def generate(
        self,
        prefix: Sequence[int],
        max_new_tokens: int,
        *,
        greedy: bool = False,
        temperature: float = 1.0,
        top_k: int | None = None,
        eos_id: int | None = None,
        seed: int | np.random.Generator | None = None,
        return_probs: bool = False,
    ):
        """Continue ``prefix`` (token ids) by up to ``max_new_tokens`` tokens.

        Parameters
        ----------
        prefix : sequence of int
            The ids to warm up on (for a names model: ``<bos>`` and the given letters).
        max_new_tokens : int
            Length limit of the continuation.
        greedy : bool
            Take the most likely token at each step instead of sampling.
        temperature : float
            Divides the logits before the softmax: below 1 sharper, above 1 flatter.
        top_k : int, optional
            Sample only among the ``k`` most likely tokens (renormalised).
        eos_id : int, optional
            Stop after generating this id (it is included in the result).
        seed : int or numpy.random.Generator, optional
            Source of the samples.
        return_probs : bool
            Also return the (temperature-scaled) distribution each token was drawn from.

        Returns
        -------
        list of int, or (list of int, list of ndarray)
            The new ids only (the prefix is not repeated).
        """
        max_new_tokens = check_positive_int(max_new_tokens, "max_new_tokens")
        if top_k is not None:
            top_k = check_positive_int(top_k, "top_k")
        check_number(temperature, "temperature", 0.0, low_open=True)
        if eos_id is not None:
            check_token_id(eos_id, self.vocab_size, "eos_id")
        rng = make_rng(seed)
        probs, state = self.next_token_probs(prefix, None, temperature)
        new_ids: list[int] = []
        dists: list[np.ndarray] = []
        for step in range(max_new_tokens):
            token = pick_token(probs, rng, greedy=greedy, top_k=top_k)
            new_ids.append(token)
            dists.append(probs)
            if token == eos_id or step == max_new_tokens - 1:
                break
            probs, state = self.next_token_probs([token], state, temperature)
        return (new_ids, dists) if return_probs else new_ids


def softmax_with_temperature(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    r"""Return :math:`\mathrm{softmax}(z / \tau)` in float64 (overflow-safe)."""
    temperature = check_number(temperature, "temperature", 0.0, low_open=True)
    # float64 so that the probabilities handed to the sampler sum to 1 to its tolerance
    return softmax(np.asarray(logits, dtype=np.float64) / temperature)


def pick_token(
    probs: np.ndarray,
    rng: np.random.Generator,
    greedy: bool = False,
    top_k: int | None = None,
) -> int:
    """Choose an id from ``probs``: the argmax, or a sample (from the top ``k`` only)."""
    if top_k is not None:
        top_k = check_positive_int(top_k, "top_k")
    if greedy:
        return int(np.argmax(probs))
    if top_k is not None and top_k < probs.size:
        # Ties at the k-th value are broken by position, so exactly k ids survive.
        keep = np.argsort(-probs, kind="stable")[:top_k]
        trimmed = np.zeros_like(probs)
        trimmed[keep] = probs[keep]
        probs = trimmed / trimmed.sum()
    return int(rng.choice(probs.size, p=probs))


def perplexity(model: LanguageModel, batches: Iterable) -> tuple[float, float]:
    """Mean validation loss (nats per token) and its perplexity ``exp(loss)``.

    Each batch's mean loss is weighted by its number of scored (unmasked) tokens, so the
    result is the mean over tokens, not over batches.
    """
    total, count = 0.0, 0
    for batch in batches:
        n = int(np.size(batch.targets) if batch.mask is None else np.count_nonzero(batch.mask))
        total += model.evaluate(batch) * n
        count += n
    if count == 0:
        raise ValueError("perplexity needs at least one scored token, got none")
    loss = total / count
    return loss, float(np.exp(loss))


def generate_text(
    model: LanguageModel,
    vocab,
    prefix: str | Sequence[str] = "",
    length: int = 200,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    greedy: bool = False,
    seed: int | np.random.Generator | None = None,
) -> str:
    """Continue a text prefix with ``model`` and return prefix + continuation as text.

    The same signature as :func:`minirnn.models.char_rnn.generate_text`.

    Parameters
    ----------
    model : LanguageModel
    vocab : minirnn.data.Vocab
        The vocabulary the model was trained with (character or word level).
    prefix : str or list of str
        The start: text, or a list of tokens. When the vocabulary has ``<bos>`` it is put in
        front, so an empty prefix works for models trained on ``<bos> ... <eos>``
        sequences.
    length : int
        Length limit of the continuation; generation also stops at ``<eos>``.
    temperature, top_k, greedy, seed
        As in :meth:`LanguageModel.generate`.

    Returns
    -------
    str
        Decoded with the vocabulary's separator, special tokens left out.
    """
    length = check_positive_int(length, "length")
    ids = [int(i) for i in vocab.encode(prefix)]
    if vocab.bos_id is not None:
        ids = [vocab.bos_id] + ids
    if not ids:
        raise ValueError("prefix must not be empty when vocab has no <bos> to start from, "
                         "got ''")
    new = model.generate(ids, length, eos_id=vocab.eos_id, temperature=temperature,
                         top_k=top_k, greedy=greedy, seed=seed)
    return vocab.decode(ids + new, skip_specials=True)
