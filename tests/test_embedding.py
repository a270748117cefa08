"""Embedding: lookup, scatter-add backward (repeated ids accumulate), padding row, errors."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.gradcheck import check_layer, numerical_gradient
from minirnn.layers import Embedding


def _rel_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)))


def test_forward_is_row_lookup():
    emb = Embedding(7, 3, seed=0)
    ids = np.array([[1, 4, 1], [6, 0, 2]])
    out = emb.forward(ids)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out[0, 2], emb.params["W"][1])
    np.testing.assert_array_equal(out[1, 0], emb.params["W"][6])


def test_gradient_matches_finite_differences_with_repeated_ids():
    emb = Embedding(6, 4, seed=1)
    # id 2 occurs four times and id 5 twice: their rows must collect every contribution
    ids = np.array([[2, 5, 2, 0], [2, 2, 5, 3]])
    weights = np.random.default_rng(2).standard_normal((2, 4, 4))

    def loss(_: np.ndarray) -> float:
        return float(np.sum(emb.forward(ids) * weights))

    emb.zero_grad()
    emb.forward(ids)
    assert emb.backward(weights) is None  # integer ids have no gradient
    numeric = numerical_gradient(loss, emb.params["W"])
    assert _rel_error(emb.grads["W"], numeric) < 1e-7
    # the scatter-add really summed: row 2 equals the sum of its four upstream rows
    expected_row2 = weights[0, 0] + weights[0, 2] + weights[1, 0] + weights[1, 1]
    np.testing.assert_allclose(emb.grads["W"][2], expected_row2)
    np.testing.assert_array_equal(emb.grads["W"][1], 0.0)  # never looked up


def test_check_layer_report_passes_with_repeats():
    # No padding_idx here: its row is frozen on purpose (as in PyTorch), so its analytic
    # gradient is zero while the finite difference is not; tested separately below.
    emb = Embedding(5, 3, seed=7)
    ids = np.array([[4, 1, 1], [3, 1, 4]])
    report = check_layer(emb, {"ids": ids}, seed=0)
    report.assert_ok()
    assert max(row.max_error for row in report.rows) < 1e-7


def test_backward_accumulates_across_calls():
    emb = Embedding(4, 2, seed=0)
    ids = np.array([[1, 1]])
    dout = np.ones((1, 2, 2))
    emb.forward(ids)
    emb.backward(dout)
    emb.backward(dout)
    np.testing.assert_array_equal(emb.grads["W"][1], [4.0, 4.0])


def test_padding_row_starts_at_zero_and_gets_no_gradient():
    emb = Embedding(5, 3, padding_idx=0, seed=3)
    np.testing.assert_array_equal(emb.params["W"][0], 0.0)
    ids = np.array([[3, 0, 0], [1, 3, 0]])
    emb.forward(ids)
    emb.backward(np.ones((2, 3, 3)))
    np.testing.assert_array_equal(emb.grads["W"][0], 0.0)
    np.testing.assert_array_equal(emb.grads["W"][3], 2.0)


def test_same_seed_same_weights_and_dtype():
    a = Embedding(9, 4, seed=5, dtype=np.float32)
    b = Embedding(9, 4, seed=5, dtype=np.float32)
    assert a.params["W"].dtype == np.float32
    np.testing.assert_array_equal(a.params["W"], b.params["W"])


@pytest.mark.parametrize(
    ("ids", "error", "match"),
    [
        (np.array([[0.0, 1.0]]), TypeError, "integer"),
        (np.array([[0, 9]]), ValueError, r"\[0, 5\)"),
        (np.array([[-1, 2]]), ValueError, r"\[0, 5\)"),
    ],
)
def test_bad_ids_raise_clear_errors(ids, error, match):
    with pytest.raises(error, match=match):
        Embedding(5, 2, seed=0).forward(ids)


def test_bad_constructor_and_dout_shape():
    with pytest.raises(ValueError, match="padding_idx"):
        Embedding(5, 2, padding_idx=5)
    with pytest.raises(ValueError, match="dim"):
        Embedding(5, 0)
    emb = Embedding(5, 2, seed=0)
    emb.forward(np.array([[1, 2, 3]]))
    with pytest.raises(ValueError, match=r"\(1, 3, 2\)"):
        emb.backward(np.ones((1, 3, 3)))


def test_matches_torch_embedding_gradient():
    torch = pytest.importorskip("torch", reason="torch is only an optional test oracle")
    emb = Embedding(8, 3, padding_idx=1, seed=4)
    ids = np.array([[1, 2, 2, 7], [7, 7, 0, 1]])
    dout = np.random.default_rng(0).standard_normal((2, 4, 3))
    emb.forward(ids)
    emb.backward(dout)
    ref = torch.nn.Embedding(8, 3, padding_idx=1).double()
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(emb.params["W"]))
    ref(torch.from_numpy(ids)).backward(torch.from_numpy(dout))
    np.testing.assert_allclose(emb.grads["W"], ref.weight.grad.numpy(), rtol=1e-12, atol=1e-12)
