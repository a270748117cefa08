r"""Running a recurrent layer over a padded batch of sequences of different lengths.

A padded batch stores sequence ``n`` in steps ``0 .. L_n - 1`` and filler after it. For a
*unidirectional* layer the filler is harmless: the state at step ``t`` depends only on steps
``<= t``, so the state at ``L_n - 1`` is exactly the state of the unpadded sequence.

A *bidirectional* layer breaks this. Its reverse direction starts at step ``T - 1`` and
reads the filler first, so its state at step 0 has seen padding. The fix used here: the
reverse core reads each row reversed *within its own length* (steps ``L_n - 1, ..., 0``
and then the filler), and its outputs are put back in place with the same permutation.
That permutation is its own inverse, so the backward pass applies it again to the
gradients. With every length equal to ``T`` it is the plain flip the layer itself uses.

The layer (:class:`minirnn.layers.RNN`, ``LSTM`` or ``GRU``) keeps its parameters, its
per-direction cores and its dropout; only the order in which the reverse cores read time
differs, so no weights are duplicated.
"""

from __future__ import annotations

import numpy as np

from minirnn.layers.recurrent import RecurrentLayer


def lengths_from_mask(mask: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray:
    """Lengths (N,) from a (N, T) mask of valid steps, which must be a prefix of each row.

    ``None`` means every sequence fills all ``T`` steps.
    """
    N, T = shape
    if mask is None:
        return np.full(N, T, dtype=np.int64)
    mask = np.asarray(mask)
    if mask.shape != (N, T):
        raise ValueError(f"mask must have shape ({N}, {T}) like the inputs, got {mask.shape}")
    valid = mask != 0
    lengths = valid.sum(axis=1).astype(np.int64)
    if np.any(lengths == 0):
        raise ValueError("every sequence needs at least one valid step; got an all-zero mask row")
    prefix = np.arange(T)[None, :] < lengths[:, None]
    if not np.array_equal(valid, prefix):
        raise ValueError(
            "mask must mark a prefix of each row (1s then 0s: right padding); got a gap"
        )
    return lengths


def reverse_within_length(lengths: np.ndarray, T: int) -> np.ndarray:
    """Index (N, T): row ``n`` maps step ``t < L_n`` to ``L_n - 1 - t`` and filler to itself.

    ``x[rows, index]`` reverses each sequence inside its length; applying it twice is the
    identity.
    """
    steps = np.arange(T)[None, :]
    lengths = np.asarray(lengths)[:, None]
    return np.where(steps < lengths, lengths - 1 - steps, steps)


def padded_forward(
    layer: RecurrentLayer, x: np.ndarray, lengths: np.ndarray
) -> tuple[np.ndarray, tuple | None]:
    """All top-layer hidden states (N, T, num_directions*H), correct for every length.

    Unidirectional layers (and batches without padding) run the layer as usual. For
    bidirectional layers each reverse core reads its rows reversed within their lengths
    (module docstring). Returns ``(hs, cache)``; pass the cache to :func:`padded_backward`.
    """
    N, T = x.shape[:2]
    if not layer.bidirectional or np.all(lengths == T):
        return layer.forward(x)[0], None
    index = reverse_within_length(lengths, T)
    rows = np.arange(N)[:, None]
    H = layer.hidden_size
    x = layer.check_input(x)
    caches = []
    layer_input = x
    for layer_index in range(layer.num_layers):
        outputs = []
        for direction in range(2):
            core = layer.cores[2 * layer_index + direction]
            zeros = [np.zeros((N, H), dtype=x.dtype) for _ in core.state_names]
            seq = layer_input[rows, index] if direction else layer_input
            hs, _, cache = core.run(seq, zeros)
            outputs.append(hs[rows, index] if direction else hs)
            caches.append(cache)
        out = np.concatenate(outputs, axis=2)
        if layer_index < layer.num_layers - 1:
            out = layer.dropouts[layer_index].forward(out)
        layer_input = out
    return layer_input, (index, caches)


def padded_backward(layer: RecurrentLayer, dhs: np.ndarray, cache: tuple | None) -> np.ndarray:
    """Backward pass of :func:`padded_forward`: add the layer's gradients, return dx."""
    if cache is None:
        return layer.backward(dhs)
    index, caches = cache
    N = dhs.shape[0]
    rows = np.arange(N)[:, None]
    H = layer.hidden_size
    no_final_grads = [None] * len(layer.state_names)
    dout = dhs
    for layer_index in range(layer.num_layers - 1, -1, -1):
        if layer_index < layer.num_layers - 1:
            dout = layer.dropouts[layer_index].backward(dout)
        dinput = None
        for direction in range(2):
            position = 2 * layer_index + direction
            core = layer.cores[position]
            dcore = dout[:, :, direction * H : (direction + 1) * H]
            if direction:
                dcore = dcore[rows, index]
            dx, _ = core.run_backward(dcore, caches[position], no_final_grads)
            if direction:
                dx = dx[rows, index]
            dinput = dx if dinput is None else dinput + dx
        dout = dinput
    return dout


def last_valid_states(
    hs: np.ndarray, lengths: np.ndarray, hidden_size: int, bidirectional: bool
) -> np.ndarray:
    """The "last state" summary (N, num_directions*H) of padded hidden states ``hs``.

    Forward direction: its state at the last valid step ``L_n - 1``. Reverse direction: its
    state at step 0, which is where it finishes reading.
    """
    N = hs.shape[0]
    rows = np.arange(N)
    H = hidden_size
    forward_last = hs[rows, lengths - 1, :H]
    if not bidirectional:
        return forward_last
    return np.concatenate([forward_last, hs[:, 0, H:]], axis=1)


def last_valid_states_backward(
    dsummary: np.ndarray, hs_shape: tuple, lengths: np.ndarray, hidden_size: int,
    bidirectional: bool,
) -> np.ndarray:
    """Scatter the gradient of :func:`last_valid_states` back to a (N, T, dirs*H) array."""
    N = hs_shape[0]
    H = hidden_size
    dhs = np.zeros(hs_shape, dtype=dsummary.dtype)
    dhs[np.arange(N), lengths - 1, :H] += dsummary[:, :H]
    if bidirectional:
        dhs[:, 0, H:] += dsummary[:, H:]
    return dhs
