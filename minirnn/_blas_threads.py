"""One BLAS thread by default for the ``minirnn`` command (measured: docs/performance.md).

minirnn's matrices are small (tens to a few hundred rows), so a second BLAS thread gains
little even on an idle machine, and on a busy one the threads wait for each other: with two
cores kept busy by other processes, two BLAS threads trained a language model many times
slower than one. The thread count is read once, when NumPy loads its BLAS library, so it has
to be set in the environment before the first ``import numpy``; this module imports nothing
that imports NumPy.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

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
    set, OpenBLAS uses every core (``os.cpu_count()``). A count changed at run time (for
    example with ``threadpoolctl``) is not seen.
    """
    environ = os.environ if environ is None else environ
    for name in BLAS_THREAD_VARIABLES:
        value = environ.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    return os.cpu_count() or 1
