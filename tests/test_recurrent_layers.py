"""RNN, LSTM and GRU sequence layers: gradients, stacking, directions, dropout, truncated BPTT.

Every gradient check runs in float64 through :func:`minirnn.gradcheck.check_layer`, which
compares every parameter (per gate), the input and the initial states against centred
differences.
"""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.gradcheck import check_layer
from minirnn.layers.base import Layer
from minirnn.layers.gru import GRU
from minirnn.layers.lstm import LSTM
from minirnn.layers.rnn import RNN

N, T, D, H = 2, 3, 3, 2

# name -> (class, extra options); the GRU is tested in both of its forms
CELLS = {
    "rnn": (RNN, {}),
    "rnn-relu": (RNN, {"nonlinearity": "relu"}),
    "lstm": (LSTM, {}),
    "gru": (GRU, {"reset_after": True}),
    "gru-reset-before": (GRU, {"reset_after": False}),
}
SHAPES = [(1, False), (1, True), (2, False), (2, True)]


def make(cell: str, num_layers: int = 1, bidirectional: bool = False, **options) -> Layer:
    cls, extra = CELLS[cell]
    return cls(D, H, num_layers=num_layers, bidirectional=bidirectional, seed=0, **extra, **options)


def state_rows(layer: Layer) -> list[str]:
    """The gradient-check rows of the initial state: ``state``, or ``state.h``, ``state.c``."""
    names = layer.state_names
    return ["state"] if len(names) == 1 else [f"state.{name}" for name in names]


def make_inputs(layer: Layer, seed: int = 1, steps: int = T) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    inputs = {"x": rng.normal(size=(N, steps, D))}
    states = [rng.normal(size=layer.state_shape(N)) * 0.5 for _ in layer.state_names]
    inputs["state"] = layer.join_state(states)
    return inputs


def assert_gradients_ok(report) -> None:
    """No wrong row, and every row far below the "suspicious" line.

    Strict "good" (< 1e-7) is too strict for the few entries whose gradient is ~1e-6 (a
    dropout zero upstream): there the centred difference itself is only good to ~1e-12.
    """
    report.assert_ok()
    assert report.max_error < 1e-6, str(report)


class KeepTraining(Layer):
    """Wrap a layer so that ``check_layer`` (which switches to eval mode) keeps its dropout.

    With ``fixed_dropout_masks`` the wrapped layer is one fixed function, so its gradient
    through the dropout masks can be checked like any other.
    """

    def __init__(self, inner: Layer) -> None:
        super().__init__()
        self.inner = self.add_sublayer("inner", inner)

    def train(self, mode: bool = True) -> Layer:
        self.training = mode  # deliberately not passed on
        return self

    def forward(self, **inputs):
        return self.inner.forward(**inputs)

    def backward(self, *grads):
        return self.inner.backward(*grads)

    def __getattr__(self, name: str):
        if name in ("dstate", "state_names"):
            return getattr(self.__dict__["inner"], name)
        raise AttributeError(name)


