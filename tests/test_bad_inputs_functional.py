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
    with pytest.raises(ValueError, match=r"b_hn must have shape \(4,\), got \(3,\)"):
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


# ---------------------------------------------------------------- the cache of a backward pass


def _step_caches() -> dict[str, tuple]:
    """A cache of every step pair, by cell."""
    return {cell: STEPS[cell]()[-1] for cell in STEPS}


STEP_BACKWARDS = {
    "rnn": lambda cache: rnn_step_backward(np.zeros((N, H)), cache),
    "lstm": lambda cache: lstm_step_backward(np.zeros((N, H)), None, cache),
    "gru": lambda cache: gru_step_backward(np.zeros((N, H)), cache),
}


@pytest.mark.parametrize("cell", list(STEP_BACKWARDS))
@pytest.mark.parametrize("other", list(STEP_BACKWARDS))
def test_step_backward_refuses_the_cache_of_another_cell(cell, other):
    if cell == other:
        return  # the right cache: covered by the gradient checks
    with pytest.raises(ValueError, match=rf"cache must be the tuple of \d+ items that "
                       rf"{cell}_step_forward returned, got a tuple of \d+ items \(the cache "
                       "of another cell or pass\\?\\)"):
        STEP_BACKWARDS[cell](_step_caches()[other])


@pytest.mark.parametrize("cell", list(STEP_BACKWARDS))
@pytest.mark.parametrize(("bad", "given"), [
    (None, "a NoneType"), ([1, 2], "a list"), (np.zeros(6), "an array with 1 axis"),
    ("cache", "a str"),
])
def test_step_backward_refuses_a_non_tuple_cache(cell, bad, given):
    with pytest.raises(TypeError, match=f"cache must be the tuple that {cell}_step_forward "
                       f"returned, got {given}"):
        STEP_BACKWARDS[cell](bad)


def test_step_backward_names_the_item_that_does_not_fit():
    cache = list(_step_caches()["rnn"])
    cache[0] = np.zeros((N, 2, D))  # a sequence where one step belongs
    with pytest.raises(ValueError, match="its item 0 should be an array with 2 axes, got an "
                       "array with 3 axes"):
        rnn_step_backward(np.zeros((N, H)), tuple(cache))
    cache = list(_step_caches()["rnn"])
    cache[5] = np.zeros(3)  # f_grad replaced by an array
    with pytest.raises(ValueError, match="its item 5 should be a function, got an array"):
        rnn_step_backward(np.zeros((N, H)), tuple(cache))


def _sequence_runs() -> dict[str, tuple]:
    """(forward output, backward, extra final-state names) of every sequence pass."""
    from minirnn.functional import gru, lstm, rnn
    from minirnn.functional.fast import gru as fast_gru
    from minirnn.functional.fast import lstm as fast_lstm
    from minirnn.functional.fast import rnn as fast_rnn

    x = RNG.standard_normal((N, 5, D))
    h0, c0 = RNG.standard_normal((N, H)), RNG.standard_normal((N, H))
    w = {g: (RNG.standard_normal((D, g * H)), RNG.standard_normal((H, g * H)),
             RNG.standard_normal(g * H)) for g in (1, 3, 4)}
    b_hn = RNG.standard_normal(H)
    return {
        "rnn": (rnn.rnn_forward(x, h0, *w[1])[1], rnn.rnn_backward),
        "fast rnn": (fast_rnn.rnn_forward(x, h0, *w[1])[1], fast_rnn.rnn_backward),
        "lstm": (lstm.lstm_forward(x, h0, c0, *w[4])[2], lstm.lstm_backward),
        "fast lstm": (fast_lstm.lstm_forward(x, h0, c0, *w[4])[2], fast_lstm.lstm_backward),
        "gru": (gru.gru_forward(x, h0, *w[3], b_hn)[1], gru.gru_backward),
        "fast gru": (fast_gru.gru_forward(x, h0, *w[3], b_hn)[1], fast_gru.gru_backward),
    }


SEQUENCES = _sequence_runs()


@pytest.mark.parametrize("name", list(SEQUENCES))
@pytest.mark.parametrize("other", list(SEQUENCES))
def test_sequence_backward_refuses_the_cache_of_another_pass(name, other):
    if name == other:
        return
    _, backward = SEQUENCES[name]
    cache, _ = SEQUENCES[other]
    with pytest.raises((TypeError, ValueError), match=r"cache(\[0\])? must be the "
                       r"(non-empty list of step caches|tuple)( of \d+ items)? that "
                       rf"\S*{name.split()[-1]}_forward returned.*got"):
        backward(np.zeros((N, 5, H)), cache)


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_sequence_backward_refuses_misshaped_gradients(name):
    cache, backward = SEQUENCES[name]
    with pytest.raises(ValueError, match=r"dhs must have shape \(2, 5, 4\), got \(2, 4, 4\)"):
        backward(np.zeros((N, 4, H)), cache)
    with pytest.raises(TypeError, match="dhs must be a floating-point array, got list"):
        backward([[0]], cache)
    with pytest.raises(ValueError, match=r"dh_last must have shape \(2, 4\), got \(4,\)"):
        backward(np.zeros((N, 5, H)), cache, np.zeros(H))


