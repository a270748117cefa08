"""Stateful layers with ``params`` and ``grads``; see :mod:`minirnn.layers.base`."""

from minirnn.layers.base import Layer

__all__ = ["Layer"]
