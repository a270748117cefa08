"""Dropout: masks, scaling, modes, the fixed-mask switch and its gradient."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.layers.dropout import Dropout


def test_training_mode_zeroes_about_p_and_scales_the_rest():
    x = np.ones((200, 300))
    y = Dropout(0.3, seed=0).forward(x)
    dropped = np.mean(y == 0)
    assert abs(dropped - 0.3) < 0.01  # 60 000 draws: the standard error is 0.002
    np.testing.assert_allclose(y[y != 0], 1 / 0.7)


def test_eval_mode_is_the_identity():
    layer = Dropout(0.5, seed=0).eval()
    x = np.random.default_rng(1).normal(size=(4, 5))
    np.testing.assert_array_equal(layer.forward(x), x)
    np.testing.assert_array_equal(layer.backward(2 * x), 2 * x)


def test_same_seed_same_masks_and_new_mask_each_call():
    x = np.ones((6, 7))
    a, b = Dropout(0.5, seed=3), Dropout(0.5, seed=3)
    first = a.forward(x)
    np.testing.assert_array_equal(first, b.forward(x))
    assert not np.array_equal(first, a.forward(x))


def test_fixed_masks_are_reused_until_resample():
    x = np.ones((6, 7))
    layer = Dropout(0.5, seed=3)
    layer.fixed_masks = True
    first = layer.forward(x)
    np.testing.assert_array_equal(layer.forward(x), first)
    layer.resample()
    assert not np.array_equal(layer.forward(x), first)


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    w = rng.normal(size=(3, 4))
    layer = Dropout(0.4, seed=1)
    layer.fixed_masks = True
    layer.forward(x)
    analytic = layer.backward(w)
    numeric = np.zeros_like(x)
    h = 1e-5
    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += h
        minus[index] -= h
        numeric[index] = (np.sum(w * layer.forward(plus)) - np.sum(w * layer.forward(minus))) / (
            2 * h
        )
    np.testing.assert_allclose(analytic, numeric, rtol=1e-8, atol=1e-10)
    assert np.any(analytic == 0) and np.any(analytic != 0)


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_probability_out_of_range(p):
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        Dropout(p)


def test_probability_not_a_number():
    with pytest.raises(TypeError, match="number"):
        Dropout("0.5")


def test_float32_stays_float32():
    y = Dropout(0.5, seed=0).forward(np.ones((3, 3), dtype=np.float32))
    assert y.dtype == np.float32
