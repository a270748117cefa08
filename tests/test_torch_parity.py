"""PyTorch parity of RNN, LSTM and GRU, and the state-dict interchange.

Where torch is importable, each minirnn layer is compared with the same torch layer
(float64, batch_first=True, random weights) in both directions of weight transfer: outputs,
final states, dx, initial-state gradients and every weight gradient agree to 1e-10. The
error tests of the interchange need no torch.
"""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.interop import load_torch_state_dict, to_torch_state_dict, torch_state_dict_shapes
from minirnn.layers.gru import GRU
from minirnn.layers.lstm import LSTM
from minirnn.layers.rnn import RNN

N, T, D, H = 3, 5, 4, 3
TOL = 1e-10

# name -> (minirnn class, its options, torch class name, torch options)
CELLS = {
    "rnn-tanh": (RNN, {"nonlinearity": "tanh"}, "RNN", {"nonlinearity": "tanh"}),
    "rnn-relu": (RNN, {"nonlinearity": "relu"}, "RNN", {"nonlinearity": "relu"}),
    "lstm": (LSTM, {}, "LSTM", {}),
    "gru": (GRU, {"reset_after": True}, "GRU", {}),
}
SHAPES = [(1, False), (1, True), (2, False), (2, True)]


def torch_or_skip():
    return pytest.importorskip("torch", reason="torch is not installed: parity tests skipped")


def build_pair(cell: str, num_layers: int, bidirectional: bool, seed: int = 0):
    torch = torch_or_skip()
    cls, options, torch_name, torch_options = CELLS[cell]
    ours = cls(D, H, num_layers=num_layers, bidirectional=bidirectional, seed=seed, **options)
    torch.manual_seed(seed)
    theirs = getattr(torch.nn, torch_name)(
        D,
        H,
        num_layers=num_layers,
        bidirectional=bidirectional,
        batch_first=True,
        **torch_options,
    ).double()
    with torch.no_grad():  # non-zero bias_hh everywhere, so the bias mapping is exercised
        for value in theirs.parameters():
            value.uniform_(-0.6, 0.6)
    return ours, theirs


def run_ours(layer, x, states, douts):
    """The layer's outputs [hs, *final states], dx and initial-state gradients, as lists."""
    layer.zero_grad()
    hs, final = layer.forward(x, layer.join_state(states))
    dx = layer.backward(douts[0], layer.join_state(douts[1:]))
    return [hs, *layer.split_state(final)], dx, layer.split_state(layer.dstate)


def run_torch(module, x, states, douts):
    torch = torch_or_skip()
    module.zero_grad()
    xt = torch.tensor(x, requires_grad=True)
    st = [torch.tensor(s, requires_grad=True) for s in states]
    hs, final = module(xt, tuple(st) if len(st) == 2 else st[0])
    finals = list(final) if isinstance(final, tuple) else [final]
    loss = sum((out * torch.tensor(d)).sum() for out, d in zip([hs, *finals], douts, strict=True))
    loss.backward()
    outs = [hs.detach().numpy()] + [f.detach().numpy() for f in finals]
    grads = {name: value.grad.numpy() for name, value in module.named_parameters()}
    return outs, xt.grad.numpy(), [s.grad.numpy() for s in st], grads


def our_grads_in_torch_layout(layer) -> dict[str, np.ndarray]:
    """d(weight_ih) = dWx^T, d(weight_hh) = dWh^T, d(bias_ih) = db, d(bias_hh) = db except
    the GRU n block, whose bias_hh gradient is d(b_hn)."""
    grads = {}
    for suffix, core in layer.named_cores():
        g = core.grads
        grads[f"weight_ih_{suffix}"] = g["Wx"].T
        grads[f"weight_hh_{suffix}"] = g["Wh"].T
        grads[f"bias_ih_{suffix}"] = g["b"]
        bias_hh = g["b"].copy()
        if "b_hn" in g:
            bias_hh[2 * H :] = g["b_hn"]
        grads[f"bias_hh_{suffix}"] = bias_hh
    return grads


def random_problem(layer, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, T, D))
    shape = (layer.num_layers * layer.num_directions, N, H)
    count = len(layer.state_names)
    torch_states = [rng.normal(size=shape) * 0.5 for _ in range(count)]
    douts = [rng.normal(size=(N, T, H * layer.num_directions))]
    douts += [rng.normal(size=shape) for _ in range(count)]
    return x, torch_states, douts


def ours_shape(layer, array):
    """PyTorch always has the leading (layers*directions) axis; a plain minirnn layer not."""
    return array if layer.stacked else array[0]


def compare(ours, theirs):
    x, torch_states, douts = random_problem(ours)
    our_states = [ours_shape(ours, s) for s in torch_states]
    our_douts = [douts[0]] + [ours_shape(ours, d) for d in douts[1:]]
    outs, dx, dstates = run_ours(ours, x, our_states, our_douts)
    t_outs, t_dx, t_dstates, t_grads = run_torch(theirs, x, torch_states, douts)
    np.testing.assert_allclose(outs[0], t_outs[0], rtol=0, atol=TOL)
    for mine, want in zip(outs[1:], t_outs[1:], strict=True):
        np.testing.assert_allclose(mine, ours_shape(ours, want), rtol=0, atol=TOL)
    np.testing.assert_allclose(dx, t_dx, rtol=0, atol=TOL)
    for mine, want in zip(dstates, t_dstates, strict=True):
        np.testing.assert_allclose(mine, ours_shape(ours, want), rtol=0, atol=TOL)
    mine = our_grads_in_torch_layout(ours)
    assert set(mine) == set(t_grads)
    for name, want in t_grads.items():
        np.testing.assert_allclose(mine[name], want, rtol=0, atol=TOL, err_msg=name)
    assert np.abs(dx).max() > 1e-3  # the comparison is not between zeros


