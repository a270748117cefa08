"""``minirnn seq2seq dates|addition|reverse`` with attention, and the attention plots."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

from minirnn.cli import main
from minirnn.plot import plot_attention, plot_attention_over_training

LAST_LINE = re.compile(r"^held-out exact match: \d{1,3}\.\d% \((\d+) test sequences\)$")


def _run(capsys, argv):
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("task, extra", [
    ("dates", ["--attention", "additive", "--bidirectional"]),
    ("addition", ["--attention", "general", "--input-feeding"]),
    ("reverse", ["--attention", "dot", "--max-length", "6", "--beam", "2"]),
    ("reverse", ["--attention", "none", "--max-length", "6"]),
])
def test_attention_tasks_end_with_the_held_out_line(capsys, tmp_path, task, extra):
    argv = ["seq2seq", task, "--examples", "200", "--epochs", "1", "--hidden", "8",
            "--embed", "4", *extra]
    status, out, err = _run(capsys, argv)
    assert status == 0, err
    lines = out.strip().splitlines()
    match = LAST_LINE.match(lines[-1])
    assert match and match.group(1) == "20", lines[-1]
    assert "epoch   1  loss" in out and "nats/token" in out
    assert "iter" in err  # fit's progress line


def test_figure_and_checkpoint_are_written(capsys, tmp_path):
    figure, checkpoint = tmp_path / "maps.png", tmp_path / "dates.npz"
    argv = ["seq2seq", "dates", "--examples", "100", "--epochs", "1", "--hidden", "8",
            "--figure", str(figure), "--checkpoint", str(checkpoint)]
    status, out, err = _run(capsys, argv)
    assert status == 0, err
    assert figure.stat().st_size > 0 and checkpoint.stat().st_size > 0
    from minirnn.train import load_checkpoint

    assert load_checkpoint(checkpoint).config["attention"] == "dot"


@pytest.mark.parametrize("argv, message", [
    (["seq2seq", "dates", "--peeky"], "alternatives"),
    (["seq2seq", "addition", "--attention", "none", "--input-feeding"], "needs --attention"),
    (["seq2seq", "reverse", "--attention", "none", "--input-feeding"], "needs --attention"),
    (["seq2seq", "reverse", "--min-length", "9", "--max-length", "4"], "--max-length"),
    (["seq2seq", "dates", "--examples", "5"], "at least 20"),
    (["seq2seq", "dates", "--bidirectional", "--hidden", "7"], "even --hidden"),
    (["seq2seq", "reverse", "--attention", "none", "--figure", "x.png", "--examples", "40",
      "--epochs", "1", "--hidden", "4"], "needs --attention"),
])
def test_usage_errors_exit_2_with_one_line(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    status, out, err = _run(capsys, argv)
    assert status == 2
    assert err.strip().splitlines()[-1].startswith("minirnn seq2seq: error:")
    assert message in err


def test_plot_attention_returns_the_axes_with_the_weights():
    weights = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    ax = plot_attention(weights, list("abc"), list("xy"))
    np.testing.assert_array_equal(ax.images[0].get_array(), weights)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    fig, given = plt.subplots()
    assert plot_attention(weights, ax=given) is given
    with pytest.raises(ValueError, match="source_tokens must have 3"):
        plot_attention(weights, list("ab"))
    axes = plot_attention_over_training({"start": weights, "end": weights[::-1]})
    assert [a.get_title() for a in axes] == ["start", "end"]
    np.testing.assert_array_equal(axes[1].images[0].get_array(), weights[::-1])
    plt.close("all")
