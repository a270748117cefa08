"""The gradient checker cannot be talked into a false verdict (issues 11 and 17).

It refuses steps and sample sizes that prove nothing, never calls an empty report ok, gives a
NaN its own verdict, and reads "good" on correct code in every example the README, the docs
and the command line show, while a broken gate is still "wrong".
"""

from __future__ import annotations

import numpy as np
import pytest

from minirnn import gradcheck
from minirnn.cli import main
from minirnn.functional.rnn import rnn_step_backward, rnn_step_forward
from minirnn.gradcheck import (
    GradcheckReport,
    GradcheckRow,
    check_function,
    check_layer,
    check_loss,
    check_model,
    judged_errors,
    numerical_gradient,
)
from minirnn.layers import LSTM, RNN, Linear
from minirnn.losses import mse_loss


def _rnn_case(seed=0):
    rng = np.random.default_rng(seed)
    return RNN(3, 4, seed=0), {"x": rng.standard_normal((2, 5, 3)),
                               "state": rng.standard_normal((2, 4))}


def _step_inputs():
    rng = np.random.default_rng(2)
    return {"x": rng.standard_normal((2, 3)), "h_prev": rng.standard_normal((2, 4)),
            "Wx": rng.standard_normal((3, 4)), "Wh": rng.standard_normal((4, 4)),
            "b": rng.standard_normal(4)}


def _model_case():
    model = Linear(3, 2, seed=0)
    x, y = np.ones((4, 3)), np.zeros((4, 2))

    def loss_fn():
        value, dout = mse_loss(model.forward(x), y)
        model.backward(dout)
        return value

    return model, loss_fn


# ---------------------------------------------------------------- refusals

CALLS = {
    "check_layer": lambda **kw: check_layer(*_rnn_case(), **kw),
    "check_function": lambda **kw: check_function(rnn_step_forward, rnn_step_backward,
                                                  _step_inputs(), **kw),
    "check_loss": lambda **kw: check_loss(mse_loss, {"pred": np.ones(3),
                                                     "target": np.zeros(3)}, **kw),
}


@pytest.mark.parametrize("name", list(CALLS))
@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"h": 0}, ValueError, r"h must be a number in \(0, inf\), got 0"),
    ({"h": -1e-5}, ValueError, r"h must be a number in \(0, inf\)"),
    ({"h": float("nan")}, ValueError, "h must be a number"),
    ({"h": "1e-5"}, TypeError, "h must be a real number, got str"),
    ({"max_entries": 0}, ValueError, "max_entries must be a positive integer, got 0"),
    ({"max_entries": -3}, ValueError, "max_entries must be a positive integer"),
    ({"max_entries": 2.5}, ValueError, "max_entries must be a positive integer"),
    ({"floor": 0}, ValueError, r"floor must be a number in \(0, inf\)"),
    ({"seed": "abc"}, TypeError, "seed must be an int"),
])
def test_checks_refuse_steps_and_samples_that_prove_nothing(name, kwargs, error, words):
    with pytest.raises(error, match=words):
        CALLS[name](**kwargs)


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"k": 0, "directions": 0}, ValueError, "must not both be 0"),
    ({"k": -1}, ValueError, "k must be an integer >= 0, got -1"),
    ({"directions": 1.5}, ValueError, "directions must be an integer >= 0"),
    ({"h": 0}, ValueError, "h must be a number"),
])
def test_check_model_refuses_nonsense(kwargs, error, words):
    with pytest.raises(error, match=words):
        check_model(*_model_case(), **kwargs)


def test_numerical_gradient_refuses_a_zero_step():
    with pytest.raises(ValueError, match="h must be a number"):
        numerical_gradient(lambda v: float(np.sum(v**2)), np.ones(3), h=0.0)


def test_refused_max_entries_zero_no_longer_passes_a_wrong_gradient():
    """The original report: max_entries=0 compared nothing and called a 3x error good."""

    class Tripled(RNN):
        def backward(self, *upstream):
            dx = super().backward(*upstream)
            for grad in self.grads.values():
                grad *= 3.0
            return dx

    layer = Tripled(3, 4, seed=0)
    x = np.random.default_rng(0).standard_normal((2, 5, 3))
    with pytest.raises(ValueError, match="max_entries"):
        check_layer(layer, {"x": x}, max_entries=0)
    assert not check_layer(layer, {"x": x}, max_entries=1).ok


def test_a_report_that_compared_nothing_is_never_ok():
    empty = GradcheckReport([])
    assert not empty.ok and not empty.all_good
    assert "nothing compared" in empty.summary()
    with pytest.raises(AssertionError):
        empty.assert_ok()
    blank = GradcheckRow("W", (0,), 0.0, 0, 0, (), 0.0, 0.0)
    assert blank.verdict == "wrong" and not GradcheckReport([blank]).ok


