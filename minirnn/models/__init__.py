"""Complete models built from minirnn's layers: the classics and their modern versions."""

from minirnn.models.binary_adder import BinaryAdder
from minirnn.models.char_rnn import CharRNN
from minirnn.models.char_rnn_trainer import CharRNNTrainer
from minirnn.models.language_model import LanguageModel

__all__ = ["BinaryAdder", "CharRNN", "CharRNNTrainer"]
__all__ += ["LanguageModel"]
from minirnn.models.classifier import SequenceClassifier, SequenceTagger  # noqa: E402
from minirnn.models.seq2seq import Seq2Seq  # noqa: E402

__all__ += ["SequenceClassifier", "SequenceTagger", "Seq2Seq"]
