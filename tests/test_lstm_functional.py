"""LSTM step and sequence passes: gradient checks, step/sequence consistency, dtype, torch."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.functional.lstm import (
    lstm_backward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_forward,
)
from minirnn.gradcheck import check_function

GATES = ("i", "f", "g", "o")
# Stricter than the report's "ok" (< 1e-4): a correct float64 backward lands near 1e-8.
TOLERANCE = 1e-6


def make_inputs(N, T, D, H, seed=0, dtype=np.float64, scale=0.5):
    """Random inputs and parameters; ``scale`` keeps gates away from saturation."""
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal((N, T, D)).astype(dtype),
        "h0": rng.standard_normal((N, H)).astype(dtype),
        "c0": rng.standard_normal((N, H)).astype(dtype),
        "Wx": rng.uniform(-scale, scale, (D, 4 * H)).astype(dtype),
        "Wh": rng.uniform(-scale, scale, (H, 4 * H)).astype(dtype),
        "b": rng.uniform(-scale, scale, 4 * H).astype(dtype),
    }


def step_inputs(N, D, H, seed=0):
    p = make_inputs(N, 1, D, H, seed)
    return {"x": p["x"][:, 0], "h_prev": p["h0"], "c_prev": p["c0"],
            "Wx": p["Wx"], "Wh": p["Wh"], "b": p["b"]}


@pytest.mark.parametrize("N,D,H", [(1, 1, 1), (3, 4, 5), (2, 6, 3)])
def test_step_gradients_with_dc(N, D, H):
    report = check_function(lstm_step_forward, lstm_step_backward, step_inputs(N, D, H),
                            gates=GATES)
    assert {row.name for row in report} >= {"x", "h_prev", "c_prev", "Wx[f]", "Wh[o]", "b[g]"}
    assert report.max_error < TOLERANCE, str(report)


def test_step_gradients_without_dc():
    def forward(**kw):
        h, _, cache = lstm_step_forward(**kw)
        return h, cache

    def backward(dh, cache):
        return lstm_step_backward(dh, None, cache)

    report = check_function(forward, backward, step_inputs(3, 4, 5, seed=1), gates=GATES)
    assert len(report) == 3 + 3 * 4
    assert report.max_error < TOLERANCE, str(report)


@pytest.mark.parametrize("N,T,D,H", [(2, 1, 3, 4), (3, 5, 4, 3), (1, 7, 2, 2)])
@pytest.mark.parametrize("with_dh_last", [False, True])
@pytest.mark.parametrize("with_dc_last", [False, True])
def test_sequence_gradients(N, T, D, H, with_dh_last, with_dc_last):
    # The outputs checked are hs, optionally h_last (a second path into the final state) and
    # optionally c_last; the backward receives their weights as dhs, dh_last and dc_last.
    def forward(**kw):
        hs, c_last, cache = lstm_forward(**kw)
        outs = [hs]
        if with_dh_last:
            outs.append(hs[:, -1])
        if with_dc_last:
            outs.append(c_last)
        return (*outs, cache)

    def backward(*args):
        *douts, cache = args
        dhs = douts.pop(0)
        dh_last = douts.pop(0) if with_dh_last else None
        dc_last = douts.pop(0) if with_dc_last else None
        return lstm_backward(dhs, cache, dh_last=dh_last, dc_last=dc_last)

    report = check_function(forward, backward, make_inputs(N, T, D, H, seed=T), gates=GATES)
    assert len(report) == 3 + 3 * 4
    assert report.max_error < TOLERANCE, str(report)


def test_sequence_equals_steps_forward_and_backward():
    p = make_inputs(3, 6, 4, 5, seed=2)
    rng = np.random.default_rng(3)
    dhs = rng.standard_normal((3, 6, 5))
    dc_last = rng.standard_normal((3, 5))
    hs, c_last, cache = lstm_forward(**p)
    dx, dh0, dc0, dWx, dWh, db = lstm_backward(dhs, cache, dc_last=dc_last)

    h, c, caches = p["h0"], p["c0"], []
    for t in range(6):
        h, c, step_cache = lstm_step_forward(p["x"][:, t], h, c, p["Wx"], p["Wh"], p["b"])
        np.testing.assert_allclose(hs[:, t], h, rtol=0, atol=1e-13)
        caches.append(step_cache)
    np.testing.assert_allclose(c_last, c, rtol=0, atol=1e-13)

    dh_next, dc_next = np.zeros((3, 5)), dc_last
    sums = [np.zeros_like(p[k]) for k in ("Wx", "Wh", "b")]
    dx_steps = np.zeros_like(p["x"])
    for t in reversed(range(6)):
        dx_t, dh_next, dc_next, *dparams = lstm_step_backward(
            dhs[:, t] + dh_next, dc_next, caches[t]
        )
        dx_steps[:, t] = dx_t
        for total, d in zip(sums, dparams, strict=True):
            total += d
    for got, want in [(dx, dx_steps), (dh0, dh_next), (dc0, dc_next),
                      (dWx, sums[0]), (dWh, sums[1]), (db, sums[2])]:
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_float32_in_float32_out():
    p = make_inputs(2, 4, 3, 5, dtype=np.float32)
    hs, c_last, cache = lstm_forward(**p)
    grads = lstm_backward(np.ones_like(hs), cache, np.ones_like(c_last), np.ones_like(c_last))
    assert hs.dtype == c_last.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads)
    h, c, step_cache = lstm_step_forward(p["x"][:, 0], p["h0"], p["c0"], p["Wx"], p["Wh"], p["b"])
    assert h.dtype == c.dtype == np.float32
    assert all(g.dtype == np.float32 for g in lstm_step_backward(h, c, step_cache))
    # float32 agrees with float64 to float32 precision
    hs64, _, _ = lstm_forward(**{k: v.astype(np.float64) for k, v in p.items()})
    np.testing.assert_allclose(hs, hs64, atol=1e-5)


def test_inputs_untouched_and_backward_repeatable():
    p = make_inputs(2, 3, 4, 3, seed=5)
    before = {k: v.copy() for k, v in p.items()}
    hs, _, cache = lstm_forward(**p)
    first = lstm_backward(np.ones_like(hs), cache)
    second = lstm_backward(np.ones_like(hs), cache)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    for k in p:
        np.testing.assert_array_equal(p[k], before[k])


def test_saturated_gates_stay_finite_without_warnings():
    # Huge pre-activations: a naive exp(-a) would overflow (and warnings are errors here).
    p = make_inputs(2, 3, 2, 2, seed=6)
    p["x"] = p["x"] * 1e4
    hs, c_last, cache = lstm_forward(**p)
    grads = lstm_backward(np.ones_like(hs), cache)
    assert np.all(np.isfinite(hs)) and np.all(np.isfinite(c_last))
    assert all(np.all(np.isfinite(g)) for g in grads)
    assert np.all(np.abs(hs) <= 1.0)
    h, c, cache = lstm_step_forward(p["x"][:, 0], p["h0"], p["c0"], p["Wx"], p["Wh"], p["b"])
    step_grads = lstm_step_backward(np.ones_like(h), np.ones_like(c), cache)
    assert np.all(np.isfinite(h)) and all(np.all(np.isfinite(g)) for g in step_grads)


def test_step_matches_torch_lstmcell():
    torch = pytest.importorskip("torch", reason="torch is an optional test oracle")
    N, D, H = 3, 4, 5
    p = step_inputs(N, D, H, seed=7)
    torch.manual_seed(0)
    cell = torch.nn.LSTMCell(D, H).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(p["Wx"].T.copy()))  # torch is (4H, D)
        cell.weight_hh.copy_(torch.from_numpy(p["Wh"].T.copy()))
    # torch has two biases that are only ever added: minirnn's b is their sum
    p["b"] = (cell.bias_ih + cell.bias_hh).detach().numpy().copy()
    x = torch.tensor(p["x"], requires_grad=True)
    h_prev = torch.tensor(p["h_prev"], requires_grad=True)
    c_prev = torch.tensor(p["c_prev"], requires_grad=True)
    h_t, c_t = cell(x, (h_prev, c_prev))
    rng = np.random.default_rng(8)
    dh, dc = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    (h_t * torch.from_numpy(dh) + c_t * torch.from_numpy(dc)).sum().backward()

    h, c, cache = lstm_step_forward(**p)
    dx, dh_prev, dc_prev, dWx, dWh, db = lstm_step_backward(dh, dc, cache)
    close = dict(rtol=0, atol=1e-10)
    np.testing.assert_allclose(h, h_t.detach().numpy(), **close)
    np.testing.assert_allclose(c, c_t.detach().numpy(), **close)
    np.testing.assert_allclose(dx, x.grad.numpy(), **close)
    np.testing.assert_allclose(dh_prev, h_prev.grad.numpy(), **close)
    np.testing.assert_allclose(dc_prev, c_prev.grad.numpy(), **close)
    np.testing.assert_allclose(dWx, cell.weight_ih.grad.numpy().T, **close)
    np.testing.assert_allclose(dWh, cell.weight_hh.grad.numpy().T, **close)
    np.testing.assert_allclose(db, cell.bias_ih.grad.numpy(), **close)
    np.testing.assert_allclose(db, cell.bias_hh.grad.numpy(), **close)
