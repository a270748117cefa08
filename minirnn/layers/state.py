"""Recurrent states as one value: ``h`` for a cell with one state, ``(h, c)`` for the LSTM.

Layers and cells take and return a state in that form (as PyTorch does) and work internally
on the list of its arrays in ``state_names`` order; these two functions convert.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def split_state(state: object, names: Sequence[str], owner: str) -> list:
    """The arrays of ``state`` as a list in ``names`` order; ``None`` gives ``[None] * k``.

    Parameters
    ----------
    state : array, tuple of arrays or None
        ``h`` when ``names`` has one entry, otherwise a tuple (or list) with one entry per
        name, each an array or None.
    names : sequence of str
        The owner's ``state_names``, such as ``("h", "c")``.
    owner : str
        Named in the error message.
    """
    if state is None:
        return [None] * len(names)
    if len(names) == 1:
        if isinstance(state, tuple):
            raise TypeError(f"state must be an array: {owner} has one state (h), got a tuple")
        return [state]
    if not isinstance(state, (tuple, list)):
        raise TypeError(
            f"state must be a tuple ({', '.join(names)}) for {owner}, "
            f"got {type(state).__name__}"
        )
    if len(state) != len(names):
        raise TypeError(
            f"state must be a tuple ({', '.join(names)}) for {owner}, "
            f"got {len(state)} entries"
        )
    return list(state)


def join_state(arrays: Sequence[np.ndarray | None]) -> object:
    """The inverse of :func:`split_state`: ``[h] -> h``, ``[h, c] -> (h, c)``."""
    return arrays[0] if len(arrays) == 1 else tuple(arrays)
