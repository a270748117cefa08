"""Exercises on the ends of a network: the embedding lookup and softmax cross-entropy."""

from __future__ import annotations

import numpy as np

from minirnn.exercises.exercise import Case, Exercise, Mistake
from minirnn.exercises.solutions import steps
from minirnn.layers.embedding import Embedding
from minirnn.losses import softmax_cross_entropy


def softmax_cross_entropy_forward(logits, targets, mask=None):
    """:func:`minirnn.losses.softmax_cross_entropy` as a forward: ``(loss, cache)``."""
    loss, _ = softmax_cross_entropy(logits, targets, mask)
    return loss, (logits, targets, mask)


def softmax_cross_entropy_reference(dloss, cache):
    """The library's gradient, scaled by the upstream ``dloss``."""
    logits, targets, mask = cache
    return dloss * softmax_cross_entropy(logits, targets, mask)[1]


def embedding_forward(ids, W):
    """A row lookup ``W[ids]``, returning ``(out, cache)``."""
    return W[ids], (ids, W)


def embedding_reference(dout, cache):
    """The :class:`~minirnn.layers.embedding.Embedding` layer's scatter-add backward."""
    ids, W = cache
    layer = Embedding(*W.shape, seed=0)
    layer.forward(ids)
    layer.zero_grad()
    layer.backward(dout)
    return layer.grads["W"]


def _logits(N: int, T: int, V: int, masked: bool = False):
    def build(rng: np.random.Generator) -> dict:
        mask = None
        if masked:
            # padding at the end of the later sequences, as a padded batch has
            lengths = np.arange(T, T - N, -1).clip(1)
            mask = (np.arange(T)[None, :] < lengths[:, None]).astype(np.float64)
        return {
            "logits": rng.standard_normal((N, T, V)),
            "targets": rng.integers(0, V, size=(N, T)),
            "mask": mask,
        }

    return build


def _lookups(N: int, T: int, V: int, E: int):
    def build(rng: np.random.Generator) -> dict:
        # the last row is never looked up (its gradient is exactly zero) and ids repeat
        return {"ids": rng.integers(0, V - 1, size=(N, T)),
                "W": rng.standard_normal((V, E))}

    return build


SOFTMAX_CROSS_ENTROPY_BACKWARD = Exercise(
    "softmax_cross_entropy_backward(dloss, cache) -> dlogits",
    difficulty="2 (standard): softmax minus one-hot, then the mask and the mean.",
    forward=softmax_cross_entropy_forward,
    pairs_with="minirnn.losses.softmax_cross_entropy",
    reference=softmax_cross_entropy_reference,
    task=(
        "Write the gradient of the masked mean softmax cross-entropy with respect to the "
        "logits. Derive dL/dz for one position first, then account for the mean over the "
        "unmasked positions (masked positions get no gradient) and multiply by the upstream "
        "gradient dloss (a scalar)."
    ),
    equations=r"""
.. math::

    p_{n,t} = \mathrm{softmax}(z_{n,t}), \qquad
    L = -\frac{1}{\sum_{n,t} m_{n,t}} \sum_{n,t} m_{n,t} \log p_{n,t,y_{n,t}}

with logits ``z`` (N, T, V), integer targets ``y`` (N, T) and the mask ``m`` (N, T) (all ones
when ``mask`` is None).
""",
    parameters=(
        "dloss : float\n"
        "    Gradient of the final objective with respect to the loss L.\n"
        "cache : tuple\n"
        "    What the forward saved (see below)."
    ),
    results="dlogits : ndarray, shape (N, T, V)",
    cache=(
        "``(logits, targets, mask)``; ``mask`` is None or an (N, T) array of 0.0 and 1.0.\n"
        "Subtract each row's maximum before ``np.exp`` to compute :math:`p` stably."
    ),
    unpack="logits, targets, mask = cache",
    cases=(
        Case("N=3, T=4, V=5", _logits(3, 4, 5), seed=0),
        Case("N=2, T=1, V=3 (a single step)", _logits(2, 1, 3), seed=1),
        Case("N=3, T=4, V=6, padded (mask has zeros)", _logits(3, 4, 6, masked=True), seed=2),
    ),
    mistakes=(Mistake("mask_ignored", "the mask was ignored: padded positions get no gradient, "
                      "and the mean is over the real positions only (mask.sum()).",
                      steps.softmax_mask_ignored),),
)

EMBEDDING_BACKWARD = Exercise(
    "embedding_backward(dout, cache) -> dW",
    difficulty="1 (warm-up): a scatter-add, if repeated ids are handled.",
    forward=embedding_forward,
    pairs_with="minirnn.layers.embedding.Embedding.forward",
    reference=embedding_reference,
    task=(
        "Write the gradient of an embedding lookup out = W[ids] with respect to W. Think "
        "of the lookup as a product with one-hot rows. A token that appears several times "
        "must collect every contribution, and rows nobody looked up get exactly zero."
    ),
    equations=r"""
.. math:: \mathrm{out}_{n,t} = W_{x_{n,t}} = e_{x_{n,t}} W

with integer ``ids`` :math:`x` (N, T), ``W`` (V, E) and ``out`` (N, T, E).
""",
    parameters=(
        "dout : ndarray, shape (N, T, E)\n"
        "    Gradient of the loss with respect to the looked-up vectors.\n"
        "cache : tuple\n"
        "    What the forward saved (see below)."
    ),
    results="dW : ndarray, shape (V, E)",
    cache="``(ids, W)``: the integer ids (N, T) and the table (V, E).",
    unpack="ids, W = cache",
    cases=(
        Case("N=2, T=5, V=6, E=3 (ids repeat)", _lookups(2, 5, 6, 3), seed=0),
        Case("N=1, T=1, V=4, E=2 (one lookup)", _lookups(1, 1, 4, 2), seed=1),
        Case("N=4, T=6, V=3, E=2 (every id many times)", _lookups(4, 6, 3, 2), seed=2),
    ),
    mistakes=(Mistake("repeated_ids_overwritten", "dW[ids] += dout keeps only one "
                      "contribution of an id that appears several times; use "
                      "np.add.at(dW, ids, dout) to add them all.",
                      steps.embedding_repeats_overwritten),),
)
