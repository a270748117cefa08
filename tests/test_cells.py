"""LSTMCell and GRUCell: gradient checks through the layer contract, torch, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.functional.gru import gru_step_forward
from minirnn.functional.lstm import lstm_step_forward
from minirnn.gradcheck import check_layer
from minirnn.layers import GRUCell, LSTMCell

TOLERANCE = 1e-6


def random_state(N, H, seed):
    return np.random.default_rng(seed).standard_normal((N, H))


@pytest.mark.parametrize("N,D,H", [(1, 1, 1), (3, 4, 5)])
@pytest.mark.parametrize("given_states", [True, False])
def test_lstm_cell_gradients(N, D, H, given_states):
    cell = LSTMCell(D, H, seed=0)
    inputs = {"x": random_state(N, D, 1)}
    if given_states:
        inputs["state"] = (random_state(N, H, 2), random_state(N, H, 3))
    report = check_layer(cell, inputs)
    names = {row.name for row in report}
    assert names >= {"x", "Wx[i]", "Wx[f]", "Wx[g]", "Wx[o]", "Wh[f]", "b[o]"}
    assert ("state.h" in names and "state.c" in names) == given_states
    assert report.max_error < TOLERANCE, str(report)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("given_state", [True, False])
def test_gru_cell_gradients(reset_after, given_state):
    N, D, H = 3, 4, 5
    cell = GRUCell(D, H, reset_after=reset_after, seed=0)
    inputs = {"x": random_state(N, D, 1)}
    if given_state:
        inputs["state"] = random_state(N, H, 2)
    report = check_layer(cell, inputs)
    names = {row.name for row in report}
    assert names >= {"x", "Wx[r]", "Wx[z]", "Wx[n]", "Wh[n]", "b[z]"}
    assert ("b_hn" in names) == reset_after
    assert ("state" in names) == given_state
    assert report.max_error < TOLERANCE, str(report)


def test_cells_accumulate_gradients_and_leave_state_gradients():
    cell = LSTMCell(3, 4, seed=1)
    x, h, c = random_state(2, 3, 0), random_state(2, 4, 1), random_state(2, 4, 2)
    dh = random_state(2, 4, 3)
    cell.forward(x, (h, c))
    cell.backward(dh)
    once = {k: g.copy() for k, g in cell.grads.items()}
    dh_prev, dc_prev = cell.dstate
    assert dh_prev.shape == dc_prev.shape == (2, 4)
    cell.forward(x, (h, c))
    cell.backward(dh)
    for k, g in cell.grads.items():
        np.testing.assert_allclose(g, 2 * once[k])
    gru = GRUCell(3, 4, seed=1)
    gru.forward(x, h)
    gru.backward(dh)
    assert gru.dstate.shape == (2, 4)
    assert set(gru.grads) == {"Wx", "Wh", "b", "b_hn"}


def test_cells_match_their_step_functions_and_seed():
    x, h, c = random_state(2, 3, 0), random_state(2, 4, 1), random_state(2, 4, 2)
    cell = LSTMCell(3, 4, seed=5)
    p = cell.params
    h_want, c_want, _ = lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
    h_got, (h_state, c_got) = cell.forward(x, (h, c))
    assert h_state is h_got
    np.testing.assert_array_equal(h_got, h_want)
    np.testing.assert_array_equal(c_got, c_want)
    gru = GRUCell(3, 4, reset_after=False, seed=5)
    g = gru.params
    assert "b_hn" not in g
    h_want, _ = gru_step_forward(x, h, g["Wx"], g["Wh"], g["b"], None, False)
    np.testing.assert_array_equal(gru.forward(x, h)[0], h_want)
    # same seed, same numbers; another seed, others
    np.testing.assert_array_equal(LSTMCell(3, 4, seed=5).params["Wh"], p["Wh"])
    assert not np.array_equal(LSTMCell(3, 4, seed=6).params["Wh"], p["Wh"])
    assert p["Wx"].shape == (3, 16) and p["Wh"].shape == (4, 16) and p["b"].shape == (16,)
    assert g["Wx"].shape == (3, 12) and g["Wh"].shape == (4, 12) and g["b"].shape == (12,)


def test_missing_states_are_zeros():
    x = random_state(2, 3, 0)
    cell = LSTMCell(3, 4, seed=2)
    zeros = np.zeros((2, 4))
    for got, want in zip(cell.forward(x)[1], cell.forward(x, (zeros, zeros))[1], strict=True):
        np.testing.assert_array_equal(got, want)
    gru = GRUCell(3, 4, seed=2)
    np.testing.assert_array_equal(gru.forward(x)[0], gru.forward(x, zeros)[0])


def test_float32_cells():
    x = random_state(2, 3, 0).astype(np.float32)
    _, (h, c) = LSTMCell(3, 4, seed=0, dtype=np.float32).forward(x)
    assert h.dtype == c.dtype == np.float32
    gru = GRUCell(3, 4, seed=0, dtype=np.float32)
    h, _ = gru.forward(x)
    assert h.dtype == np.float32
    assert gru.backward(np.ones_like(h)).dtype == np.float32


@pytest.mark.parametrize("make", [lambda: LSTMCell(3, 4), lambda: GRUCell(3, 4),
                                  lambda: GRUCell(3, 4, reset_after=False)])
def test_bad_input(make):
    cell = make()
    name = type(cell).__name__
    with pytest.raises(RuntimeError, match="before forward"):
        cell.backward(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"x must have 2 dimensions \(N, D\), got shape"):
        cell.forward(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match=r"x must have shape \(\*, 3\), got \(2, 5\)"):
        cell.forward(np.zeros((2, 5)))
    with pytest.raises(TypeError, match="floating-point"):
        cell.forward(np.zeros((2, 3), dtype=int))
    if name == "LSTMCell":
        with pytest.raises(ValueError, match=r"state\[0\] must have shape \(2, 4\), got \(3, 4\)"):
            cell.forward(np.zeros((2, 3)), (np.zeros((3, 4)), None))
        with pytest.raises(ValueError, match=r"state\[1\] must have shape \(2, 4\), got \(2, 3\)"):
            cell.forward(np.zeros((2, 3)), (None, np.zeros((2, 3))))
        with pytest.raises(TypeError, match=r"state must be a tuple \(h, c\) for LSTMCell"):
            cell.forward(np.zeros((2, 3)), np.zeros((2, 4)))
    else:
        with pytest.raises(ValueError, match=r"state must have shape \(2, 4\), got \(3, 4\)"):
            cell.forward(np.zeros((2, 3)), np.zeros((3, 4)))
    cell.forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"dh must have shape \(2, 4\), got \(2, 5\)"):
        cell.backward(np.zeros((2, 5)))
    if name == "LSTMCell":
        with pytest.raises(ValueError, match=r"dstate must have shape"):
            cell.backward(np.zeros((2, 4)), (None, np.zeros((1, 4))))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        LSTMCell(3, 0)
    with pytest.raises(ValueError, match="input_size must be a positive integer"):
        GRUCell(2.5, 4)
    with pytest.raises(TypeError, match="reset_after must be True or False"):
        GRUCell(3, 4, reset_after="yes")


def test_cells_match_torch():
    torch = pytest.importorskip("torch", reason="torch is an optional test oracle")
    N, D, H = 3, 4, 5
    x, h, c = random_state(N, D, 0), random_state(N, H, 1), random_state(N, H, 2)
    dh = random_state(N, H, 3)
    torch.manual_seed(0)
    t_lstm, t_gru = torch.nn.LSTMCell(D, H).double(), torch.nn.GRUCell(D, H).double()
    lstm, gru = LSTMCell(D, H), GRUCell(D, H)
    b_ih, b_hh = t_lstm.bias_ih.detach().numpy(), t_lstm.bias_hh.detach().numpy()
    lstm.params["Wx"][...] = t_lstm.weight_ih.detach().numpy().T
    lstm.params["Wh"][...] = t_lstm.weight_hh.detach().numpy().T
    lstm.params["b"][...] = b_ih + b_hh
    g_ih, g_hh = t_gru.bias_ih.detach().numpy(), t_gru.bias_hh.detach().numpy()
    gru.params["Wx"][...] = t_gru.weight_ih.detach().numpy().T
    gru.params["Wh"][...] = t_gru.weight_hh.detach().numpy().T
    gru.params["b"][...] = g_ih + np.concatenate([g_hh[: 2 * H], np.zeros(H)])
    gru.params["b_hn"][...] = g_hh[2 * H :]

    xt, ht, ct = (torch.tensor(a, requires_grad=True) for a in (x, h, c))
    h_t, _ = t_lstm(xt, (ht, ct))
    (h_t * torch.from_numpy(dh)).sum().backward()
    h_ours, _ = lstm.forward(x, (h, c))
    dx = lstm.backward(dh)
    close = dict(rtol=0, atol=1e-10)
    np.testing.assert_allclose(h_ours, h_t.detach().numpy(), **close)
    np.testing.assert_allclose(dx, xt.grad.numpy(), **close)
    np.testing.assert_allclose(lstm.dstate[0], ht.grad.numpy(), **close)
    np.testing.assert_allclose(lstm.dstate[1], ct.grad.numpy(), **close)
    np.testing.assert_allclose(lstm.grads["Wh"], t_lstm.weight_hh.grad.numpy().T, **close)

    xt, ht = (torch.tensor(a, requires_grad=True) for a in (x, h))
    h_t = t_gru(xt, ht)
    (h_t * torch.from_numpy(dh)).sum().backward()
    np.testing.assert_allclose(gru.forward(x, h)[0], h_t.detach().numpy(), **close)
    np.testing.assert_allclose(gru.backward(dh), xt.grad.numpy(), **close)
    np.testing.assert_allclose(gru.dstate, ht.grad.numpy(), **close)
    np.testing.assert_allclose(gru.grads["Wh"], t_gru.weight_hh.grad.numpy().T, **close)
    np.testing.assert_allclose(gru.grads["b_hn"], t_gru.bias_hh.grad.numpy()[2 * H :], **close)


def test_cell_state_gradient_adds_to_dh():
    """The new h is both output and state: backward(dh, dstate) sees their sum."""
    x, h, c = random_state(2, 3, 0), random_state(2, 4, 1), random_state(2, 4, 2)
    dh, dh_state, dc = random_state(2, 4, 3), random_state(2, 4, 4), random_state(2, 4, 5)
    split, summed = LSTMCell(3, 4, seed=1), LSTMCell(3, 4, seed=1)
    split.forward(x, (h, c))
    summed.forward(x, (h, c))
    dx = split.backward(dh, (dh_state, dc))
    np.testing.assert_array_equal(dx, summed.backward(dh + dh_state, (None, dc)))
    for got, want in zip(split.dstate, summed.dstate, strict=True):
        np.testing.assert_array_equal(got, want)
