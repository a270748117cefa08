r"""Attention over encoder states: three score functions, the masked softmax, the context.

A decoder state (the *query*) :math:`q_t` looks at every encoder state (the *keys*, which are
also the *values*) :math:`k_s`, scores each one, turns the scores into weights with a
softmax over the source positions and returns the weighted mean of the keys, the *context*:

.. math::

    e_{ts} = \mathrm{score}(q_t, k_s), \qquad
    a_{ts} = \frac{m_s\, e^{e_{ts}}}{\sum_{s'} m_{s'}\, e^{e_{ts'}}}, \qquad
    c_t = \sum_s a_{ts}\, k_s

with :math:`m_s \in \{0, 1\}` the mask of real (not padded) source positions. The scores:

* ``dot`` (Luong): :math:`e_{ts} = q_t \cdot k_s` (needs :math:`H_q = H_k`);
* ``general`` (Luong, bilinear): :math:`e_{ts} = q_t W k_s^\top`, ``W`` (Hq, Hk);
* ``additive`` (Bahdanau): :math:`e_{ts} = v^\top \tanh(q_t W_q + k_s W_k)`,
  ``Wq`` (Hq, A), ``Wk`` (Hk, A), ``v`` (A,).

Shapes are batch first: ``query`` (N, T, Hq) for T decoder steps at once (or (N, Hq) for one
step), ``keys`` (N, S, Hk), ``mask`` (N, S) of bool (True = a real position) or None. Every
pair returns ``(context, weights, cache)`` with ``context`` (N, T, Hk) and ``weights``
(N, T, S) (without the T axis for a one-step query), and its backward takes
``(dcontext, dweights, cache)`` and returns the gradients of the inputs in their order.
The derivations are in the docs page *Attention*.
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import as_float_array, check_cache, check_ndim, check_shape
from minirnn.functional.activations import softmax

__all__ = [
    "SCORES",
    "additive_attention_backward",
    "additive_attention_forward",
    "attend_backward",
    "attend_forward",
    "dot_attention_backward",
    "dot_attention_forward",
    "general_attention_backward",
    "general_attention_forward",
]

#: the score functions, in the order the docs present them
SCORES = ("dot", "general", "additive")


# -- shared pieces ---------------------------------------------------------------------------
def _check_inputs(
    query: object, keys: object, mask: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, bool]:
    """Validate the shapes; return (query as (N, T, Hq), keys, mask, whether it was one step)."""
    query = as_float_array(query, "query")
    keys = as_float_array(keys, "keys")
    if keys.ndim != 3:
        raise ValueError(f"keys must have shape (N, S, Hk), got {tuple(keys.shape)}")
    if query.ndim not in (2, 3) or query.shape[0] != keys.shape[0]:
        raise ValueError(
            f"query must have shape ({keys.shape[0]}, T, Hq) or ({keys.shape[0]}, Hq) to match "
            f"keys {tuple(keys.shape)}, got {tuple(query.shape)}"
        )
    one_step = query.ndim == 2
    return (query[:, None, :] if one_step else query), keys, _check_mask(mask, keys), one_step


def _check_mask(mask: object, keys: np.ndarray) -> np.ndarray | None:
    """None, or a bool (N, S) mask that keeps at least one position of every row."""
    if mask is None:
        return None
    mask = np.asarray(mask)
    if mask.dtype != np.bool_:
        raise TypeError(f"mask must be a bool array (True = real position), got {mask.dtype}")
    check_shape(mask, keys.shape[:2], "mask")
    if not mask.any(axis=1).all():
        rows = np.flatnonzero(~mask.any(axis=1)).tolist()
        raise ValueError(f"mask must keep at least one source position per row; rows "
                         f"{rows} keep none")
    return mask


def _check_scores(scores: object, keys: object) -> tuple[np.ndarray, np.ndarray]:
    """``scores`` (N, T, S) and ``keys`` (N, S, Hk) as float arrays that fit together."""
    scores, keys = as_float_array(scores, "scores"), as_float_array(keys, "keys")
    check_ndim(keys, 3, "keys", "(N, S, Hk)")
    check_ndim(scores, 3, "scores", "(N, T, S)")
    check_shape(scores, (keys.shape[0], None, keys.shape[1]), "scores")
    return scores, keys


def attend_forward(
    scores: np.ndarray, keys: np.ndarray, mask: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    r"""Masked softmax over the source axis and the weighted sum of the keys.

    ``scores`` (N, T, S) -> ``(context (N, T, Hk), weights (N, T, S))``. A masked score is
    replaced by :math:`-\infty`, so its weight is exactly 0 and no gradient reaches it.
    """
    scores, keys = _check_scores(scores, keys)
    if mask is not None:
        mask = _check_mask(mask, keys)
        scores = np.where(mask[:, None, :], scores, -np.inf)
    weights = softmax(scores, axis=-1)
    return weights @ keys, weights


def attend_backward(
    dcontext: np.ndarray, dweights: np.ndarray | None, keys: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradients of the scores and of the keys (as values) from those of context and weights.

    .. math::

        \bar a = \bar c\, K^\top + \bar a_{\text{out}}, \qquad
        \bar e_{ts} = a_{ts} \big(\bar a_{ts} - \textstyle\sum_{s'} a_{ts'} \bar a_{ts'}\big),
        \qquad \bar K_{\text{value}} = A^\top \bar c

    A masked position has :math:`a_{ts} = 0` and so :math:`\bar e_{ts} = 0`.
    """
    weights, keys = _check_scores(weights, keys)
    N, T, S = weights.shape
    dcontext = as_float_array(dcontext, "dcontext")
    check_shape(dcontext, (N, T, keys.shape[2]), "dcontext")
    if dweights is not None:
        check_shape(as_float_array(dweights, "dweights"), (N, T, S), "dweights")
    dweights_total = dcontext @ keys.transpose(0, 2, 1)
    if dweights is not None:
        dweights_total = dweights_total + dweights
    dscores = weights * (dweights_total - np.sum(weights * dweights_total, axis=-1,
                                                 keepdims=True))
    dkeys = weights.transpose(0, 2, 1) @ dcontext
    return dscores, dkeys


