r"""Two batch halves on two threads: how the fast passes use a second core.

The rows of a batch are independent sequences, so a sequence pass over rows
:math:`[0, N/2)` and one over :math:`[N/2, N)` need nothing from each other until both are
done: no hand-over per step. With two BLAS threads, each step's small matrix product gains
little from the second thread, and NumPy's element-wise work never uses it; two halves
running side by side, each with one BLAS thread, keep both cores busy for the whole pass.
NumPy releases the GIL inside its loops and BLAS calls, so Python threads suffice.

Measured on a 2-core machine (session 11, forward + backward of the LSTM, minirnn's time
over torch's with two threads each): 128x25x65x100 float32 1.25 as one batch, 1.01 in
halves; 64x50x128x256 1.31 and 0.99; in float64 0.87 and 0.71, 0.91 and 0.88. At 20 rows
(halves of 10) float64 was slower in halves (0.92 against 1.04), hence ``MIN_BATCH``. Halves
against one batch, both with two threads, taking turns in one process (best of 15): 0.84 to
0.90 in float32 at 128x25x65x100, 64x50x128x256, 32x200x256x512 and the 2-layer
bidirectional case, 0.71 to 0.87 in float64, except 32x200x256x512 in float64 (1.06): there
each half streams its own pass over an 8 MB :math:`W_h`, hence ``MAX_WH_BYTES``.

Same numbers whether the halves run side by side or one after the other (each with one BLAS
thread); they differ from the whole batch's in rounding only (the weight gradients are the
sum of the two halves').
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import NamedTuple, TypeVar

import numpy as np

from minirnn._blas_threads import blas_threads, can_hold_one_blas_thread, one_blas_thread
from minirnn._checks import check_upstream
from minirnn.functional.fast.workspace import Workspace, part

#: the smallest batch run in halves, and the largest recurrent weight matrix in bytes (see
#: the module docstring)
MIN_BATCH = 32
MAX_WH_BYTES = 2**22

Result = TypeVar("Result")

_worker: ThreadPoolExecutor | None = None
_worker_pid = 0  # the process that started it: a forked child must start its own
_worker_lock = threading.Lock()  # one caller at a time uses the worker; others run serially


def halves_pay(N: int, Wh_bytes: int) -> bool:
    """Whether a pass over N rows with a recurrent weight matrix of ``Wh_bytes`` should run
    in halves: the BLAS has two threads or more (so the user gave the process a second
    core), the batch has ``MIN_BATCH`` rows or more, the matrix takes at most
    ``MAX_WH_BYTES``, and the BLAS's thread count can be held at one meanwhile."""
    if N < MIN_BATCH or Wh_bytes > MAX_WH_BYTES or blas_threads() < 2:
        return False
    return can_hold_one_blas_thread()


def in_halves(job: Callable[[slice, int], Result], N: int) -> tuple[Result, Result]:
    """``job(rows, k)`` for the first half of N rows (k = 0) and the second (k = 1), side by
    side: the second on a worker thread, the first on the caller's, the BLAS held at one
    thread. When another caller is using the worker, both run here, one after the other."""
    first, second = slice(0, N // 2), slice(N // 2, N)
    with one_blas_thread():
        if not _worker_lock.acquire(blocking=False):
            return job(first, 0), job(second, 1)
        try:
            pending = _the_worker().submit(job, second, 1)
            try:
                done_here = job(first, 0)
            except BaseException:
                wait([pending])  # the worker's half may still be writing into shared buffers
                raise
            return done_here, pending.result()
        finally:
            _worker_lock.release()


class Halves(NamedTuple):
    """The cache of a forward pass run in two batch halves: each half's own cache, and the
    shape (N, T, H) of the whole batch's hidden states (what the backward pass checks)."""

    first: object
    second: object
    shape: tuple[int, int, int]


def forward_in_halves(forward: Callable[..., tuple], row_arrays: tuple, workspace: Workspace | None,
                      **shared: object) -> tuple:
    """``forward(*rows of row_arrays, **shared, workspace=...)`` on the two halves of the
    batch side by side; its results (arrays over the rows, then the cache) joined, the
    caches kept as :class:`Halves`."""
    def half(rows: slice, k: int) -> tuple:
        return forward(*(a[rows] for a in row_arrays), **shared, workspace=part(workspace, k))

    first, second = in_halves(half, row_arrays[0].shape[0])
    hs = first[0]
    shape = (hs.shape[0] + second[0].shape[0], *hs.shape[1:])
    return (*_join(first[:-1], second[:-1], len(first) - 1), Halves(first[-1], second[-1], shape))


def backward_in_halves(backward: Callable[..., tuple], dhs: object, cache: Halves,
                       workspace: Workspace | None, rows: int, **finals: object) -> tuple:
    """``backward(dhs rows, cache half, **finals rows, workspace=...)`` for a pass run by
    :func:`forward_in_halves`, in the same halves. ``dhs`` and ``finals`` (the gradients at
    the final states, or None) are checked on the whole batch first. Of the results, the
    first ``rows`` (gradients of the inputs and initial states) are joined along the batch,
    the others (the weights') summed."""
    dhs = check_upstream(dhs, cache.shape, **finals)
    finals = {name: None if value is None else np.asarray(value) for name, value in finals.items()}

    def half(rows: slice, k: int) -> tuple:
        mine = {name: None if value is None else value[rows] for name, value in finals.items()}
        return backward(dhs[rows], cache[k], **mine, workspace=part(workspace, k))

    first, second = in_halves(half, cache.shape[0])
    return _join(first, second, rows)


def _join(first: tuple, second: tuple, rows: int) -> tuple:
    """Two halves' results as one: the first ``rows`` joined along the batch axis, the
    others summed (None stays None)."""
    joined = [np.concatenate((a, b)) for a, b in zip(first[:rows], second[:rows], strict=True)]
    summed = [None if a is None else a + b
              for a, b in zip(first[rows:], second[rows:], strict=True)]
    return (*joined, *summed)


def _the_worker() -> ThreadPoolExecutor:
    """The one worker thread, started on first use in this process."""
    global _worker, _worker_pid
    if _worker is None or _worker_pid != os.getpid():
        _worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="minirnn-half")
        _worker_pid = os.getpid()
    return _worker
