"""Stateful layers with ``params`` and ``grads``; see :mod:`minirnn.layers.base`."""

from minirnn.layers.base import Layer
from minirnn.layers.embedding import Embedding

__all__ = ["Layer"]
__all__ += ["Embedding"]