def _outputs(context: np.ndarray, weights: np.ndarray, one_step: bool):
    return (context[:, 0], weights[:, 0]) if one_step else (context, weights)


def _upstream(dcontext: np.ndarray, dweights: np.ndarray | None, one_step: bool):
    """Give one-step gradients the T axis back (T = 1); :func:`attend_backward` checks them."""
    if not one_step:
        return dcontext, dweights
    dcontext = as_float_array(dcontext, "dcontext")
    check_ndim(dcontext, 2, "dcontext", "(N, Hk) for a one-step query")
    if dweights is not None:
        dweights = as_float_array(dweights, "dweights")
        check_ndim(dweights, 2, "dweights", "(N, S) for a one-step query")
    return dcontext[:, None, :], (None if dweights is None else dweights[:, None, :])


def _query_grad(dquery: np.ndarray, one_step: bool) -> np.ndarray:
    return dquery[:, 0] if one_step else dquery


# -- dot-product (Luong) ---------------------------------------------------------------------
def dot_attention_forward(
    query: np.ndarray, keys: np.ndarray, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, tuple]:
    r"""Dot-product attention, :math:`e_{ts} = q_t \cdot k_s`.

    Returns ``(context, weights, cache)``; see the module docstring for shapes.
    """
    query, keys, mask, one_step = _check_inputs(query, keys, mask)
    if query.shape[2] != keys.shape[2]:
        raise ValueError(f"dot scores need query and keys of the same width, got query "
                         f"{query.shape[2]} and keys {keys.shape[2]}; use 'general' or "
                         "'additive' scores")
    scores = query @ keys.transpose(0, 2, 1)
    context, weights = attend_forward(scores, keys, mask)
    return (*_outputs(context, weights, one_step), (query, keys, weights, one_step))


def dot_attention_backward(
    dcontext: np.ndarray, dweights: np.ndarray | None, cache: tuple
) -> tuple[np.ndarray, np.ndarray]:
    r"""Return ``(dquery, dkeys)``: :math:`\bar Q = \bar E K`, :math:`\bar K \mathrel{+}=
    \bar E^\top Q` (plus the value path of :func:`attend_backward`)."""
    check_cache(cache, "dot_attention_forward", (3, 3, 3, bool))
    query, keys, weights, one_step = cache
    dcontext, dweights = _upstream(dcontext, dweights, one_step)
    dscores, dkeys = attend_backward(dcontext, dweights, keys, weights)
    dquery = dscores @ keys
    dkeys = dkeys + dscores.transpose(0, 2, 1) @ query
    return _query_grad(dquery, one_step), dkeys


