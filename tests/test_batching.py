"""Batch iterators: coverage per epoch, state semantics, offsets, splits, padding and masks.

The streams are ``np.arange(L)``, so a token id is its own position and every check on ids
is a check on which positions of the text landed where.
"""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.data import (
    Batch,
    LMBatches,
    pad_sequences,
    padded_batches,
    random_batches,
    sequential_batches,
    train_val_split,
)

SCHEMES = {"sequential": sequential_batches, "random": random_batches}


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("length,batch_size,num_steps", [(1000, 4, 7), (97, 3, 5), (31, 2, 5)])
def test_every_usable_token_once_per_epoch(scheme, length, batch_size, num_steps):
    stream = np.arange(length)
    for seed in range(5):
        batches = list(SCHEMES[scheme](stream, batch_size, num_steps, rng=seed))
        assert batches, "at least one batch"
        for b in batches:
            assert b.inputs.shape == b.targets.shape == (batch_size, num_steps)
            np.testing.assert_array_equal(b.targets, b.inputs + 1)  # next token
        seen = np.concatenate([b.inputs.ravel() for b in batches])
        assert np.unique(seen).size == seen.size  # nothing twice
        offset = seen.min() % num_steps if scheme == "random" else seen.min()
        assert 0 <= offset < num_steps
        if scheme == "sequential":
            # all tokens from the offset on, up to what fills whole (N, T) batches
            rows = (length - offset - 1) // batch_size // num_steps * num_steps
            np.testing.assert_array_equal(np.sort(seen), offset + np.arange(batch_size * rows))
        else:
            # whole subsequences aligned on the offset grid; only K mod N of them left out
            starts = np.concatenate([b.inputs[:, 0] for b in batches])
            assert np.all((starts - offset) % num_steps == 0)
            k = (length - offset - 1) // num_steps
            assert len(starts) == k // batch_size * batch_size
            for b in batches:
                np.testing.assert_array_equal(b.inputs, b.inputs[:, :1] + np.arange(num_steps))


def test_sequential_rows_continue_and_state_resets_only_first():
    batches = list(sequential_batches(np.arange(500), 4, 6, rng=1))
    assert [b.reset_state for b in batches] == [True] + [False] * (len(batches) - 1)
    for prev, nxt in zip(batches, batches[1:], strict=False):
        # row r of batch i+1 starts right after row r of batch i ended
        np.testing.assert_array_equal(nxt.inputs[:, 0], prev.inputs[:, -1] + 1)
        np.testing.assert_array_equal(nxt.inputs[:, 0], prev.targets[:, -1])


def test_random_batches_always_reset_and_are_shuffled():
    batches = list(random_batches(np.arange(2000), 4, 5, rng=0))
    assert all(b.reset_state for b in batches)
    starts = np.concatenate([b.inputs[:, 0] for b in batches])
    assert not np.all(np.diff(starts) > 0)  # not in stream order


@pytest.mark.parametrize("scheme", SCHEMES)
def test_offset_changes_between_epochs_and_seed_reproduces(scheme):
    data = LMBatches(np.arange(300), 2, 10, scheme=scheme, seed=7)
    firsts = [next(iter(data)).inputs.copy() for _ in range(8)]
    assert len({f.min() % 10 for f in firsts}) > 1  # several offsets over 8 epochs
    again = LMBatches(np.arange(300), 2, 10, scheme=scheme, seed=7)
    for f in firsts:
        np.testing.assert_array_equal(next(iter(again)).inputs, f)


def test_lm_batches_len_and_reiteration():
    data = LMBatches(np.arange(1001), batch_size=5, num_steps=10, seed=0)
    assert len(data) == 20
    counts = [sum(1 for _ in data) for _ in range(6)]
    assert all(c in (19, 20) for c in counts)


def test_short_stream_and_bad_input():
    with pytest.raises(ValueError, match="at least 21 tokens"):
        list(sequential_batches(np.arange(20), 4, 5))
    # exactly enough: one batch, offset forced to 0
    (only,) = list(random_batches(np.arange(21), 4, 5, rng=3))
    assert only.inputs.min() == 0
    with pytest.raises(TypeError, match="integers"):
        list(sequential_batches(np.linspace(0, 1, 50), 2, 3))
    with pytest.raises(ValueError, match="1-D"):
        list(sequential_batches(np.zeros((5, 10), dtype=int), 2, 3))
    with pytest.raises(ValueError, match="scheme"):
        LMBatches(np.arange(50), 2, 3, scheme="shuffled")


