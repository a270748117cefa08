"""Import a student's ``.py`` file by its path (no pickle, nothing installed)."""

from __future__ import annotations

import importlib.util
import itertools
import sys
import traceback
from pathlib import Path
from types import ModuleType

from minirnn.exercises.guard import StudentError

_counter = itertools.count()


def load_student_file(path: str | Path) -> ModuleType:
    """Execute the file at ``path`` as a fresh module and return it.

    Its ``if __name__ == "__main__":`` block does not run. Errors while importing (a syntax
    error, a failing import) become a :class:`StudentError` naming the file and line.
    """
    path = Path(path)
    if not path.is_file():
        raise StudentError(f"no such file: {path}")
    if path.suffix != ".py":
        raise StudentError(f"expected a Python file ending in .py, got {path}")
    # A fresh module name each time, so a re-check sees the student's latest edits.
    name = f"minirnn_student_{path.stem}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    # The student's folder goes on the path, so their file may import a helper beside it.
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        raise StudentError(
            f"{path} has a syntax error at line {error.lineno}: {error.msg}"
        ) from None
    except Exception as error:  # noqa: BLE001 - report the student's bug, not a traceback
        frames = [f for f in traceback.extract_tb(error.__traceback__)
                  if Path(f.filename).resolve() == path.resolve()]
        where = f" at line {frames[-1].lineno}" if frames else ""
        raise StudentError(
            f"importing {path} raised {type(error).__name__}{where}: {error}"
        ) from None
    finally:
        sys.path.remove(folder)
    return module
