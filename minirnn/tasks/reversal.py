"""Reversal of random strings: ``"kqzfa"`` -> ``"afzqk"``.

The textbook case for attention: output step ``t`` needs exactly source position
``L - 1 - t``, so a trained model's attention map is the anti-diagonal, and a model without
attention must carry every character through one fixed-size state, which fails as the
strings grow. Letters are drawn uniformly from ``a..z``, lengths uniformly from
``[min_length, max_length]``; made offline from a seed.
"""

from __future__ import annotations

import string

import numpy as np

from minirnn._checks import check_positive_int, make_rng
from minirnn.data.vocab import Vocab
from minirnn.tasks.seq2seq import Seq2SeqBatch, encode_pairs, seq2seq_vocab, split_held_out

__all__ = ["LETTERS", "reversal_data", "reversal_pairs"]

LETTERS = string.ascii_lowercase


def reversal_pairs(
    n: int = 20_000,
    min_length: int = 5,
    max_length: int = 10,
    seed: int | np.random.Generator | None = 0,
) -> list[tuple[str, str]]:
    """``n`` pairs ``(s, s reversed)`` of random lower-case strings."""
    n = check_positive_int(n, "n")
    min_length = check_positive_int(min_length, "min_length")
    max_length = check_positive_int(max_length, "max_length")
    if max_length < min_length:
        raise ValueError(f"max_length must be >= min_length ({min_length}), got {max_length}")
    rng = make_rng(seed)
    lengths = rng.integers(min_length, max_length + 1, size=n)
    letters = np.array(list(LETTERS))
    pairs = []
    for length in lengths.tolist():
        text = "".join(letters[rng.integers(0, len(LETTERS), size=length)])
        pairs.append((text, text[::-1]))
    return pairs


def reversal_data(
    n: int = 20_000,
    min_length: int = 5,
    max_length: int = 10,
    test_fraction: float = 0.1,
    seed: int | np.random.Generator | None = 0,
) -> tuple[Seq2SeqBatch, Seq2SeqBatch, Vocab]:
    """Train and held-out batches of :func:`reversal_pairs` in the addition task's layout
    (``S``, ``E``, ``?`` then ``a..z``).

    Sources are padded with ``?`` on the *left* to ``max_length``, so that the encoder reads
    the string last and its final state comes right after the last character: the best case
    for a model without attention, which has to carry everything in that state (with right
    padding it would also have to carry it through the padding of every short string).
    """
    vocab = seq2seq_vocab(LETTERS)
    pairs = reversal_pairs(n, min_length, max_length, seed=seed)
    data = encode_pairs(pairs, vocab, max_length, max_length)
    lengths = np.array([len(source) for source, _ in pairs])
    # right-padded rows -> left-padded rows: row n moves right by its padding
    shift = max_length - lengths
    columns = (np.arange(max_length)[None, :] - shift[:, None]) % max_length
    data.inputs = np.take_along_axis(data.inputs, columns, axis=1)
    return (*split_held_out(data, test_fraction), vocab)
