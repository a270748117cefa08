"""Complete models built from minirnn's layers: the classics and their modern versions."""

from minirnn.models.binary_adder import BinaryAdder
from minirnn.models.char_rnn import CharRNN
from minirnn.models.char_rnn_trainer import CharRNNTrainer
from minirnn.models.language_model import LanguageModel

__all__ = ["BinaryAdder", "CharRNN", "CharRNNTrainer"]
__all__ += ["LanguageModel"]
