"""Losses: values against direct formulas, gradients against finite differences, masks."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.gradcheck import check_loss
from minirnn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    log_softmax,
    mse_loss,
    nll_loss,
    sigmoid,
    softmax,
    softmax_cross_entropy,
)

SHAPES = [(4, 5), (2, 3, 6), (1, 1, 2)]


def _case(shape, seed=0):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal(shape) * 2
    targets = rng.integers(0, shape[-1], shape[:-1])
    mask = rng.random(shape[:-1]) < 0.6
    mask.flat[0] = True  # at least one position counts
    return logits, targets, mask


def _naive_cross_entropy(logits, targets, mask):
    """-log softmax at the target, averaged over masked positions, written plainly."""
    probs = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    flat_p = probs.reshape(-1, logits.shape[-1])
    picked = flat_p[np.arange(flat_p.shape[0]), targets.reshape(-1)]
    m = mask.reshape(-1).astype(float)
    return -np.sum(m * np.log(picked)) / m.sum()


# -- softmax cross-entropy ---------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
def test_cross_entropy_value_with_and_without_mask(shape):
    logits, targets, mask = _case(shape)
    loss, _ = softmax_cross_entropy(logits, targets, mask)
    assert loss == pytest.approx(_naive_cross_entropy(logits, targets, mask), rel=1e-12)
    full, _ = softmax_cross_entropy(logits, targets)
    everything = np.ones(shape[:-1], bool)
    assert full == pytest.approx(_naive_cross_entropy(logits, targets, everything), rel=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("masked", [False, True])
def test_cross_entropy_gradient(shape, reduction, masked):
    logits, targets, mask = _case(shape, seed=1)
    inputs = {"logits": logits, "targets": targets, "mask": mask if masked else None,
              "reduction": reduction}
    check_loss(softmax_cross_entropy, inputs).assert_ok(strict=True)


def test_masked_positions_get_no_gradient_and_do_not_count():
    logits, targets, mask = _case((3, 4, 5), seed=2)
    loss, dlogits = softmax_cross_entropy(logits, targets, mask)
    assert np.all(dlogits[~mask] == 0.0)
    # Changing the logits of padding must not change the loss.
    changed = logits.copy()
    changed[~mask] = 100.0
    assert softmax_cross_entropy(changed, targets, mask)[0] == loss


def test_sum_is_mean_times_count():
    logits, targets, mask = _case((3, 4, 5), seed=3)
    mean, dmean = softmax_cross_entropy(logits, targets, mask)
    total, dtotal = softmax_cross_entropy(logits, targets, mask, reduction="sum")
    assert total == pytest.approx(mean * mask.sum(), rel=1e-12)
    np.testing.assert_allclose(dtotal, dmean * mask.sum(), rtol=1e-12)


def test_all_padding_is_refused_for_a_mean_and_zero_for_a_sum():
    logits, targets, _ = _case((2, 3, 4))
    with pytest.raises(ValueError, match="mask must have a positive total"):
        softmax_cross_entropy(logits, targets, np.zeros((2, 3), bool))
    loss, dlogits = softmax_cross_entropy(logits, targets, np.zeros((2, 3), bool), "sum")
    assert loss == 0.0 and np.all(dlogits == 0.0)


def test_cross_entropy_is_stable_with_huge_logits():
    logits = np.array([[1e4, 0.0, -1e4], [-1e300, 1e300, 0.0]])
    loss, dlogits = softmax_cross_entropy(logits, np.array([2, 1]))
    assert np.isfinite(loss) and np.all(np.isfinite(dlogits))
    assert loss == pytest.approx(2e4 / 2)  # first row: -log p = 2e4, second row: 0
    np.testing.assert_allclose(dlogits, [[0.5, 0.0, -0.5], [0.0, 0.0, 0.0]], atol=1e-300)


def test_cross_entropy_matches_torch():
    torch = pytest.importorskip("torch", reason="torch is an optional test oracle")
    logits, targets, mask = _case((3, 4, 6), seed=4)
    loss, dlogits = softmax_cross_entropy(logits, targets, mask)
    z = torch.tensor(logits, requires_grad=True)
    m = torch.from_numpy(mask)
    ref = torch.nn.functional.cross_entropy(z[m], torch.from_numpy(targets)[m])
    ref.backward()
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(dlogits, z.grad.numpy(), rtol=1e-10, atol=1e-16)


# -- NLL ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
def test_nll_of_log_softmax_equals_cross_entropy(shape):
    logits, targets, mask = _case(shape, seed=5)
    ce, dce = softmax_cross_entropy(logits, targets, mask)
    nll, dlog_probs = nll_loss(log_softmax(logits), targets, mask)
    assert nll == pytest.approx(ce, rel=1e-12)
    # Chain rule through log_softmax: dz = dl - softmax * sum(dl).
    dz = dlog_probs - softmax(logits) * dlog_probs.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(dz, dce, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_nll_gradient(shape, reduction):
    logits, targets, mask = _case(shape, seed=6)
    inputs = {"log_probs": log_softmax(logits), "targets": targets, "mask": mask,
              "reduction": reduction}
    check_loss(nll_loss, inputs).assert_ok(strict=True)


# -- MSE and BCE -------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2)])
def test_mse(shape):
    rng = np.random.default_rng(7)
    pred, target = rng.standard_normal(shape), rng.standard_normal(shape)
    loss, _ = mse_loss(pred, target)
    assert loss == pytest.approx(np.mean((pred - target) ** 2), rel=1e-12)
    check_loss(mse_loss, {"pred": pred, "target": target}).assert_ok(strict=True)
    mask = rng.random(shape) < 0.5
    mask.flat[0] = True
    masked, _ = mse_loss(pred, target, mask)
    assert masked == pytest.approx(np.mean((pred - target)[mask] ** 2), rel=1e-12)
    check_loss(mse_loss, {"pred": pred, "target": target, "mask": mask}).assert_ok(strict=True)


@pytest.mark.parametrize("shape", [(6,), (3, 4)])
def test_binary_cross_entropy(shape):
    rng = np.random.default_rng(8)
    logits = rng.standard_normal(shape)
    targets = (rng.random(shape) < 0.5).astype(float)
    probs = sigmoid(logits)
    expected = -np.mean(targets * np.log(probs) + (1 - targets) * np.log(1 - probs))
    assert binary_cross_entropy(probs, targets)[0] == pytest.approx(expected, rel=1e-12)
    assert binary_cross_entropy_with_logits(logits, targets)[0] == pytest.approx(expected,
                                                                                 rel=1e-12)
    check_loss(binary_cross_entropy, {"probs": probs, "targets": targets}).assert_ok(strict=True)
    soft = rng.random(shape)  # soft targets are allowed
    for reduction in ("mean", "sum"):
        check_loss(binary_cross_entropy_with_logits,
                   {"logits": logits, "targets": soft, "reduction": reduction}
                   ).assert_ok(strict=True)


def test_bce_with_logits_is_stable_with_huge_logits():
    logits = np.array([1000.0, -1000.0, 1000.0, -1000.0])
    targets = np.array([1.0, 0.0, 0.0, 1.0])
    loss, dlogits = binary_cross_entropy_with_logits(logits, targets, reduction="sum")
    assert loss == pytest.approx(2000.0)
    np.testing.assert_allclose(dlogits, [0.0, 0.0, 1.0, -1.0])


def test_bce_matches_torch():
    torch = pytest.importorskip("torch", reason="torch is an optional test oracle")
    rng = np.random.default_rng(9)
    logits, targets = rng.standard_normal((3, 5)), rng.random((3, 5))
    z = torch.tensor(logits, requires_grad=True)
    ref = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.from_numpy(targets))
    ref.backward()
    loss, dlogits = binary_cross_entropy_with_logits(logits, targets)
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(dlogits, z.grad.numpy(), rtol=1e-10)


# -- bad input ---------------------------------------------------------------------------------
def test_targets_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"targets must have shape \(2, 3\).*got \(2, 4\)"):
        softmax_cross_entropy(np.zeros((2, 3, 5)), np.zeros((2, 4), int))


def test_float_targets_rejected():
    with pytest.raises(TypeError, match="targets must be an integer array, got dtype float64"):
        softmax_cross_entropy(np.zeros((2, 5)), np.zeros(2))


def test_targets_out_of_range():
    with pytest.raises(ValueError, match=r"\[0, 4\].*5"):
        nll_loss(np.zeros((2, 5)), np.array([0, 5]))


def test_logits_of_the_wrong_rank():
    with pytest.raises(ValueError, match=r"\(N, V\) or \(N, T, V\).*got \(5,\)"):
        softmax_cross_entropy(np.zeros(5), np.zeros((), int))


def test_mask_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"mask must have shape \(2, 3\), got \(3, 2\)"):
        softmax_cross_entropy(np.zeros((2, 3, 4)), np.zeros((2, 3), int), np.ones((3, 2)))


def test_unknown_reduction():
    with pytest.raises(ValueError, match="unknown reduction 'max'"):
        mse_loss(np.zeros(3), np.zeros(3), reduction="max")


def test_mse_target_shape():
    with pytest.raises(ValueError, match=r"target must have the shape of pred \(3,\)"):
        mse_loss(np.zeros(3), np.zeros(4))


def test_bce_rejects_values_outside_zero_one():
    with pytest.raises(ValueError, match="with_logits"):
        binary_cross_entropy(np.array([0.5, 1.5]), np.array([0.0, 1.0]))
