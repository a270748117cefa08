"""One BLAS thread by default for the ``minirnn`` command (measured: docs/performance.md).

minirnn's matrices are small (tens to a few hundred rows), so a second BLAS thread gains
little even on an idle machine, and on a busy one the threads wait for each other: with two
cores kept busy by other processes, two BLAS threads trained a language model many times
slower than one. The thread count is read once, when NumPy loads its BLAS library, so it has
to be set in the environment before the first ``import numpy``; this module imports nothing
that imports NumPy.

Code that runs its own threads (the fast passes' batch halves,
:mod:`minirnn.functional.fast.halves`) holds the BLAS at one thread meanwhile with
:func:`one_blas_thread`, through OpenBLAS's own run-time setter (found with ``ctypes``).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import sys
import threading
from collections.abc import Callable, Iterator, MutableMapping

#: the variables through which OpenBLAS, OpenMP builds, MKL and Apple's Accelerate take
#: their thread count
BLAS_THREAD_VARIABLES = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)


def one_blas_thread_unless_set(environ: MutableMapping[str, str] | None = None) -> bool:
    """Set every BLAS thread variable to 1, unless the user set one of them or NumPy is loaded.

    Returns True when the variables were set. A user who wants more threads sets, e.g.,
    ``OPENBLAS_NUM_THREADS=2`` and is left alone. Once NumPy is imported, the variables no
    longer change anything, so they are not touched (a notebook must set them itself, in its
    first cell, before importing NumPy).
    """
    environ = os.environ if environ is None else environ
    if "numpy" in sys.modules:
        return False
    if any(environ.get(name) for name in BLAS_THREAD_VARIABLES):
        return False
    for name in BLAS_THREAD_VARIABLES:
        environ[name] = "1"
    return True


def blas_threads(environ: MutableMapping[str, str] | None = None) -> int:
    """How many threads NumPy's BLAS runs, as the environment set it when NumPy loaded it.

    The first of the thread variables that is set to a positive integer decides; with none
    set, OpenBLAS uses every core (``os.cpu_count()``). Inside :func:`one_blas_thread`, 1. A
    count changed at run time in another way (for example with ``threadpoolctl``) is not seen.
    """
    if _held:
        return 1
    environ = os.environ if environ is None else environ
    for name in BLAS_THREAD_VARIABLES:
        value = environ.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    return os.cpu_count() or 1


# The names under which OpenBLAS builds export their run-time thread setter and getter:
# NumPy's wheels bundle scipy-openblas (64-bit integers), other builds plain OpenBLAS.
_SETTER_NAMES = (
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)
_GETTER_NAMES = tuple(name.replace("set_", "get_") for name in _SETTER_NAMES)

_held = 0  # how many one_blas_thread blocks are open (on any thread)
_count_before = 1  # the run-time thread count when the first of them opened
_held_lock = threading.Lock()


@functools.cache
def _openblas_functions() -> tuple[Callable[[int], None], Callable[[], int]] | None:
    """OpenBLAS's thread setter and getter, if the process has loaded an OpenBLAS that
    exports them (read from /proc/self/maps, so Linux only); otherwise None."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for setter_name, getter_name in zip(_SETTER_NAMES, _GETTER_NAMES, strict=True):
            setter = getattr(library, setter_name, None)
            getter = getattr(library, getter_name, None)
            if setter is not None and getter is not None:
                setter.argtypes, setter.restype = [ctypes.c_int], None
                getter.argtypes, getter.restype = [], ctypes.c_int
                return setter, getter
    return None


def can_hold_one_blas_thread() -> bool:
    """Whether :func:`one_blas_thread` can set the BLAS thread count at run time (NumPy must
    be imported first: the library is found among those the process has loaded)."""
    return _openblas_functions() is not None


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Hold the BLAS at one thread inside the block, for code that runs its own threads.

    While any such block is open, :func:`blas_threads` answers 1. The count before the first
    block opened is restored when the last one closes. Without a settable BLAS (see
    :func:`can_hold_one_blas_thread`) it changes nothing but that answer.
    """
    global _held, _count_before
    functions = _openblas_functions()
    with _held_lock:
        if _held == 0 and functions is not None:
            _count_before = functions[1]()
            functions[0](1)
        _held += 1
    try:
        yield
    finally:
        with _held_lock:
            _held -= 1
            if _held == 0 and functions is not None:
                functions[0](_count_before)
