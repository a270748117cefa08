r"""How far back a gradient reaches: :math:`\|\partial L / \partial h_t\|` through time.

For a loss on the last step only, :math:`L = \sum_n u_n \cdot h^{(n)}_T`, the gradient that
reaches an earlier state is a product of step Jacobians. For the simple RNN
:math:`h_t = \tanh(a_t)`, :math:`a_t = x_t W_x + h_{t-1} W_h + b`, in row-vector form

.. math::
    \frac{\partial L}{\partial h_{t-1}} = \left(\frac{\partial L}{\partial h_t}
    \odot (1 - h_t^2)\right) W_h^\top ,

so its norm shrinks or grows roughly geometrically with the distance :math:`T - t`: it
*vanishes* when the largest singular value of :math:`W_h` times the tanh slopes stays below 1
and *explodes* when it stays above. The LSTM's cell path
:math:`\partial c_t / \partial c_{t-1} = \mathrm{diag}(f_t)` (and the GRU's
:math:`(1 - z_t)` path) lets it pass many steps with little decay when the gates choose.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minirnn._checks import as_float_array, check_ndim, make_rng
from minirnn.layers.registry import cell_name


@dataclass
class GradientNorms:
    """Result of :func:`gradient_norms_through_time`.

    Attributes
    ----------
    steps : ndarray of int, shape (T + 1,)
        ``t = 0, ..., T``: :math:`h_0` is the initial state, :math:`h_T` the last one.
    dh : ndarray, shape (T + 1,)
        Mean over the batch of :math:`\\|\\partial L / \\partial h_t\\|` (per sequence);
        ``dh[T]`` is 1 because :math:`u_n` has unit norm.
    dc : ndarray or None
        The same for the LSTM cell state :math:`c_t` (None for other layers).
    per_sequence : ndarray, shape (N, T + 1)
        The norms before averaging over the batch.
    """

    steps: np.ndarray
    dh: np.ndarray
    dc: np.ndarray | None
    per_sequence: np.ndarray


def gradient_norms_through_time(
    layer,
    x: np.ndarray,
    state: np.ndarray | tuple[np.ndarray, ...] | None = None,
    seed: int | np.random.Generator | None = 0,
) -> GradientNorms:
    r"""Exact :math:`\|\partial L / \partial h_t\|` for every step, for a loss on the last step.

    Parameters
    ----------
    layer : RNN, LSTM or GRU
        A single-layer, unidirectional sequence layer of :mod:`minirnn.layers` (any
        registered cell: ``forward(x, state)`` returns ``(hs, state)`` and ``backward``
        leaves ``dstate``).
    x : ndarray, shape (N, T, D)
        Input sequences.
    state : ndarray or tuple of ndarray, optional
        Initial state, ``h`` or ``(h, c)`` as the layer takes it (zeros by default).
    seed : int or np.random.Generator, optional
        Source of the unit vectors :math:`u_n` that define the loss.

    Returns
    -------
    GradientNorms

    Notes
    -----
    The loss is :math:`L = \sum_n u_n \cdot h^{(n)}_T` with one random unit vector
    :math:`u_n` per sequence, so :math:`\partial L / \partial h_T = u` has norm 1 and
    ``dh[t]`` directly shows how much of it survives :math:`T - t` steps back.

    For each :math:`t < T` the layer is run on :math:`x_{t+1}, \dots, x_T` starting from the
    state reached after :math:`t` steps, and the layer's own backward pass gives
    :math:`\partial L / \partial h_t` (and :math:`\partial L / \partial c_t` for a cell
    with a state ``c``) in its ``dstate``, treating :math:`h_t` and :math:`c_t` as separate
    inputs. That costs :math:`O(T^2)` steps, which is nothing at teaching sizes, and needs
    only the layer contract. The layer's parameter gradients are left as they were.
    """
    cell_name(layer)  # a TypeError naming what was given, before any attribute is read
    if getattr(layer, "num_layers", 1) != 1 or getattr(layer, "bidirectional", False):
        raise ValueError(
            "gradient_norms_through_time needs a single-layer unidirectional layer, got "
            f"num_layers={getattr(layer, 'num_layers', 1)}, "
            f"bidirectional={getattr(layer, 'bidirectional', False)}"
        )
    x = as_float_array(x, "x")
    check_ndim(x, 3, "x", "(N, T, D)")
    N, T, _ = x.shape
    if T < 1:
        raise ValueError(f"x must have at least one time step, got shape {x.shape}")
    H = layer.hidden_size
    cell_index = layer.state_names.index("c") if "c" in layer.state_names else None
    start = [
        np.zeros((N, H), dtype=x.dtype) if s is None else s for s in layer.split_state(state)
    ]

    u = make_rng(seed).standard_normal((N, H))
    u /= np.linalg.norm(u, axis=1, keepdims=True)

    saved_grads = {name: grad.copy() for name, _, grad in layer.named_parameters()}
    dh_norms = np.empty((N, T + 1))
    dc_norms = None if cell_index is None else np.empty((N, T + 1))
    try:
        for t in range(T):
            state_t = layer.join_state(start)
            if t > 0:
                state_t = layer.forward(x[:, :t], state_t)[1]
            hs, _ = layer.forward(x[:, t:], state_t)
            dhs = np.zeros_like(hs)
            dhs[:, -1] = u
            layer.backward(dhs)
            dstate = layer.split_state(layer.dstate)
            dh_norms[:, t] = np.linalg.norm(dstate[0], axis=1)
            if cell_index is not None:
                dc_norms[:, t] = np.linalg.norm(dstate[cell_index], axis=1)
    finally:
        for name, _, grad in layer.named_parameters():
            grad[...] = saved_grads[name]
    # At t = T the loss reads h_T directly; c_T reaches it only through h_T.
    dh_norms[:, T] = 1.0
    if cell_index is not None:
        dc_norms[:, T] = 0.0
    return GradientNorms(
        steps=np.arange(T + 1),
        dh=dh_norms.mean(axis=0),
        dc=None if dc_norms is None else dc_norms.mean(axis=0),
        per_sequence=dh_norms,
    )
