"""Bad inputs to the single-step functional pairs, activations, interop and diagnostics (issue 11).

Each case asserts the exception type and that the message names the argument (and what was
expected or given). Weight shapes are checked by the same helper as the sequence passes.
"""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.diagnostics import gradient_norms_through_time
from minirnn.functional.activations import get_activation
from minirnn.functional.gru import gru_step_backward, gru_step_forward
from minirnn.functional.lstm import lstm_step_backward, lstm_step_forward
from minirnn.functional.rnn import rnn_step_backward, rnn_step_forward
from minirnn.interop import load_torch_state_dict, to_torch_state_dict, torch_state_dict_shapes
from minirnn.layers import GRU, LSTM, RNN, Linear

N, D, H = 2, 3, 4
RNG = np.random.default_rng(0)


def arrays(gates: int) -> dict[str, np.ndarray]:
    """Well-shaped float64 step inputs for a cell with ``gates`` gate blocks."""
    return {
        "x": RNG.standard_normal((N, D)),
        "h_prev": RNG.standard_normal((N, H)),
        "Wx": RNG.standard_normal((D, gates * H)),
        "Wh": RNG.standard_normal((H, gates * H)),
        "b": RNG.standard_normal(gates * H),
    }


def rnn_step(**kw):
    a = {**arrays(1), **kw}
    return rnn_step_forward(a["x"], a["h_prev"], a["Wx"], a["Wh"], a["b"])


def lstm_step(**kw):
    a = {**arrays(4), "c_prev": RNG.standard_normal((N, H)), **kw}
    return lstm_step_forward(a["x"], a["h_prev"], a["c_prev"], a["Wx"], a["Wh"], a["b"])


def gru_step(**kw):
    a = {**arrays(3), "b_hn": RNG.standard_normal(H), **kw}
    return gru_step_forward(a["x"], a["h_prev"], a["Wx"], a["Wh"], a["b"], a["b_hn"])


STEPS = {"rnn": rnn_step, "lstm": lstm_step, "gru": gru_step}
#: (argument, bad value, exception, words the message must contain)
BAD_STEP_ARGS = [
    ("x", np.zeros((N, 1, D)), ValueError, "x must have 2 dimensions (N, D)"),
    ("x", np.zeros((N, D + 1)), ValueError, "Wx must have shape"),
    ("x", np.zeros((N, D), dtype=np.int64), TypeError, "x must be a floating-point array"),
    ("h_prev", np.zeros((N + 1, H)), ValueError, "h_prev must have shape"),
    ("h_prev", np.zeros((N, H + 1)), ValueError, "h_prev must have shape"),
    ("Wx", np.zeros((D, 1)), ValueError, "Wx must have shape"),
    ("Wh", np.zeros((H, H, 1)), ValueError, "Wh must have 2 dimensions"),
    ("Wh", np.zeros((H + 1, 1)), ValueError, "Wh must have shape"),
    ("b", np.zeros(1), ValueError, "b must have shape"),
    ("b", [[1, 2]], TypeError, "b must be a floating-point array"),
]


