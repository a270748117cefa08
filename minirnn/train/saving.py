"""Saving a run's results so that a failed write never loses a trained model.

Output paths are checked before training (:func:`minirnn.commands.arguments.output_path`),
but a disk can fill up or a directory vanish during a long run. :func:`save_with_fallback`
then writes the weights somewhere else and raises a
:class:`~minirnn.errors.MinirnnError` that says where they went. :func:`minirnn.train.fit`
saves its checkpoints through it; commands use it for plots and figures too.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from minirnn.errors import MinirnnError

__all__ = ["fallback_candidates", "save_with_fallback"]


def fallback_candidates(path: Path) -> list[Path]:
    """Where to put ``path``'s content instead: the working directory, then the temp dir.

    The name keeps the suffix (``np.savez`` would otherwise add ``.npz``) and adds a time
    stamp, so that no earlier file is overwritten: ``lm.rescued-20260101-120000.npz``.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = f"{path.stem}.rescued-{stamp}{path.suffix}"
    return [Path.cwd() / name, Path(tempfile.gettempdir()) / name]


def save_with_fallback(save: Callable[[Path], object], path: str | os.PathLike,
                       what: str = "checkpoint") -> Path:
    """Call ``save(path)``; if it fails, save to a fallback path and raise saying where.

    Parameters
    ----------
    save
        Writes the file it is given (for example ``lambda p: save_checkpoint(p, model)``).
    path
        Where the user asked for the file. Missing parent directories are created.
    what
        What is saved, for the message ("checkpoint", "trained weights", ...).

    Returns
    -------
    Path
        ``path``, when the save worked.

    Raises
    ------
    MinirnnError
        When ``save(path)`` raised ``OSError``. The message names the failure and the
        fallback file that now holds the content, or says that every fallback failed too.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save(path)
        return path
    except OSError as error:
        reason = error.strerror or str(error)
    tried = []
    for fallback in fallback_candidates(path):
        try:
            save(fallback)
        except OSError as error:
            tried.append(f"{fallback} ({error.strerror or error})")
            continue
        raise MinirnnError(f"could not write the {what} to {path} ({reason}); it was saved "
                           f"to {fallback} instead")
    raise MinirnnError(f"could not write the {what} to {path} ({reason}), nor to "
                       f"{'; '.join(tried)}; nothing was saved")
