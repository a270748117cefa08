"""The loss step that the classifier, the tagger and Learn2Carry share.

Each checks that ``targets`` has one class per prediction, takes the softmax cross-entropy
of its logits and, when training, backpropagates it: only the expected shape differs.
"""

from __future__ import annotations

import numpy as np

from minirnn.losses import softmax_cross_entropy


def cross_entropy_step(model, logits: np.ndarray, targets: object, shape: tuple,
                       per: str, backward: bool, mask: np.ndarray | None = None) -> float:
    """Mean cross-entropy (nats) of ``logits`` against ``targets``; backward into ``model``.

    Parameters
    ----------
    model : Layer
        Its ``backward(dlogits)`` is called when ``backward`` is true.
    logits : ndarray, shape ``shape + (C,)``
        The model's scores.
    targets : array_like of int, shape ``shape``
        One class per prediction.
    shape : tuple of int
        The shape ``targets`` must have.
    per : str
        What one target is, for the error message (``"one tag per step"``).
    backward : bool
        Whether to backpropagate (training) or only measure (evaluation).
    mask : ndarray, optional
        Passed to :func:`minirnn.losses.softmax_cross_entropy`.

    Returns
    -------
    float
        The mean loss over the (unmasked) predictions.
    """
    targets = np.asarray(targets)
    if targets.shape != shape:
        raise ValueError(f"targets must have shape {shape} ({per}), got {targets.shape}")
    loss, dlogits = softmax_cross_entropy(logits, targets, mask=mask)
    if backward:
        model.backward(dlogits)
    return float(loss)