@pytest.mark.parametrize(("arg", "value", "error", "words"), BAD_STEP_ARGS)
@pytest.mark.parametrize("cell", list(STEPS))
def test_step_forward_refuses_misshaped_arrays(cell, arg, value, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        STEPS[cell](**{arg: value})


def test_lstm_step_forward_refuses_misshaped_c_prev():
    with pytest.raises(ValueError, match=r"c_prev must have shape \(2, 4\), got \(2, 5\)"):
        lstm_step(c_prev=np.zeros((N, H + 1)))


def test_gru_step_forward_refuses_misshaped_or_missing_b_hn():
    with pytest.raises(ValueError, match=r"b_hn must have shape \(4\), got \(3,\)"):
        gru_step(b_hn=np.zeros(H - 1))
    with pytest.raises(TypeError, match="b_hn must be a floating-point array"):
        gru_step(b_hn=np.zeros(H, dtype=int))
    with pytest.raises(ValueError, match="needs the hidden bias b_hn"):
        gru_step(b_hn=None)


@pytest.mark.parametrize("cell", list(STEPS))
def test_step_backward_refuses_misshaped_dh(cell):
    *_, cache = STEPS[cell]()
    backward = {"rnn": rnn_step_backward, "gru": gru_step_backward,
                "lstm": lambda dh, c: lstm_step_backward(dh, None, c)}[cell]
    with pytest.raises(ValueError, match=r"dh must have shape \(2, 4\), got \(2, 5\)"):
        backward(np.zeros((N, H + 1)), cache)
    with pytest.raises(TypeError, match="dh must be a floating-point array"):
        backward(np.zeros((N, H), dtype=int), cache)


def test_lstm_step_backward_refuses_misshaped_dc():
    _, _, cache = lstm_step()
    with pytest.raises(ValueError, match=r"dc must have shape \(2, 4\), got \(3, 4\)"):
        lstm_step_backward(np.zeros((N, H)), np.zeros((N + 1, H)), cache)


def test_well_shaped_steps_still_run():
    """The checks refuse only what is wrong: every step pair runs on good inputs."""
    for cell, step in STEPS.items():
        out = step()
        assert out[0].shape == (N, H), cell


@pytest.mark.parametrize("name", ["softmax", "Tanh", "", "gelu"])
def test_get_activation_refuses_unknown_names(name):
    with pytest.raises(ValueError, match=f"unknown nonlinearity {name!r}; expected one of"):
        get_activation(name)


def test_rnn_step_forward_refuses_unknown_nonlinearity():
    a = arrays(1)
    with pytest.raises(ValueError, match="unknown nonlinearity 'swish'"):
        rnn_step_forward(a["x"], a["h_prev"], a["Wx"], a["Wh"], a["b"], "swish")


# ---------------------------------------------------------------- interop


@pytest.mark.parametrize("fn", [torch_state_dict_shapes, to_torch_state_dict])
def test_interop_refuses_non_recurrent_layers(fn):
    with pytest.raises(TypeError, match="expected a registered recurrent layer.*got Linear"):
        fn(Linear(3, 4))


def test_interop_refuses_layers_without_torch_equivalent():
    with pytest.raises(ValueError, match="reset_after=False"):
        to_torch_state_dict(GRU(3, 4, reset_after=False))
    with pytest.raises(ValueError, match="nonlinearity 'tanh' or 'relu'.*'sigmoid'"):
        to_torch_state_dict(RNN(3, 4, nonlinearity="sigmoid"))


def test_load_torch_state_dict_refuses_non_mappings():
    with pytest.raises(TypeError, match="state_dict must be a mapping.*got list"):
        load_torch_state_dict(LSTM(3, 4), [np.zeros(3)])


def test_load_torch_state_dict_names_every_bad_key():
    layer = LSTM(3, 4)
    state = to_torch_state_dict(layer)
    state["weight_ih_l0"] = np.zeros((5, 3))
    del state["bias_hh_l0"]
    state["extra"] = np.zeros(1)
    with pytest.raises(ValueError) as info:
        load_torch_state_dict(layer, state)
    message = str(info.value)
    assert "missing keys: bias_hh_l0" in message
    assert "unexpected keys: extra" in message
    assert "weight_ih_l0: expected (16, 3), got (5, 3)" in message


# ---------------------------------------------------------------- diagnostics


def test_gradient_norms_refuses_non_recurrent_layers():
    with pytest.raises(TypeError, match="expected a registered recurrent layer.*got Linear"):
        gradient_norms_through_time(Linear(3, 4), np.zeros((1, 2, 3)))


@pytest.mark.parametrize(("x", "error", "words"), [
    (np.zeros((2, 3)), ValueError, r"x must have 3 dimensions \(N, T, D\)"),
    (np.zeros((1, 0, 3)), ValueError, "x must have at least one time step"),
    (np.zeros((1, 2, 3), dtype=int), TypeError, "x must be a floating-point array"),
    (np.zeros((1, 2, 5)), ValueError, r"x must have shape \(\*, \*, 3\), got \(1, 2, 5\)"),
])
def test_gradient_norms_refuses_bad_x(x, error, words):
    with pytest.raises(error, match=words):
        gradient_norms_through_time(RNN(3, 4), x)


def test_gradient_norms_refuses_stacked_layers_and_bad_seeds():
    with pytest.raises(ValueError, match="single-layer unidirectional.*num_layers=2"):
        gradient_norms_through_time(RNN(3, 4, num_layers=2), np.zeros((1, 2, 3)))
    with pytest.raises(TypeError, match="seed must be an int"):
        gradient_norms_through_time(RNN(3, 4), np.zeros((1, 2, 3)), seed="a")