def test_train_val_split_contiguous_and_shuffled():
    stream = np.arange(100)
    train, val = train_val_split(stream, 0.1)
    np.testing.assert_array_equal(train, np.arange(90))
    np.testing.assert_array_equal(val, np.arange(90, 100))
    words = [f"w{i}" for i in range(50)]
    a_train, a_val = train_val_split(words, 0.2, shuffle=True, rng=0)
    b_train, b_val = train_val_split(words, 0.2, shuffle=True, rng=0)
    assert (a_train, a_val) == (b_train, b_val) and len(a_val) == 10
    assert sorted(a_train + a_val) == sorted(words) and a_val != words[40:]
    with pytest.raises(ValueError, match="empty"):
        train_val_split([1, 2], 0.1)


def test_pad_sequences():
    padded, mask = pad_sequences([[5, 6, 7], [8], []], pad_id=0)
    np.testing.assert_array_equal(padded, [[5, 6, 7], [8, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(mask, [[1, 1, 1], [1, 0, 0], [0, 0, 0]])
    assert mask.dtype == bool
    padded, _ = pad_sequences([[1]], pad_id=9, length=3)
    np.testing.assert_array_equal(padded, [[1, 9, 9]])
    with pytest.raises(ValueError, match="longer than length=2"):
        pad_sequences([[1, 2, 3]], 0, length=2)


def test_padded_lm_batches_cover_everything_once():
    rng = np.random.default_rng(0)
    seqs = [list(rng.integers(3, 20, size=rng.integers(2, 9))) for _ in range(23)]
    batches = list(padded_batches(seqs, batch_size=5, pad_id=0, rng=1))
    assert [b.inputs.shape[0] for b in batches] == [5, 5, 5, 5, 3]
    rebuilt = []
    for b in batches:
        assert isinstance(b, Batch) and b.reset_state
        assert b.mask.shape == b.targets.shape == b.inputs.shape
        assert b.inputs.shape[1] == b.mask.sum(axis=1).max()  # padded to the batch's longest
        np.testing.assert_array_equal(b.targets[~b.mask], 0)
        for row in range(b.inputs.shape[0]):
            n = b.mask[row].sum()
            rebuilt.append(tuple(b.inputs[row, :n]) + (b.targets[row, n - 1],))
            np.testing.assert_array_equal(b.inputs[row, 1:n], b.targets[row, : n - 1])
    assert sorted(rebuilt) == sorted(tuple(s) for s in seqs)


def test_padded_batches_shuffle_is_seeded():
    seqs = [[i, i + 1, i + 2] for i in range(40)]
    first = [b.inputs[:, 0].tolist() for b in padded_batches(seqs, batch_size=8, rng=3)]
    again = [b.inputs[:, 0].tolist() for b in padded_batches(seqs, batch_size=8, rng=3)]
    other = [b.inputs[:, 0].tolist() for b in padded_batches(seqs, batch_size=8, rng=4)]
    plain = [b.inputs[:, 0].tolist() for b in padded_batches(seqs, batch_size=8, shuffle=False)]
    assert first == again and first != other
    assert plain[0] == list(range(8))


def test_bucketing_reduces_padding():
    rng = np.random.default_rng(2)
    seqs = [list(range(1, int(n) + 1)) for n in rng.integers(2, 30, size=200)]

    def padding(**kw):
        return sum((~b.input_mask).sum() for b in padded_batches(seqs, batch_size=16, rng=0, **kw))

    assert padding(bucket=True) < padding(bucket=False) / 3
    bucketed = padded_batches(seqs, batch_size=16, rng=0, bucket=True)
    lengths = [b.input_mask.sum(axis=1) for b in bucketed]
    assert all(ls.max() - ls.min() <= 3 for ls in lengths)  # similar lengths together


def test_pairs_and_labels():
    src = [[4, 5, 6], [7]]
    tgt = [[8, 1], [9, 9, 9, 1]]
    (b,) = list(padded_batches(src, tgt, batch_size=2, pad_id=0, target_pad_id=2, shuffle=False))
    np.testing.assert_array_equal(b.inputs, [[4, 5, 6], [7, 0, 0]])
    np.testing.assert_array_equal(b.targets, [[8, 1, 2, 2], [9, 9, 9, 1]])
    np.testing.assert_array_equal(b.mask, [[1, 1, 0, 0], [1, 1, 1, 1]])
    np.testing.assert_array_equal(b.input_mask, [[1, 1, 1], [1, 0, 0]])

    (c,) = list(padded_batches(src, np.array([1, 0]), batch_size=2, shuffle=False))
    np.testing.assert_array_equal(c.targets, [1, 0])
    np.testing.assert_array_equal(c.mask, c.input_mask)  # classification: mask = valid inputs
    with pytest.raises(ValueError, match=r"targets must have one entry per sequence \(2\), got 3"):
        list(padded_batches(src, [1, 0, 1]))
    with pytest.raises(ValueError, match="at least 2 ids"):
        list(padded_batches([[1, 2], [3]]))
