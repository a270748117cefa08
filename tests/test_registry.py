"""The registry of cells: adding a cell is its functional pair, its core and one registry line.

The cell here is a toy written for this test, with two states like the LSTM: a tanh RNN
whose second state ``c`` sums every ``h`` so far,

    h_t = tanh(x_t Wx + h_{t-1} Wh + b),    c_t = c_{t-1} + h_t.

Nothing outside this file knows it; models, gradcheck and the padded bidirectional reader
work with it once it is registered.
"""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.gradcheck import check_function, check_layer, check_model
from minirnn.interop import to_torch_state_dict
from minirnn.layers import registry
from minirnn.layers.gru import GRU
from minirnn.layers.lstm import LSTM
from minirnn.layers.recurrent import RecurrentCore, RecurrentLayer
from minirnn.layers.rnn import RNN


# -- 1. the functional pair ---------------------------------------------------------------------
def accum_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    h = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h, c_prev + h, (x, h_prev, Wx, Wh, h)


def accum_step_backward(dh, dc, cache):
    x, h_prev, Wx, Wh, h = cache
    da = (dh + dc) * (1.0 - h * h)  # h reaches the loss directly and through c
    return da @ Wx.T, da @ Wh.T, dc, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def accum_forward(x, h0, c0, Wx, Wh, b):
    h, c, hs, caches = h0, c0, [], []
    for t in range(x.shape[1]):
        h, c, cache = accum_step_forward(x[:, t], h, c, Wx, Wh, b)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs, axis=1), c, caches


def accum_backward(dhs, caches, dh_last=None, dc_last=None):
    dh = np.zeros_like(dhs[:, 0]) if dh_last is None else dh_last
    dc = np.zeros_like(dhs[:, 0]) if dc_last is None else dc_last
    sums = [np.zeros_like(a) for a in caches[0][2:4]] + [np.zeros(caches[0][3].shape[1])]
    dxs = [None] * len(caches)
    for t in reversed(range(len(caches))):
        dxs[t], dh, dc, *dparams = accum_step_backward(dhs[:, t] + dh, dc, caches[t])
        for total, d in zip(sums, dparams, strict=True):
            total += d
    return (np.stack(dxs, axis=1), dh, dc, *sums)


# -- 2. the core -----------------------------------------------------------------------------
class AccumCore(RecurrentCore):
    num_gates = 1
    state_names = ("h", "c")

    def run(self, x, states):
        p = self.params
        hs, c_last, cache = accum_forward(x, states[0], states[1], p["Wx"], p["Wh"], p["b"])
        return hs, [hs[:, -1], c_last], cache

    def run_backward(self, dhs, cache, dfinals):
        dx, dh0, dc0, dWx, dWh, db = accum_backward(dhs, cache, *dfinals)
        self.accumulate(Wx=dWx, Wh=dWh, b=db)
        return dx, [dh0, dc0]


# -- 3. one registry line ------------------------------------------------------------------------
@pytest.fixture
def accum(monkeypatch):
    layer_class = RecurrentLayer.for_core(AccumCore)
    monkeypatch.setitem(registry.CELLS, "accum", layer_class)
    return layer_class


def test_the_registry_names_the_three_cells():
    assert registry.CELLS == {"rnn": RNN, "lstm": LSTM, "gru": GRU}
    assert registry.layer_class("LSTM") is LSTM
    assert registry.cell_name(GRU(2, 3)) == "gru"
    assert registry.recurrent_layer("rnn", 2, 3, nonlinearity="relu").nonlinearity == "relu"
    assert (RNN.state_names, LSTM.state_names, GRU.state_names) == (("h",), ("h", "c"), ("h",))
    assert LSTM.gates == ("i", "f", "g", "o") and GRU.gates == ("r", "z", "n")
    with pytest.raises(ValueError, match="unknown cell 'peephole'"):
        registry.layer_class("peephole")
    with pytest.raises(TypeError, match="registered recurrent layer"):
        registry.cell_name(object())


def test_the_toy_pair_is_right():
    rng = np.random.default_rng(0)
    inputs = {"x": rng.normal(size=(2, 4, 3)), "h0": rng.normal(size=(2, 5)),
              "c0": rng.normal(size=(2, 5)), "Wx": rng.normal(size=(3, 5)) * 0.5,
              "Wh": rng.normal(size=(5, 5)) * 0.5, "b": rng.normal(size=5) * 0.1}

    def forward(**kw):
        hs, c_last, cache = accum_forward(**kw)
        return hs, c_last, cache

    def backward(dhs, dc_last, cache):
        return accum_backward(dhs, cache, None, dc_last)

    check_function(forward, backward, inputs).assert_ok(strict=True)


@pytest.mark.parametrize("num_layers,bidirectional", [(1, False), (2, True)])
def test_the_new_layer_is_complete(accum, num_layers, bidirectional):
    layer = registry.recurrent_layer("accum", 3, 4, num_layers=num_layers,
                                     bidirectional=bidirectional, seed=0)
    assert type(layer).__name__ == "Accum" and registry.cell_name(layer) == "accum"
    assert layer.state_names == ("h", "c")
    rng = np.random.default_rng(1)
    state = (rng.normal(size=layer.state_shape(2)), rng.normal(size=layer.state_shape(2)))
    report = check_layer(layer, {"x": rng.normal(size=(2, 5, 3)), "state": state})
    report.assert_ok()
    assert {"x", "state.h", "state.c"} <= {row.name for row in report}


def test_models_take_the_new_cell_by_name(accum):
    from minirnn.data.batching import Batch
    from minirnn.models.classifier import SequenceClassifier
    from minirnn.models.language_model import LanguageModel
    from minirnn.models.seq2seq import Seq2Seq

    rng = np.random.default_rng(2)
    lm = LanguageModel(7, 5, embedding_dim=3, cell="accum", num_layers=2, seed=0)
    ids = rng.integers(0, 7, size=(2, 6))
    assert [s.shape for s in lm.zero_state(2)] == [(2, 2, 5), (2, 2, 5)]
    logits, state = lm.forward(ids, lm.zero_state(2))
    assert logits.shape == (2, 6, 7) and len(state) == 2

    classifier = SequenceClassifier(7, 3, hidden_size=4, cell="accum", bidirectional=True,
                                    seed=0)
    mask = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]], dtype=bool)
    batch = Batch(ids, np.array([0, 2]), mask)
    check_model(classifier, lambda: classifier.forward_backward(batch)).assert_ok()

    model = Seq2Seq(7, hidden_size=4, embedding_dim=3, cell="accum", peeky=True, seed=0)
    source, target = rng.integers(3, 7, size=(2, 4)), rng.integers(3, 7, size=(2, 3))
    pairs = Batch(source, target)
    check_model(model, lambda: model.forward_backward(pairs)).assert_ok()
    assert len(model.generate(source, max_length=3)) == 2


def test_a_cell_without_a_torch_module_is_refused_by_interop(accum):
    with pytest.raises(TypeError, match="'accum' cell .* has no PyTorch module"):
        to_torch_state_dict(accum(3, 4))
