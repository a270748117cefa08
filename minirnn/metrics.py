"""Scores of a classifier: accuracy and the confusion matrix, and the matrix as text."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from minirnn._checks import as_int_array, check_positive_int, square_with_labels

__all__ = ["confusion_matrix", "format_confusion"]


def confusion_matrix(targets: object, predicted: object, num_classes: int) -> np.ndarray:
    """Counts ``M[i, j]`` of examples of class ``i`` predicted as class ``j`` (int64).

    The diagonal holds the correct predictions, so ``trace(M) / M.sum()`` is the accuracy
    and row ``i`` divided by its sum is where class ``i`` ends up.
    """
    targets, predicted = as_int_array(targets, "targets"), as_int_array(predicted, "predicted")
    num_classes = check_positive_int(num_classes, "num_classes")
    if targets.shape != predicted.shape or targets.ndim != 1:
        raise ValueError(f"targets and predicted must be two 1-D arrays of the same length, "
                         f"got shapes {targets.shape} and {predicted.shape}")
    for name, values in (("targets", targets), ("predicted", predicted)):
        if values.size and (values.min() < 0 or values.max() >= num_classes):
            raise ValueError(f"{name} must lie in [0, {num_classes}), "
                             f"got {values.min()} to {values.max()}")
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (targets, predicted), 1)
    return matrix


def format_confusion(matrix: np.ndarray, labels: Sequence[str] | None = None) -> str:
    """The matrix as a text table: rows are the true classes, columns the predictions."""
    matrix, labels = square_with_labels(matrix, labels)
    width = max(len(str(matrix.max())), *(len(label) for label in labels)) + 1
    lines = ["true\\pred".ljust(10) + "".join(label.rjust(width) for label in labels)]
    for label, row in zip(labels, matrix, strict=True):
        lines.append(label.ljust(10) + "".join(str(v).rjust(width) for v in row))
    return "\n".join(lines)
