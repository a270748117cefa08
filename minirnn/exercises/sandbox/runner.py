"""Start the sandboxed child with a time and a memory limit, and read back what it wrote."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from minirnn.errors import MinirnnError
from minirnn.exercises.sandbox import jail, wire

#: default wall-clock limit for one submission, in seconds
DEFAULT_TIME_LIMIT = 60.0
#: default address-space limit of the child, in MiB (numpy alone maps about 100 MiB)
DEFAULT_MEMORY_LIMIT = 1024
#: the largest file the child may write (its result, its stderr), in bytes
_FILE_LIMIT = 256 * 2**20
_CHILD = Path(__file__).resolve().parent / "child.py"


@dataclass(frozen=True)
class Limits:
    """How long and how much memory one submission gets."""

    time_seconds: float = DEFAULT_TIME_LIMIT
    memory_mb: int = DEFAULT_MEMORY_LIMIT

    def __post_init__(self) -> None:
        if not self.time_seconds > 0:
            raise ValueError(f"time_seconds must be positive, got {self.time_seconds}")
        if not isinstance(self.memory_mb, int) or self.memory_mb < 200:
            raise ValueError(f"memory_mb must be an int of at least 200 (numpy needs about "
                             f"100 MiB), got {self.memory_mb!r}")


@dataclass
class SandboxRun:
    """What came back from the child.

    ``document``/``values`` are its result file (empty when it wrote none), ``cells`` the
    notebook cells it finished, ``violations`` what the guard refused, ``failure`` why the
    process ended without finishing (time limit, memory, a crash), or None.
    """

    document: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    cells: list[dict] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    failure: str | None = None
    seconds: float = 0.0


def protected_folders() -> list[str]:
    """The minirnn package, wherever it is imported from, and the whole source checkout
    around it when it is one (its tests and docs hold answers too)."""
    import minirnn

    package = Path(minirnn.__file__).resolve().parent
    folders = [str(package)]
    if any((package.parent / marker).exists() for marker in ("setup.cfg", ".git")):
        folders.append(str(package.parent))
    return folders


def _limit(memory_mb: int) -> None:
    """In the child, before it runs Python: cap its address space and the files it writes."""
    import resource

    memory = memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (_FILE_LIMIT, _FILE_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG")}
    # one BLAS thread: a grader may run beside others, and each thread reserves memory
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               MPLBACKEND="Agg")
    return env


def _why_stopped(code: int, memory_mb: int) -> str:
    if code < 0:
        name = signal.Signals(-code).name
        if -code == signal.SIGXFSZ:
            return "the submission wrote more output than the grader allows"
        if -code in (signal.SIGKILL, signal.SIGSEGV):
            return (f"the submission's process was killed ({name}); most often it needed "
                    f"more than the memory limit of {memory_mb} MiB")
        return f"the submission's process was killed by {name}"
    return f"the submission's process exited with status {code} before it returned its results"


def _read_stderr(path: Path) -> tuple[list[str], str]:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    violations = [line[len(jail.MARKER):] for line in text.splitlines()
                  if line.startswith(jail.MARKER)]
    return violations, text


def run_child(job: dict, values: dict, limits: Limits) -> SandboxRun:
    """Run one job in a fresh child process under ``limits``; never raises for its failures.

    Raises
    ------
    MinirnnError
        On a system without POSIX resource limits (Windows), where no limit could be set.
    """
    if os.name != "posix":
        raise MinirnnError("the grading sandbox needs Linux or macOS (POSIX resource limits "
                           "and process groups); on Windows, grade inside WSL or a container")
    with tempfile.TemporaryDirectory(prefix="minirnn-grade-") as tmp:
        folder = Path(tmp)
        wire.save(folder / "job", {"allowed": [], **job, "protected": protected_folders()},
                  values)
        started = time.perf_counter()
        with open(folder / "stderr.txt", "wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-I", str(_CHILD), str(folder)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                cwd=tmp, env=_environment(), start_new_session=True,
                preexec_fn=lambda: _limit(limits.memory_mb),
            )
            try:
                code = process.wait(timeout=limits.time_seconds)
                failure = None
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                code = None
                failure = (f"stopped at the time limit of {limits.time_seconds:g} s (an "
                           "endless loop, or far too slow)")
        run = SandboxRun(seconds=time.perf_counter() - started)
        marked, text = _read_stderr(folder / "stderr.txt")
        saved = folder / "violations.json"
        caught = json.loads(saved.read_text(encoding="utf-8")) if saved.exists() else []
        run.violations = list(dict.fromkeys(marked + caught))
        if (folder / "result.json").exists():
            run.document, run.values = wire.load(folder / "result")
        log = folder / "cells.jsonl"
        if log.exists():
            run.cells = [json.loads(line) for line in log.read_text("utf-8").splitlines()
                         if line.strip()]
        if failure is None and code != 0:
            failure = _why_stopped(code, limits.memory_mb)
            if "MemoryError" in text:
                failure = f"the submission ran out of memory (limit {limits.memory_mb} MiB)"
        run.failure = failure
        return run
