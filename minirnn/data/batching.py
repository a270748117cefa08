"""Minibatches: language-model partitioning of one long token stream, and padded batches.

Language models read one long array of token ids. It is cut into (N, T) minibatches of
``batch_size`` rows and ``num_steps`` columns in one of two ways (as in d2l, §8.3):

* **sequential** -- the stream is first cut into ``N`` long rows, and batch ``i`` is columns
  ``i*T .. (i+1)*T`` of them. Row ``r`` of batch ``i+1`` continues exactly where row ``r`` of
  batch ``i`` stopped, so the model carries its hidden state from batch to batch (detached:
  truncated BPTT); ``reset_state`` is True only for the first batch of an epoch.
* **random** -- the stream is cut into subsequences of ``T`` tokens, which are shuffled and
  dealt out ``N`` at a time. Neighbouring rows and batches are unrelated, so the state is
  reset for every batch (``reset_state`` is always True).

Both start each epoch at a random offset in ``[0, T)``, so the cut points move from epoch to
epoch and every token is sometimes early and sometimes late in its subsequence. Targets are
the inputs shifted by one token.

Sets of separate sequences of different lengths (names, word pairs, labelled sentences) are
padded to the longest in their batch with ``pad_id`` and come with a boolean mask.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from minirnn._checks import as_int_array, check_choice, check_number, check_positive_int, make_rng

__all__ = [
    "Batch",
    "CharChunks",
    "sequential_batches",
    "random_batches",
    "LMBatches",
    "train_val_split",
    "pad_sequences",
    "padded_batches",
    "array_batches",
]


@dataclass
class Batch:
    """One minibatch.

    Attributes
    ----------
    inputs : ndarray of int, (N, T)
        Token ids fed to the model.
    targets : ndarray of int, (N, T) or (N,)
        What the model should predict: the next tokens, a target sequence, or one label per
        sequence.
    mask : ndarray of bool, optional
        True where the loss counts: same shape as ``targets`` when the targets are
        sequences; for one label per sequence it marks the valid (unpadded) input steps.
        None means everything is valid.
    reset_state : bool
        True when the model must start from a zero state rather than carry over the final
        state of the previous batch.
    input_mask : ndarray of bool (N, T), optional
        True on the real (unpadded) input steps of a padded batch.
    """

    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray | None = None
    reset_state: bool = False
    input_mask: np.ndarray | None = None


# -- language-model partitioning ------------------------------------------------------------


def _check_stream(ids: object, batch_size: int, num_steps: int) -> tuple[np.ndarray, int, int]:
    """The checked ``(ids, batch_size, num_steps)``; refuses a stream too short for a batch."""
    batch_size = check_positive_int(batch_size, "batch_size")
    num_steps = check_positive_int(num_steps, "num_steps")
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"ids must be a 1-D array of token ids, got shape {ids.shape}")
    if ids.size and not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"ids must be integers, got dtype {ids.dtype}")
    if ids.size and ids.min() < 0:
        raise ValueError(f"ids must be token ids >= 0, got a minimum of {ids.min()}")
    needed = batch_size * num_steps + 1
    if ids.size < needed:
        raise ValueError(
            f"a stream of {ids.size} tokens is too short for batch_size={batch_size} x "
            f"num_steps={num_steps}: at least {needed} tokens are needed"
        )
    return ids, batch_size, num_steps


def _random_offset(n_tokens: int, batch_size: int, num_steps: int, rng) -> int:
    """Offset in [0, num_steps), but never so large that not even one batch fits."""
    largest = min(num_steps - 1, n_tokens - 1 - batch_size * num_steps)
    return int(rng.integers(0, largest + 1))


def sequential_batches(
    ids: np.ndarray,
    batch_size: int,
    num_steps: int,
    rng: int | np.random.Generator | None = None,
) -> Iterator[Batch]:
    r"""One epoch of consecutive (N, T) batches whose rows continue from batch to batch.

    Parameters
    ----------
    ids : ndarray of int, (L,)
        The token stream.
    batch_size, num_steps : int
        ``N`` rows and ``T`` steps per batch.
    rng : int or numpy.random.Generator, optional
        Draws the epoch's offset; pass the same Generator every epoch to get new offsets.

    Yields
    ------
    Batch
        ``reset_state`` is True for the first batch only.

    Notes
    -----
    With offset :math:`o`, the usable tokens :math:`x_o, \dots, x_{o+NR-1}` (``R`` tokens a
    row, a multiple of ``T``) form an (N, R) matrix row by row; batch ``i`` is its columns
    ``iT .. iT+T-1``, its targets the same cells one token later in the stream.
    """
    ids, batch_size, num_steps = _check_stream(ids, batch_size, num_steps)
    offset = _random_offset(ids.size, batch_size, num_steps, make_rng(rng))
    row_length = (ids.size - offset - 1) // batch_size
    num_batches = row_length // num_steps
    row_length = num_batches * num_steps  # drop the ragged end, so every batch is full
    used = batch_size * row_length
    rows_in = ids[offset : offset + used].reshape(batch_size, row_length)
    rows_out = ids[offset + 1 : offset + 1 + used].reshape(batch_size, row_length)
    for i in range(num_batches):
        cols = slice(i * num_steps, (i + 1) * num_steps)
        yield Batch(rows_in[:, cols].copy(), rows_out[:, cols].copy(), reset_state=(i == 0))


def random_batches(
    ids: np.ndarray,
    batch_size: int,
    num_steps: int,
    rng: int | np.random.Generator | None = None,
) -> Iterator[Batch]:
    r"""One epoch of (N, T) batches of randomly chosen, non-overlapping subsequences.

    Parameters
    ----------
    ids, batch_size, num_steps
        The token stream, ``N`` rows and ``T`` steps, as in :func:`sequential_batches`.
    rng : int or numpy.random.Generator, optional
        Draws the offset and the shuffle.

    Yields
    ------
    Batch
        ``reset_state`` is always True: rows are unrelated to those of the previous batch.

    Notes
    -----
    With offset :math:`o`, subsequence ``k`` is :math:`x_{o+kT}, \dots, x_{o+kT+T-1}`. The
    ``K`` subsequences are shuffled and dealt ``N`` per batch; the last ``K mod N`` are left
    out this epoch (different ones each epoch).
    """
    ids, batch_size, num_steps = _check_stream(ids, batch_size, num_steps)
    rng = make_rng(rng)
    offset = _random_offset(ids.size, batch_size, num_steps, rng)
    num_subsequences = (ids.size - offset - 1) // num_steps
    starts = offset + num_steps * np.arange(num_subsequences)
    rng.shuffle(starts)
    steps = np.arange(num_steps)
    for i in range(num_subsequences // batch_size):
        chosen = starts[i * batch_size : (i + 1) * batch_size, None] + steps  # (N, T) positions
        yield Batch(ids[chosen], ids[chosen + 1], reset_state=True)


class LMBatches:
    """A re-iterable language-model batch source: each ``iter()`` is a new epoch.

    Parameters
    ----------
    ids : ndarray of int, (L,)
        The token stream.
    batch_size, num_steps : int
        ``N`` and ``T``.
    scheme : {"sequential", "random"}
        The partitioning (see the module notes).
    seed : int or numpy.random.Generator, optional
        One Generator is kept and drawn from every epoch, so the offsets differ between
        epochs and the whole run is reproducible from the seed.

    Examples
    --------
    >>> data = LMBatches(np.arange(100), batch_size=2, num_steps=5, seed=0)
    >>> [b.inputs.shape for b in data][:2]
    [(2, 5), (2, 5)]
    """

    def __init__(
        self,
        ids: np.ndarray,
        batch_size: int,
        num_steps: int,
        scheme: str = "sequential",
        seed: int | np.random.Generator | None = None,
    ) -> None:
        check_choice(scheme, ("sequential", "random"), "scheme")
        self.ids, self.batch_size, self.num_steps = _check_stream(ids, batch_size, num_steps)
        self.scheme = scheme
        self.rng = make_rng(seed)

    def __iter__(self) -> Iterator[Batch]:
        make = sequential_batches if self.scheme == "sequential" else random_batches
        return make(self.ids, self.batch_size, self.num_steps, self.rng)

    def __len__(self) -> int:
        """Batches in an epoch at offset 0 (an epoch at a larger offset may have one fewer)."""
        if self.scheme == "sequential":
            return (self.ids.size - 1) // self.batch_size // self.num_steps
        return (self.ids.size - 1) // self.num_steps // self.batch_size


class CharChunks:
    """min-char-rnn's partition of one token stream: consecutive chunks, one per update.

    Chunk ``k`` is ``inputs = ids[kS : kS+S]`` with ``targets = ids[kS+1 : kS+S+1]`` (1-D,
    ``S = seq_length``). An epoch ends, exactly as in min-char-rnn, when the next chunk would
    reach the last token (``p + S + 1 >= len(ids)``); the next epoch starts again at 0 with
    ``reset_state`` set, so the model restarts from a zero state. Re-iterable: each
    ``iter()`` is a new epoch, which is what :func:`minirnn.train.fit` expects.

    Raises
    ------
    ValueError
        If ``ids`` is not 1-D or holds fewer than ``seq_length + 1`` tokens.
    """

    def __init__(self, ids: np.ndarray, seq_length: int = 25) -> None:
        self.seq_length = S = check_positive_int(seq_length, "seq_length")
        self.ids = as_int_array(ids, "ids")
        if self.ids.size and self.ids.min() < 0:
            raise ValueError(f"ids must be token ids >= 0, got a minimum of {self.ids.min()}")
        if self.ids.ndim != 1 or self.ids.size < S + 1:
            raise ValueError(
                f"the corpus must hold at least seq_length + 1 = {S + 1} tokens (one chunk "
                f"of inputs plus its shifted targets), got {self.ids.size}"
            )

    def __iter__(self) -> Iterator[Batch]:
        ids, S = self.ids, self.seq_length
        for p in range(0, len(self) * S, S):
            yield Batch(ids[p:p + S], ids[p + 1:p + S + 1], reset_state=p == 0)

    def __len__(self) -> int:
        """Chunks per epoch: the first always, then every one with ``p + S + 1 < len(ids)``."""
        return max(1, -(-(self.ids.size - 1 - self.seq_length) // self.seq_length))


# -- splitting ------------------------------------------------------------------------------


def train_val_split(
    data: Sequence | np.ndarray,
    val_fraction: float = 0.1,
    shuffle: bool = False,
    rng: int | np.random.Generator | None = None,
) -> tuple:
    """Split into (train, validation), the validation part being ``val_fraction`` of it.

    Without ``shuffle`` the split is contiguous (the last part is validation): right for one
    token stream, where a random split would leak neighbouring text into validation. With
    ``shuffle`` items are permuted first by ``rng``: right for a set of separate sequences.
    Arrays come back as arrays, anything else as lists.
    """
    check_number(val_fraction, "val_fraction", 0.0, 1.0, low_open=True, high_open=True)
    n = len(data)
    n_val = int(round(n * val_fraction))
    if n_val == 0 or n_val == n:
        raise ValueError(
            f"val_fraction={val_fraction} of {n} items leaves an empty train or validation set"
        )
    order = make_rng(rng).permutation(n) if shuffle else np.arange(n)
    train_idx, val_idx = order[: n - n_val], order[n - n_val :]
    if isinstance(data, np.ndarray):
        if not shuffle:
            return data[: n - n_val], data[n - n_val :]
        return data[train_idx], data[val_idx]
    return [data[i] for i in train_idx], [data[i] for i in val_idx]


# -- padding --------------------------------------------------------------------------------


def pad_sequences(
    sequences: Sequence[Sequence[int]], pad_id: int, length: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Stack sequences of ids into an (N, L) array padded at the end, and its mask.

    ``L`` is ``length`` or the longest sequence. Returns ``(padded, mask)`` with ``mask``
    True on the real entries. A sequence longer than ``length`` raises a ValueError.
    """
    if isinstance(pad_id, bool) or not isinstance(pad_id, (int, np.integer)):
        raise TypeError(f"pad_id must be an integer id, got {type(pad_id).__name__} {pad_id!r}")
    arrays = [np.asarray(s) for s in sequences]
    if not arrays:
        raise ValueError("sequences must hold at least one sequence to pad, got none")
    for i, a in enumerate(arrays):
        if a.ndim != 1 or (a.size and not np.issubdtype(a.dtype, np.integer)):
            raise ValueError(
                f"sequence {i} must be a 1-D list of integer ids, got shape {a.shape} "
                f"dtype {a.dtype}"
            )
    lengths = np.array([a.size for a in arrays])
    longest = int(lengths.max())
    width = longest if length is None else int(length)
    if width < longest:
        raise ValueError(f"a sequence has {longest} ids, longer than length={width}")
    padded = np.full((len(arrays), width), pad_id, dtype=np.int64)
    for i, a in enumerate(arrays):
        padded[i, : a.size] = a
    mask = np.arange(width)[None, :] < lengths[:, None]
    return padded, mask


