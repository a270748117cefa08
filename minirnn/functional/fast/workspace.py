"""Buffers the fast passes reuse from one call to the next: :class:`Workspace`.

A sequence pass needs a few large arrays (the gates of every step, the states, their
gradients). Fresh memory is paid for on first touch, one page fault per page, which costs
more than filling the array once it is mapped. A layer's core owns one workspace and hands it
to each pass; the pass asks it for its buffers by name.

A buffer is reused only when nothing outside the workspace still refers to it (checked with
the reference count): a cache kept for truncated backpropagation through time, or hidden
states a caller still holds, keep their memory, and the pass gets a fresh array instead. So
reuse never changes a number, only where the numbers are written.

A workspace also keeps the lists of per-step views a loop walks through
(:meth:`Workspace.step_views`), for as long as their buffers and shapes stay: making them
took about 8% of the batch-one LSTM's forward loop. Those views refer to their buffers too;
the workspace counts such references as its own when it checks whether a buffer is held.
They cost memory: about 130 bytes a view, 112 KB for the batch-one LSTM at T = 100,
H = 128 (14% of its float32 buffers).

Every buffer starts on a 64-byte boundary (a cache line, and the width of an AVX-512 load),
as the fast passes' other scratch arrays do (:func:`minirnn._memory.aligned_blocks`). NumPy's
own large arrays start 16 bytes past one, and an element-wise call with three such arrays
ran at about half the speed (docs/fast_path.md, Session 12).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

import numpy as np

from minirnn._memory import ALIGNMENT, address, aligned_empty

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
        # per name: the bytes (one cache line more than asked, so that the array can start on
        # one), where the array starts in them, and its dtype
        self._buffers: dict[str, np.ndarray] = {}
        self._starts: dict[str, int] = {}
        self._dtypes: dict[str, np.dtype] = {}
        # step views by the names of the buffers they look into: (key, ids of the buffers,
        # the views); and how many references to each buffer those views hold
        self._views: dict[tuple[str, ...], tuple[object, tuple[int, ...], list]] = {}
        self._own_references: dict[str, int] = {}

    def empty(self, name: str, shape: tuple[int, ...], dtype: np.dtype | type) -> np.ndarray:
        """An uninitialised C-contiguous array of ``shape`` and ``dtype`` (like ``np.empty``),
        starting on a 64-byte boundary."""
        dtype = np.dtype(dtype)
        nbytes = math.prod(shape) * dtype.itemsize  # np.prod takes microseconds
        buffer = self._buffers.get(name)
        # every view of the array, whatever its shape, holds a reference to the bytes
        if (
            buffer is None
            or self._dtypes[name] != dtype
            or buffer.size < nbytes + ALIGNMENT
            or sys.getrefcount(buffer) > _UNSHARED_REFCOUNT + self._own_references.get(name, 0)
        ):
            self._drop_views(name)  # they look into the buffer being replaced
            buffer = np.empty(nbytes + ALIGNMENT, dtype=np.uint8)
            self._buffers[name] = buffer
            self._starts[name] = -address(buffer) % ALIGNMENT
            self._dtypes[name] = dtype
        return np.ndarray(shape, dtype, buffer, self._starts[name])

    def step_views(self, names: tuple[str, ...], key: object, make: Callable[[], list]) -> list:
        """``make()``, a list of per-step views into the buffers ``names``, kept from call to
        call: made again only when one of those buffers was replaced or ``key`` (the
        shapes the views depend on) changed.

        Call it after :meth:`empty` has given this call's arrays of those buffers, with a
        ``make`` that makes views of them.
        """
        ids = tuple(id(self._buffers[name]) for name in names)
        kept = self._views.get(names)
        if kept is not None and kept[0] == key and kept[1] == ids:
            return kept[2]
        for name in names:
            self._drop_views(name)
        before = [sys.getrefcount(self._buffers[name]) for name in names]
        views = make()
        for name, count in zip(names, before, strict=True):
            self._own_references[name] = sys.getrefcount(self._buffers[name]) - count
        self._views[names] = (key, ids, views)
        return views

    def _drop_views(self, name: str) -> None:
        """Forget the step views that look into buffer ``name``."""
        for names in [names for names in self._views if name in names]:
            del self._views[names]
            for other in names:
                self._own_references[other] = 0


def empty(
    workspace: Workspace | None, name: str, shape: tuple[int, ...], dtype: np.dtype | type
) -> np.ndarray:
    """``workspace.empty(name, shape, dtype)``, or a fresh array on a 64-byte boundary
    without a workspace."""
    if workspace is None:
        return aligned_empty(shape, dtype)
    return workspace.empty(name, shape, dtype)
