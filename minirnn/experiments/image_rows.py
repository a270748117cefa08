"""Seed 002's experiment at NumPy size: classify 8x8 digit images read row by row (or column
by column) with a :class:`~minirnn.models.classifier.SequenceClassifier` on float inputs.
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import check_instance, make_rng
from minirnn.data import array_batches
from minirnn.metrics import confusion_matrix
from minirnn.models.classifier import SequenceClassifier
from minirnn.optim import Adam
from minirnn.tasks.image_rows import ImageSequences
from minirnn.train import fit

__all__ = ["train_image_reader", "evaluate_image_reader"]

#: the ten digit classes
NUM_CLASSES = 10


def train_image_reader(
    data: ImageSequences,
    cell: str = "lstm",
    bidirectional: bool = False,
    read: str = "rows",
    hidden_size: int = 128,
    epochs: int = 30,
    lr: float = 5e-3,
    batch_size: int = 32,
    seed: int = 0,
    dtype: type = np.float32,
    verbose: bool = True,
) -> SequenceClassifier:
    """A classifier that reads each image as ``read`` (8 steps of 8 pixels), trained by fit.

    Adam, cross-entropy on the last state (both directions' last states when bidirectional).
    ``seed`` draws the weights and then the batch order.
    """
    check_instance(data, ImageSequences, "data")
    rng = make_rng(seed)
    train_x, _ = data.sequences(read)
    model = SequenceClassifier(None, NUM_CLASSES, hidden_size=hidden_size, cell=cell,
                               bidirectional=bidirectional, input_size=train_x.shape[2],
                               seed=rng, dtype=dtype)
    fit(model, Adam(model, lr=lr),
        lambda: array_batches(train_x, data.train_labels, batch_size=batch_size, rng=rng),
        epochs=epochs, rng={"data": rng}, verbose=verbose)
    return model


def evaluate_image_reader(
    model: SequenceClassifier, data: ImageSequences, read: str = "rows"
) -> tuple[float, np.ndarray, np.ndarray]:
    """Held-out accuracy, the confusion matrix and the predicted classes."""
    check_instance(model, SequenceClassifier, "model")
    check_instance(data, ImageSequences, "data")
    _, test_x = data.sequences(read)
    predicted = model.predict(test_x)
    matrix = confusion_matrix(data.test_labels, predicted, NUM_CLASSES)
    return float(np.trace(matrix) / matrix.sum()), matrix, predicted
