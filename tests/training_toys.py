"""Small real models and data for the training, checkpoint and plot tests.

``EchoRegressor`` (an RNN followed by a Linear read-out of the last state) learns to output
the first input of a sequence: a task with a long-range dependency, trained with MSE. Its
``forward_backward`` adds input noise drawn from its own generator, so resuming a run
bit-identically needs the RNG state from the checkpoint as well as weights and data order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minirnn.layers.base import Layer
from minirnn.layers.linear import Linear
from minirnn.layers.rnn import RNN


@dataclass
class XYBatch:
    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray | None = None


class EchoRegressor(Layer):
    """RNN(D, H) then Linear(H, 1) on the last state; MSE loss; optional input noise."""

    def __init__(self, input_size=2, hidden_size=8, seed=0, noise=0.0, rng=None):
        super().__init__()
        self.rnn = self.add_sublayer("rnn", RNN(input_size, hidden_size, seed=seed))
        self.head = self.add_sublayer("head", Linear(hidden_size, 1, seed=seed + 1))
        self.noise = noise
        self.rng = rng if rng is not None else np.random.default_rng(seed + 2)

    def _loss(self, batch, train):
        x = batch.inputs
        if train and self.noise:
            x = x + self.noise * self.rng.standard_normal(x.shape)
        hs, h_last = self.rnn.forward(x)
        pred = self.head.forward(h_last)
        diff = pred - batch.targets
        return float(np.mean(diff**2)), hs, diff

    def forward_backward(self, batch):
        loss, hs, diff = self._loss(batch, train=True)
        dpred = 2.0 * diff / diff.size
        dh_last = self.head.backward(dpred)
        dhs = np.zeros_like(hs)
        dhs[:, -1] = dh_last
        self.rnn.backward(dhs)
        return loss

    def evaluate(self, batch):
        return self._loss(batch, train=False)[0]


def echo_data(num=64, steps=5, input_size=2, seed=0):
    """Sequences with the target equal to the first step's first feature."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (num, steps, input_size))
    y = x[:, 0, :1].copy()
    return x, y


def shuffled_batches(x, y, batch_size, rng):
    """A callable returning a fresh, reshuffled iterator of batches per epoch (lazy draws)."""

    def epoch():
        order = rng.permutation(len(x))
        for start in range(0, len(x) - batch_size + 1, batch_size):
            idx = order[start : start + batch_size]
            yield XYBatch(x[idx], y[idx])

    return epoch
