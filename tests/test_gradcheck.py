"""The gradient checker itself: it must pass correct gradients and catch wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.functional.rnn import rnn_step_backward, rnn_step_forward
from minirnn.gradcheck import (
    GradcheckReport,
    GradcheckRow,
    check_function,
    check_layer,
    check_loss,
    check_model,
    numerical_gradient,
    relative_error,
    verdict,
)
from minirnn.layers.base import Layer
from minirnn.layers.linear import Linear
from minirnn.layers.rnn import RNN


# -- building blocks ---------------------------------------------------------------------------
def test_numerical_gradient_of_a_cubic():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    before = x.copy()
    grad = numerical_gradient(lambda v: np.sum(v**3), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-8, atol=1e-9)
    np.testing.assert_array_equal(x, before)  # restored exactly


def test_numerical_gradient_of_a_closure_over_the_array():
    w = np.array([1.0, -2.0, 0.5])
    grad = numerical_gradient(lambda _: float(np.sin(w).sum()), w)
    np.testing.assert_allclose(grad, np.cos(w), rtol=1e-9)


def test_relative_error_of_exact_zeros_is_zero():
    assert relative_error(np.zeros(3), np.zeros(3)).tolist() == [0.0, 0.0, 0.0]
    assert relative_error(1.0, 1.0 + 1e-9) < 1e-9
    assert relative_error(1.0, -1.0) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "error, expected",
    [(0.0, "good"), (9.9e-8, "good"), (1e-7, "suspicious"), (9e-5, "suspicious"),
     (1e-4, "wrong"), (0.5, "wrong"), (np.nan, "nan"), (np.inf, "nan")],
)
def test_verdict_thresholds(error, expected):
    assert verdict(error) == expected


# -- float64 only ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_low_precision_rejected_everywhere(dtype):
    x = np.ones((2, 3), dtype=dtype)
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(lambda v: float(v.sum()), x)
    with pytest.raises(TypeError, match="float64"):
        check_layer(Linear(3, 2, seed=0), {"x": x})
    with pytest.raises(TypeError, match="parameter W.*float64"):
        check_layer(Linear(3, 2, seed=0, dtype=dtype), {"x": x.astype(np.float64)})
    with pytest.raises(TypeError, match="float64"):
        check_loss(lambda pred: (float(pred.sum()), np.ones_like(pred)), {"pred": x})
    model = Linear(3, 2, seed=0).astype(dtype)
    with pytest.raises(TypeError, match="float64"):
        check_model(model, lambda: 0.0)


# -- correct gradients pass, wrong ones are caught ---------------------------------------------
def test_exact_zero_gradients_pass():
    # One-hot inputs that never use feature 4: the W row for it has gradient exactly zero.
    layer = Linear(5, 3, seed=0)
    x = np.eye(5)[[0, 1, 2, 3, 1, 0]]
    report = check_layer(layer, {"x": x})
    layer.zero_grad()
    layer.forward(x)
    layer.backward(np.ones((6, 3)))
    assert np.all(layer.grads["W"][4] == 0.0)
    report.assert_ok(strict=True)
    assert report["W"].max_error < 1e-7


class LeakyBackwardRNN(RNN):
    """An RNN whose backward gets dWh slightly wrong, as a forgotten term would."""

    def backward(self, dhs, dstate=None):
        dx = super().backward(dhs, dstate)
        self.grads["Wh"] *= 1.01
        return dx


def test_broken_backward_is_reported_wrong():
    rng = np.random.default_rng(0)
    layer = LeakyBackwardRNN(3, 4, seed=0)
    report = check_layer(layer, {"x": rng.standard_normal((2, 5, 3)),
                                 "state": rng.standard_normal((2, 4))})
    assert report["Wh"].verdict == "wrong"
    assert all(row.verdict == "good" for row in report if row.name != "Wh")
    assert not report.ok
    with pytest.raises(AssertionError, match=r"Wh .*wrong"):
        report.assert_ok()


class ForgetfulRNN(RNN):
    """An RNN whose backward drops the gradient of the initial state."""

    def backward(self, dhs, dstate=None):
        dx = super().backward(dhs, dstate)
        self.dstate = np.zeros_like(self.dstate)
        return dx


def test_missing_state_gradient_is_reported_wrong():
    rng = np.random.default_rng(1)
    report = check_layer(ForgetfulRNN(2, 3, seed=0), {"x": rng.standard_normal((2, 3, 2)),
                                                      "state": rng.standard_normal((2, 3))})
    assert report["state"].verdict == "wrong"
    assert report["x"].verdict == "good"


def test_broken_step_function_is_reported_wrong():
    rng = np.random.default_rng(2)

    def wrong_backward(dh, cache):
        dx, dh_prev, dWx, dWh, db = rnn_step_backward(dh, cache)
        return dx, dh_prev, dWx, dWh, db + 0.01  # a bias gradient that is slightly off

    inputs = {"x": rng.standard_normal((2, 3)), "h_prev": rng.standard_normal((2, 4)),
              "Wx": rng.standard_normal((3, 4)), "Wh": rng.standard_normal((4, 4)),
              "b": rng.standard_normal(4)}
    report = check_function(rnn_step_forward, wrong_backward, inputs)
    assert report["b"].verdict == "wrong"
    assert [row.verdict for row in report if row.name != "b"] == ["good"] * 4


def test_nan_gradient_has_its_own_verdict():
    def loss(pred):
        return float(np.sum(pred**2)), np.full_like(pred, np.nan)

    report = check_loss(loss, {"pred": np.ones(3)})
    assert report["pred"].verdict == "nan" and not report.ok
    assert "1 nan" in report.summary()


def test_check_layer_leaves_everything_as_it_was():
    rng = np.random.default_rng(3)
    layer = RNN(2, 3, seed=0)
    layer.train()
    params = {k: v.copy() for k, v in layer.parameters().items()}
    x = rng.standard_normal((2, 4, 2))
    x_before = x.copy()
    check_layer(layer, {"x": x}).assert_ok()
    for name, value in layer.parameters().items():
        np.testing.assert_array_equal(value, params[name])
    np.testing.assert_array_equal(x, x_before)
    assert layer.training


def test_missing_input_gradient_attribute_is_a_clear_error():
    layer = Linear(3, 2, seed=0)
    original = layer.forward
    layer.forward = lambda x, scale: original(x) * scale  # a second input with no d<name>
    with pytest.raises(ValueError, match="dscale"):
        check_layer(layer, {"x": np.ones((2, 3)), "scale": np.full((2, 2), 2.0)})


def test_sparse_check_samples_entries():
    rng = np.random.default_rng(4)
    report = check_layer(Linear(6, 5, seed=0), {"x": rng.standard_normal((4, 6))},
                         max_entries=3)
    assert report["W"].checked == 3 and report["W"].size == 30
    assert report["W"].coverage == "3/30"
    assert report["b"].coverage == "3/5"
    report.assert_ok(strict=True)


# -- per-gate rows -----------------------------------------------------------------------------
class TwoGateToy(Layer):
    """y = tanh(x Wx + b) with Wx (D, 2H) read as gates "u" and "v"; gate v can be broken."""

    gates = ("u", "v")

    def __init__(self, D, H, seed=0, broken=False):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.add_param("Wx", rng.standard_normal((D, 2 * H)))
        self.add_param("b", rng.standard_normal(2 * H))
        self.broken = broken

    def forward(self, x):
        self.x, self.y = x, np.tanh(x @ self.params["Wx"] + self.params["b"])
        return self.y

    def backward(self, dy):
        da = dy * (1 - self.y**2)
        dWx = self.x.T @ da
        if self.broken:
            dWx[:, dWx.shape[1] // 2:] *= 1.05
        self.grads["Wx"] += dWx
        self.grads["b"] += da.sum(axis=0)
        return da @ self.params["Wx"].T


class Stack(Layer):
    def __init__(self, broken=False):
        super().__init__()
        self.add_sublayer("l0", TwoGateToy(3, 2, seed=0))
        self.add_sublayer("l1", TwoGateToy(4, 2, seed=1, broken=broken))

    def forward(self, x):
        return self.sublayers["l1"].forward(self.sublayers["l0"].forward(x))

    def backward(self, dy):
        return self.sublayers["l0"].backward(self.sublayers["l1"].backward(dy))


def test_gated_parameters_get_one_row_per_gate():
    rng = np.random.default_rng(5)
    report = check_layer(TwoGateToy(3, 2), {"x": rng.standard_normal((4, 3))})
    assert [row.name for row in report] == ["x", "Wx[u]", "Wx[v]", "b[u]", "b[v]"]
    assert report["Wx[u]"].size == 6
    report.assert_ok(strict=True)


def test_per_gate_rows_locate_the_broken_gate_in_a_sublayer():
    rng = np.random.default_rng(6)
    report = check_layer(Stack(broken=True), {"x": rng.standard_normal((4, 3))})
    wrong = [row.name for row in report if row.verdict == "wrong"]
    assert wrong == ["l1.Wx[v]"]
    unsplit = check_layer(Stack(), {"x": rng.standard_normal((4, 3))}, per_gate=False)
    assert [row.name for row in unsplit] == ["x", "l0.Wx", "l0.b", "l1.Wx", "l1.b"]


# -- whole models ------------------------------------------------------------------------------
class TinyRegressor(Layer):
    """RNN + Linear head with a squared-error loss; ``broken`` mis-scales one gradient."""

    def __init__(self, broken=None):
        super().__init__()
        self.rnn = self.add_sublayer("rnn", RNN(3, 4, seed=0))
        self.head = self.add_sublayer("head", Linear(4, 2, seed=1))
        self.broken = broken

    def loss(self, x, y):
        hs, _ = self.rnn.forward(x)
        diff = self.head.forward(hs) - y
        self.rnn.backward(self.head.backward(diff))
        if self.broken:
            self.gradients()[self.broken][...] *= 1.001
        return 0.5 * float(np.sum(diff**2))


def _data():
    rng = np.random.default_rng(7)
    return rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 5, 2))


def test_check_model_passes_a_correct_model_and_restores_it():
    x, y = _data()
    model = TinyRegressor()
    params = {k: v.copy() for k, v in model.parameters().items()}
    report = check_model(model, lambda: model.loss(x, y), k=4, directions=2)
    report.assert_ok(strict=True)
    names = [row.name for row in report]
    assert names[:2] == ["all parameters (direction 1)", "all parameters (direction 2)"]
    assert names[2:] == list(params)
    for name, value in model.parameters().items():
        np.testing.assert_array_equal(value, params[name])
    model.zero_grad()
    model.loss(x, y)
    expected = {k: v.copy() for k, v in model.gradients().items()}
    check_model(model, lambda: model.loss(x, y), k=2)
    for name, grad in model.gradients().items():
        np.testing.assert_allclose(grad, expected[name], rtol=1e-12)


@pytest.mark.parametrize("broken", ["rnn.Wh", "head.b"])
def test_directional_check_catches_a_broken_model(broken):
    x, y = _data()
    model = TinyRegressor(broken=broken)
    report = check_model(model, lambda: model.loss(x, y), k=0)
    assert report.rows[0].coverage == "direction"
    assert report.rows[0].verdict != "good"
    assert not report.all_good


def test_sparse_model_check_points_at_the_broken_parameter():
    x, y = _data()
    model = TinyRegressor(broken="rnn.Wx")
    report = check_model(model, lambda: model.loss(x, y), k=12)
    assert report["rnn.Wx"].verdict != "good"
    assert report["rnn.Wh"].verdict == "good"


# -- the report --------------------------------------------------------------------------------
def _report():
    rows = [
        GradcheckRow("Wx", (3, 4), 2e-10, 12, 12, (0, 1), 0.5, 0.5),
        GradcheckRow("b<&>", (4,), 3e-6, 2, 4, (1,), 0.1, 0.100001),
        GradcheckRow("Wh", (4, 4), 0.2, 16, 16, (2, 2), 1.0, 0.6),
    ]
    return GradcheckReport(rows, "demo")


def test_report_table_text():
    text = str(_report())
    lines = text.splitlines()
    assert lines[0] == "demo"
    assert lines[1].split() == ["name", "shape", "checked", "max", "rel", "error", "verdict"]
    assert "Wx" in lines[3] and "2.00e-10" in lines[3] and lines[3].endswith("good")
    assert "2/4" in lines[4] and lines[4].endswith("suspicious")
    assert lines[5].endswith("wrong")
    assert lines[-1] == "1 good, 1 suspicious, 1 wrong; max rel error 2.00e-01"


def test_report_html_escapes_and_colours():
    page = _report()._repr_html_()
    assert page.count("<tr>") == 4
    assert "b&lt;&amp;&gt;" in page and "b<&>" not in page
    assert "wrong</td>" in page


def test_report_ok_and_strict():
    report = _report()
    assert not report.ok and report.max_error == 0.2
    fine = GradcheckReport(report.rows[:2])
    assert fine.ok and not fine.all_good
    fine.assert_ok()
    with pytest.raises(AssertionError, match="suspicious"):
        fine.assert_ok(strict=True)
    with pytest.raises(KeyError, match="rows are"):
        report["nothing"]


def test_check_function_with_a_scalar_output_and_no_cache():
    rng = np.random.default_rng(8)

    def forward(a, b):
        return float(np.sum(np.sin(a) * b))

    def backward(dout):
        return dout * np.cos(a) * b, dout * np.sin(a)

    a, b = rng.standard_normal(4), rng.standard_normal(4)
    report = check_function(forward, backward, {"a": a, "b": b})
    assert [row.name for row in report] == ["a", "b"]
    report.assert_ok(strict=True)
