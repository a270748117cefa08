"""``minirnn lm`` and ``minirnn names`` end to end, through ``main([...])`` with tiny settings."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.cli import main
from minirnn.commands.lm import load_language_model
from minirnn.data import builtin_corpus
from minirnn.train.checkpoint import load_checkpoint


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "text.txt"
    path.write_text(builtin_corpus()[:12000], encoding="utf-8")
    return path


@pytest.fixture
def names_file(tmp_path):
    names = ["Anna", "Arie", "Ariel", "Arlene", "Rose", "Ruth", "Rita", "Mary", "Maria",
             "Marie", "Ann", "Ada", "Rosa", "Roberta", "Arabella", "Rhoda"] * 3
    path = tmp_path / "names.txt"
    path.write_text("# my list\n" + "\n".join(names) + "\n", encoding="utf-8")
    return path


def test_lm_train_then_generate(tmp_path, text_file, capsys):
    out = tmp_path / "lm.npz"
    code = main(["lm", "train", "--data", str(text_file), "--cell", "gru", "--layers", "2",
                 "--hidden", "24", "--embed", "8", "--batch-size", "4", "--seq-len", "16",
                 "--iters", "25", "--val-every", "25", "--out", str(out), "--quiet"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "validation loss" in printed and "perplexity" in printed
    model, vocab = load_language_model(out)
    assert model.cell == "gru" and model.num_layers == 2 and model.dtype == np.float32
    ckpt = load_checkpoint(out)
    assert ckpt.iteration == 25 and ckpt.config["level"] == "char"

    code = main(["lm", "generate", str(out), "--prefix", "The ", "--length", "30",
                 "--seed", "1"])
    assert code == 0
    first = capsys.readouterr().out
    assert first.startswith("The ") and len(first.rstrip("\n")) >= len("The ") + 1
    main(["lm", "generate", str(out), "--prefix", "The ", "--length", "30", "--seed", "1"])
    assert capsys.readouterr().out == first  # seeded
    main(["lm", "generate", str(out), "--prefix", "The ", "--length", "30", "--greedy"])
    assert capsys.readouterr().out.startswith("The ")
    # no --prefix and no <bos> token: the default still generates, from a line break
    assert main(["lm", "generate", str(out), "--length", "20"]) == 0
    assert len(capsys.readouterr().out.strip("\n")) > 0


def test_lm_train_word_level_one_hot_random_partitioning(tmp_path, text_file, capsys):
    out = tmp_path / "words.npz"
    code = main(["lm", "train", "--data", str(text_file), "--level", "word", "--embed", "0",
                 "--cell", "rnn", "--hidden", "16", "--scheme", "random", "--batch-size", "4",
                 "--seq-len", "8", "--iters", "5", "--dtype", "float64", "--out", str(out),
                 "--quiet"])
    assert code == 0
    model, vocab = load_language_model(out)
    assert vocab.level == "word" and model.embed is None
    capsys.readouterr()
    first_word = vocab.itos[5]
    assert main(["lm", "generate", str(out), "--prefix", first_word, "--length", "3"]) == 0
    words = capsys.readouterr().out.split()
    assert words[0] == first_word and 1 < len(words) <= 4


def test_lm_errors_exit_with_status_2(tmp_path, text_file, capsys):
    with pytest.raises(SystemExit) as stop:  # argparse checks the file before any work
        main(["lm", "train", "--data", str(tmp_path / "missing.txt"),
              "--out", str(tmp_path / "x.npz")])
    assert stop.value.code == 2 and "missing.txt does not exist" in capsys.readouterr().err
    assert main(["lm", "train", "--data", str(text_file), "--val-fraction", "0.0001",
                 "--out", str(tmp_path / "x.npz"), "--quiet"]) == 2
    assert "--seq-len" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["lm", "generate", str(tmp_path / "missing.npz")])
    assert stop.value.code == 2


def test_names_train_then_generate_with_top5_and_figure(tmp_path, names_file, capsys):
    out = tmp_path / "names.npz"
    code = main(["names", "train", "--kind", str(names_file), "--hidden", "16",
                 "--embed", "8", "--iters", "30", "--batch-size", "8", "--lr", "0.02",
                 "--out", str(out), "--quiet"])
    assert code == 0
    assert "held-out names" in capsys.readouterr().out

    figure = tmp_path / "table.png"
    code = main(["names", "generate", str(out), "--prefix", "Ar", "--count", "2", "--top5",
                 "--figure", str(figure), "--seed", "3"])
    assert code == 0
    printed = capsys.readouterr().out
    assert printed.count("The final name is Ar") == 2
    assert "top 5" in printed and "chosen" in printed
    assert figure.exists() and figure.stat().st_size > 1000

    assert main(["names", "generate", str(out), "--prefix", "R", "--count", "3"]) == 0
    names = capsys.readouterr().out.split()
    assert len(names) == 3 and all(n.startswith("R") for n in names)


def test_names_errors(tmp_path, names_file, capsys):
    assert main(["names", "train", "--kind", str(tmp_path / "nope.txt")]) == 2
    assert "existing file" in capsys.readouterr().err
    out = tmp_path / "n.npz"
    main(["names", "train", "--kind", str(names_file), "--iters", "2", "--hidden", "8",
          "--embed", "4", "--out", str(out), "--quiet"])
    capsys.readouterr()
    assert main(["names", "generate", str(out), "--prefix", "Xq"]) == 2
    assert "not in the vocabulary" in capsys.readouterr().err


def test_help_lists_the_new_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = capsys.readouterr().out
    assert "lm" in shown and "names" in shown


def test_lm_resume_continues_the_run_exactly(tmp_path, text_file):
    common = ["lm", "train", "--data", str(text_file), "--hidden", "12", "--embed", "6",
              "--layers", "2", "--dropout", "0.2", "--scheme", "random", "--batch-size", "4",
              "--seq-len", "8", "--dtype", "float64", "--quiet"]
    straight, part = tmp_path / "straight.npz", tmp_path / "part.npz"
    assert main([*common, "--iters", "12", "--out", str(straight)]) == 0
    assert main([*common, "--iters", "5", "--out", str(part)]) == 0
    assert main([*common, "--iters", "12", "--resume", str(part), "--out", str(part)]) == 0
    a, b = load_checkpoint(straight), load_checkpoint(part)
    assert b.iteration == 12
    for name, value in a.params.items():
        np.testing.assert_array_equal(b.params[name], value, err_msg=name)
