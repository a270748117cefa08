"""The command line's one error boundary and its argument types (issue 11).

Most cases call :func:`minirnn.cli.main` in-process; a representative set runs
``python -m minirnn`` in a subprocess and checks what a user sees: the exit status, no
traceback, and the one line ``minirnn <command>: error: ...``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from minirnn import cli
from minirnn.commands import arguments, gradcheck
from minirnn.errors import MinirnnError, UsageError
from minirnn.train import saving

ROOT = Path(__file__).resolve().parents[1]


def _raising(error: BaseException):
    def run(args):
        raise error
    return run


@pytest.mark.parametrize(("error", "status"), [
    (UsageError("--lr must be > 0, got -1"), 2),
    (MinirnnError("x.npz is not a checkpoint"), 1),
    (FileNotFoundError(2, "No such file or directory", "missing.txt"), 1),
    (ValueError("seq_len must be a positive integer, got 0"), 1),
    (TypeError("x must be a numpy array, got list"), 1),
    (ZeroDivisionError("division by zero"), 1),
])
def test_every_failure_is_one_line_with_its_status(monkeypatch, capsys, error, status):
    monkeypatch.setattr(gradcheck, "run", _raising(error))
    monkeypatch.delenv("MINIRNN_DEBUG", raising=False)
    assert cli.main(["gradcheck", "rnn"]) == status
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("minirnn gradcheck rnn: error: ")
    assert lines[0].count("--debug") == 1 and "Traceback" not in captured.err


def test_os_errors_read_like_sentences(monkeypatch, capsys):
    error = PermissionError(13, "Permission denied", "runs/lm.npz")
    monkeypatch.setattr(gradcheck, "run", _raising(error))
    cli.main(["gradcheck", "rnn"])
    assert "error: runs/lm.npz: Permission denied" in capsys.readouterr().err


def test_unexpected_exceptions_say_they_are_bugs(monkeypatch, capsys):
    monkeypatch.setattr(gradcheck, "run", _raising(KeyError("Wx")))
    assert cli.main(["gradcheck", "rnn"]) == 1
    assert "internal error KeyError" in capsys.readouterr().err


def test_multi_line_messages_are_joined(monkeypatch, capsys):
    monkeypatch.setattr(gradcheck, "run", _raising(ValueError("first\nsecond")))
    cli.main(["gradcheck", "rnn"])
    assert len(capsys.readouterr().err.splitlines()) == 1


@pytest.mark.parametrize("where", ["front", "end", "env"])
def test_debug_shows_the_traceback(monkeypatch, capsys, where):
    monkeypatch.setattr(gradcheck, "run", _raising(ValueError("boom")))
    monkeypatch.delenv("MINIRNN_DEBUG", raising=False)
    argv = ["gradcheck", "rnn"]
    if where == "front":
        argv = ["--debug", *argv]
    elif where == "end":
        argv = [*argv, "--debug"]
    else:
        monkeypatch.setenv("MINIRNN_DEBUG", "1")
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "ValueError: boom" in err
    assert err.splitlines()[-1] == "minirnn gradcheck rnn: error: boom"


def test_minirnn_debug_zero_means_off(monkeypatch, capsys):
    monkeypatch.setattr(gradcheck, "run", _raising(ValueError("boom")))
    monkeypatch.setenv("MINIRNN_DEBUG", "0")
    cli.main(["gradcheck", "rnn"])
    assert "Traceback" not in capsys.readouterr().err


def test_ctrl_c_exits_130_quietly(monkeypatch, capsys):
    monkeypatch.setattr(gradcheck, "run", _raising(KeyboardInterrupt()))
    assert cli.main(["gradcheck", "rnn"]) == 130
    assert capsys.readouterr().err == "minirnn gradcheck rnn: interrupted\n"


def test_argparse_errors_keep_status_2(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["gradcheck", "rnn", "--steps", "-3"])
    assert stop.value.code == 2
    assert "minirnn gradcheck rnn: error: argument --steps" in capsys.readouterr().err


# ---------------------------------------------------------------- argparse types


@pytest.mark.parametrize(("kind", "text", "words"), [
    (arguments.positive_int, "0", "positive integer, got 0"),
    (arguments.positive_int, "-5", "positive integer, got -5"),
    (arguments.positive_int, "2.5", "expected an integer, got '2.5'"),
    (arguments.non_negative_int, "-1", ">= 0, got -1"),
    (arguments.positive_float, "0", "> 0, got 0"),
    (arguments.positive_float, "-1e-3", "> 0, got -1e-3"),
    (arguments.positive_float, "nan", "finite number, got 'nan'"),
    (arguments.positive_float, "inf", "finite number, got 'inf'"),
    (arguments.positive_float, "fast", "expected a number, got 'fast'"),
    (arguments.non_negative_float, "-1", ">= 0, got -1"),
    (arguments.probability, "1", "[0, 1), got 1"),
    (arguments.probability, "-0.1", "[0, 1), got -0.1"),
])
def test_number_types_refuse_with_the_value(kind, text, words):
    with pytest.raises(argparse.ArgumentTypeError, match=None) as caught:
        kind(text)
    assert words in str(caught.value)


@pytest.mark.parametrize(("kind", "text", "value"), [
    (arguments.positive_int, "3", 3),
    (arguments.non_negative_int, "0", 0),
    (arguments.positive_float, "1e-3", 1e-3),
    (arguments.non_negative_float, "0", 0.0),
    (arguments.probability, "0", 0.0),
    (arguments.probability, "0.5", 0.5),
])
def test_number_types_accept_good_values(kind, text, value):
    assert kind(text) == value


def test_readable_file(tmp_path):
    good = tmp_path / "a.txt"
    good.write_text("hi")
    assert arguments.readable_file(str(good)) == good
    with pytest.raises(argparse.ArgumentTypeError, match="does not exist"):
        arguments.readable_file(str(tmp_path / "nope.txt"))
    with pytest.raises(argparse.ArgumentTypeError, match="is a directory"):
        arguments.readable_file(str(tmp_path))
    with pytest.raises(UsageError, match="^--data: .*does not exist"):
        arguments.check_readable_file(tmp_path / "nope.txt", "--data")


def test_unreadable_and_unwritable_paths(tmp_path, monkeypatch):
    locked = tmp_path / "locked.txt"
    locked.write_text("hi")
    closed = tmp_path / "closed"
    closed.mkdir()
    # Permissions are simulated: chmod does not stop root, and CI runs as root.
    real_access = os.access
    denied = {locked, closed}
    monkeypatch.setattr(arguments.os, "access",
                        lambda path, mode: Path(path) not in denied and real_access(path, mode))
    with pytest.raises(argparse.ArgumentTypeError, match="permission denied"):
        arguments.readable_file(str(locked))
    with pytest.raises(argparse.ArgumentTypeError, match="cannot be overwritten"):
        arguments.output_path(str(locked))
    with pytest.raises(argparse.ArgumentTypeError, match="not writable"):
        arguments.output_path(str(closed / "x.npz"))


def test_output_path(tmp_path):
    plain = tmp_path / "file.txt"
    plain.write_text("x")
    assert arguments.output_path(str(tmp_path / "x.npz")) == tmp_path / "x.npz"
    assert arguments.output_path(str(tmp_path / "new" / "deeper" / "x.npz"))
    with pytest.raises(argparse.ArgumentTypeError, match="is a directory"):
        arguments.output_path(str(tmp_path))
    with pytest.raises(argparse.ArgumentTypeError, match="is a file, not a directory"):
        arguments.output_path(str(plain / "x.npz"))
    with pytest.raises(argparse.ArgumentTypeError, match="expected a file name"):
        arguments.output_path("")
    with pytest.raises(UsageError, match="^--plot: "):
        arguments.check_output_path(tmp_path, "--plot")


# ---------------------------------------------------------------- save with fallback


def test_save_with_fallback_writes_where_asked(tmp_path):
    target = tmp_path / "sub" / "w.npz"
    assert saving.save_with_fallback(lambda p: p.write_text("w"), target) == target
    assert target.read_text() == "w"


def test_save_with_fallback_rescues_the_weights(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    asked = tmp_path / "out.npz"

    def save(path):
        if path == asked:
            raise OSError(28, "No space left on device", str(path))
        path.write_text("weights")

    with pytest.raises(MinirnnError, match="No space left on device") as caught:
        saving.save_with_fallback(save, asked, what="trained weights")
    message = str(caught.value)
    rescued = list(tmp_path.glob("out.rescued-*.npz"))
    assert len(rescued) == 1 and rescued[0].read_text() == "weights"
    assert str(rescued[0]) in message and "trained weights" in message


def test_save_with_fallback_says_when_nothing_was_saved(tmp_path):
    def save(path):
        raise OSError(30, "Read-only file system", str(path))

    with pytest.raises(MinirnnError, match="nothing was saved"):
        saving.save_with_fallback(save, tmp_path / "out.npz")


# ---------------------------------------------------------------- as a user sees it


def _minirnn(*argv: str, cwd: Path = ROOT, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    env.pop("MINIRNN_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "minirnn", *argv], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=timeout)


def test_a_subprocess_sees_usage_errors_without_traceback():
    done = _minirnn("gradcheck", "lstm", "--hidden-size", "0")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == ("minirnn gradcheck lstm: error: argument "
                                            "--hidden-size: must be a positive integer, got 0")


def test_fit_rescues_the_weights_when_its_checkpoint_cannot_be_written(tmp_path, monkeypatch):
    """A checkpoint path that stopped working during the run: the weights go to a fallback."""
    from training_toys import EchoRegressor, echo_data, shuffled_batches

    from minirnn.optim import Adam
    from minirnn.train import fit, load_checkpoint

    monkeypatch.chdir(tmp_path)
    blocker = tmp_path / "runs"
    blocker.write_text("a file where the run directory should be")
    model = EchoRegressor(seed=0)
    x, y = echo_data()
    data = shuffled_batches(x, y, 16, np.random.default_rng(0))
    with pytest.raises(MinirnnError, match="could not write the checkpoint to") as caught:
        fit(model, Adam(model, lr=1e-2), data, iterations=5, verbose=False,
            checkpoint_path=blocker / "run.npz")
    rescued = list(tmp_path.glob("run.rescued-*.npz"))
    assert len(rescued) == 1 and str(rescued[0]) in str(caught.value)
    restored = EchoRegressor(seed=9)
    load_checkpoint(rescued[0], restored)
    for name, value in model.parameters().items():
        np.testing.assert_array_equal(restored.parameters()[name], value)


# ---------------------------------------------------------------- every subcommand, nonsense


def _nonsense_module():
    import importlib.util

    path = ROOT / "tools" / "nonsense_cli.py"
    spec = importlib.util.spec_from_file_location("nonsense_cli", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


NONSENSE = _nonsense_module()


@pytest.fixture(scope="module")
def nonsense_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nonsense")
    NONSENSE.make_files(folder)
    return folder


@pytest.mark.parametrize(("argv", "wrong"), [case for case in NONSENSE.CASES if case[0]],
                         ids=[" ".join(c[0]) for c in NONSENSE.CASES if c[0]])
def test_nonsense_is_refused_in_one_line(nonsense_dir, monkeypatch, capsys, argv, wrong):
    monkeypatch.chdir(nonsense_dir)
    monkeypatch.delenv("MINIRNN_DEBUG", raising=False)
    args = [a.replace("{dir}", str(nonsense_dir)) for a in argv]
    try:
        status = cli.main(args)
    except SystemExit as stop:  # argparse's own errors
        status = stop.code
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert status in (1, 2), f"{wrong}: status {status}\n{err}"
    assert len(errors) == 1 and errors[0].startswith("minirnn"), err
    assert "Traceback" not in err


def test_the_nonsense_script_in_subprocesses(tmp_path):
    """A few cases as a user runs them: the real process, its status and its stderr."""
    folder = tmp_path
    NONSENSE.make_files(folder)
    for argv, status in [(["lm", "train", "--seq-len", "0"], 2),
                         (["lm", "generate", "{dir}/char.npz"], 1),
                         (["binary-addition", "--classic", "--lr", "-1"], 2),
                         (["gradcheck", "gru", "--max-entries", "0"], 2),
                         (["char-rnn", "sample", "{dir}/random.npz"], 1)]:
        result = NONSENSE.run_case(argv, folder, timeout=120)
        assert result["status"] == status, (argv, result)
        assert result["lines"] == 1 and not result["traceback"], (argv, result)
        assert result["last"].startswith("minirnn "), result


def test_lm_resume_alone_continues_the_run_and_conflicts_are_named(tmp_path, monkeypatch,
                                                                   capsys):
    monkeypatch.chdir(tmp_path)
    text = tmp_path / "t.txt"
    text.write_text("the quick brown fox jumps over the lazy dog. " * 60, encoding="utf-8")
    common = ["--hidden", "8", "--embed", "4", "--seq-len", "8", "--batch-size", "4",
              "--seed", "3", "--quiet", "--data", str(text)]
    assert cli.main(["lm", "train", *common, "--iters", "6", "--out", "straight.npz"]) == 0
    assert cli.main(["lm", "train", *common, "--iters", "3", "--out", "half.npz"]) == 0
    capsys.readouterr()
    assert cli.main(["lm", "train", "--resume", "half.npz", "--iters", "6", "--quiet"]) == 0
    from minirnn.train import load_checkpoint

    straight, resumed = load_checkpoint("straight.npz"), load_checkpoint("half.npz")
    assert resumed.iteration == straight.iteration == 6
    for name, value in straight.params.items():
        np.testing.assert_array_equal(resumed.params[name], value)
    assert cli.main(["lm", "train", "--resume", "half.npz", "--hidden", "16", "--lr", "0.5",
                     "--iters", "9"]) == 2
    err = capsys.readouterr().err
    assert "--hidden 16 (it was trained with 8)" in err and "--lr 0.5" in err
    # an lm checkpoint is an "lm"-kind file like poems', but poems resumes only its own
    assert cli.main(["poems", "train", "--resume", "half.npz"]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("minirnn poems train: error: half.npz was not written by `minirnn "
                           "poems train` (no stored poems options), so it cannot be resumed "
                           "here; use `minirnn lm train --resume` for lm checkpoints"), line
    assert cli.main(["names", "train", "--resume", "half.npz"]) == 1
    assert "half.npz is an lm checkpoint" in capsys.readouterr().err


def _resumed_equals_straight(folder: Path, common: list[str], length: str, half: str,
                             full: str) -> tuple[list[str], Path]:
    """Train ``full`` run-length units straight, ``half`` then ``--resume`` to ``full``, in
    subprocesses; assert the two checkpoints hold the same weights. Returns the resume
    command's start and the resumed file."""
    def run(*argv: str) -> None:
        done = _minirnn(*argv, cwd=folder, timeout=300)
        assert done.returncode == 0, done.stderr

    run(*common, length, full, "--out", "straight.npz")
    run(*common, length, half, "--out", "half.npz")
    resume = [*common[:2], "--resume", "half.npz"]
    run(*resume, length, full, "--quiet")
    from minirnn.train import load_checkpoint

    straight, resumed = (load_checkpoint(folder / name) for name in ("straight.npz", "half.npz"))
    assert resumed.iteration == straight.iteration > 0
    for name, value in straight.params.items():
        np.testing.assert_array_equal(resumed.params[name], value, err_msg=name)
    return resume, folder / "half.npz"