def test_nan_in_a_gradient_is_its_own_verdict():
    layer, inputs = _rnn_case()

    class NanRNN(RNN):
        def backward(self, *upstream):
            dx = super().backward(*upstream)
            self.grads["b"][0] = np.nan
            return dx

    report = check_layer(NanRNN(3, 4, seed=0), inputs)
    assert report["b"].verdict == "nan" and report["Wx"].verdict == "good"
    assert not report.ok and np.isnan(report.max_error)
    assert "1 nan" in report.summary()


def test_a_correct_gradient_at_h_zero_is_not_called_wrong():
    """Before: h=0 divided 0 by 0 and reported correct gradients as wrong, with NaN."""
    with pytest.raises(ValueError, match="h must be"):
        check_layer(*_rnn_case(), h=0.0)


# ---------------------------------------------------------------- the noise-aware verdict


def test_noise_excuses_the_noise_and_nothing_more():
    analytic = np.array([1.5363340e-05, 1.0, 1.0, 1.0])
    numeric = np.array([1.5363349e-05, 1.0 + 3e-7, 1.0 + 3e-3, 1.0 + 3e-3])
    noise = np.array([1e-11, 1e-9, 0.0, 1.0])
    judged = judged_errors(analytic, numeric, noise)
    assert judged[0] == 0.0  # the README example's entry: entirely finite-difference noise
    assert gradcheck.verdict(judged[1]) == "suspicious"  # 3e-7 off, noise only 1e-9
    assert gradcheck.verdict(judged[2]) == "wrong"  # no noise, 1.5e-3 off
    assert gradcheck.verdict(judged[3]) == "suspicious"  # huge noise: never better than that


def test_the_readme_example_reads_good(capsys):
    """``minirnn gradcheck lstm --layers 2 --bidirectional`` (issue 17: was suspicious)."""
    assert main(["gradcheck", "lstm", "--layers", "2", "--bidirectional", "--strict"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1].startswith("51 good; max rel error")
    row = [line for line in out.splitlines() if line.startswith("l1_reverse.Wx[f]")][0]
    assert row.split()[-1] == "good"


@pytest.mark.parametrize("argv", [
    ["rnn"], ["lstm"], ["gru"],
    ["rnn", "--layers", "2", "--bidirectional"],
    ["gru", "--layers", "2", "--bidirectional"],
    ["rnn", "--nonlinearity", "relu", "--steps", "1"],
    ["rnn", "--layers", "2", "--bidirectional", "--seed", "3"],
    ["gru", "--reset-before"],
])
def test_every_documented_command_reads_all_good(capsys, argv):
    assert main(["gradcheck", *argv, "--strict"]) == 0, capsys.readouterr().out


def test_the_documented_python_examples_read_all_good():
    rng = np.random.default_rng(0)  # README and docs/gradcheck.md
    check_layer(RNN(3, 4, seed=0), {"x": rng.standard_normal((2, 5, 3)),
                                    "state": rng.standard_normal((2, 4))}).assert_ok(strict=True)
    lstm = LSTM(3, 4, num_layers=2, bidirectional=True, seed=0)  # docs/recurrent_layers.md
    x = np.random.default_rng(1).normal(size=(2, 5, 3))
    state = (np.zeros((4, 2, 4)), np.zeros((4, 2, 4)))
    check_layer(lstm, {"x": x, "state": state}).assert_ok(strict=True)
    inputs = {**_step_inputs(), "nonlinearity": "tanh"}  # docs/gradcheck.md
    check_function(rnn_step_forward, rnn_step_backward, inputs).assert_ok(strict=True)


@pytest.mark.parametrize(("scale", "expected"), [
    (1.05, "wrong"), (1.001, "wrong"), (1.0001, "suspicious"), (1.00001, "suspicious"),
])
def test_a_single_gate_error_is_still_caught_however_small(scale, expected):
    """One gate block of one LSTM gradient off by 5% ... 0.001%: that row, and only that row,
    is not good. (0.01% is a relative error of 5e-5, suspicious by the thresholds; the noise
    estimate must not excuse it.)"""

    class OneGateOff(LSTM):
        def backward(self, *upstream):
            dx = super().backward(*upstream)
            grad = self.sublayers["l1_reverse"].grads["Wx"]
            H = self.hidden_size
            grad[:, H:2 * H] *= scale  # the forget gate's block
            return dx

    layer = OneGateOff(3, 4, num_layers=2, bidirectional=True, seed=0)
    rng = np.random.default_rng(1)
    state = (rng.standard_normal((4, 2, 4)), rng.standard_normal((4, 2, 4)))
    report = check_layer(layer, {"x": rng.standard_normal((2, 5, 3)), "state": state})
    verdicts = {row.name: row.verdict for row in report}
    assert verdicts.pop("l1_reverse.Wx[f]") == expected, str(report)
    assert set(verdicts.values()) == {"good"}, str(report)
