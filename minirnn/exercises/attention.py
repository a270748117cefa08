"""An exercise on attention: the backward pass of masked dot-product attention."""

from __future__ import annotations

import numpy as np

from minirnn.exercises.exercise import Case, Exercise, Mistake
from minirnn.functional.attention import dot_attention_backward, dot_attention_forward


def _attention_inputs(N: int, T: int, S: int, H: int, padded: bool = False):
    def build(rng: np.random.Generator) -> dict:
        mask = None
        if padded:
            # the later rows are shorter, as in a right-padded batch; every row keeps one
            lengths = np.arange(S, S - N, -1).clip(1)
            mask = np.arange(S)[None, :] < lengths[:, None]
        return {"query": rng.standard_normal((N, T, H)),
                "keys": rng.standard_normal((N, S, H)),
                "mask": mask}

    return build


def _value_path_forgotten(dcontext, dweights, cache):
    """The mistake: keys get only the score path's gradient, not the values' A^T dC."""
    query, keys, weights, _ = cache
    dweights_total = dcontext @ keys.transpose(0, 2, 1) + dweights
    dscores = weights * (dweights_total - (weights * dweights_total).sum(-1, keepdims=True))
    return dscores @ keys, dscores.transpose(0, 2, 1) @ query


def _softmax_jacobian_skipped(dcontext, dweights, cache):
    """The mistake: the weights' gradient passed on as the scores', as if there were no
    softmax between them."""
    query, keys, weights, _ = cache
    dscores = dcontext @ keys.transpose(0, 2, 1) + dweights
    return dscores @ keys, dscores.transpose(0, 2, 1) @ query + weights.transpose(0, 2, 1) \
        @ dcontext


DOT_ATTENTION_BACKWARD = Exercise(
    "dot_attention_backward(dcontext, dweights, cache) -> dquery, dkeys",
    difficulty="3 (involved): the keys are used twice, and the softmax Jacobian couples a row.",
    forward=dot_attention_forward,
    pairs_with="minirnn.functional.attention.dot_attention_forward",
    reference=dot_attention_backward,
    task=(
        "Write the backward pass of dot-product attention with a mask. The keys are used "
        "twice, to score (E = Q K^T) and as the values that are averaged (C = A K): their "
        "gradient is the sum of both paths. Go back through the context product, then "
        "through the softmax of each row (its Jacobian is diag(a) - a a^T), then through "
        "the scores. Padded positions have weight exactly 0: check that your gradient "
        "sends nothing into them."
    ),
    equations=r"""
.. math::

    E = Q K^\top, \qquad
    A_{ts} = \frac{m_s\, e^{E_{ts}}}{\sum_{s'} m_{s'}\, e^{E_{ts'}}}, \qquad
    C = A K

per example, with ``query`` :math:`Q` (N, T, H), ``keys`` :math:`K` (N, S, H), the mask
:math:`m` (N, S) (True at real positions; all True when ``mask`` is None), ``weights``
:math:`A` (N, T, S) and ``context`` :math:`C` (N, T, H).
""",
    parameters=(
        "dcontext : ndarray, shape (N, T, H)\n"
        "    Gradient of the loss with respect to the context vectors.\n"
        "dweights : ndarray, shape (N, T, S)\n"
        "    Gradient reaching the attention weights directly (from a loss on them).\n"
        "cache : tuple\n"
        "    What dot_attention_forward saved (see below)."
    ),
    results=(
        "dquery, dkeys : ndarray\n"
        "    Gradients with the shapes of query (N, T, H) and keys (N, S, H)."
    ),
    cache=(
        "``(query, keys, weights, one_step)``: the inputs, the attention weights (N, T, S)\n"
        "after the masked softmax (0 at padded positions) and ``one_step`` (always False\n"
        "here)."
    ),
    unpack="query, keys, weights, one_step = cache",
    cases=(
        Case("N=2, T=3, S=4, H=5", _attention_inputs(2, 3, 4, 5), seed=0),
        Case("N=3, T=2, S=5, H=3, padded (mask has False)", _attention_inputs(3, 2, 5, 3, True),
             seed=1),
        Case("N=2, T=1, S=1, H=2 (one source position)", _attention_inputs(2, 1, 1, 2), seed=2),
    ),
    mistakes=(Mistake("value_path_forgotten", "the keys are also the values that are "
                      "averaged: add weights^T @ dcontext (per example) to dkeys.",
                      _value_path_forgotten),
               Mistake("softmax_jacobian_missing", "the gradient of the weights was used as "
                       "that of the scores: the softmax between them needs its Jacobian, "
                       "dscores = a * (dw - sum(dw * a)) along each row.",
                       _softmax_jacobian_skipped)),
)
