"""What a training run records: per-iteration losses and gradient norms, validation, samples.

:class:`History` keeps growing Python lists while training (cheap to append) and hands out
NumPy arrays on request, so plotting code and users see plain arrays. It saves to and loads
from a ``.npz`` file with no pickle involved.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from minirnn._files import atomic_write
from minirnn._npz import read_npz
from minirnn.errors import FileFormatError

#: per-iteration fields and their dtypes
STEP_FIELDS = {
    "iteration": np.int64,
    "loss": np.float64,
    "smooth_loss": np.float64,
    "grad_norm": np.float64,
    "clipped": np.bool_,
    "lr": np.float64,
}
#: per-validation fields and their dtypes
VAL_FIELDS = {
    "val_iteration": np.int64,
    "val_loss": np.float64,
    "val_perplexity": np.float64,
}
#: per-epoch fields and their dtypes
EPOCH_FIELDS = {
    "epoch_iteration": np.int64,
    "epoch_loss": np.float64,
}
_SAMPLE_FIELDS = ("sample_iteration", "sample_text")
_RECORD_FIELDS = {**STEP_FIELDS, **VAL_FIELDS, **EPOCH_FIELDS}


class History:
    """The record of a training run, one NumPy array per quantity.

    Every attribute below is a fresh NumPy array built from the recorded values.

    Attributes
    ----------
    iteration : int64
        Iteration number of each recorded update (1 for the first).
    loss : float64
        The loss ``forward_backward`` returned at that update.
    smooth_loss : float64
        Bias-corrected exponential moving average of ``loss``.
    grad_norm : float64
        Global L2 norm of all gradients before clipping.
    clipped : bool
        Whether clipping changed the gradients at that update.
    lr : float64
        The optimizer's learning rate used at that update (NaN if it has no ``lr``).
    val_iteration, val_loss, val_perplexity : int64, float64, float64
        One entry per validation: when it ran, the mean validation loss and
        :math:`\\exp` of it.
    epoch_iteration, epoch_loss : int64, float64
        One entry per completed epoch: the iteration it ended at and the mean of its batch
        losses.
    sample_iteration, sample_text : int64, str
        Samples drawn during training and when.

    ``stop_reason`` says why training ended: ``"iterations"``, ``"epochs"``, ``"callback"``,
    ``"interrupted"``, ``"data exhausted"`` (or ``None`` while running).
    """

    def __init__(self) -> None:
        self._lists: dict[str, list] = {name: [] for name in _RECORD_FIELDS}
        self._samples: list[tuple[int, str]] = []
        self.stop_reason: str | None = None

    # -- recording ----------------------------------------------------------------------
    def record_step(
        self,
        iteration: int,
        loss: float,
        smooth_loss: float,
        grad_norm: float,
        clipped: bool,
        lr: float = float("nan"),
    ) -> None:
        """Append one update's numbers."""
        lists = self._lists  # (written out: this runs after every update)
        lists["iteration"].append(iteration)
        lists["loss"].append(loss)
        lists["smooth_loss"].append(smooth_loss)
        lists["grad_norm"].append(grad_norm)
        lists["clipped"].append(clipped)
        lists["lr"].append(lr)

    def record_validation(self, iteration: int, loss: float) -> None:
        """Append one validation result; the perplexity is ``exp(loss)``."""
        self._lists["val_iteration"].append(iteration)
        self._lists["val_loss"].append(loss)
        # exp overflows to inf for a hopeless model; say so instead of warning.
        with np.errstate(over="ignore"):
            self._lists["val_perplexity"].append(float(np.exp(loss)))

    def record_epoch(self, iteration: int, loss: float) -> None:
        """Append the end of an epoch: its last iteration and the mean of its batch losses."""
        self._lists["epoch_iteration"].append(iteration)
        self._lists["epoch_loss"].append(loss)

    def record_sample(self, iteration: int, text: str) -> None:
        """Keep a generated sample."""
        self._samples.append((int(iteration), str(text)))

    # -- reading ------------------------------------------------------------------------
    def __getattr__(self, name: str) -> np.ndarray:
        # Only called for attributes not found normally: the recorded fields.
        lists = self.__dict__.get("_lists", {})
        if name in _RECORD_FIELDS:
            return np.asarray(lists[name], dtype=_RECORD_FIELDS[name])
        if name == "sample_iteration":
            return np.asarray([i for i, _ in self._samples], dtype=np.int64)
        if name == "sample_text":
            return np.asarray([t for _, t in self._samples], dtype=str)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def last_losses(self, count: int) -> list[float]:
        """The losses of the last ``count`` updates, oldest first (a list, not a copy of all)."""
        losses = self._lists["loss"]
        return losses[max(len(losses) - count, 0):]

    def clip_rate(self, window: int = 100) -> float:
        """The share of the last ``window`` updates where clipping fired (0 before any)."""
        recent = self._lists["clipped"][-window:]
        return sum(recent) / len(recent) if recent else 0.0

    @property
    def samples(self) -> list[tuple[int, str]]:
        """Samples as a list of ``(iteration, text)``."""
        return list(self._samples)

    def __len__(self) -> int:
        return len(self._lists["iteration"])

    def as_arrays(self) -> dict[str, np.ndarray]:
        """Every field as a NumPy array, by name."""
        names = (*_RECORD_FIELDS, *_SAMPLE_FIELDS)
        return {name: getattr(self, name) for name in names}

    # -- saving -------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write every array to ``path`` (``.npz``); returns the path."""
        path = Path(path)
        with atomic_write(path) as handle:
            np.savez(handle, **self.as_arrays())
        return path

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> History:
        """Rebuild a history from :meth:`as_arrays` output (missing fields stay empty)."""
        history = cls()
        for name in _RECORD_FIELDS:
            if name in arrays:
                history._lists[name] = np.asarray(arrays[name]).tolist()
        for group in (STEP_FIELDS, VAL_FIELDS, EPOCH_FIELDS):
            if len({len(history._lists[name]) for name in group}) > 1:
                lengths = {name: len(history._lists[name]) for name in group}
                raise ValueError(f"arrays must have one length per group of fields, got "
                                 f"lengths {lengths}")
        if "sample_iteration" in arrays and "sample_text" in arrays:
            history._samples = [
                (int(i), str(t))
                for i, t in zip(arrays["sample_iteration"], arrays["sample_text"], strict=True)
            ]
        return history

    @classmethod
    def load(cls, path: str | os.PathLike) -> History:
        """Read a file written by :meth:`save` (no pickle).

        Raises :class:`~minirnn.errors.FileFormatError` naming the file when it is not a
        history (not an ``.npz``, pickled or corrupted entries, inconsistent lengths).
        """
        arrays = read_npz(path, "a minirnn training history")
        try:
            return cls.from_arrays(arrays)
        except (TypeError, ValueError) as err:
            raise FileFormatError(f"{path} is not a valid training history ({err})") from None

    def __repr__(self) -> str:
        last = f", last loss {self._lists['loss'][-1]:.4g}" if len(self) else ""
        return (
            f"History({len(self)} iterations, {len(self._lists['val_loss'])} validations{last})"
        )
