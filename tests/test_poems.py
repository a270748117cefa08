"""Tang poems: data and form rules, the 2-layer LSTM's gradients, writing poems, the command."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.cli import main
from minirnn.commands.lm import load_language_model
from minirnn.data import padded_batches
from minirnn.data.corpora import poem_lines, tang_poems
from minirnn.experiments.poems import train_poem_model
from minirnn.gradcheck import check_model
from minirnn.models.language_model import LanguageModel
from minirnn.models.poem_writer import PoemWriter
from minirnn.tasks.poems import (
    form_share,
    line_in_form,
    poem_sequences,
    poem_vocab,
    split_poems,
)

POEMS = ["白日依山尽，黄河入海流。欲穷千里目，更上一层楼。",
         "床前明月光，疑是地上霜。举头望明月，低头思故乡。",
         "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。"]


def test_form_rules_count_characters_and_alternate_marks():
    lines = poem_lines(POEMS[0])
    assert [line_in_form(line, i, 5) for i, line in enumerate(lines)] == [True] * 4
    assert not line_in_form("白日依山尽。", 0, 5)  # an odd line ends with "，"
    assert not line_in_form("白日依山，", 1, 5)  # too short
    assert line_in_form("白日依山尽？", 1, 5)
    assert form_share(POEMS, 5) == (1.0, 12)
    assert form_share(["白日依山尽，黄河入海。"], 5) == (0.5, 2)


def test_vocab_sequences_and_split():
    vocab = poem_vocab(POEMS)
    assert vocab.itos[:4] == ["<pad>", "<bos>", "<eos>", "<unk>"]
    seq = poem_sequences(POEMS[:1], vocab)[0]
    assert seq[0] == vocab.bos_id and seq[-1] == vocab.eos_id and len(seq) == 26
    assert vocab.decode(seq, skip_specials=True) == POEMS[0]
    split = split_poems(POEMS * 10, 0.1, seed=0)
    assert (len(split.train), len(split.val)) == (27, 3)
    rare = poem_vocab(POEMS, min_freq=2)
    assert "明" in rare and "尽" not in rare  # 明 appears three times, 尽 once


def test_the_shipped_poems_are_in_form():
    poems = tang_poems(5, 4)[:500]
    assert form_share(poems, 5)[0] > 0.98


def test_two_layer_lstm_poem_model_gradients_with_padding():
    vocab = poem_vocab(POEMS)
    batch = next(padded_batches(poem_sequences([POEMS[0], POEMS[1][:12]], vocab),
                                batch_size=2, pad_id=vocab.pad_id, shuffle=False))
    model = LanguageModel(len(vocab), 5, embedding_dim=4, cell="lstm", num_layers=2,
                          padding_idx=vocab.pad_id, seed=0)
    report = check_model(model, lambda: model.forward_backward(batch), k=5, directions=2)
    report.assert_ok()
    assert report.rows[0].max_error < 1e-7


@pytest.fixture(scope="module")
def trained():
    split = split_poems(tang_poems(5, 4)[:800], 0.1, seed=0)
    vocab = poem_vocab(split.train, min_freq=2)
    model, history = train_poem_model(split, vocab, hidden_size=64, embedding_dim=32, epochs=6,
                                      lr=1e-2, seed=0, verbose=False)
    return model, vocab, history


def test_training_lowers_the_validation_loss_and_learns_the_form(trained):
    model, vocab, history = trained
    assert history.val_loss[-1] < history.val_loss[0]
    assert history.val_loss[-1] < np.log(len(vocab)) - 1.2  # uniform guessing: log V
    writer = PoemWriter(model, vocab)
    free = [writer.poem(ch, 4, seed=i) for i, ch in enumerate("春日山月人风")]
    share, lines = form_share(free, 5)
    assert lines >= 18 and share > 0.6  # an untrained model scores 0 (see below)


def test_fixed_form_and_acrostic_are_always_in_form(trained):
    model, vocab, _ = trained
    writer = PoemWriter(model, vocab)
    for chars in (5, 7):
        poems = [writer.poem("春", 4, chars_per_line=chars, seed=s) for s in range(3)]
        assert form_share(poems, chars) == (1.0, 12)
        assert all(p.startswith("春") for p in poems)
    acrostic = writer.acrostic("春山月人", chars_per_line=7, seed=0)
    lines = poem_lines(acrostic)
    assert [line[0] for line in lines] == list("春山月人")
    assert form_share([acrostic], 7) == (1.0, 4)
    free_acrostic = writer.acrostic("山月", seed=1)
    assert [line[0] for line in poem_lines(free_acrostic)][:2] == ["山", "月"]


def test_untrained_model_is_out_of_form_unless_the_form_is_enforced():
    vocab = poem_vocab(POEMS)
    writer = PoemWriter(LanguageModel(len(vocab), 8, embedding_dim=4, num_layers=2, seed=0), vocab)
    free = [writer.poem("春", 2, seed=s, max_length=60) for s in range(5)]
    assert form_share(free, 5)[0] < 0.3
    fixed = [writer.poem("春", 2, chars_per_line=5, seed=s) for s in range(5)]
    assert form_share(fixed, 5) == (1.0, 10)
    assert all(len(poem_lines(p)) == 2 for p in fixed)  # stops after max_lines lines
    with pytest.raises(ValueError, match="cannot start a line with .*: 鹅"):
        writer.acrostic("春鹅")


def test_cli_poems_train_then_generate(tmp_path, capsys):
    out = tmp_path / "poems.npz"
    argv = ["poems", "train", "--poems", "200", "--epochs", "1", "--hidden", "16", "--embed",
            "8", "--out", str(out), "--quiet"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "180 training and 20 validation poems" in text
    assert "nats/char" in text and "free generation:" in text
    model, vocab = load_language_model(out)
    assert model.num_layers == 2 and model.cell == "lstm"
    assert main(["poems", "generate", str(out), "--acrostic", "春山", "--form", "7"]) == 0
    lines = poem_lines(capsys.readouterr().out.strip())
    assert [line[0] for line in lines] == ["春", "山"] and form_share(lines[:1], 7)[0] == 1.0
    assert main(["poems", "generate", str(out), "--start", "春山", "--each", "--lines", "2",
                 "--form", "5"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[0] == "(春)" and shown[2] == "(山)"
    assert np.all([len(poem_lines(p)) == 2 for p in (shown[1], shown[3])])
