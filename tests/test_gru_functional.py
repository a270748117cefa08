"""GRU step and sequence passes, both reset forms: gradient checks, consistency, dtype, torch."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.functional.gru import gru_backward, gru_forward, gru_step_backward, gru_step_forward
from minirnn.gradcheck import check_function

GATES = ("r", "z", "n")
TOLERANCE = 1e-6  # stricter than the report's "ok"; a correct float64 backward is near 1e-8


def make_inputs(N, T, D, H, reset_after, seed=0, dtype=np.float64, scale=0.5):
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal((N, T, D)).astype(dtype),
        "h0": rng.standard_normal((N, H)).astype(dtype),
        "Wx": rng.uniform(-scale, scale, (D, 3 * H)).astype(dtype),
        "Wh": rng.uniform(-scale, scale, (H, 3 * H)).astype(dtype),
        "b": rng.uniform(-scale, scale, 3 * H).astype(dtype),
        "b_hn": rng.uniform(-scale, scale, H).astype(dtype) if reset_after else None,
        "reset_after": reset_after,
    }


def step_inputs(N, D, H, reset_after, seed=0):
    p = make_inputs(N, 1, D, H, reset_after, seed)
    p["h_prev"] = p.pop("h0")
    p["x"] = p["x"][:, 0]
    order = ("x", "h_prev", "Wx", "Wh", "b", "b_hn", "reset_after")
    return {k: p[k] for k in order}


def expected_rows(reset_after):
    return 2 + 3 * 3 + (1 if reset_after else 0)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("N,D,H", [(1, 1, 1), (3, 4, 5), (2, 6, 3)])
def test_step_gradients(reset_after, N, D, H):
    report = check_function(gru_step_forward, gru_step_backward,
                            step_inputs(N, D, H, reset_after), gates=GATES)
    assert len(report) == expected_rows(reset_after)
    assert ("b_hn" in {row.name for row in report}) == reset_after
    assert report.max_error < TOLERANCE, str(report)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("N,T,D,H", [(2, 1, 3, 4), (3, 5, 4, 3), (1, 7, 2, 2)])
@pytest.mark.parametrize("with_dh_last", [False, True])
def test_sequence_gradients(reset_after, N, T, D, H, with_dh_last):
    def forward(**kw):
        hs, cache = gru_forward(**kw)
        return (hs, hs[:, -1], cache) if with_dh_last else (hs, cache)

    def backward(*args):
        if with_dh_last:
            dhs, dh_last, cache = args
        else:
            (dhs, cache), dh_last = args, None
        return gru_backward(dhs, cache, dh_last=dh_last)

    report = check_function(forward, backward, make_inputs(N, T, D, H, reset_after, seed=T),
                            gates=GATES)
    assert len(report) == expected_rows(reset_after)
    assert report.max_error < TOLERANCE, str(report)


@pytest.mark.parametrize("reset_after", [True, False])
def test_sequence_equals_steps_forward_and_backward(reset_after):
    p = make_inputs(3, 6, 4, 5, reset_after, seed=2)
    params = (p["Wx"], p["Wh"], p["b"], p["b_hn"], reset_after)
    dhs = np.random.default_rng(3).standard_normal((3, 6, 5))
    hs, cache = gru_forward(**p)
    dx, dh0, dWx, dWh, db, db_hn = gru_backward(dhs, cache)

    h, caches = p["h0"], []
    for t in range(6):
        h, step_cache = gru_step_forward(p["x"][:, t], h, *params)
        np.testing.assert_allclose(hs[:, t], h, rtol=0, atol=1e-13)
        caches.append(step_cache)

    dh_next = np.zeros((3, 5))
    sums = {"Wx": 0.0, "Wh": 0.0, "b": 0.0, "b_hn": 0.0}
    dx_steps = np.zeros_like(p["x"])
    for t in reversed(range(6)):
        dx_steps[:, t], dh_next, *dparams = gru_step_backward(dhs[:, t] + dh_next, caches[t])
        for key, d in zip(sums, dparams, strict=True):
            if d is not None:
                sums[key] = sums[key] + d
    pairs = [(dx, dx_steps), (dh0, dh_next), (dWx, sums["Wx"]), (dWh, sums["Wh"]),
             (db, sums["b"])]
    if reset_after:
        pairs.append((db_hn, sums["b_hn"]))
    else:
        assert db_hn is None
    for got, want in pairs:
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_the_two_forms_differ():
    # Same weights, b_hn = 0: the forms still differ because r multiplies different things.
    p = make_inputs(2, 4, 3, 4, True, seed=4)
    p["b_hn"] = np.zeros(4)
    after, _ = gru_forward(**p)
    p.update(b_hn=None, reset_after=False)
    before, _ = gru_forward(**p)
    assert np.abs(after - before).max() > 1e-3


@pytest.mark.parametrize("reset_after", [True, False])
def test_float32_in_float32_out(reset_after):
    p = make_inputs(2, 4, 3, 5, reset_after, dtype=np.float32)
    hs, cache = gru_forward(**p)
    grads = gru_backward(np.ones_like(hs), cache, np.ones_like(hs[:, 0]))
    assert hs.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads if g is not None)
    h, step_cache = gru_step_forward(p["x"][:, 0], p["h0"], p["Wx"], p["Wh"], p["b"],
                                     p["b_hn"], reset_after)
    assert h.dtype == np.float32
    assert all(g.dtype == np.float32 for g in gru_step_backward(h, step_cache) if g is not None)
    p64 = {k: v.astype(np.float64) if isinstance(v, np.ndarray) else v for k, v in p.items()}
    np.testing.assert_allclose(hs, gru_forward(**p64)[0], atol=1e-5)


@pytest.mark.parametrize("reset_after", [True, False])
def test_inputs_untouched_and_backward_repeatable(reset_after):
    p = make_inputs(2, 3, 4, 3, reset_after, seed=5)
    before = {k: v.copy() for k, v in p.items() if isinstance(v, np.ndarray)}
    hs, cache = gru_forward(**p)
    first = gru_backward(np.ones_like(hs), cache)
    second = gru_backward(np.ones_like(hs), cache)
    for a, b in zip(first, second, strict=True):
        if a is not None:
            np.testing.assert_array_equal(a, b)
    for k, v in before.items():
        np.testing.assert_array_equal(p[k], v)


@pytest.mark.parametrize("reset_after", [True, False])
def test_saturated_gates_stay_finite_without_warnings(reset_after):
    p = make_inputs(2, 3, 2, 2, reset_after, seed=6)
    p["x"] = p["x"] * 1e4
    hs, cache = gru_forward(**p)
    grads = gru_backward(np.ones_like(hs), cache)
    assert np.all(np.isfinite(hs))
    assert all(np.all(np.isfinite(g)) for g in grads if g is not None)
    h, cache = gru_step_forward(p["x"][:, 0], p["h0"], p["Wx"], p["Wh"], p["b"], p["b_hn"],
                                reset_after)
    step_grads = gru_step_backward(np.ones_like(h), cache)
    assert np.all(np.isfinite(h))
    assert all(np.all(np.isfinite(g)) for g in step_grads if g is not None)


def test_b_hn_must_match_the_form():
    p = make_inputs(2, 3, 2, 2, True)
    with pytest.raises(ValueError, match="b_hn"):
        gru_forward(**{**p, "b_hn": None})
    with pytest.raises(ValueError, match="b_hn"):
        gru_forward(**{**p, "reset_after": False})
    s = step_inputs(2, 2, 2, True)
    with pytest.raises(ValueError, match="b_hn"):
        gru_step_forward(**{**s, "b_hn": None})


def test_step_matches_torch_grucell():
    torch = pytest.importorskip("torch", reason="torch is an optional test oracle")
    N, D, H = 3, 4, 5
    torch.manual_seed(0)
    cell = torch.nn.GRUCell(D, H).double()
    p = step_inputs(N, D, H, True, seed=7)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(p["Wx"].T.copy()))  # torch is (3H, D)
        cell.weight_hh.copy_(torch.from_numpy(p["Wh"].T.copy()))
    b_ih, b_hh = cell.bias_ih.detach().numpy(), cell.bias_hh.detach().numpy()
    # r and z see b_ih + b_hh; n keeps b_hh_n apart (it sits inside the reset product)
    p["b"] = b_ih + np.concatenate([b_hh[: 2 * H], np.zeros(H)])
    p["b_hn"] = b_hh[2 * H :].copy()
    x = torch.tensor(p["x"], requires_grad=True)
    h_prev = torch.tensor(p["h_prev"], requires_grad=True)
    h_t = cell(x, h_prev)
    dh = np.random.default_rng(8).standard_normal((N, H))
    (h_t * torch.from_numpy(dh)).sum().backward()

    h, cache = gru_step_forward(**p)
    dx, dh_prev, dWx, dWh, db, db_hn = gru_step_backward(dh, cache)
    close = dict(rtol=0, atol=1e-10)
    np.testing.assert_allclose(h, h_t.detach().numpy(), **close)
    np.testing.assert_allclose(dx, x.grad.numpy(), **close)
    np.testing.assert_allclose(dh_prev, h_prev.grad.numpy(), **close)
    np.testing.assert_allclose(dWx, cell.weight_ih.grad.numpy().T, **close)
    np.testing.assert_allclose(dWh, cell.weight_hh.grad.numpy().T, **close)
    np.testing.assert_allclose(db, cell.bias_ih.grad.numpy(), **close)
    np.testing.assert_allclose(db[: 2 * H], cell.bias_hh.grad.numpy()[: 2 * H], **close)
    np.testing.assert_allclose(db_hn, cell.bias_hh.grad.numpy()[2 * H :], **close)
