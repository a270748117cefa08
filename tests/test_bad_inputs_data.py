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
    (lambda: pad_sequences([], 0), ValueError,
     "sequences must hold at least one sequence to pad, got none"),
    (lambda: pad_sequences([[0.5, 1.0]], 0), ValueError, "sequence 0 must be a 1-D list"),
    (lambda: pad_sequences([[1, 2, 3]], 0, length=2), ValueError, "longer than length=2"),
    (lambda: pad_sequences([[1, 2]], "x"), TypeError, "pad_id must be an integer id"),
    (lambda: _all(padded_batches([[1, 2]], batch_size=0, pad_id=0)), ValueError,
     "batch_size must be a positive"),
    (lambda: _all(padded_batches([[1, 2], [3]], targets=[1], batch_size=2, pad_id=0)),
     ValueError, r"targets must have one entry per sequence \(2\), got 1"),
    (lambda: _all(array_batches(np.zeros((4, 2)), np.zeros(3), batch_size=2)), ValueError,
     r"targets must have one entry per input \(4\), got 3 targets for 4 inputs"),
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


# ---------------------------------------------------------------- generated tasks, metrics, plots


def _tasks():
    import importlib

    modules = ("binary_addition", "carry", "dates", "image_rows", "name_gender", "names",
               "poems", "reversal", "seq2seq")
    return {m: importlib.import_module(f"minirnn.tasks.{m}") for m in modules}


T = _tasks()
SHORT_VOCAB = T["names"].names_vocab(["Anna"])

#: (call, exception, words the message must contain)
TASK_CASES = [
    (lambda: T["binary_addition"].bits_to_int(np.array([0.5, 1.0])), TypeError,
     "bits_msb_first must be an integer array, got dtype float64"),
    (lambda: T["binary_addition"].bits_to_int(np.array([0, 2, 1])), ValueError,
     "bits_msb_first must hold only 0 and 1, got values from 0 to 2"),
    (lambda: T["binary_addition"].bits_to_int(np.zeros((2, 3), int)), ValueError,
     "bits_msb_first must have 1 dimension (bits,), got shape (2, 3)"),
    (lambda: T["binary_addition"].addition_batch(2, 4, "rng"), TypeError,
     "rng must be a Generator, got str 'rng'"),
    (lambda: T["binary_addition"].addition_batch(0, 4, np.random.default_rng(0)), ValueError,
     "n must be a positive integer, got 0"),
    (lambda: next(T["binary_addition"].addition_batches(0, 4, np.random.default_rng(0))),
     ValueError, "batch_size must be a positive integer, got 0"),
    (lambda: T["carry"].to_digits(np.array([12]), 0), ValueError,
     "steps must be a positive integer, got 0"),
    (lambda: T["carry"].to_digits(np.array([1.5]), 3), TypeError,
     "numbers must be an integer array, got dtype float64"),
    (lambda: T["carry"].to_digits(np.array([-12]), 3), ValueError,
     "numbers must be non-negative, got -12"),
    (lambda: T["carry"].to_digits(np.array([123]), 2), ValueError,
     "numbers must have at most steps=2 digits, got 123"),
    (lambda: T["carry"].from_digits(np.array([[0.5]])), TypeError,
     "digits must be an integer array, got dtype float64"),
    (lambda: T["carry"].carry_chain(-1, 3), ValueError, "a must be an integer >= 0, got -1"),
    (lambda: T["carry"].carry_chain(1, 2.5), ValueError, "b must be an integer >= 0, got 2.5"),
    (lambda: T["carry"].longest_carry_chain(0), ValueError,
     "width must be a positive integer, got 0"),
    (lambda: T["carry"].accuracy_by_width(np.zeros((3, 2), int),
                                          T["carry"].addition_set(8, 2, seed=0)),
     ValueError, "predicted must have shape (8, 3), got (3, 2)"),
    (lambda: T["dates"].date_pairs(0), ValueError, "n must be a positive integer, got 0"),
    (lambda: T["dates"].date_pairs(5, seed="x"), TypeError,
     "seed must be an int >= 0, a numpy.random.Generator or None, got str 'x'"),
    (lambda: T["dates"].dates_data(10, test_fraction=1.5), ValueError,
     "test_fraction must be in (0, 1), got 1.5"),
    (lambda: T["image_rows"].split_images(np.zeros((10, 8, 8)), np.zeros(9, int)), ValueError,
     "labels must hold one label per image (10), got 9"),
    (lambda: T["image_rows"].split_images(np.zeros((10, 8, 8)), np.zeros(10, int), 1.0),
     ValueError, "test_fraction must be in (0, 1), got 1.0"),
    (lambda: T["name_gender"].name_gender_data(test_fraction=2), ValueError,
     "test_fraction must be a number in (0, 1), got 2"),
    (lambda: T["names"].encode_names(["Anna"], "vocab"), TypeError,
     "vocab must be a Vocab, got str 'vocab'"),
    (lambda: T["names"].name_batches(["Anna"], SHORT_VOCAB, 0), ValueError,
     "batch_size must be a positive integer, got 0"),
    (lambda: T["names"].name_batches(["Anna"], SHORT_VOCAB, 2, "r"), TypeError,
     "rng must be an int >= 0, a numpy.random.Generator or None, got str 'r'"),
    (lambda: T["poems"].poem_sequences(["春"], "vocab"), TypeError,
     "vocab must be a Vocab, got str 'vocab'"),
    (lambda: T["poems"].line_in_form("春风，", 0, 0), ValueError,
     "chars_per_line must be a positive integer, got 0"),
    (lambda: T["poems"].line_in_form(3, 0, 5), TypeError, "line must be a str, got int 3"),
    (lambda: T["poems"].form_share(["春风，"], -5), ValueError,
     "chars_per_line must be a positive integer, got -5"),
    (lambda: T["reversal"].reversal_pairs(0), ValueError, "n must be a positive integer, got 0"),
    (lambda: T["reversal"].reversal_pairs(5, min_length=6, max_length=3), ValueError,
     "max_length must be >= min_length (6), got 3"),
    (lambda: T["reversal"].reversal_data(10, test_fraction=1.5), ValueError,
     "test_fraction must be in (0, 1), got 1.5"),
    (lambda: T["seq2seq"].encode_pairs([("ab", "ba")], T["seq2seq"].toy_vocab(), 0, 2),
     ValueError, "source_length must be a positive integer, got 0"),
    (lambda: T["seq2seq"].encode_pairs([("ab", "ba")], "vocab", 3, 3), TypeError,
     "vocab must be a Vocab, got str 'vocab'"),
    (lambda: T["seq2seq"].addition_problems(0), ValueError, "n must be a positive integer, got 0"),
    (lambda: T["seq2seq"].addition_problems(5, max_operand=0), ValueError,
     "max_operand must be a positive integer, got 0"),
    (lambda: T["seq2seq"].exact_match(None, np.zeros((2, 3))), TypeError,
     "data must be a Seq2SeqBatch (inputs, targets, mask), got ndarray"),
    (lambda: T["seq2seq"].split_held_out(T["seq2seq"].toy_data(), 2.0), ValueError,
     "test_fraction must be in (0, 1), got 2.0"),
    (lambda: T["seq2seq"].translate(None, "man"), TypeError,
     "words must be a list of str, got str 'man'"),
]


