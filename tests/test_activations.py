"""Activations: stability at extreme inputs and derivatives against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.functional.activations import (
    ACTIVATIONS,
    get_activation,
    identity,
    log_softmax,
    relu,
    sigmoid,
    softmax,
)
from minirnn.gradcheck import numerical_gradient, relative_error

EXTREMES = np.array([-1e308, -1000.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1000.0, 1e308])


def test_sigmoid_is_stable_and_symmetric():
    # pyproject turns RuntimeWarning (overflow in exp) into an error, so this also checks that.
    out = sigmoid(EXTREMES)
    assert np.all((out >= 0) & (out <= 1))
    assert out[0] == 0.0 and out[-1] == 1.0 and out[4] == 0.5
    np.testing.assert_allclose(sigmoid(-EXTREMES), 1 - out, atol=1e-16)
    np.testing.assert_allclose(sigmoid(np.array([-1.0, 2.0])), 1 / (1 + np.exp([1.0, -2.0])))


def test_sigmoid_keeps_the_dtype_and_shape():
    x = np.zeros((2, 3), dtype=np.float32)
    assert sigmoid(x).dtype == np.float32 and sigmoid(x).shape == (2, 3)
    assert sigmoid(np.arange(3)).dtype == np.float64


def test_softmax_sums_to_one_and_ignores_shifts():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4, 5))
    p = softmax(a)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(softmax(a + 1000.0), p, rtol=1e-12)
    np.testing.assert_allclose(softmax(a, axis=0).sum(axis=0), 1.0, rtol=1e-15)


def test_softmax_and_log_softmax_with_huge_scores():
    a = np.array([[1000.0, 0.0, -1000.0], [1e300, 1e300, -1e300]])
    p = softmax(a)
    np.testing.assert_allclose(p, [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]])
    logp = log_softmax(a)
    assert np.all(np.isfinite(logp))
    np.testing.assert_allclose(logp[0], [0.0, -1000.0, -2000.0])


def test_log_softmax_is_log_of_softmax():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((4, 6)) * 3
    np.testing.assert_allclose(log_softmax(a), np.log(softmax(a)), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_derivative_from_output_matches_finite_differences(name):
    f, df = get_activation(name)
    rng = np.random.default_rng(2)
    a = rng.standard_normal((3, 4)) * 2
    a[np.abs(a) < 1e-3] = 0.5  # keep relu away from its kink
    # The derivative is element-wise, so the gradient of sum(f(a)) is f'(a).
    numeric = numerical_gradient(lambda x: float(np.sum(f(x))), a)
    assert np.max(relative_error(df(f(a)), numeric)) < 1e-7


def test_relu_and_identity_values():
    a = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(relu(a), [0.0, 0.0, 3.0])
    assert identity(a) is a
    _, drelu = get_activation("relu")
    np.testing.assert_array_equal(drelu(relu(a)), [0.0, 0.0, 1.0])


def test_unknown_activation_names_the_choices():
    with pytest.raises(ValueError, match=r"unknown nonlinearity 'swish'; expected one of 'tanh'"):
        get_activation("swish")
