"""Bad inputs to the data layer: vocabularies, batching, padding, splitting, corpora (issue 11).

Each case asserts the exception type and that the message names the argument.
"""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.data import (
    CharChunks,
    LMBatches,
    Vocab,
    array_batches,
    load_text,
    names,
    pad_sequences,
    padded_batches,
    random_batches,
    sequential_batches,
    train_val_split,
)

IDS = np.arange(100) % 7


def _all(iterable):
    return list(iterable)


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: _all(sequential_batches(IDS, 0, 5)), ValueError, "batch_size must be a positive"),
    (lambda: _all(sequential_batches(IDS, 2, -1)), ValueError, "num_steps must be a positive"),
    (lambda: _all(sequential_batches(IDS.astype(float), 2, 5)), TypeError,
     "ids must be integers, got dtype float64"),
    (lambda: _all(sequential_batches(IDS.reshape(10, 10), 2, 5)), ValueError, "ids must be a 1-D"),
    (lambda: _all(sequential_batches(IDS[:5], 2, 5)), ValueError, "too short for batch_size=2"),
    (lambda: _all(sequential_batches(IDS - 3, 2, 5)), ValueError, "ids must be token ids >= 0"),
    (lambda: _all(random_batches(IDS, 2, 0)), ValueError, "num_steps must be a positive"),
    (lambda: _all(random_batches(IDS, 2, 3, rng="x")), TypeError, "seed must be an int"),
    (lambda: LMBatches(IDS, 2, 5, scheme="zigzag"), ValueError, "unknown scheme 'zigzag'"),
    (lambda: LMBatches(IDS - 3, 2, 5), ValueError, "ids must be token ids >= 0"),
    (lambda: LMBatches(IDS, 2, 5, seed=-1), ValueError, "seed must be an int >= 0"),
    (lambda: LMBatches(IDS, 1.5, 5), ValueError, "batch_size must be a positive integer"),
    (lambda: CharChunks(IDS, 0), ValueError, "seq_length must be a positive integer"),
    (lambda: CharChunks(IDS.astype(float), 5), TypeError, "ids must be an integer array"),
    (lambda: CharChunks(["a", "b"], 5), TypeError, "ids must be an integer array"),
    (lambda: CharChunks(IDS[:3], 5), ValueError, r"at least seq_length \+ 1 = 6 tokens"),
    (lambda: CharChunks(IDS - 3, 5), ValueError, "ids must be token ids >= 0"),
    (lambda: train_val_split(IDS, 1.0), ValueError, r"val_fraction must be a number in \(0, 1\)"),
    (lambda: train_val_split(IDS, "0.1"), TypeError, "val_fraction must be a real number"),
    (lambda: train_val_split(IDS[:3], 0.01), ValueError, "leaves an empty train or validation"),
    (lambda: pad_sequences([], 0), ValueError, "no sequences to pad"),
    (lambda: pad_sequences([[0.5, 1.0]], 0), ValueError, "sequence 0 must be a 1-D list"),
    (lambda: pad_sequences([[1, 2, 3]], 0, length=2), ValueError, "longer than length=2"),
    (lambda: pad_sequences([[1, 2]], "x"), TypeError, "pad_id must be an integer id"),
    (lambda: _all(padded_batches([[1, 2]], batch_size=0, pad_id=0)), ValueError,
     "batch_size must be a positive"),
    (lambda: _all(padded_batches([[1, 2], [3]], targets=[1], batch_size=2, pad_id=0)),
     ValueError, "got 2 sequences but 1 targets"),
    (lambda: _all(array_batches(np.zeros((4, 2)), np.zeros(3), batch_size=2)), ValueError,
     "got 4 inputs but 3 targets"),
    (lambda: _all(array_batches(np.zeros((4, 2)), np.zeros(4), batch_size=0)), ValueError,
     "batch_size must be a positive"),
])
def test_batching_refuses_nonsense(call, error, words):
    with pytest.raises(error, match=words):
        call()


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: Vocab.from_text("abc").encode("abz"), ValueError, "not in the vocabulary"),
    (lambda: Vocab.from_text("abc").decode([0.5]), TypeError, "ids must be integers"),
    (lambda: Vocab.from_text("abc").decode([99]), IndexError, "id 99 out of range"),
    (lambda: Vocab([1, 2]), TypeError, "tokens must be str, got int"),
    (lambda: Vocab("abc"), TypeError, "use Vocab.from_text"),
    (lambda: Vocab.from_dict({**Vocab.from_text("ab").to_dict(), "itos": ["a", "a"]}),
     ValueError, "tokens must be distinct"),
    (lambda: Vocab(["a"], specials=["<pad>", "<pad>"]), ValueError, "specials must be distinct"),
    (lambda: Vocab.from_text("abc", min_freq=0), ValueError, "min_freq must be a positive"),
    (lambda: Vocab.from_text("abc", level="byte"), ValueError, "unknown level 'byte'"),
    (lambda: Vocab.from_text(123), TypeError, "text must be a str or a list of str, got int"),
    (lambda: Vocab.from_text(["ab", 3]), TypeError, "text must be a str or a list of str"),
    (lambda: Vocab.from_dict({"format": "x"}), ValueError, "not a minirnn vocabulary"),
])
def test_vocabularies_refuse_nonsense(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_corpora_refuse_nonsense(tmp_path):
    with pytest.raises(FileNotFoundError, match="no text file at"):
        load_text(tmp_path / "nope.txt")
    with pytest.raises(FileNotFoundError, match="no text file at"):
        load_text(tmp_path)
    (tmp_path / "t.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown text encoding 'klingon'"):
        load_text(tmp_path / "t.txt", encoding="klingon")
    (tmp_path / "b.bin").write_bytes(bytes(range(128, 256)))
    with pytest.raises(ValueError, match="is not valid utf-8 text"):
        load_text(tmp_path / "b.bin")
    with pytest.raises(ValueError, match="unknown kind 'klingon'"):
        names("klingon")
