"""Complete models built from minirnn's layers: the classics and the course-material models."""

from minirnn.models.binary_adder import BinaryAdder
from minirnn.models.char_rnn import CharRNN
from minirnn.models.classifier import SequenceClassifier, SequenceTagger
from minirnn.models.language_model import LanguageModel
from minirnn.models.seq2seq import Seq2Seq

__all__ = [
    "BinaryAdder",
    "CharRNN",
    "LanguageModel",
    "Seq2Seq",
    "SequenceClassifier",
    "SequenceTagger",
]
