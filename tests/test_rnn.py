"""The simple RNN: the course's hand-computed example, gradient checks and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.functional.rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from minirnn.gradcheck import check_function, check_layer
from minirnn.layers.linear import Linear
from minirnn.layers.rnn import RNN, RNNCell

NONLINEARITIES = ["tanh", "relu", "sigmoid", "identity"]

# -- the seed's hand-computed SRN ----------------------------------------------------------
# Two inputs, two hidden units, two outputs, every weight 1, biases 0, h0 = 0, linear output.
SEED_INPUTS = np.array([[1.0, 1.0], [1.0, 1.0], [2.0, 2.0]])
LINEAR_HIDDEN = [[2.0, 2.0], [6.0, 6.0], [16.0, 16.0]]
LINEAR_OUTPUTS = [[4.0, 4.0], [12.0, 12.0], [32.0, 32.0]]
TANH_OUTPUTS = [1.9280551601516338, 1.9984510891336251, 1.9999753470497836]
TANH_HIDDEN = [0.9640275800758169, 0.9992255445668126]


def _all_ones(layer):
    """Set every weight of a layer to 1 and every bias to 0, as in the course example."""
    for name, value, _ in layer.named_parameters():
        value[...] = 0.0 if name.rsplit(".", 1)[-1] == "b" else 1.0
    return layer


def _seed_by_cell(nonlinearity):
    cell, head = _all_ones(RNNCell(2, 2, nonlinearity)), _all_ones(Linear(2, 2))
    h = np.zeros((1, 2))
    hidden, outputs = [], []
    for x in SEED_INPUTS:
        h, _ = cell.forward(x[None], h)
        hidden.append(h[0])
        outputs.append(head.forward(h)[0])
    return np.array(hidden), np.array(outputs)


def _seed_by_layer(nonlinearity):
    rnn, head = _all_ones(RNN(2, 2, nonlinearity=nonlinearity)), _all_ones(Linear(2, 2))
    hs, h_last = rnn.forward(SEED_INPUTS[None], np.zeros((1, 2)))
    np.testing.assert_array_equal(h_last, hs[:, -1])
    return hs[0], head.forward(hs)[0]


def _seed_by_functions(nonlinearity):
    ones, zeros = np.ones((2, 2)), np.zeros(2)
    h = np.zeros((1, 2))
    hidden = []
    for x in SEED_INPUTS:
        h, _ = rnn_step_forward(x[None], h, ones, ones, zeros, nonlinearity)
        hidden.append(h[0])
    hidden = np.array(hidden)
    return hidden, hidden @ ones


RUNNERS = [_seed_by_functions, _seed_by_cell, _seed_by_layer]


@pytest.mark.parametrize("run", RUNNERS)
@pytest.mark.parametrize("nonlinearity", ["identity", "relu"])
def test_seed_example_without_squashing(run, nonlinearity):
    hidden, outputs = run(nonlinearity)
    # Small integers are exact in float64, so the course numbers must come out exactly.
    np.testing.assert_array_equal(hidden, LINEAR_HIDDEN)
    np.testing.assert_array_equal(outputs, LINEAR_OUTPUTS)


@pytest.mark.parametrize("run", RUNNERS)
def test_seed_example_with_tanh(run):
    hidden, outputs = run("tanh")
    expected_outputs = np.repeat(np.array(TANH_OUTPUTS)[:, None], 2, axis=1)
    np.testing.assert_allclose(outputs, expected_outputs, rtol=4e-16, atol=0)
    np.testing.assert_allclose(hidden[:2], np.repeat(np.array(TANH_HIDDEN)[:, None], 2, axis=1),
                               rtol=4e-16, atol=0)
    # The output layer sums two equal hidden units.
    np.testing.assert_allclose(hidden[2], np.array(TANH_OUTPUTS[2]) / 2, rtol=4e-16)


def test_seed_example_sequence_pair_matches_steps():
    ones, zeros = np.ones((2, 2)), np.zeros(2)
    hs, _ = rnn_forward(SEED_INPUTS[None], np.zeros((1, 2)), ones, ones, zeros, "tanh")
    hidden, _ = _seed_by_functions("tanh")
    np.testing.assert_allclose(hs[0], hidden, rtol=1e-15)


# -- agreement between the step and the sequence forms -----------------------------------------
@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_rnn_equals_cell_stepped(nonlinearity):
    rng = np.random.default_rng(1)
    rnn = RNN(3, 4, nonlinearity=nonlinearity, seed=2)
    cell = RNNCell(3, 4, nonlinearity, seed=0)
    for name in ("Wx", "Wh", "b"):
        cell.params[name][...] = rnn.params[name]
    x, h0 = rng.standard_normal((2, 6, 3)), rng.standard_normal((2, 4))
    hs, h_last = rnn.forward(x, h0)
    h = h0
    for t in range(6):
        h, state = cell.forward(x[:, t], h)
        assert state is h
        np.testing.assert_allclose(hs[:, t], h, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h_last, h, rtol=1e-12, atol=1e-14)


def test_rnn_matches_torch():
    torch = pytest.importorskip("torch", reason="torch is an optional test oracle")
    rng = np.random.default_rng(3)
    rnn = RNN(3, 5, seed=4)
    x, h0 = rng.standard_normal((2, 7, 3)), rng.standard_normal((2, 5))
    hs, _ = rnn.forward(x, h0)
    dhs = rng.standard_normal(hs.shape)
    rnn.backward(dhs)

    ref = torch.nn.RNN(3, 5, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(torch.from_numpy(rnn.params["Wx"].T))
        ref.weight_hh_l0.copy_(torch.from_numpy(rnn.params["Wh"].T))
        ref.bias_ih_l0.copy_(torch.from_numpy(rnn.params["b"]))
        ref.bias_hh_l0.zero_()
    xt = torch.tensor(x, requires_grad=True)
    ht = torch.tensor(h0[None], requires_grad=True)
    out, _ = ref(xt, ht)
    (out * torch.from_numpy(dhs)).sum().backward()
    np.testing.assert_allclose(hs, out.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(rnn.grads["Wh"], ref.weight_hh_l0.grad.numpy().T, rtol=1e-10)
    np.testing.assert_allclose(rnn.dstate, ht.grad.numpy()[0], rtol=1e-10, atol=1e-14)


# -- gradient checks ---------------------------------------------------------------------------
SHAPES = [(1, 1, 1, 1), (2, 1, 3, 4), (3, 5, 2, 3), (2, 4, 5, 2)]  # (N, T, D, H)


def _random_params(rng, D, H):
    return {
        "Wx": rng.standard_normal((D, H)) * 0.5,
        "Wh": rng.standard_normal((H, H)) * 0.5,
        "b": rng.standard_normal(H) * 0.5,
    }


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
@pytest.mark.parametrize("N, T, D, H", SHAPES)
def test_step_pair_gradients(nonlinearity, N, T, D, H):
    rng = np.random.default_rng(N * 100 + T * 10 + D)
    inputs = {"x": rng.standard_normal((N, D)), "h_prev": rng.standard_normal((N, H))}
    inputs.update(_random_params(rng, D, H), nonlinearity=nonlinearity)
    report = check_function(rnn_step_forward, rnn_step_backward, inputs)
    assert [row.name for row in report] == ["x", "h_prev", "Wx", "Wh", "b"]
    report.assert_ok(strict=True)


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
@pytest.mark.parametrize("N, T, D, H", SHAPES)
def test_sequence_pair_gradients(nonlinearity, N, T, D, H):
    rng = np.random.default_rng(N * 100 + T * 10 + D)
    inputs = {"x": rng.standard_normal((N, T, D)), "h0": rng.standard_normal((N, H))}
    inputs.update(_random_params(rng, D, H), nonlinearity=nonlinearity)
    report = check_function(rnn_forward, rnn_backward, inputs)
    assert [row.name for row in report] == ["x", "h0", "Wx", "Wh", "b"]
    report.assert_ok(strict=True)


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_sequence_pair_with_gradient_on_last_state(nonlinearity):
    rng = np.random.default_rng(5)
    inputs = {"x": rng.standard_normal((2, 4, 3)), "h0": rng.standard_normal((2, 3))}
    inputs.update(_random_params(rng, 3, 3), nonlinearity=nonlinearity)

    def forward(**kw):
        hs, cache = rnn_forward(**kw)
        return hs, hs[:, -1], cache

    def backward(dhs, dh_last, cache):
        return rnn_backward(dhs, cache, dh_last)

    check_function(forward, backward, inputs).assert_ok(strict=True)


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
@pytest.mark.parametrize("N, T, D, H", SHAPES)
def test_rnn_layer_gradients(nonlinearity, N, T, D, H):
    rng = np.random.default_rng(T)
    layer = RNN(D, H, nonlinearity=nonlinearity, seed=T)
    inputs = {"x": rng.standard_normal((N, T, D)), "state": rng.standard_normal((N, H))}
    report = check_layer(layer, inputs, seed=1)
    assert {row.name for row in report} == {"x", "state", "Wx", "Wh", "b"}
    report.assert_ok(strict=True)


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_rnn_cell_gradients(nonlinearity):
    rng = np.random.default_rng(7)
    cell = RNNCell(4, 3, nonlinearity, seed=8)
    inputs = {"x": rng.standard_normal((5, 4)), "state": rng.standard_normal((5, 3))}
    report = check_layer(cell, inputs)
    assert {row.name for row in report} == {"x", "state", "Wx", "Wh", "b"}
    report.assert_ok(strict=True)


@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3), (1, 1, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradients(shape, bias):
    rng = np.random.default_rng(len(shape))
    layer = Linear(3, 2, bias=bias, seed=0)
    report = check_layer(layer, {"x": rng.standard_normal(shape)})
    assert {row.name for row in report} == ({"x", "W", "b"} if bias else {"x", "W"})
    report.assert_ok(strict=True)


def test_rnn_backward_accumulates():
    rng = np.random.default_rng(0)
    rnn = RNN(2, 3, seed=0)
    x = rng.standard_normal((2, 4, 2))
    hs, _ = rnn.forward(x)
    dhs = rng.standard_normal(hs.shape)
    rnn.backward(dhs)
    once = {k: v.copy() for k, v in rnn.gradients().items()}
    rnn.backward(dhs)
    for name, grad in rnn.gradients().items():
        np.testing.assert_allclose(grad, 2 * once[name])


def test_default_h0_is_zero():
    rng = np.random.default_rng(0)
    rnn = RNN(2, 3, seed=0)
    x = rng.standard_normal((2, 4, 2))
    np.testing.assert_array_equal(rnn.forward(x)[0], rnn.forward(x, np.zeros((2, 3)))[0])


# -- bad input ---------------------------------------------------------------------------------
def test_rnn_rejects_wrong_rank():
    with pytest.raises(ValueError, match=r"\(N, T, D\).*got shape \(4, 3\)"):
        RNN(3, 2).forward(np.zeros((4, 3)))


def test_rnn_rejects_wrong_feature_size():
    with pytest.raises(ValueError, match=r"x must have shape.*3.*got \(2, 5, 4\)"):
        RNN(3, 2).forward(np.zeros((2, 5, 4)))


def test_rnn_rejects_mismatched_initial_state():
    with pytest.raises(ValueError, match=r"state.*got \(3, 2\)"):
        RNN(3, 2).forward(np.zeros((2, 5, 3)), np.zeros((3, 2)))


def test_cell_rejects_mismatched_state():
    with pytest.raises(ValueError, match=r"state.*\(2, 4\).*got \(2, 3\)"):
        RNNCell(3, 4).forward(np.zeros((2, 3)), np.zeros((2, 3)))


def test_cell_rejects_sequence_input():
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        RNNCell(3, 4).forward(np.zeros((2, 5, 3)))


@pytest.mark.parametrize("make", [lambda: RNN(3, 2, nonlinearity="gelu"),
                                  lambda: RNNCell(3, 2, "gelu")])
def test_unknown_nonlinearity(make):
    with pytest.raises(ValueError, match=r"unknown nonlinearity 'gelu'.*'tanh'"):
        make()


def test_unknown_nonlinearity_in_functional_form():
    with pytest.raises(ValueError, match="unknown nonlinearity"):
        rnn_step_forward(np.zeros((1, 2)), np.zeros((1, 2)), np.ones((2, 2)), np.ones((2, 2)),
                         np.zeros(2), "softplus")


def test_integer_input_rejected():
    with pytest.raises(TypeError, match="floating-point"):
        RNN(3, 2).forward(np.zeros((2, 5, 3), dtype=int))


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match="before forward"):
        RNNCell(3, 2).backward(np.zeros((1, 2)))


def test_rnn_backward_rejects_wrong_dhs():
    rnn = RNN(3, 2)
    rnn.forward(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match=r"dhs.*got \(2, 4, 2\)"):
        rnn.backward(np.zeros((2, 4, 2)))


@pytest.mark.parametrize("sizes", [(0, 2), (2, 0), (2.5, 2)])
def test_bad_sizes(sizes):
    with pytest.raises(ValueError, match="positive integer"):
        RNN(*sizes)


def test_linear_rejects_wrong_features():
    with pytest.raises(ValueError, match=r"\(\.\.\., 3\).*got \(2, 4\)"):
        Linear(3, 2).forward(np.zeros((2, 4)))


def test_linear_backward_rejects_wrong_dout():
    layer = Linear(3, 2)
    layer.forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"dout.*\(4, 2\).*got \(4, 3\)"):
        layer.backward(np.zeros((4, 3)))