def test_names_resume_alone_continues_the_run_in_a_subprocess(tmp_path):
    """``names train --resume`` rebuilds the run from the file: same weights as one long run;
    options given again must agree (only run-length options may change)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    rng = np.random.default_rng(0)
    names = ["".join(rng.choice(list(letters), size=int(rng.integers(3, 7)))).title()
             for _ in range(60)]
    (tmp_path / "names.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
    common = ["names", "train", "--kind", "names.txt", "--hidden", "8", "--embed", "4",
              "--batch-size", "8", "--seed", "3", "--quiet"]
    resume, _ = _resumed_equals_straight(tmp_path, common, "--iters", "4", "8")
    conflict = _minirnn(*resume, "--hidden", "16", "--kind", "male", "--iters", "9",
                        cwd=tmp_path)
    assert conflict.returncode == 2 and "Traceback" not in conflict.stderr
    (line,) = conflict.stderr.splitlines()
    assert line.startswith("minirnn names train: error: --resume: half.npz was trained with "
                           "other options: --kind male (it was trained with names.txt); "
                           "--hidden 16 (it was trained with 8); drop them"), line


def test_poems_resume_alone_continues_the_run_in_a_subprocess(tmp_path):
    """The same for ``poems train --resume``: only --epochs (and --quiet) may change."""
    common = ["poems", "train", "--poems", "40", "--hidden", "8", "--embed", "4", "--layers",
              "1", "--seed", "2", "--quiet"]
    resume, _ = _resumed_equals_straight(tmp_path, common, "--epochs", "1", "2")
    conflict = _minirnn(*resume, "--full", "--lr", "0.1", cwd=tmp_path)
    assert conflict.returncode == 2 and "Traceback" not in conflict.stderr
    (line,) = conflict.stderr.splitlines()
    assert line.startswith("minirnn poems train: error: --resume: half.npz was trained with "
                           "other options: --full True (it was trained with False); --lr 0.1 "
                           "(it was trained with 0.005); drop them"), line
