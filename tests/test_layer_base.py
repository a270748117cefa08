"""The Layer contract: parameter walking, zero_grad and the train/eval switch."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.layers import LSTM, Linear
from minirnn.layers.base import Layer


def _model() -> Layer:
    model = Layer()
    model.add_sublayer("rnn", LSTM(3, 4, num_layers=2, dropout=0.5, seed=0))
    model.add_sublayer("head", Linear(4, 2, seed=1))
    return model


def test_named_parameters_are_dotted_and_cover_every_sublayer():
    names = [name for name, _, _ in _model().named_parameters()]
    assert "rnn.l1.Wh" in names and "head.W" in names
    assert len(names) == len(set(names))


def test_zero_grad_reaches_sublayers():
    model = _model()
    for _, _, grad in model.named_parameters():
        grad += 1.0
    model.zero_grad()
    assert all(not grad.any() for _, _, grad in model.named_parameters())


@pytest.mark.parametrize("start_training", [True, False])
def test_evaluating_switches_dropout_off_and_restores_the_mode(start_training):
    model = _model().train(start_training)
    x = np.random.default_rng(0).standard_normal((2, 5, 3))
    with model.evaluating():
        assert not model.training and not model.sublayers["rnn"].training
        first, _ = model.sublayers["rnn"].forward(x)
        second, _ = model.sublayers["rnn"].forward(x)
        np.testing.assert_array_equal(first, second)  # no dropout: deterministic
    assert model.training is start_training
    assert model.sublayers["rnn"].training is start_training


def test_evaluating_restores_the_mode_after_an_error():
    model = _model()
    with pytest.raises(RuntimeError), model.evaluating():
        raise RuntimeError("boom")
    assert model.training