@pytest.mark.parametrize("name", ["lstm", "fast lstm"])
def test_lstm_backward_refuses_a_misshaped_dc_last(name):
    cache, backward = SEQUENCES[name]
    with pytest.raises(ValueError, match=r"dc_last must have shape \(2, 4\), got \(2, 5\)"):
        backward(np.zeros((N, 5, H)), cache, None, np.zeros((N, H + 1)))



def test_fast_lstm_forward_refuses_a_transposed_flag_that_is_not_a_bool():
    from minirnn.functional.fast.lstm import lstm_forward

    x, h0 = RNG.standard_normal((N, 5, D)), RNG.standard_normal((N, H))
    weights = (RNG.standard_normal((D, 4 * H)), RNG.standard_normal((H, 4 * H)),
               RNG.standard_normal(4 * H))
    with pytest.raises(TypeError, match="transposed must be a bool, got str 'yes'"):
        lstm_forward(x, h0, h0, *weights, transposed="yes")


@pytest.mark.parametrize("width, error, message", [
    (2.0, TypeError, "block_width must be an int, got float 2.0"),
    (3, ValueError, "block_width must be 0 or a positive divisor of the hidden size 4, got 3"),
    (-2, ValueError, "block_width must be 0 or a positive divisor of the hidden size 4, got -2"),
])
def test_fast_lstm_forward_refuses_a_block_width_that_does_not_divide_h(width, error, message):
    from minirnn.functional.fast.lstm import lstm_forward

    x, h0 = RNG.standard_normal((N, 5, D)), RNG.standard_normal((N, H))
    weights = (RNG.standard_normal((D, 4 * H)), RNG.standard_normal((H, 4 * H)),
               RNG.standard_normal(4 * H))
    with pytest.raises(error, match=message):
        lstm_forward(x, h0, h0, *weights, block_width=width)

def test_reference_backward_refuses_an_empty_or_tuple_cache():
    from minirnn.functional.rnn import rnn_backward

    with pytest.raises(TypeError, match="cache must be the non-empty list of step caches that "
                       "rnn_forward returned, got a list of length 0"):
        rnn_backward(np.zeros((N, 5, H)), [])
    with pytest.raises(TypeError, match="cache must be the non-empty list of step caches that "
                       "rnn_forward returned, got a tuple"):
        rnn_backward(np.zeros((N, 5, H)), SEQUENCES["fast rnn"][0])


# ---------------------------------------------------------------- attention, forward and backward


def _attention_inputs(T=3, S=4, Hq=3, Hk=3, A=5):
    return {"query": RNG.standard_normal((N, T, Hq)), "keys": RNG.standard_normal((N, S, Hk)),
            "W": RNG.standard_normal((Hq, Hk)), "Wq": RNG.standard_normal((Hq, A)),
            "Wk": RNG.standard_normal((Hk, A)), "v": RNG.standard_normal(A)}


def _attention(score, **changes):
    from minirnn.functional import attention as fa

    a = {**_attention_inputs(), **changes}
    mask = a.pop("mask", None)
    if score == "dot":
        return fa.dot_attention_forward(a["query"], a["keys"], mask)
    if score == "general":
        return fa.general_attention_forward(a["query"], a["keys"], a["W"], mask)
    return fa.additive_attention_forward(a["query"], a["keys"], a["Wq"], a["Wk"], a["v"], mask)


ATTENTION_SCORES = ("dot", "general", "additive")


@pytest.mark.parametrize("score", ATTENTION_SCORES)
@pytest.mark.parametrize(("change", "error", "words"), [
    ({"query": np.zeros((N, 3, 3), int)}, TypeError,
     "query must be a floating-point array, got dtype int64"),
    ({"keys": "keys"}, TypeError, "keys must be a floating-point array, got str"),
    ({"keys": np.zeros((N, 4))}, ValueError, r"keys must have shape \(N, S, Hk\), got \(2, 4\)"),
    ({"query": np.zeros((N + 1, 3, 3))}, ValueError,
     r"query must have shape \(2, T, Hq\) or \(2, Hq\) to match keys \(2, 4, 3\), got \(3, 3, 3\)"),
    ({"mask": np.ones((N, 4), int)}, TypeError, "mask must be a bool array .*got int64"),
    ({"mask": np.ones((N, 5), bool)}, ValueError, r"mask must have shape \(2, 4\), got \(2, 5\)"),
    ({"mask": np.array([[True] * 4, [False] * 4])}, ValueError,
     r"mask must keep at least one source position per row; rows \[1\] keep none"),
])
def test_attention_forward_refuses_bad_inputs(score, change, error, words):
    with pytest.raises(error, match=words):
        _attention(score, **change)


