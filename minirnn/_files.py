"""Writing a file so that a crash never leaves half of it behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def new_file_mode() -> int:
    """The permission bits ``open(path, "w")`` would give a new file (0o666 minus the umask)."""
    umask = os.umask(0)  # the only way to read the umask is to set it, so put it straight back
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_write(path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[BinaryIO]:
    """Write ``path`` all at once: yield a binary file to fill, then move it into place.

    The data goes to a temporary file beside ``path`` (``.name.XXXX<suffix>``), is flushed
    to disk and then renamed over ``path`` with :func:`os.replace`, which is atomic: a reader,
    or a run that crashes half way, sees the old file or the complete new one, never a
    truncated one. If the ``with`` block raises, the temporary file is removed and ``path``
    is left as it was. The new file gets the permissions a plain ``open`` would give it
    (temporary files are created private, 0o600).
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, new_file_mode())
        os.replace(tmp_name, path)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
