"""The CLI's help reads as plain text, and the command defaults to one BLAS thread."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from minirnn import _blas_threads
from minirnn.cli import COMMANDS, build_parser, main, plain_text

ROOT = Path(__file__).resolve().parents[1]


def test_plain_text_drops_docstring_markup():
    assert plain_text("``minirnn lm train``: see :func:`~minirnn.train.fit`") == (
        "minirnn lm train: see minirnn.train.fit"
    )
    assert plain_text("a `single` tick stays") == "a `single` tick stays"


def _all_parsers(parser):
    """The parser and every subparser below it."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _all_parsers(sub)


def test_no_help_page_shows_restructuredtext():
    pages = [p.format_help() for p in _all_parsers(build_parser())]
    assert len(pages) > len(COMMANDS)
    for page in pages:
        assert "``" not in page and ":func:" not in page and ":class:" not in page, page


def test_gradcheck_help_lists_the_options_of_its_kinds(capsys):
    with pytest.raises(SystemExit):
        main(["gradcheck", "--help"])
    out = capsys.readouterr().out
    for option in ("--layers", "--bidirectional", "--hidden-size", "--nonlinearity"):
        assert option in out


def test_names_generate_greedy_prints_one_table(tmp_path, capsys):
    names = tmp_path / "names.txt"
    names.write_text("\n".join(["Anna", "Ariel", "Arlene", "Bella", "Clara", "Dora", "Ella",
                                "Flora", "Grace", "Hanna", "Iris", "Julia"]) + "\n")
    out = tmp_path / "n.npz"
    assert main(["names", "train", "--kind", str(names), "--iters", "5", "--hidden", "8",
                 "--embed", "4", "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["names", "generate", str(out), "--greedy", "--top5", "--prefix", "A"]) == 0
    assert capsys.readouterr().out.count("The final name is") == 1


def test_one_blas_thread_unless_the_user_chose(monkeypatch):
    monkeypatch.delitem(sys.modules, "numpy")  # as in a fresh `minirnn` process
    env: dict[str, str] = {}
    assert _blas_threads.one_blas_thread_unless_set(env)
    assert env == {name: "1" for name in _blas_threads.BLAS_THREAD_VARIABLES}
    chosen = {"OMP_NUM_THREADS": "2"}
    assert not _blas_threads.one_blas_thread_unless_set(chosen)
    assert chosen == {"OMP_NUM_THREADS": "2"}


def test_nothing_to_do_once_numpy_is_loaded():
    env: dict[str, str] = {}
    assert "numpy" in sys.modules
    assert not _blas_threads.one_blas_thread_unless_set(env) and env == {}


def test_the_command_runs_numpy_with_one_blas_thread():
    # a fresh process, as from the console script: main() must act before NumPy loads
    env = {k: v for k, v in os.environ.items() if k not in _blas_threads.BLAS_THREAD_VARIABLES}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    code = ("import os, sys; from minirnn.cli import main; assert 'numpy' not in sys.modules; "
            "main(['gradcheck', 'rnn']); print(os.environ['OPENBLAS_NUM_THREADS']); "
            "print(len(os.listdir('/proc/self/task')) if os.path.isdir('/proc/self/task') else 1)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120, check=True)
    assert done.stdout.split()[-2:] == ["1", "1"]  # the variable, and one OS thread


def test_blas_threads_reads_the_first_variable_set():
    assert _blas_threads.blas_threads({"OPENBLAS_NUM_THREADS": "2"}) == 2
    assert _blas_threads.blas_threads({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "4"}) == 1
    # unset, empty or nonsense: OpenBLAS's default, every core
    cores = os.cpu_count() or 1
    assert _blas_threads.blas_threads({}) == cores
    assert _blas_threads.blas_threads({"OPENBLAS_NUM_THREADS": "", "OMP_NUM_THREADS": "x"}) == cores
