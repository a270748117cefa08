"""Regenerate the committed outputs of the walkthrough notebooks, in the full setting.

Each notebook runs top to bottom in a fresh kernel started in ``notebooks/`` (as Jupyter
would), with ``MINIRNN_FAST`` removed from the environment, so the outputs are those of the
setting the notebook's text describes, and one BLAS thread unless you set the variables
yourself (see docs/performance.md). The executed notebook replaces the file only when every
cell ran without error and no output shows a path of this machine (the repository's folder,
the home directory); the wall time of each notebook is printed.

    python tools/run_notebooks.py                      # every notebook, in order (slow)
    python tools/run_notebooks.py 07 10                # the notebooks whose names start so
    python tools/run_notebooks.py --fast               # CI's quick setting; nothing saved

The notebooks of the full setting take minutes each on two cores (notebooks 07 and 10 the
longest); run it in the background.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbclient
import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def kernel_environment(fast: bool) -> None:
    """Set up the environment the kernels inherit (this process's, changed in place)."""
    os.environ.pop("MINIRNN_FAST", None)
    if fast:
        os.environ["MINIRNN_FAST"] = "1"
    if not any(os.environ.get(name) for name in BLAS_VARIABLES):
        for name in BLAS_VARIABLES:
            os.environ[name] = "1"
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend draws the figures
    # this clone's minirnn, even where another one is installed
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))


def machine_paths_in(notebook: nbformat.NotebookNode) -> list[str]:
    """Outputs that show a path of this machine (they would mean nothing to a reader)."""
    private = {str(ROOT), str(ROOT.parent), str(Path.home())} - {"/"}
    found = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            text = str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
            for path in private:
                if path in text:
                    found.append(f"cell {index}: {path}")
    return found


def coalesce_streams(notebook: nbformat.NotebookNode) -> None:
    """Join a cell's consecutive stdout (or stderr) outputs into one, as Jupyter shows them.

    The kernel sends printed text in pieces whose boundaries depend on timing; joined, the
    same output gives the same file, so a rerun's diff shows only what changed.
    """
    for cell in notebook.cells:
        merged: list = []
        for output in cell.get("outputs", []):
            previous = merged[-1] if merged else None
            if (previous is not None and output.get("output_type") == "stream"
                    and previous.get("output_type") == "stream"
                    and previous.get("name") == output.get("name")):
                previous["text"] = "".join(previous["text"]) + "".join(output["text"])
            else:
                merged.append(output)
        for output in merged:
            if output.get("output_type") == "stream":
                output["text"] = as_displayed("".join(output["text"]))
        if "outputs" in cell:
            cell["outputs"] = merged


def as_displayed(text: str) -> str:
    """Stream text as Jupyter shows it: a line rewritten with ``\\r`` keeps its last version.

    fit's progress line rewrites itself every half second; stored raw, a two-minute run
    leaves hundreds of copies in the file.
    """
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))


def run(path: Path, fast: bool, timeout: float) -> float:
    """Execute ``path``; save it unless ``fast``. Returns the wall time in seconds."""
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}},
                                     record_timing=False)
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    seconds = time.perf_counter() - start
    coalesce_streams(notebook)
    leaks = machine_paths_in(notebook)
    if leaks:
        raise SystemExit(f"{path.name}: outputs show machine paths ({'; '.join(leaks)}); "
                         "not saved")
    if not fast:
        nbformat.write(notebook, path)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*",
                        help="run only the notebooks whose file names start with these")
    parser.add_argument("--fast", action="store_true",
                        help="MINIRNN_FAST=1 (CI's quick setting); check only, save nothing")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per cell (3600)")
    args = parser.parse_args()

    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    if args.names:
        paths = [p for p in paths if p.name.startswith(tuple(args.names))]
    if not paths:
        raise SystemExit(f"no notebook matches {args.names}")
    kernel_environment(args.fast)
    setting = "fast setting, nothing saved" if args.fast else "full setting"
    print(f"{len(paths)} notebook(s), {setting}; load average {os.getloadavg()[0]:.1f}")
    for path in paths:
        seconds = run(path, args.fast, args.timeout)
        print(f"{path.name}: {seconds:.0f} s" + ("" if args.fast else ", saved"), flush=True)


if __name__ == "__main__":
    sys.exit(main())