# -- general (bilinear) ----------------------------------------------------------------------
def general_attention_forward(
    query: np.ndarray, keys: np.ndarray, W: np.ndarray, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, tuple]:
    r"""Bilinear ("general") attention, :math:`e_{ts} = q_t W k_s^\top` with ``W`` (Hq, Hk).

    Returns ``(context, weights, cache)``.
    """
    query, keys, mask, one_step = _check_inputs(query, keys, mask)
    W = as_float_array(W, "W")
    check_shape(W, (query.shape[2], keys.shape[2]), "W")
    projected = query @ W  # (N, T, Hk): the query moved into key space
    scores = projected @ keys.transpose(0, 2, 1)
    context, weights = attend_forward(scores, keys, mask)
    cache = (query, keys, W, projected, weights, one_step)
    return (*_outputs(context, weights, one_step), cache)


def general_attention_backward(
    dcontext: np.ndarray, dweights: np.ndarray | None, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Return ``(dquery, dkeys, dW)`` with :math:`P = QW`: :math:`\bar P = \bar E K`,
    :math:`\bar K \mathrel{+}= \bar E^\top P`, :math:`\bar Q = \bar P W^\top`,
    :math:`\bar W = \sum_n Q_n^\top \bar P_n`."""
    check_cache(cache, "general_attention_forward", (3, 3, 2, 3, 3, bool))
    query, keys, W, projected, weights, one_step = cache
    dcontext, dweights = _upstream(dcontext, dweights, one_step)
    dscores, dkeys = attend_backward(dcontext, dweights, keys, weights)
    dprojected = dscores @ keys
    dkeys = dkeys + dscores.transpose(0, 2, 1) @ projected
    dquery = dprojected @ W.T
    dW = query.reshape(-1, query.shape[2]).T @ dprojected.reshape(-1, W.shape[1])
    return _query_grad(dquery, one_step), dkeys, dW


# -- additive (Bahdanau) ---------------------------------------------------------------------
def additive_attention_forward(
    query: np.ndarray,
    keys: np.ndarray,
    Wq: np.ndarray,
    Wk: np.ndarray,
    v: np.ndarray,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, tuple]:
    r"""Additive attention, :math:`e_{ts} = v^\top \tanh(q_t W_q + k_s W_k)`.

    ``Wq`` (Hq, A), ``Wk`` (Hk, A), ``v`` (A,). The hidden layer :math:`u_{ts}` is (N, T, S, A),
    formed by broadcasting the projected queries against the projected keys.
    Returns ``(context, weights, cache)``.
    """
    query, keys, mask, one_step = _check_inputs(query, keys, mask)
    Wq, Wk, v = (as_float_array(a, name) for a, name in ((Wq, "Wq"), (Wk, "Wk"), (v, "v")))
    check_ndim(v, 1, "v", "(A,)")
    A = v.shape[0]
    check_shape(Wq, (query.shape[2], A), "Wq")
    check_shape(Wk, (keys.shape[2], A), "Wk")
    hidden = np.tanh((query @ Wq)[:, :, None, :] + (keys @ Wk)[:, None, :, :])
    scores = hidden @ v
    context, weights = attend_forward(scores, keys, mask)
    cache = (query, keys, Wq, Wk, v, hidden, weights, one_step)
    return (*_outputs(context, weights, one_step), cache)


def additive_attention_backward(
    dcontext: np.ndarray, dweights: np.ndarray | None, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Return ``(dquery, dkeys, dWq, dWk, dv)``.

    With :math:`u_{ts} = \tanh(z_{ts})`: :math:`\bar v = \sum_{n,t,s} \bar e_{ts} u_{ts}`,
    :math:`\bar z_{ts} = \bar e_{ts}\, v \odot (1 - u_{ts}^2)`; the query projection
    collects :math:`\sum_s \bar z_{ts}`, the key projection :math:`\sum_t \bar z_{ts}`.
    """
    check_cache(cache, "additive_attention_forward", (3, 3, 2, 2, 1, 4, 3, bool))
    query, keys, Wq, Wk, v, hidden, weights, one_step = cache
    dcontext, dweights = _upstream(dcontext, dweights, one_step)
    dscores, dkeys = attend_backward(dcontext, dweights, keys, weights)
    A = v.shape[0]
    dv = np.einsum("nts,ntsa->a", dscores, hidden)
    dz = dscores[..., None] * v * (1.0 - hidden * hidden)
    dquery_projected = dz.sum(axis=2)  # (N, T, A)
    dkeys_projected = dz.sum(axis=1)  # (N, S, A)
    dquery = dquery_projected @ Wq.T
    dkeys = dkeys + dkeys_projected @ Wk.T
    dWq = query.reshape(-1, query.shape[2]).T @ dquery_projected.reshape(-1, A)
    dWk = keys.reshape(-1, keys.shape[2]).T @ dkeys_projected.reshape(-1, A)
    return _query_grad(dquery, one_step), dkeys, dWq, dWk, dv