@pytest.mark.parametrize("num_layers,bidirectional", SHAPES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_torch_weights_loaded_into_minirnn(cell, num_layers, bidirectional):
    ours, theirs = build_pair(cell, num_layers, bidirectional)
    load_torch_state_dict(ours, theirs.state_dict())  # tensors are accepted as they are
    compare(ours, theirs)


@pytest.mark.parametrize("num_layers,bidirectional", SHAPES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_minirnn_weights_loaded_into_torch(cell, num_layers, bidirectional):
    torch = torch_or_skip()
    ours, theirs = build_pair(cell, num_layers, bidirectional)
    state = to_torch_state_dict(ours)
    assert list(state) == list(theirs.state_dict())  # same keys, same order
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    compare(ours, theirs)


# -- the interchange itself (no torch needed) ------------------------------------------------
@pytest.mark.parametrize("num_layers,bidirectional", SHAPES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_round_trip_is_exact(cell, num_layers, bidirectional):
    cls, options, _, _ = CELLS[cell]
    source = cls(D, H, num_layers=num_layers, bidirectional=bidirectional, seed=0, **options)
    target = cls(D, H, num_layers=num_layers, bidirectional=bidirectional, seed=9, **options)
    load_torch_state_dict(target, to_torch_state_dict(source))
    for name, value in source.parameters().items():
        np.testing.assert_array_equal(target.parameters()[name], value)
    x = np.random.default_rng(2).normal(size=(N, T, D))
    (hs_a, final_a), (hs_b, final_b) = source.forward(x), target.forward(x)
    np.testing.assert_array_equal(hs_a, hs_b)
    for a, b in zip(source.split_state(final_a), target.split_state(final_b), strict=True):
        np.testing.assert_array_equal(a, b)


def test_key_names_and_shapes():
    shapes = torch_state_dict_shapes(GRU(D, H, num_layers=2, bidirectional=True))
    assert shapes["weight_ih_l0"] == (3 * H, D)
    assert shapes["weight_ih_l1_reverse"] == (3 * H, 2 * H)
    assert shapes["weight_hh_l1"] == (3 * H, H)
    assert shapes["bias_hh_l0_reverse"] == (3 * H,)
    assert len(shapes) == 16


def test_loading_keeps_parameter_arrays_and_dtype():
    layer = LSTM(D, H, seed=0, dtype=np.float32)
    before = layer.params["Wx"]
    state = to_torch_state_dict(LSTM(D, H, seed=1))
    load_torch_state_dict(layer, state)
    assert layer.params["Wx"] is before and before.dtype == np.float32
    np.testing.assert_allclose(before, state["weight_ih_l0"].T, rtol=1e-6)


def test_missing_extra_and_misshaped_keys_are_all_listed():
    layer = LSTM(D, H, num_layers=2)
    state = to_torch_state_dict(layer)
    del state["weight_hh_l1"]
    del state["bias_ih_l0"]
    state["weight_ih_l2"] = np.zeros((4 * H, H))
    state["bias_hh_l0"] = np.zeros(3 * H)
    state["weight_ih_l1"] = np.zeros((4 * H, D))
    before = {k: v.copy() for k, v in layer.parameters().items()}
    with pytest.raises(ValueError) as info:
        load_torch_state_dict(layer, state)
    message = str(info.value)
    assert "missing keys: bias_ih_l0, weight_hh_l1" in message
    assert "unexpected keys: weight_ih_l2" in message
    assert f"bias_hh_l0: expected ({4 * H},), got ({3 * H},)" in message
    assert f"weight_ih_l1: expected ({4 * H}, {H}), got ({4 * H}, {D})" in message
    for name, value in layer.parameters().items():  # nothing was half-loaded
        np.testing.assert_array_equal(value, before[name])


def test_bidirectional_state_dict_into_unidirectional_layer():
    state = to_torch_state_dict(GRU(D, H, bidirectional=True))
    with pytest.raises(ValueError, match="unexpected keys: weight_ih_l0_reverse"):
        load_torch_state_dict(GRU(D, H), state)


def test_layers_without_torch_equivalent():
    with pytest.raises(ValueError, match="reset_after=False .* no PyTorch equivalent"):
        to_torch_state_dict(GRU(D, H, reset_after=False))
    with pytest.raises(ValueError, match="reset_after=False .* no PyTorch equivalent"):
        load_torch_state_dict(GRU(D, H, reset_after=False), {})
    with pytest.raises(ValueError, match="'tanh' or 'relu'"):
        to_torch_state_dict(RNN(D, H, nonlinearity="sigmoid"))
    with pytest.raises(TypeError, match="registered recurrent layer"):
        to_torch_state_dict(object())
