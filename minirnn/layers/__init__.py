"""Stateful layers with ``params`` and ``grads``; see :mod:`minirnn.layers.base`."""

from minirnn.layers.attention import Attention
from minirnn.layers.base import Layer
from minirnn.layers.dropout import Dropout
from minirnn.layers.embedding import Embedding
from minirnn.layers.gru import GRU
from minirnn.layers.gru_cell import GRUCell
from minirnn.layers.linear import Linear
from minirnn.layers.lstm import LSTM
from minirnn.layers.lstm_cell import LSTMCell
from minirnn.layers.rnn import RNN, RNNCell

__all__ = [
    "Attention",
    "GRU",
    "LSTM",
    "RNN",
    "Dropout",
    "Embedding",
    "GRUCell",
    "LSTMCell",
    "Layer",
    "Linear",
    "RNNCell",
]
