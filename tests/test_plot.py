"""Plots: the data on the lines, not the pixels (Agg backend set in conftest)."""

from __future__ import annotations

import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest

from minirnn.diagnostics import GradientNorms
from minirnn.plot import plot_grad_norm, plot_gradient_through_time, plot_loss, plot_perplexity
from minirnn.train.history import History


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _history():
    h = History()
    rng = np.random.default_rng(0)
    for it in range(1, 21):
        loss = 3.0 / it + 0.1 * rng.random()
        h.record_step(it, loss, loss * 0.9, grad_norm=10.0 / it, clipped=it < 4, lr=0.1)
        if it % 5 == 0:
            h.record_validation(it, loss + 0.2)
    return h


def _lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_loss_curve_data():
    h = _history()
    ax = plot_loss(h)
    lines = _lines(ax)
    assert set(lines) == {"loss", "smoothed loss", "validation loss"}
    np.testing.assert_array_equal(lines["loss"].get_xdata(), h.iteration)
    np.testing.assert_array_equal(lines["loss"].get_ydata(), h.loss)
    np.testing.assert_array_equal(lines["smoothed loss"].get_ydata(), h.smooth_loss)
    np.testing.assert_array_equal(lines["validation loss"].get_xdata(), [5, 10, 15, 20])
    np.testing.assert_array_equal(lines["validation loss"].get_ydata(), h.val_loss)
    assert ax.get_xlabel() == "iteration"


def test_loss_curve_options_and_given_axes():
    h = _history()
    fig, (left, right) = plt.subplots(1, 2)
    assert plot_loss(h, ax=right, raw=False, validation=False, log_y=True) is right
    assert set(_lines(right)) == {"smoothed loss"} and right.get_yscale() == "log"
    assert not left.get_lines()
    # a dict of arrays works too, and no validation means no validation line
    ax = plot_loss({"iteration": [1, 2], "loss": [2.0, 1.0], "smooth_loss": [2.0, 1.5]})
    assert set(_lines(ax)) == {"loss", "smoothed loss"}


def test_perplexity_curve():
    h = _history()
    lines = _lines(plot_perplexity(h))
    np.testing.assert_allclose(lines["train (smoothed)"].get_ydata(), np.exp(h.smooth_loss))
    np.testing.assert_allclose(lines["validation"].get_ydata(), np.exp(h.val_loss))


def test_grad_norm_curve_marks_clipped_steps():
    h = _history()
    ax = plot_grad_norm(h, threshold=5.0)
    lines = _lines(ax)
    np.testing.assert_array_equal(lines["clipped"].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines["gradient norm"].get_ydata(), h.grad_norm)
    np.testing.assert_array_equal(lines["threshold 5"].get_ydata(), [5.0, 5.0])


def test_gradient_through_time_several_cells():
    srn = GradientNorms(np.arange(4), np.array([0.01, 0.1, 0.5, 1.0]), None, np.zeros((1, 4)))
    lstm = GradientNorms(np.arange(4), np.array([0.4, 0.6, 0.8, 1.0]),
                         np.array([0.3, 0.5, 0.7, 0.0]), np.zeros((1, 4)))
    ax = plot_gradient_through_time({"SRN": srn, "LSTM": lstm}, cell_state=True)
    lines = _lines(ax)
    assert set(lines) == {"SRN", "LSTM", "LSTM (cell)"}
    np.testing.assert_array_equal(lines["SRN"].get_ydata(), srn.dh)
    np.testing.assert_array_equal(lines["LSTM"].get_xdata(), [0, 1, 2, 3])
    np.testing.assert_array_equal(lines["LSTM (cell)"].get_ydata(), [0.3, 0.5, 0.7])
    assert ax.get_yscale() == "log"


def test_gradient_through_time_plain_array():
    ax = plot_gradient_through_time(np.array([0.5, 1.0]), log_y=False)
    line = _lines(ax)["dh"]
    np.testing.assert_array_equal(line.get_xdata(), [0, 1])
    with pytest.raises(ValueError, match="must be 1-D"):
        plot_gradient_through_time(np.ones((2, 2)))


def test_import_does_not_load_matplotlib():
    import subprocess

    code = "import sys, minirnn.plot, minirnn.train; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