# -- gradient checks -----------------------------------------------------------------------------
@pytest.mark.parametrize("num_layers,bidirectional", SHAPES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_gradients(cell, num_layers, bidirectional):
    layer = make(cell, num_layers, bidirectional)
    inputs = make_inputs(layer)
    report = check_layer(layer, inputs)
    assert_gradients_ok(report)
    names = {row.name for row in report.rows}
    assert {"x", *state_rows(layer)} <= names
    # every parameter is covered (gated ones through their per-gate rows)
    for name in layer.parameters():
        assert any(row == name or row.startswith(name + "[") for row in names), name


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru", "gru-reset-before"])
def test_gradients_with_fixed_dropout_masks(cell, bidirectional):
    layer = make(cell, 2, bidirectional, dropout=0.5)
    layer.fixed_dropout_masks = True
    inputs = make_inputs(layer)
    layer.forward(**inputs)  # draws the masks that every probe then reuses
    mask = layer.dropouts[0].mask
    assert np.any(mask == 0) and np.any(mask != 0)
    report = check_layer(KeepTraining(layer), inputs)
    assert_gradients_ok(report)
    np.testing.assert_array_equal(layer.dropouts[0].mask, mask)


def test_report_is_split_per_gate_with_pytorch_names():
    layer = make("lstm", 2, True)
    names = {row.name for row in check_layer(layer, make_inputs(layer), max_entries=1).rows}
    for gate in "ifgo":
        assert f"l1_reverse.Wx[{gate}]" in names
    gru = make("gru")
    names = {row.name for row in check_layer(gru, make_inputs(gru), max_entries=1).rows}
    assert {"Wh[r]", "Wh[z]", "Wh[n]", "b_hn"} <= names


def test_a_broken_gate_is_named(monkeypatch):
    from minirnn.layers.lstm import LSTMCore

    original = LSTMCore.run_backward

    def forget_gate_of_wh_off_by_ten_percent(self, dhs, cache, dfinals):
        before = self.grads["Wh"].copy()
        result = original(self, dhs, cache, dfinals)
        self.grads["Wh"][:, H : 2 * H] += 0.1 * (self.grads["Wh"] - before)[:, H : 2 * H]
        return result

    monkeypatch.setattr(LSTMCore, "run_backward", forget_gate_of_wh_off_by_ten_percent)
    layer = make("lstm", 2, False)
    report = check_layer(layer, make_inputs(layer))
    wrong = {row.name for row in report.rows if row.verdict == "wrong"}
    assert wrong == {"l0.Wh[f]", "l1.Wh[f]"}


# -- structure -----------------------------------------------------------------------------------
@pytest.mark.parametrize("cell", list(CELLS))
def test_single_layer_keeps_params_at_top_level(cell):
    names = list(make(cell).parameters())
    assert names[:3] == ["Wx", "Wh", "b"]
    assert names[3:] == (["b_hn"] if cell == "gru" else [])


def test_stacked_bidirectional_names_and_shapes():
    layer = LSTM(D, H, num_layers=2, bidirectional=True, seed=0)
    shapes = {name: value.shape for name, value in layer.parameters().items()}
    assert shapes == {
        "l0.Wx": (D, 4 * H), "l0.Wh": (H, 4 * H), "l0.b": (4 * H,),
        "l0_reverse.Wx": (D, 4 * H), "l0_reverse.Wh": (H, 4 * H), "l0_reverse.b": (4 * H,),
        "l1.Wx": (2 * H, 4 * H), "l1.Wh": (H, 4 * H), "l1.b": (4 * H,),
        "l1_reverse.Wx": (2 * H, 4 * H), "l1_reverse.Wh": (H, 4 * H), "l1_reverse.b": (4 * H,),
    }  # fmt: skip
    hs, (h_last, c_last) = layer.forward(np.ones((N, 5, D)))
    assert hs.shape == (N, 5, 2 * H)
    assert h_last.shape == c_last.shape == (4, N, H)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_bidirectional_is_a_forward_core_and_a_reverse_core(cell):
    """Built by hand from single-direction layers with the same weights."""
    layer = make(cell, 1, True)
    forward, backward = make(cell), make(cell)
    for single, core in ((forward, layer.cores[0]), (backward, layer.cores[1])):
        for name, value in core.params.items():
            single.params[name][...] = value
    inputs = make_inputs(layer)
    x = inputs["x"]
    states = layer.split_state(inputs["state"])
    hs, final = layer.forward(**inputs)
    fwd_hs, fwd_final = forward.forward(x, forward.join_state([s[0] for s in states]))
    bwd_hs, bwd_final = backward.forward(x[:, ::-1], backward.join_state([s[1] for s in states]))
    np.testing.assert_allclose(hs[:, :, :H], fwd_hs, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(hs[:, :, H:], bwd_hs[:, ::-1], rtol=1e-13, atol=1e-14)
    finals = zip(layer.split_state(final), forward.split_state(fwd_final),
                 backward.split_state(bwd_final), strict=True)
    for both, fwd, bwd in finals:  # each final state stacks (forward, reverse)
        np.testing.assert_allclose(both[0], fwd, rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(both[1], bwd, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_a_held_output_keeps_its_numbers(cell):
    """A later call never writes into an output a caller still holds (workspaces reuse memory)."""
    layer = make(cell, 2, True)
    rng = np.random.default_rng(4)
    x1, x2 = rng.normal(size=(N, 5, D)), rng.normal(size=(N, 4, D))
    held, _ = layer.forward(x1)
    want = held.copy()
    later, _ = layer.forward(x2)
    np.testing.assert_array_equal(held, want)
    assert not np.shares_memory(held, later)
    del held, later  # released: the next call may reuse the memory, with the same numbers
    np.testing.assert_array_equal(layer.forward(x1)[0], want)


def test_second_layer_reads_first_layer_outputs():
    layer = RNN(D, H, num_layers=2, seed=0)
    first, second = RNN(D, H, seed=0), RNN(H, H, seed=0)
    for single, core in ((first, layer.cores[0]), (second, layer.cores[1])):
        for name, value in core.params.items():
            single.params[name][...] = value
    x = np.random.default_rng(2).normal(size=(N, 4, D))
    hs, h_last = layer.forward(x)
    hs1, h1 = first.forward(x)
    hs2, h2 = second.forward(hs1)
    np.testing.assert_allclose(hs, hs2, rtol=1e-13)
    np.testing.assert_allclose(h_last, np.stack([h1, h2]), rtol=1e-13)


def test_same_seed_same_weights_and_float32():
    a, b = make("gru", 2, True), make("gru", 2, True)
    for name, value in a.parameters().items():
        np.testing.assert_array_equal(value, b.parameters()[name])
    layer = LSTM(D, H, num_layers=2, seed=0, dtype=np.float32)
    assert all(v.dtype == np.float32 for v in layer.parameters().values())
    hs, (h_last, c_last) = layer.forward(np.ones((N, T, D), dtype=np.float32))
    assert hs.dtype == h_last.dtype == c_last.dtype == np.float32


@pytest.mark.parametrize("num_layers,bidirectional", [(1, False), (2, True)])
def test_astype_reaches_every_core(num_layers, bidirectional):
    layer = make("gru", num_layers, bidirectional).astype(np.float32)
    for core in layer.cores:
        assert all(v.dtype == np.float32 for v in core.params.values())
        assert all(g.dtype == np.float32 for g in core.grads.values())
    hs, h_last = layer.forward(np.ones((N, T, D), dtype=np.float32))
    assert hs.dtype == np.float32
    layer.backward(np.ones_like(hs))
    assert all(g.dtype == np.float32 for g in layer.gradients().values())


# -- dropout -------------------------------------------------------------------------------------
def test_dropout_acts_between_layers_in_training_and_not_in_eval():
    x = np.random.default_rng(3).normal(size=(N, 6, D))
    plain = LSTM(D, H, num_layers=2, seed=4)
    dropped = LSTM(D, H, num_layers=2, dropout=0.5, seed=4)  # same weights: masks come later
    expected = plain.forward(x)[0]
    assert not np.allclose(dropped.forward(x)[0], expected)
    dropped.eval()
    np.testing.assert_array_equal(dropped.forward(x)[0], expected)
    dropped.train()
    assert not np.allclose(dropped.forward(x)[0], expected)


def test_dropout_masks_are_seeded_fresh_each_call_and_fixable():
    x = np.ones((N, 4, D))
    a = GRU(D, H, num_layers=3, dropout=0.5, seed=7)
    b = GRU(D, H, num_layers=3, dropout=0.5, seed=7)
    first = a.forward(x)[0]
    np.testing.assert_array_equal(first, b.forward(x)[0])
    assert not np.array_equal(a.forward(x)[0], first)
    a.fixed_dropout_masks = True
    fixed = a.forward(x)[0]
    np.testing.assert_array_equal(a.forward(x)[0], fixed)
    a.resample_dropout()
    assert not np.array_equal(a.forward(x)[0], fixed)
    assert len(a.dropouts) == 2


def test_backward_uses_the_masks_of_its_own_forward():
    """Truncated BPTT across chunks restores an older cache: its dropout masks come with it."""
    layer = LSTM(D, H, num_layers=2, dropout=0.5, seed=0)
    rng = np.random.default_rng(6)
    x1, x2 = rng.normal(size=(2, N, 4, D))
    dhs = rng.normal(size=(N, 4, H))
    layer.forward(x1)
    first_cache = layer.cache
    expected = layer.backward(dhs)
    layer.forward(x2)  # draws new masks
    layer.cache = first_cache
    np.testing.assert_array_equal(layer.backward(dhs), expected)


def test_dropout_with_one_layer_warns():
    with pytest.warns(UserWarning, match="between stacked layers"):
        RNN(D, H, dropout=0.2)


# -- truncated BPTT ------------------------------------------------------------------------------
@pytest.mark.parametrize("num_layers,bidirectional", [(1, False), (2, False)])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru", "gru-reset-before"])
def test_truncated_bptt_chunks_equal_the_whole_sequence(cell, num_layers, bidirectional):
    layer = make(cell, num_layers, bidirectional)
    inputs = make_inputs(layer, steps=7)
    x, state = inputs["x"], inputs["state"]
    rng = np.random.default_rng(5)
    hs_whole, final_whole = layer.forward(x, state)
    dhs = rng.normal(size=hs_whole.shape)
    dfinal = layer.join_state([rng.normal(size=s.shape) for s in layer.split_state(final_whole)])

    layer.zero_grad()
    dx_whole = layer.backward(dhs, dfinal)
    dstate_whole = layer.split_state(layer.dstate)
    grads_whole = {k: v.copy() for k, v in layer.gradients().items()}

    # Forward in two chunks: the first chunk's final state starts the second chunk.
    hs_first, final_first = layer.forward(x[:, :4], state)
    first_cache = layer.cache
    hs_second, final_second = layer.forward(x[:, 4:], final_first)
    np.testing.assert_allclose(np.concatenate([hs_first, hs_second], axis=1), hs_whole, 1e-13)
    pairs = zip(layer.split_state(final_second), layer.split_state(final_whole), strict=True)
    for a, b in pairs:
        np.testing.assert_allclose(a, b, rtol=1e-13)

    # Backward without a gradient at the boundary: the chunks are independent.
    layer.zero_grad()
    layer.backward(dhs[:, 4:], dfinal)
    dboundary = layer.dstate
    layer.cache = first_cache
    dx_cut = layer.backward(dhs[:, :4])
    assert not np.allclose(dx_cut, dx_whole[:, :4])

    # Passing the second chunk's initial-state gradient as the first's dstate joins them.
    layer.zero_grad()
    layer.cache = None
    layer.forward(x[:, :4], state)
    first_cache = layer.cache
    layer.forward(x[:, 4:], final_first)
    dx_second = layer.backward(dhs[:, 4:], dfinal)
    layer.cache = first_cache
    dx_first = layer.backward(dhs[:, :4], dboundary)
    np.testing.assert_allclose(np.concatenate([dx_first, dx_second], axis=1), dx_whole, 1e-12)
    for got, want in zip(layer.split_state(layer.dstate), dstate_whole, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    for name, grad in layer.gradients().items():
        np.testing.assert_allclose(grad, grads_whole[name], rtol=1e-11, atol=1e-14)


# -- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_wrong_input_rank_and_size(cell):
    layer = make(cell, 2, True)
    with pytest.raises(ValueError, match=r"x must have 3 dimensions \(N, T, D\), got shape"):
        layer.forward(np.ones((N, D)))
    with pytest.raises(ValueError, match=r"x must have shape \(\*, \*, 3\), got \(2, 4, 5\)"):
        layer.forward(np.ones((N, 4, 5)))
    with pytest.raises(TypeError, match="floating-point"):
        layer.forward(np.ones((N, 4, D), dtype=int))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_mismatched_initial_states(cell):
    single, stacked = make(cell), make(cell, 2, True)
    x = np.ones((N, 4, D))
    if cell != "lstm":
        with pytest.raises(ValueError, match=r"state must have shape \(2, 2\), got \(3, 2\)"):
            single.forward(x, np.zeros((3, H)))
        with pytest.raises(ValueError, match=r"state must have shape \(4, 2, 2\), got \(2, 2\)"):
            stacked.forward(x, np.zeros((N, H)))
        with pytest.raises(TypeError, match=r"one state \(h\)"):
            single.forward(x, (np.zeros((N, H)),))
        return
    with pytest.raises(ValueError, match=r"state\[0\] \(h\) must have shape \(2, 2\), got"):
        single.forward(x, (np.zeros((3, H)), None))
    with pytest.raises(ValueError, match=r"state\[1\] \(c\) must have shape \(4, 2, 2\), got"):
        stacked.forward(x, (None, np.zeros((2, N, H))))
    with pytest.raises(TypeError, match=r"state must be a tuple \(h, c\) for LSTM, got ndarray"):
        single.forward(x, np.zeros((N, H)))
    with pytest.raises(TypeError, match=r"state must be a tuple \(h, c\) for LSTM, got 3 entries"):
        single.forward(x, (None, None, None))


def test_wrong_gradient_shapes_and_backward_before_forward():
    layer = make("lstm", 2, True)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((N, T, 2 * H)))
    hs, _ = layer.forward(np.ones((N, T, D)))
    with pytest.raises(ValueError, match=r"dhs must have shape \(2, 3, 4\), got \(2, 3, 2\)"):
        layer.backward(np.ones((N, T, H)))
    with pytest.raises(ValueError, match=r"dstate\[1\] \(c\) must have shape \(4, 2, 2\)"):
        layer.backward(hs, (None, np.ones((N, H))))


@pytest.mark.parametrize(
    "kwargs,error,message",
    [
        ({"num_layers": 0}, ValueError, "num_layers must be a positive integer"),
        ({"num_layers": "relu"}, TypeError, "by keyword"),
        ({"bidirectional": "yes"}, TypeError, "bidirectional must be True or False"),
        ({"dropout": 1.0}, ValueError, r"dropout must be a number in \[0, 1\)"),
        ({"nonlinearity": "softsign"}, ValueError, "unknown nonlinearity 'softsign'"),
        ({"nonlinear": "tanh"}, TypeError, "nonlinear"),
    ],
)
def test_unknown_or_bad_options(kwargs, error, message):
    with pytest.raises(error, match=message):
        RNN(D, H, **kwargs)


def test_bad_gru_and_lstm_options():
    with pytest.raises(TypeError, match="reset_after must be True or False"):
        GRU(D, H, reset_after="after")
    with pytest.raises(TypeError, match="nonlinearity"):
        LSTM(D, H, nonlinearity="relu")


# -- the command line ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv,expected_rows",
    [
        (["lstm", "--layers", "2", "--bidirectional"], ["l1_reverse.Wh[o]", "state.c"]),
        (["gru", "--reset-before"], ["Wx[n]"]),
        (["gru", "--reset-after", "--layers", "2"], ["l1.b_hn"]),
    ],
)
def test_gradcheck_command(argv, expected_rows, capsys):
    from minirnn.cli import main

    assert main(["gradcheck", *argv, "--max-entries", "2"]) == 0
    out = capsys.readouterr().out
    for row in expected_rows:
        assert row in out
    if argv[0] == "gru":
        assert ("b_hn" in out) == ("--reset-before" not in argv)
