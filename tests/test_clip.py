"""Clipping by value and by global norm: when they fire and what numbers they leave."""

from __future__ import annotations

import math

import numpy as np
import pytest

from minirnn.clip import clip_array_value, clip_grad_norm, clip_grad_value, grad_norm
from minirnn.layers.base import Layer


def model_with(*grads) -> Layer:
    model = Layer()
    for i, g in enumerate(grads):
        model.add_param(f"p{i}", np.zeros(len(g)))
        model.grads[f"p{i}"][...] = g
    return model


def test_value_clip_fires_and_clips_elementwise():
    model = model_with([6.0, -7.5, 1.0], [-5.0, 4.0])
    assert clip_grad_value(model, 5.0) is True
    np.testing.assert_array_equal(model.grads["p0"], [5.0, -5.0, 1.0])
    np.testing.assert_array_equal(model.grads["p1"], [-5.0, 4.0])


def test_value_clip_does_not_fire_inside_the_bound():
    model = model_with([5.0, -5.0], [0.1])
    assert clip_grad_value(model, 5.0) is False  # exactly on the bound is not clipping
    np.testing.assert_array_equal(model.grads["p0"], [5.0, -5.0])


def test_value_clip_is_in_place_like_np_clip_out():
    model = model_with([10.0, -10.0])
    grad = model.grads["p0"]
    clip_grad_value(model, 1.0)
    assert grad is model.grads["p0"]
    np.testing.assert_array_equal(grad, [1.0, -1.0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("known_outside", [False, True])
def test_value_clip_bits_equal_minimum_then_maximum(dtype, known_outside):
    """The clip ufunc leaves the bits np.minimum then np.maximum leave (min-char-rnn's
    np.clip): NaN kept, signed zeros and infinities, ties and one ulp either side."""
    limit = dtype(5.0)
    special = [np.nan, -0.0, 0.0, np.inf, -np.inf, limit, -limit,
               np.nextafter(limit, dtype(6)), np.nextafter(limit, dtype(0)),
               np.nextafter(-limit, dtype(-6)), np.nextafter(-limit, dtype(0)), 1e-30, -7.25]
    values = np.concatenate([np.array(special, dtype),
                             np.random.default_rng(3).normal(0, 6, 1000).astype(dtype)])
    expected = np.maximum(np.minimum(values, limit), -limit)
    grad = values.copy()
    assert clip_array_value(grad, 5.0, known_outside=known_outside) is True
    assert grad.tobytes() == expected.tobytes()


def test_norm_clip_fires_with_the_right_numbers():
    # global norm of (3, 0) and (4,) is 5; clip to 1 -> scale 1/5
    model = model_with([3.0, 0.0], [4.0])
    total, fired = clip_grad_norm(model, 1.0)
    assert fired is True
    assert total == 5.0
    np.testing.assert_allclose(model.grads["p0"], [0.6, 0.0])
    np.testing.assert_allclose(model.grads["p1"], [0.8])
    assert math.isclose(grad_norm(model), 1.0, rel_tol=1e-15)


def test_norm_clip_does_not_fire_below_the_bound():
    model = model_with([3.0, 0.0], [4.0])
    total, fired = clip_grad_norm(model, 5.0)
    assert (total, fired) == (5.0, False)
    np.testing.assert_array_equal(model.grads["p1"], [4.0])


def test_norm_clip_keeps_direction():
    rng = np.random.default_rng(0)
    grads = {"a": rng.normal(size=(3, 4)) * 10, "b": rng.normal(size=5) * 10}
    before = np.concatenate([g.ravel() for g in grads.values()])
    total, fired = clip_grad_norm(grads, 2.0)
    after = np.concatenate([g.ravel() for g in grads.values()])
    assert fired
    np.testing.assert_allclose(total, np.linalg.norm(before))
    np.testing.assert_allclose(after, before * 2.0 / np.linalg.norm(before))


def test_non_finite_norm_is_reported_not_spread():
    model = model_with([np.inf, 1.0])
    total, fired = clip_grad_norm(model, 1.0)
    assert math.isinf(total) and not fired
    assert model.grads["p0"][1] == 1.0


def test_bad_limits():
    with pytest.raises(ValueError, match="limit"):
        clip_grad_value(model_with([1.0]), 0.0)
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm(model_with([1.0]), -1.0)
    with pytest.raises(TypeError, match="Layer"):
        clip_grad_norm(3.0, 1.0)
