"""The ``minirnn binary-addition`` and ``minirnn char-rnn`` commands, end to end."""

from __future__ import annotations

import re

import numpy as np
import pytest

from minirnn.cli import main
from minirnn.commands.char_rnn import load_char_rnn
from minirnn.data import Vocab
from minirnn.errors import UsageError
from minirnn.models.char_rnn import CharRNN
from minirnn.train import load_checkpoint
from minirnn.train.classics import min_char_rnn

TEXT = (
    "It is a truth universally acknowledged, that a single man in possession of a good "
    "fortune, must be in want of a wife.\nHowever little known the feelings or views of "
    "such a man may be on his first entering a neighbourhood, this truth is so well fixed.\n"
) * 4


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_binary_addition_classic_prints_the_classic_trajectory(capsys):
    assert main(["binary-addition", "--classic", "--iters", "1001", "--test-bits", "16"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:5] == ["Error:[[3.45638663]]", "Pred:[0 0 0 0 0 0 0 1]",
                         "True:[0 1 0 0 0 1 0 1]", "9 + 60 = 1", "------------"]
    assert lines[5] == "Error:[[3.63389116]]" and lines[8] == "28 + 35 = 255"
    assert any(line.strip().startswith("16-bit sums:") for line in lines)


def test_binary_addition_modern_reports_generalisation(capsys):
    assert main(["binary-addition", "--iters", "800", "--nonlinearity", "tanh",
                 "--test-bits", "32"]) == 0
    out = capsys.readouterr().out
    assert "held-out accuracy" in out
    line = next(x for x in out.splitlines() if x.strip().startswith("32-bit sums:"))
    assert float(line.split(":")[1].split("%")[0]) > 90.0


def test_binary_addition_bad_width_is_a_clear_error(capsys):
    assert main(["binary-addition", "--bits", "1", "--iters", "5"]) == 2
    assert "bits must be at least 2" in capsys.readouterr().err


def train_args(corpus, out, *extra: str) -> list[str]:
    return ["char-rnn", "train", "--data", str(corpus), "--hidden", "16", "--out", str(out),
            *extra]


def test_char_rnn_train_computes_the_original_weights_and_saves(corpus, tmp_path,
                                                                        capsys):
    out = tmp_path / "run.npz"
    assert main(train_args(corpus, out, "--iters", "201", "--val-fraction", "0",
                           "--seed", "4")) == 0
    captured = capsys.readouterr()
    assert "losses in nats per char" in captured.out
    assert captured.err.count("--- sample at iteration") == 2  # at 100 and 200
    assert out.exists() and (tmp_path / "run_loss.png").stat().st_size > 1000
    vocab = Vocab.from_text(TEXT)
    classic = CharRNN(len(vocab), 16, seed=4)
    min_char_rnn(classic, vocab.encode(TEXT), 201, echo=None, sample_every=0)
    model, saved_vocab, checkpoint = load_char_rnn(out)
    assert saved_vocab == vocab and checkpoint.iteration == 201 and model.exact
    for name, value in classic.params.items():  # bit for bit: the original's weights
        np.testing.assert_array_equal(model.params[name], value)


def test_char_rnn_resume_continues_bit_for_bit(corpus, tmp_path, capsys):
    whole, half = tmp_path / "whole.npz", tmp_path / "half.npz"
    common = ("--val-fraction", "0.2", "--eval-every", "30", "--sample-every", "50",
              "--no-plot")
    assert main(train_args(corpus, whole, "--iters", "120", *common)) == 0
    assert main(train_args(corpus, half, "--iters", "60", *common)) == 0
    assert main(train_args(corpus, half, "--iters", "120", "--resume", str(half), *common)) == 0
    capsys.readouterr()
    a, b = load_checkpoint(whole), load_checkpoint(half)
    assert a.iteration == b.iteration == 120
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    for key in ("history.loss", "history.val_loss", "history.sample_text"):
        np.testing.assert_array_equal(a.arrays[key], b.arrays[key])
    np.testing.assert_array_equal(a.carried_state["h"], b.carried_state["h"])
    assert a.trainer_state["rng_states"] == b.trainer_state["rng_states"]  # same samples


def test_char_rnn_validation_loss_and_word_level(corpus, tmp_path, capsys):
    out = tmp_path / "words.npz"
    assert main(train_args(corpus, out, "--level", "word", "--iters", "60",
                           "--seq-length", "10", "--eval-every", "30", "--val-fraction",
                           "0.2", "--sample-every", "0", "--fast")) == 0
    captured = capsys.readouterr()
    assert "validation at iteration 30: loss" in captured.err
    assert "validation at iteration 60: loss" in captured.err
    assert "held-out loss" in captured.out and "nats/word" in captured.out
    model, vocab, checkpoint = load_char_rnn(out)
    assert vocab.level == "word" and "truth" in vocab.stoi and not model.exact
    assert checkpoint.arrays["history.val_loss"].shape == (2,)


def test_char_rnn_sample_is_seeded_and_primed(corpus, tmp_path, capsys):
    out = tmp_path / "run.npz"
    assert main(train_args(corpus, out, "--iters", "50", "--no-plot")) == 0
    capsys.readouterr()
    args = ["char-rnn", "sample", str(out), "--prime", "a truth", "--length", "40",
            "--temperature", "0.8", "--top-k", "5", "--seed", "3"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == first
    assert first.startswith("a truth") and len(first.rstrip("\n")) == len("a truth") + 40


def test_char_rnn_sample_rejects_unknown_priming_characters(corpus, tmp_path, capsys):
    out = tmp_path / "run.npz"
    assert main(train_args(corpus, out, "--iters", "5", "--no-plot")) == 0
    capsys.readouterr()
    assert main(["char-rnn", "sample", str(out), "--prime", "zebra§"]) == 2
    err = capsys.readouterr().err
    assert "not in the model's vocabulary" in err and "'§'" in err and "'z'" in err


def test_char_rnn_resume_with_another_vocabulary_is_a_clear_error(corpus, tmp_path, capsys):
    out = tmp_path / "run.npz"
    assert main(train_args(corpus, out, "--iters", "5", "--no-plot")) == 0
    other = tmp_path / "other.txt"
    other.write_text("0123456789 " * 20, encoding="utf-8")
    capsys.readouterr()
    assert main(train_args(other, tmp_path / "b.npz", "--iters", "5",
                           "--resume", str(out))) == 2
    assert "trained on another vocabulary" in capsys.readouterr().err
    with pytest.raises(UsageError, match="another vocabulary"):
        load_char_rnn(out, Vocab.from_text("0123456789 "))


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "0 distinct char token"),
     ("a", "1 distinct char token"),
     ("abcabc", r"at least seq_length \+ 1 = 26 tokens")],
)
def test_char_rnn_train_rejects_tiny_corpora(tmp_path, capsys, content, message):
    path = tmp_path / "tiny.txt"
    path.write_text(content, encoding="utf-8")
    assert main(["char-rnn", "train", "--data", str(path), "--iters", "3",
                 "--out", str(tmp_path / "x.npz")]) == 2
    assert re.search(message, capsys.readouterr().err)
    assert not (tmp_path / "x.npz").exists()
