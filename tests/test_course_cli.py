"""``minirnn seq2seq`` and ``minirnn classify`` end to end, with tiny settings."""

from __future__ import annotations

import pytest

from minirnn.cli import main


def test_seq2seq_toy_translates_the_course_words(capsys):
    assert main(["seq2seq", "toy", "--seed", "0"]) == 0
    out = capsys.readouterr().out
    for line in ("man -> women", "mans -> women", "king -> queen", "black -> white",
                 "up -> down"):
        assert line in out


def test_seq2seq_addition_reports_accuracy_per_epoch(capsys):
    argv = ["seq2seq", "addition", "--problems", "300", "--epochs", "2",
            "--hidden", "16", "--embed", "8", "--reverse", "--peeky"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "reversed + peeky" in out
    assert out.count("held-out exact match") == 2
    assert "270 training, 30 held-out" in out


@pytest.mark.parametrize(
    "argv, message",
    [(["seq2seq", "--translate", "Man"], "lower-case"),
     (["seq2seq", "addition", "--problems", "5"], "at least 20")],
)
def test_seq2seq_bad_arguments(capsys, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_seq2seq_epochs_must_be_positive(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["seq2seq", "--epochs", "0"])
    assert stop.value.code == 2
    assert "argument --epochs: must be a positive integer" in capsys.readouterr().err


def test_classify_digit_sum(capsys, tmp_path):
    figure = tmp_path / "digits.png"
    argv = ["classify", "digit-sum", "--length", "3", "--cells", "gru", "--steps", "30",
            "--hidden", "8", "--plot", str(figure)]
    assert main(argv) == 0
    assert "gru   length   3: accuracy" in capsys.readouterr().out
    assert figure.stat().st_size > 0
    assert main(["classify", "digit-sum", "--length", "1"]) == 2
    assert "--length must be at least 2" in capsys.readouterr().err


def test_classify_names(capsys, names_dir):
    argv = ["classify", "names", "--bidirectional", "--cell", "gru", "--epochs", "1",
            "--hidden", "8", "--embed", "4", "--data-dir", str(names_dir.parent)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "names on both lists dropped" in out
    assert "bidirectional gru:" in out
    with pytest.raises(SystemExit) as stop:
        main(["classify", "names", "--hidden", "0"])
    assert stop.value.code == 2
    assert "argument --hidden: must be a positive integer" in capsys.readouterr().err
