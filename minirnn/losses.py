r"""Loss functions, each returning ``(loss, dinput)``: the value and its gradient.

Every loss takes an optional ``mask`` with the shape of the positions it averages over
(``(N, T)`` for a sequence of logits, the prediction's shape for element-wise losses).
With ``reduction="mean"`` the loss is divided by the number of unmasked positions (the sum of
the mask), so padding never dilutes the loss; with ``reduction="sum"`` it is not divided.
A mask may hold weights instead of 0/1; it must be finite and non-negative, and with
``reduction="mean"`` its total must be positive (there must be something to average).

The activations these losses build on, :func:`sigmoid`, :func:`softmax` and
:func:`log_softmax`, are re-exported here from :mod:`minirnn.functional.activations`.
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import as_float_array, as_int_array, check_choice
from minirnn.functional.activations import log_softmax, sigmoid, softmax

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "sigmoid",
    "softmax",
    "softmax_cross_entropy",
]

REDUCTIONS = ("mean", "sum")
#: probabilities are kept this far from 0 and 1 inside a log (PyTorch clamps the log at -100)
PROB_EPS = 1e-12


def _class_targets(scores: np.ndarray, targets: object, name: str) -> np.ndarray:
    """Validate (N, V) or (N, T, V) scores and integer targets of shape scores.shape[:-1]."""
    if scores.ndim not in (2, 3):
        raise ValueError(
            f"{name} must have shape (N, V) or (N, T, V), got {tuple(scores.shape)}"
        )
    targets = as_int_array(targets, "targets")
    if targets.shape != scores.shape[:-1]:
        raise ValueError(
            f"targets must have shape {scores.shape[:-1]} to match {name} "
            f"{tuple(scores.shape)}, got {targets.shape}"
        )
    vocab = scores.shape[-1]
    if targets.size and (targets.min() < 0 or targets.max() >= vocab):
        raise ValueError(
            f"targets must lie in [0, {vocab - 1}] for {vocab} classes, got values from "
            f"{targets.min()} to {targets.max()}"
        )
    return targets


def _position_weights(
    shape: tuple[int, ...], mask: object | None, reduction: str
) -> np.ndarray:
    """Weight of every position in the total loss: mask / (number unmasked) for a mean."""
    check_choice(reduction, REDUCTIONS, "reduction")
    if mask is None:
        weights = np.ones(shape)
    else:
        weights = _checked_mask(mask, shape)
    if reduction == "mean":
        total = weights.sum()
        if not total > 0:
            raise ValueError(f"mask must have a positive total to average over, got total "
                             f"{total:g}; there is nothing to score (use reduction='sum' if "
                             "an all-padding batch is expected)")
        weights = weights / total
    return weights


def _checked_mask(mask: object, shape: tuple[int, ...]) -> np.ndarray:
    """The mask as float64 weights, refusing wrong shapes, negative and non-finite entries."""
    weights = np.asarray(mask)
    if weights.shape != shape:
        raise ValueError(f"mask must have shape {shape}, got {weights.shape}")
    if not (weights.dtype == bool or np.issubdtype(weights.dtype, np.number)) or \
            np.iscomplexobj(weights):
        raise TypeError(f"mask must be boolean or real numbers, got dtype {weights.dtype}")
    weights = weights.astype(np.float64)
    if not np.isfinite(weights).all():
        raise ValueError("mask must be finite, got NaN or infinite entries")
    if (weights < 0).any():
        raise ValueError(f"mask must have no negative entries, got a minimum of "
                         f"{weights.min():g}")
    return weights


def _picked(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """``scores[..., targets]`` position by position."""
    return np.take_along_axis(scores, targets[..., None], axis=-1)[..., 0]


def softmax_cross_entropy(
    logits: np.ndarray,
    targets: np.ndarray,
    mask: np.ndarray | None = None,
    reduction: str = "mean",
) -> tuple[float, np.ndarray]:
    r"""Cross-entropy of ``softmax(logits)`` against integer targets, and its gradient.

    Parameters
    ----------
    logits : ndarray, shape (N, V) or (N, T, V)
        Unnormalised scores over ``V`` classes.
    targets : int ndarray, shape (N,) or (N, T)
        Class indices in ``[0, V)``.
    mask : ndarray, shape (N,) or (N, T), optional
        1 (or True) where a position counts, 0 for padding.
    reduction : {"mean", "sum"}
        Average over the unmasked positions, or sum.

    Returns
    -------
    loss : float
    dlogits : ndarray, shape of ``logits``

    Notes
    -----
    With :math:`p = \mathrm{softmax}(z)` and weights :math:`m_n` (the mask, divided by
    :math:`\sum_n m_n` for the mean):

    .. math::

        L = -\sum_n m_n \log p_{n, y_n}, \qquad
        \frac{\partial L}{\partial z_{n,k}} = m_n (p_{n,k} - [k = y_n]).

    :math:`\log p` is computed as :math:`z - \max z - \log\sum e^{z - \max z}`, so huge
    logits neither overflow nor give ``log(0)``.
    """
    logits = as_float_array(logits, "logits")
    targets = _class_targets(logits, targets, "logits")
    weights = _position_weights(targets.shape, mask, reduction)
    log_probs = log_softmax(logits)
    loss = -float(np.sum(weights * _picked(log_probs, targets)))
    dlogits = np.exp(log_probs)
    np.put_along_axis(dlogits, targets[..., None], _picked(dlogits, targets)[..., None] - 1, -1)
    dlogits *= weights[..., None]
    return loss, dlogits


def nll_loss(
    log_probs: np.ndarray,
    targets: np.ndarray,
    mask: np.ndarray | None = None,
    reduction: str = "mean",
) -> tuple[float, np.ndarray]:
    r"""Negative log-likelihood of log-probabilities, as PyTorch's ``nll_loss``.

    Parameters and shapes are those of :func:`softmax_cross_entropy`, with ``log_probs``
    (for example from :func:`log_softmax`) in place of the logits.

    Notes
    -----
    .. math::

        L = -\sum_n m_n \, \ell_{n, y_n}, \qquad
        \frac{\partial L}{\partial \ell_{n,k}} = -m_n [k = y_n].
    """
    log_probs = as_float_array(log_probs, "log_probs")
    targets = _class_targets(log_probs, targets, "log_probs")
    weights = _position_weights(targets.shape, mask, reduction)
    loss = -float(np.sum(weights * _picked(log_probs, targets)))
    dlog_probs = np.zeros_like(log_probs)
    np.put_along_axis(dlog_probs, targets[..., None], -weights[..., None], -1)
    return loss, dlog_probs


def _same_shape(pred: np.ndarray, target: object, pred_name: str,
                target_name: str = "target") -> np.ndarray:
    target = as_float_array(target, target_name)
    if target.shape != pred.shape:
        raise ValueError(
            f"{target_name} must have the shape of {pred_name} {tuple(pred.shape)}, got "
            f"{target.shape}"
        )
    return target


def _binary_targets(pred: np.ndarray, targets: object, pred_name: str) -> np.ndarray:
    """Float targets of ``pred``'s shape with every entry in [0, 1] (a probability)."""
    targets = _same_shape(pred, targets, pred_name, "targets")
    if targets.size and not (targets.min() >= 0 and targets.max() <= 1):
        raise ValueError(f"targets must lie in [0, 1], got values from {targets.min()} to "
                         f"{targets.max()}")
    return targets