@pytest.mark.parametrize(("score", "change", "words"), [
    ("dot", {"keys": np.zeros((N, 4, 5))}, "dot scores need query and keys of the same width, "
     "got query 3 and keys 5"),
    ("general", {"W": np.zeros((3, 5))}, r"W must have shape \(3, 3\), got \(3, 5\)"),
    ("additive", {"Wq": np.zeros((4, 5))}, r"Wq must have shape \(3, 5\), got \(4, 5\)"),
    ("additive", {"Wk": np.zeros((3, 6))}, r"Wk must have shape \(3, 5\), got \(3, 6\)"),
    ("additive", {"v": np.zeros((5, 1))}, r"v must have 1 dimension \(A,\), got shape \(5, 1\)"),
])
def test_attention_forward_refuses_misshaped_weights(score, change, words):
    with pytest.raises(ValueError, match=words):
        _attention(score, **change)


def _attention_backward(score):
    from minirnn.functional import attention as fa

    return {"dot": fa.dot_attention_backward, "general": fa.general_attention_backward,
            "additive": fa.additive_attention_backward}[score]


@pytest.mark.parametrize("score", ATTENTION_SCORES)
def test_attention_backward_refuses_bad_gradients(score):
    _, _, cache = _attention(score)
    backward = _attention_backward(score)
    with pytest.raises(ValueError, match=r"dcontext must have shape \(2, 3, 3\), got \(2, 3, 4\)"):
        backward(np.zeros((N, 3, 4)), None, cache)
    with pytest.raises(TypeError, match="dcontext must be a floating-point array, got NoneType"):
        backward(None, None, cache)
    with pytest.raises(ValueError, match=r"dweights must have shape \(2, 3, 4\), got \(2, 3\)"):
        backward(np.zeros((N, 3, 3)), np.zeros((N, 3)), cache)
    _, _, one_step = _attention(score, query=RNG.standard_normal((N, 3)))
    with pytest.raises(ValueError, match=r"dcontext must have 2 dimensions \(N, Hk\) for a "
                       r"one-step query, got shape \(2, 1, 3\)"):
        backward(np.zeros((N, 1, 3)), None, one_step)


@pytest.mark.parametrize("score", ATTENTION_SCORES)
@pytest.mark.parametrize("other", ATTENTION_SCORES)
def test_attention_backward_refuses_another_score_s_cache(score, other):
    _, _, cache = _attention(other)
    expected = TypeError if other == score else ValueError
    if other == score:
        cache = list(cache)  # the right items, but not the tuple the forward returned
    with pytest.raises(expected, match=f"cache must be the tuple (of \\d+ items )?that {score}"
                       "_attention_forward returned.*got"):
        _attention_backward(score)(np.zeros((N, 3, 3)), None, cache)


def test_attend_pair_checks_its_arrays():
    from minirnn.functional.attention import attend_backward, attend_forward

    keys, scores = RNG.standard_normal((N, 4, 3)), RNG.standard_normal((N, 3, 4))
    with pytest.raises(ValueError, match=r"scores must have shape \(2, \*, 4\), got \(2, 3, 5\)"):
        attend_forward(np.zeros((N, 3, 5)), keys, None)
    with pytest.raises(ValueError, match=r"scores must have 3 dimensions \(N, T, S\), got shape"):
        attend_forward(np.zeros((N, 4)), keys, None)
    with pytest.raises(TypeError, match="mask must be a bool array"):
        attend_forward(scores, keys, np.ones((N, 4)))
    _, weights = attend_forward(scores, keys, None)
    with pytest.raises(ValueError, match=r"dcontext must have shape \(2, 3, 3\), got \(2, 3\)"):
        attend_backward(np.zeros((N, 3)), None, keys, weights)
    with pytest.raises(ValueError, match=r"keys must have 3 dimensions \(N, S, Hk\)"):
        attend_backward(np.zeros((N, 3, 3)), None, keys[0], weights)


# ---------------------------------------------------------------- activations


@pytest.mark.parametrize("name", ["sigmoid", "softmax", "log_softmax", "relu", "identity"])
@pytest.mark.parametrize(("bad", "given"), [
    ("abc", "str 'abc'"), (None, "NoneType None"), ([[1.0], [2.0, 3.0]], "ragged list"),
    (np.array([True, False]), "dtype bool"), (np.array([1 + 2j]), "dtype complex128"),
])
def test_activations_refuse_what_is_not_real_numbers(name, bad, given):
    from minirnn.functional import activations

    with pytest.raises(TypeError, match=f"a must be an array of real numbers, got (a )?{given}"):
        getattr(activations, name)(bad)


def test_activations_take_integers_and_floats():
    from minirnn.functional.activations import identity, relu, sigmoid, softmax

    ints = np.array([-1, 0, 2])
    assert sigmoid(ints).dtype == np.float64 and relu(ints).tolist() == [0, 0, 2]
    assert identity(ints) is ints and softmax(ints.astype(np.float32)).dtype == np.float32
