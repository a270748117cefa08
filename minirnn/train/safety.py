"""What keeps a run safe: a NaN/inf stop before a bad update, and Ctrl-C that never cuts one.

:func:`check_finite` raises :class:`TrainingDiverged` when the loss or a gradient is not
finite, *before* the optimizer applies it. :class:`InterruptGuard` holds a Ctrl-C that
arrives while an update is being applied until the update is complete.
"""

from __future__ import annotations

import math
import signal
import threading
from typing import Any

import numpy as np

from minirnn.clip import gradient_arrays
from minirnn.train.history import History


class TrainingDiverged(FloatingPointError):  # noqa: N818 - the name the docs use
    """The loss or a gradient became NaN or infinite.

    Attributes
    ----------
    iteration : int
        The iteration (1-based) whose forward/backward produced the bad value; its update was
        not applied, so the model holds the weights of iteration ``iteration - 1``.
    parameter : str or None
        Dotted name of the first parameter with a non-finite gradient (None if the loss itself
        was non-finite).
    loss : float
        The loss of that iteration.
    history : History
        Everything recorded up to the previous iteration.
    """

    def __init__(
        self, message: str, iteration: int, parameter: str | None, loss: float, history: History
    ) -> None:
        super().__init__(message)
        self.iteration = iteration
        self.parameter = parameter
        self.loss = loss
        self.history = history


def global_grad_norm(model: Any) -> float:
    r"""Global L2 norm :math:`\sqrt{\sum_k \|g_k\|^2}` of the model's gradients (NaN if any is).

    A BLAS dot per gradient: no temporary array and no overflow warning on inf, which is
    cheaper per iteration than :func:`minirnn.clip.grad_norm`.
    """
    total = 0.0
    for grad in gradient_arrays(model):  # one flat array if the model keeps one
        flat = grad.ravel()
        total += float(flat.dot(flat))  # ndarray.dot: np.dot without its dispatch
    return math.sqrt(total) if total >= 0 else float("nan")


def check_finite(model: Any, loss: float, norm: float, iteration: int, history: History) -> None:
    """Raise :class:`TrainingDiverged` if ``loss`` or any gradient is NaN or infinite.

    ``norm`` is the global gradient norm already measured: when it and the loss are finite,
    so is every gradient, and nothing else is looked at.
    """
    if math.isfinite(loss) and math.isfinite(norm):
        return
    bad = next(
        (name for name, _, grad in model.named_parameters() if not np.isfinite(grad).all()),
        None,
    )
    if bad is None and math.isfinite(loss):
        return  # the sum of squares overflowed, but every entry is finite
    what = f"gradient of {bad!r}" if bad else "the loss"
    raise TrainingDiverged(
        f"training diverged at iteration {iteration}: {what} is not finite "
        f"(loss {loss!r}); the update was not applied",
        iteration=iteration, parameter=bad, loss=loss, history=history,
    )


class InterruptGuard:
    """Hold Ctrl-C while an update is being applied, so it is never half done.

    One handler is installed for the whole of :func:`~minirnn.train.fit` (installing one per
    iteration costs more than a small model's update). Outside ``holding`` blocks a SIGINT
    goes to the previous handler as usual; inside, it is remembered and raised as
    ``KeyboardInterrupt`` when the block ends. Only the main thread may install signal
    handlers; elsewhere this does nothing.
    """

    def __init__(self) -> None:
        self.holding = False
        self.pending = False
        self.active = threading.current_thread() is threading.main_thread()

    def install(self) -> None:
        """Put the handler in place (undo with :meth:`uninstall`)."""
        if self.active:
            self.previous = signal.signal(signal.SIGINT, self._handle)

    def uninstall(self) -> None:
        """Give SIGINT back to the handler that had it before."""
        if self.active:
            signal.signal(signal.SIGINT, self.previous)

    def _handle(self, signum: int, frame: Any) -> None:
        if self.holding:
            self.pending = True
        elif callable(self.previous):
            self.previous(signum, frame)
        elif self.previous != signal.SIG_IGN:
            raise KeyboardInterrupt

    def hold(self) -> None:
        """Start a held block: a Ctrl-C from now on waits for :meth:`release`."""
        self.holding = True

    def release(self) -> None:
        """End a held block: raise the Ctrl-C that arrived during it, if any."""
        self.holding = False
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt
