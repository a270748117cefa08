"""Buffers the fast passes reuse from one call to the next: :class:`Workspace`.

A sequence pass needs a few large arrays (the gates of every step, the states, their
gradients). Fresh memory is paid for on first touch, one page fault per page, which costs
more than filling the array once it is mapped. A layer's core owns one workspace and hands it
to each pass; the pass asks it for its buffers by name.

A buffer is reused only when nothing outside the workspace still refers to it (checked with
the reference count): a cache kept for truncated backpropagation through time, or hidden
states a caller still holds, keep their memory, and the pass gets a fresh array instead. So
reuse never changes a number, only where the numbers are written.
"""

from __future__ import annotations

import math
import sys

import numpy as np

# References to a stored buffer while Workspace.empty looks at it: the dict entry, the local
# name and getrefcount's own argument. More means someone else holds it (or a view of it).
_UNSHARED_REFCOUNT = 3


class Workspace:
    """Named buffers, each reused while no one else holds it and grown to the largest size asked.

    Examples
    --------
    >>> ws = Workspace()
    >>> a = ws.empty("gates", (4, 3), np.float32)
    >>> del a                                   # released: the next call reuses the memory
    >>> ws.empty("gates", (2, 3), np.float32).shape
    (2, 3)
    """

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}

    def empty(self, name: str, shape: tuple[int, ...], dtype: np.dtype | type) -> np.ndarray:
        """An uninitialised C-contiguous array of ``shape`` and ``dtype`` (like ``np.empty``)."""
        dtype = np.dtype(dtype)
        size = math.prod(shape)  # np.prod takes microseconds: a few calls per pass
        buffer = self._buffers.get(name)
        if (
            buffer is None
            or buffer.dtype != dtype
            or buffer.size < size
            or sys.getrefcount(buffer) > _UNSHARED_REFCOUNT
        ):
            buffer = np.empty(size, dtype=dtype)
            self._buffers[name] = buffer
        return buffer[:size].reshape(shape)


def empty(
    workspace: Workspace | None, name: str, shape: tuple[int, ...], dtype: np.dtype | type
) -> np.ndarray:
    """``workspace.empty(name, shape, dtype)``, or a fresh ``np.empty`` without a workspace."""
    if workspace is None:
        return np.empty(shape, dtype=dtype)
    return workspace.empty(name, shape, dtype)