def mse_loss(
    pred: np.ndarray,
    target: np.ndarray,
    mask: np.ndarray | None = None,
    reduction: str = "mean",
) -> tuple[float, np.ndarray]:
    r"""Mean squared error over every element (as PyTorch's ``MSELoss``), and its gradient.

    Notes
    -----
    .. math:: L = \sum_i m_i (p_i - t_i)^2, \qquad \partial L / \partial p_i = 2 m_i (p_i - t_i)

    with :math:`m_i = 1/n` for the mean over ``n`` elements (or the normalised mask).
    """
    pred = as_float_array(pred, "pred")
    target = _same_shape(pred, target, "pred")
    weights = _position_weights(pred.shape, mask, reduction)
    diff = pred - target
    return float(np.sum(weights * diff * diff)), 2.0 * weights * diff


def binary_cross_entropy(
    probs: np.ndarray,
    targets: np.ndarray,
    mask: np.ndarray | None = None,
    reduction: str = "mean",
) -> tuple[float, np.ndarray]:
    r"""Binary cross-entropy of probabilities in ``[0, 1]`` against targets in ``[0, 1]``.

    Prefer :func:`binary_cross_entropy_with_logits` when the probabilities come from a
    sigmoid: it is stable where this one must clip ``probs`` to
    ``[PROB_EPS, 1 - PROB_EPS]`` inside the logarithms.

    Notes
    -----
    .. math::

        L = -\sum_i m_i \bigl(t_i \log p_i + (1 - t_i) \log(1 - p_i)\bigr), \qquad
        \frac{\partial L}{\partial p_i} = m_i \frac{p_i - t_i}{p_i (1 - p_i)}.
    """
    probs = as_float_array(probs, "probs")
    targets = _binary_targets(probs, targets, "probs")
    if probs.size and (probs.min() < 0 or probs.max() > 1):
        raise ValueError(
            f"probs must lie in [0, 1], got values from {probs.min()} to {probs.max()}; "
            "use binary_cross_entropy_with_logits for unnormalised scores"
        )
    weights = _position_weights(probs.shape, mask, reduction)
    p = np.clip(probs, PROB_EPS, 1.0 - PROB_EPS)
    loss = -float(np.sum(weights * (targets * np.log(p) + (1 - targets) * np.log1p(-p))))
    return loss, weights * (p - targets) / (p * (1 - p))


def binary_cross_entropy_with_logits(
    logits: np.ndarray,
    targets: np.ndarray,
    mask: np.ndarray | None = None,
    reduction: str = "mean",
) -> tuple[float, np.ndarray]:
    r"""Binary cross-entropy of ``sigmoid(logits)``, computed stably from the logits.

    Notes
    -----
    .. math::

        L = \sum_i m_i \bigl(\max(z_i, 0) - z_i t_i + \log(1 + e^{-|z_i|})\bigr), \qquad
        \frac{\partial L}{\partial z_i} = m_i (\sigma(z_i) - t_i).
    """
    logits = as_float_array(logits, "logits")
    targets = _binary_targets(logits, targets, "logits")
    weights = _position_weights(logits.shape, mask, reduction)
    per_element = np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))
    return float(np.sum(weights * per_element)), weights * (sigmoid(logits) - targets)
