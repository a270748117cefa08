"""The sandboxed side of grading: run a student's code on inputs the grader made.

Started by :mod:`minirnn.exercises.sandbox.runner` as ``python -I child.py WORKDIR`` with
limits on time and memory. It loads its two helpers (:mod:`wire`, :mod:`calls`) and the guard
(:mod:`jail`) by path, imports numpy, puts up the guard, and only then executes the
submission. It never imports minirnn: the reference answers are not in this process at all.

``WORKDIR/job.json`` (+ ``job.npz``) says what to do:

``mode == "function"``
    load ``submission`` (a ``.py`` file), look up ``function`` and call it once per entry of
    ``calls``; write every return value to ``WORKDIR/result.json`` (+ ``result.npz``).
``mode == "notebook"``
    execute the code cells in order in one namespace; after each cell append a JSON line to
    ``WORKDIR/cells.jsonl`` (so a notebook stopped at the time limit keeps what it finished).
"""

from __future__ import annotations

import importlib.util
import json
import linecache
import os
import re
import sys
from pathlib import Path


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


HERE = Path(__file__).resolve().parent
wire = _load("_sandbox_wire", HERE / "wire.py")
calls = _load("_sandbox_calls", HERE / "calls.py")
jail = _load("_sandbox_jail", HERE / "jail.py")

#: IPython line magics and shell escapes, which plain Python cannot run
_MAGIC = re.compile(r"^(\s*)([%!].*)$", re.MULTILINE)


def _load_submission(path: Path):
    """Execute the student's file as a module; its ``__main__`` block does not run."""
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location("submission", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _load_error(error: BaseException, path: Path) -> str:
    if isinstance(error, SyntaxError):
        return f"{path.name} has a syntax error at line {error.lineno}: {error.msg}"
    text = calls.describe(error, f"importing {path.name}", str(path))
    return text


def run_function(job: dict, values: dict, workdir: Path) -> None:
    """Call the student's function on every prepared call and save what it returned."""
    path = Path(job["submission"])
    outcomes, results = [], {}
    try:
        module = _load_submission(path)
    except BaseException as error:  # noqa: BLE001 - the student's import-time bug, reported
        wire.save(workdir / "result", {"error": _load_error(error, path), "outcomes": []}, {})
        return
    name = job["function"]
    student = getattr(module, name, None)
    if not callable(student):
        wire.save(workdir / "result",
                  {"error": f"{path.name} defines no function {name}(...)", "outcomes": []}, {})
        return
    for number in range(job["calls"]):
        args, kwargs = values[f"call{number}"]
        try:
            results[f"out{number}"] = calls.call_student(student, name, tuple(args), kwargs)
            outcomes.append({"error": None})
        except calls.CallFailedError as error:
            outcomes.append({"error": str(error)})
    wire.save(workdir / "result", {"error": None, "outcomes": outcomes}, results)


def run_notebook(job: dict, workdir: Path) -> None:
    """Execute the cells in one namespace, appending each cell's outcome as it finishes."""
    namespace = {"__name__": "__main__"}
    log_path = (workdir / "cells.jsonl").resolve()
    # the notebook's own folder, so it finds the files it reads, as in Jupyter
    os.chdir(job["folder"])
    sys.path.insert(0, job["folder"])
    with open(log_path, "a", encoding="utf-8") as log:
        for number, (source, label) in enumerate(zip(job["cells"], job["labels"], strict=True)):
            filename = f"<{label}>"
            text = _MAGIC.sub(r"\1pass  # \2", source)
            # so that a traceback (and the report) can quote the failing line
            linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
            error = None
            try:
                code = compile(text, filename, "exec")
                exec(code, namespace)  # noqa: S102 - running the notebook is the point
            except BaseException as failure:  # noqa: BLE001 - SystemExit in a cell too
                error = _cell_error(failure, label, filename)
            log.write(json.dumps({"cell": number, "error": error}) + "\n")
            log.flush()


def _cell_error(failure: BaseException, label: str, filename: str) -> str:
    """What a notebook cell's exception means for the student."""
    if isinstance(failure, NotImplementedError):
        return (f"{label} stopped at NotImplementedError: code it runs is not written yet"
                f"{calls.where(failure, filename)}")
    return calls.describe(failure, label, filename)


def main(workdir: str) -> None:
    """Read the job, put up the guard, run the submission."""
    folder = Path(workdir)
    job, values = wire.load(folder / "job")
    import numpy  # noqa: F401 - loaded before the guard, from outside the protected folders

    jail.install(job["protected"], job["allowed"])
    if job["mode"] == "notebook":
        run_notebook(job, folder)
    else:
        run_function(job, values, folder)
    with open(folder / "violations.json", "w", encoding="utf-8") as out:
        json.dump(jail.VIOLATIONS, out)


if __name__ == "__main__":
    main(sys.argv[1])