def padded_batches(
    sequences: Sequence[Sequence[int]],
    targets: Sequence | np.ndarray | None = None,
    *,
    batch_size: int = 32,
    pad_id: int = 0,
    target_pad_id: int | None = None,
    shuffle: bool = True,
    rng: int | np.random.Generator | None = None,
    bucket: bool = False,
    drop_last: bool = False,
) -> Iterator[Batch]:
    """One epoch of padded batches from a set of variable-length sequences.

    Parameters
    ----------
    sequences : list of lists of int
        Token ids per example (e.g. ``<bos> + name + <eos>`` encoded).
    targets : list of lists of int, or array of int labels, optional
        * None: language modelling on each sequence -- inputs ``s[:-1]``, targets ``s[1:]``,
          ``mask`` marks real target steps.
        * one sequence per example (translations, tags): padded with ``target_pad_id``
          (default ``pad_id``); ``mask`` marks the real target steps.
        * one integer label per example (classification): targets are (N,), and ``mask``
          marks the real input steps.
    batch_size : int
    pad_id, target_pad_id : int
        Fill values for inputs and for target sequences.
    shuffle : bool
        Shuffle the examples (and, with ``bucket``, the batch order) with ``rng``.
    rng : int or numpy.random.Generator, optional
    bucket : bool
        Group examples of similar length into the same batch to waste less padding.
    drop_last : bool
        Drop a final batch smaller than ``batch_size``.

    Yields
    ------
    Batch
        With ``input_mask`` (N, T) always set and ``reset_state=True``.
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    sequences = [np.asarray(s) for s in sequences]
    n = len(sequences)
    if n == 0:
        raise ValueError("sequences must hold at least one sequence, got none")
    labels = None
    if targets is None:
        short = [i for i, s in enumerate(sequences) if s.size < 2]
        if short:
            raise ValueError(
                f"language-model sequences need at least 2 ids (input and next); "
                f"sequence {short[0]} has {sequences[short[0]].size}"
            )
        inputs_all = [s[:-1] for s in sequences]
        targets_all = [s[1:] for s in sequences]
    else:
        if not hasattr(targets, "__len__"):
            raise TypeError(
                f"targets must be a list or array (one per sequence), got {type(targets).__name__}"
            )
        if len(targets) != n:
            raise ValueError(f"targets must have one entry per sequence ({n}), got {len(targets)}")
        inputs_all = sequences
        first = np.asarray(targets[0])
        if first.ndim == 0:
            labels = np.asarray(targets)
            if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
                raise ValueError(f"targets (labels) must be a 1-D integer array, got shape "
                                 f"{labels.shape}")
            targets_all = None
        else:
            targets_all = [np.asarray(t) for t in targets]
    target_pad = pad_id if target_pad_id is None else target_pad_id

    rng = make_rng(rng)
    order = rng.permutation(n) if shuffle else np.arange(n)
    if bucket:
        # stable sort of the (shuffled) order by length: equal lengths stay in random order
        lengths = np.array([inputs_all[i].size for i in order])
        order = order[np.argsort(lengths, kind="stable")]
    chunks = [order[i : i + batch_size] for i in range(0, n, batch_size)]
    if drop_last and chunks and chunks[-1].size < batch_size:
        chunks.pop()
    if bucket and shuffle:
        chunks = [chunks[i] for i in rng.permutation(len(chunks))]

    for chunk in chunks:
        inputs, input_mask = pad_sequences([inputs_all[i] for i in chunk], pad_id)
        if labels is not None:
            yield Batch(inputs, labels[chunk], input_mask, True, input_mask)
        else:
            tgt, tgt_mask = pad_sequences([targets_all[i] for i in chunk], target_pad)
            yield Batch(inputs, tgt, tgt_mask, True, input_mask)


def array_batches(
    inputs: np.ndarray,
    targets: np.ndarray,
    *,
    batch_size: int = 32,
    shuffle: bool = True,
    rng: int | np.random.Generator | None = None,
    mask: np.ndarray | None = None,
) -> Iterator[Batch]:
    """One epoch of minibatches from arrays whose first axis indexes the examples.

    For examples that are padded to one width already (fixed-width sums, image rows, encoded
    source/target pairs): the batches are slices of ``inputs``, ``targets`` and ``mask`` (if
    given, e.g. the valid target steps) in a shuffled order. Pass
    ``lambda: array_batches(..., rng=data_rng)`` to :func:`minirnn.train.fit` for a fresh
    order every epoch.
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    inputs, targets = np.asarray(inputs), np.asarray(targets)
    if len(inputs) != len(targets):
        raise ValueError(f"targets must have one entry per input ({len(inputs)}), got "
                         f"{len(targets)} targets for {len(inputs)} inputs")
    if len(inputs) == 0:
        raise ValueError("inputs must hold at least one example, got none")
    order = make_rng(rng).permutation(len(inputs)) if shuffle else np.arange(len(inputs))
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        yield Batch(inputs[chunk], targets[chunk], None if mask is None else mask[chunk], True)