def _metrics_plots_corpora():
    from minirnn import metrics, plot
    from minirnn.data import corpora

    return [
        (lambda: metrics.confusion_matrix([0, 1], [0, 5], 3), ValueError,
         "predicted must lie in [0, 3), got 0 to 5"),
        (lambda: metrics.confusion_matrix([0.5, 1.0], [0, 1], 3), TypeError,
         "targets must be an integer array, got list of dtype float64"),
        (lambda: metrics.confusion_matrix([0, 1], [0, 1], 0), ValueError,
         "num_classes must be a positive integer, got 0"),
        (lambda: metrics.format_confusion(np.zeros((2, 3))), ValueError,
         "matrix must have shape (2, 2), got (2, 3)"),
        (lambda: metrics.format_confusion(np.zeros((2, 2), int), ["a"]), ValueError,
         "labels must name the 2 classes of matrix, got 1 labels"),
        (lambda: plot.plot_confusion(np.zeros(3)), ValueError,
         "matrix must have 2 dimensions (C, C), got shape (3,)"),
        (lambda: plot.plot_images(np.zeros(3)), ValueError,
         "images must have shape (N, H, W) with N >= 1, got (3,)"),
        (lambda: plot.plot_images(np.zeros((2, 4, 4)), columns=0), ValueError,
         "columns must be a positive integer, got 0"),
        (lambda: plot.plot_images(np.zeros((2, 4, 4)), titles=["a"]), ValueError,
         "titles must hold one title per image (2), got 1"),
        (lambda: plot.plot_grad_norm("history"), TypeError,
         "history must be a History or a dict of arrays with 'grad_norm', got str 'history'"),
        (lambda: plot.plot_grad_norm({"grad_norm": [1.0]}, threshold=-1), ValueError,
         "threshold must be a number in (0, inf), got -1"),
        (lambda: corpora.tang_poems(0), ValueError,
         "chars_per_line must be a positive integer, got 0"),
        (lambda: corpora.find_data_file("names/klingon.txt"), ValueError,
         "relative_path must be a known dataset file ("),
        (lambda: corpora.fetch("file:///x", "a.txt", "abc"), ValueError,
         "sha256 must be a hex digest of 64 characters, got 'abc'"),
        (lambda: corpora.fetch(None, "a.txt", "0" * 64), TypeError,
         "url must be a str, got NoneType"),
    ]


@pytest.mark.parametrize(("call", "error", "words"), TASK_CASES + _metrics_plots_corpora(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_tasks_metrics_plots_and_corpora_refuse_nonsense(call, error, words):
    with pytest.raises(error) as caught:
        call()
    assert words in str(caught.value)
