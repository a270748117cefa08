"""Complete models built from minirnn's layers: the classics and their modern versions."""

from minirnn.models.binary_adder import BinaryAdder
from minirnn.models.language_model import LanguageModel

__all__ = ["BinaryAdder"]
__all__ += ["LanguageModel"]
