"""Reading ``.npz`` files that may be hostile: checked before NumPy allocates or unpickles.

:func:`read_npz` is the one way minirnn reads an ``.npz`` (checkpoints, training histories).
Before any array is loaded it checks that the file is a zip archive of ``.npy`` members whose
headers describe plain (non-object) arrays no larger than the bytes actually stored, so a
crafted header cannot make NumPy allocate terabytes, and a pickled payload is refused by
name rather than by NumPy's advice to load it with ``allow_pickle=True``. Every problem is a
:class:`~minirnn.errors.FileFormatError` (or the subclass the caller asks for) naming the
file.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from minirnn.errors import FileFormatError

#: the first bytes of a .npy file
NPY_MAGIC = b"\x93NUMPY"
#: .npy format versions read (np.save writes 1.0, or 2.0 for headers over 64 KiB)
HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


def read_npz(
    path: str | os.PathLike,
    what: str = "a .npz file",
    error: type[FileFormatError] = FileFormatError,
) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` at ``path``, by name, after checking the file is safe.

    Parameters
    ----------
    path
        The file. A missing file raises ``FileNotFoundError``.
    what
        What the file should be, for messages ("a minirnn checkpoint").
    error
        The exception class to raise (a subclass of ``FileFormatError``).

    Raises
    ------
    FileFormatError
        Not a zip archive (random bytes, a truncated file, a single ``.npy``), a member that
        is not a ``.npy`` array, an object (pickled) array, a header that claims more data
        than is stored, or data NumPy cannot read.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(2, "no such file" if not path.exists() else "not a file",
                                str(path))
    _check_is_zip(path, what, error)
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                _check_member(path, archive, info, what, error)
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except FileFormatError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
            KeyError, NotImplementedError, RuntimeError) as err:
        # Flipped bytes show as CRC or decompression errors; never pass NumPy's text on,
        # which can suggest allow_pickle.
        raise error(f"{path} is not {what}: its data cannot be read "
                    f"({type(err).__name__}; truncated or corrupted?)") from None


def _check_is_zip(path: Path, what: str, error: type[FileFormatError]) -> None:
    with open(path, "rb") as handle:
        start = handle.read(len(NPY_MAGIC))
    if start == NPY_MAGIC:
        raise error(f"{path} is a single .npy array, not {what} (an .npz archive)")
    if not zipfile.is_zipfile(path):
        raise error(f"{path} is not {what}: it is not an .npz (zip) archive, or it is "
                    "truncated or corrupted")


def _check_member(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, what: str,
                  error: type[FileFormatError]) -> None:
    """Refuse a member that is not a plain ``.npy`` array, judging by its header alone."""
    name = info.filename
    if not name.endswith(".npy"):
        raise error(f"{path} is not {what}: it holds {name!r}, which is not a .npy array")
    with archive.open(info) as member:
        try:
            version = np.lib.format.read_magic(member)
            read_header = HEADER_READERS.get(version)
            if read_header is None:
                raise ValueError(f"unsupported .npy version {version}")
            shape, _, dtype = read_header(member)
        except (ValueError, EOFError, SyntaxError, TypeError):
            raise error(f"{path}: entry {name[:-4]!r} is not a valid .npy array") from None
    if dtype.hasobject:
        raise error(f"{path}: entry {name[:-4]!r} holds Python objects, which could only be "
                    "read by unpickling them; minirnn never does that, so the file is refused")
    declared = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if declared > info.file_size:
        raise error(f"{path}: entry {name[:-4]!r} claims shape {shape} ({declared} bytes) but "
                    f"stores {info.file_size} bytes; the file is corrupted or crafted")
