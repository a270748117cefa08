"""Complete models built from minirnn's layers: the classics and their modern versions."""

from minirnn.models.binary_adder import BinaryAdder

__all__ = ["BinaryAdder"]
