"""Gradient norms through time: exact values, finite differences, and the grads left alone."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.diagnostics import gradient_norms_through_time
from minirnn.layers import GRU, LSTM, RNN


def _unit_vectors(seed, N, H):
    u = np.random.default_rng(seed).standard_normal((N, H))
    return u / np.linalg.norm(u, axis=1, keepdims=True)


def _numerical_dh(layer, x, t, seed, which="h", eps=1e-6):
    """Centred differences of L = sum_n u_n . h_T with respect to h_t (or c_t), forward only."""
    N, T, _ = x.shape
    H = layer.hidden_size
    u = _unit_vectors(seed, N, H)
    states = [np.zeros((N, H)) for _ in layer.state_names]
    if t > 0:
        states = layer.split_state(layer.forward(x[:, :t], layer.join_state(states))[1])
    index = layer.state_names.index(which)

    def loss(state):
        trial = list(states)
        trial[index] = state
        final = layer.forward(x[:, t:], layer.join_state(trial))[1]
        return float(np.sum(u * layer.split_state(final)[0]))

    base = states[index]
    grad = np.zeros_like(base)
    for i in np.ndindex(base.shape):
        plus, minus = base.copy(), base.copy()
        plus[i] += eps
        minus[i] -= eps
        grad[i] = (loss(plus) - loss(minus)) / (2 * eps)
    return grad


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_matches_finite_differences(cls):
    layer = cls(3, 4, seed=1)
    x = np.random.default_rng(2).standard_normal((2, 6, 3))
    result = gradient_norms_through_time(layer, x, seed=7)
    assert result.steps.tolist() == list(range(7))
    for t in (0, 2, 5):
        numeric = np.linalg.norm(_numerical_dh(layer, x, t, seed=7), axis=1)
        np.testing.assert_allclose(result.per_sequence[:, t], numeric, rtol=1e-7)
        assert result.dh[t] == pytest.approx(numeric.mean(), rel=1e-7)
    if cls is LSTM:
        for t in (0, 3):
            numeric = np.linalg.norm(_numerical_dh(layer, x, t, seed=7, which="c"), axis=1)
            assert result.dc[t] == pytest.approx(numeric.mean(), rel=1e-7)
    else:
        assert result.dc is None
    assert result.dh[-1] == 1.0


@pytest.mark.parametrize("scale", [0.5, 1.2])
def test_linear_rnn_decays_or_explodes_geometrically(scale):
    """With f = identity and W_h = s I, dL/dh_t = s^(T-t) u exactly."""
    layer = RNN(2, 3, seed=0, nonlinearity="identity")
    layer.params["Wh"][...] = scale * np.eye(3)
    x = np.random.default_rng(0).standard_normal((4, 10, 2))
    result = gradient_norms_through_time(layer, x)
    np.testing.assert_allclose(result.dh, scale ** (10 - np.arange(11)), rtol=1e-12)


def test_tanh_rnn_against_jacobian_product():
    """Independent backward: multiply the step Jacobians (1 - h_k^2) W_h^T by hand."""
    layer = RNN(2, 5, seed=3)
    x = np.random.default_rng(4).standard_normal((3, 8, 2))
    result = gradient_norms_through_time(layer, x, seed=11)
    hs, _ = layer.forward(x)
    Wh = layer.params["Wh"]
    g = _unit_vectors(11, 3, 5)
    expected = [np.linalg.norm(g, axis=1)]
    for k in range(7, -1, -1):  # from h_{k+1} = hs[:, k] back to h_k
        g = (g * (1 - hs[:, k] ** 2)) @ Wh.T
        expected.append(np.linalg.norm(g, axis=1))
    np.testing.assert_allclose(result.per_sequence, np.array(expected[::-1]).T, rtol=1e-10)


def test_parameter_gradients_are_left_alone():
    layer = LSTM(2, 3, seed=0)
    for _, _, grad in layer.named_parameters():
        grad[...] = 0.25
    gradient_norms_through_time(layer, np.ones((1, 4, 2)))
    for name, _, grad in layer.named_parameters():
        assert np.all(grad == 0.25), name


def test_rejects_stacked_layers_and_bad_input():
    with pytest.raises(ValueError, match="single-layer unidirectional"):
        gradient_norms_through_time(RNN(2, 3, num_layers=2, seed=0), np.ones((1, 4, 2)))
    with pytest.raises(ValueError, match=r"\(N, T, D\)"):
        gradient_norms_through_time(RNN(2, 3, seed=0), np.ones((4, 2)))
    with pytest.raises(TypeError, match=r"one state \(h\)"):
        gradient_norms_through_time(GRU(2, 3, seed=0), np.ones((1, 4, 2)),
                                    state=(np.zeros((1, 3)), np.zeros((1, 3))))
