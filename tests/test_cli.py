"""The ``minirnn`` command: ``gradcheck`` and the ``python -m minirnn`` entry point."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from minirnn.cli import build_parser, main
from minirnn.commands import gradcheck as gradcheck_command


def _run(capsys, *argv):
    status = main(list(argv))
    return status, capsys.readouterr().out


def _errors(out):
    """The max rel error column of the printed table."""
    rows = [line.split() for line in out.splitlines()]
    return [float(r[-2]) for r in rows if r and r[-1] in ("good", "suspicious", "wrong")]


def test_gradcheck_rnn_prints_a_passing_table(capsys):
    status, out = _run(capsys, "gradcheck", "rnn")
    assert status == 0
    for name in ("x", "state", "Wx", "Wh", "b"):
        assert any(line.split()[:1] == [name] for line in out.splitlines()), name
    errors = _errors(out)
    assert len(errors) == 5 and max(errors) < 1e-7


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "sigmoid", "identity"])
def test_gradcheck_rnn_options(capsys, nonlinearity):
    status, out = _run(capsys, "gradcheck", "rnn", "--input-size", "2", "--hidden-size", "3",
                       "--batch-size", "1", "--steps", "1", "--seed", "5",
                       "--nonlinearity", nonlinearity)
    assert status == 0
    assert "(2, 3)" in out  # Wx is D x H
    assert "(1, 1, 2)" in out  # x is N x T x D
    assert max(_errors(out)) < 1e-7


def test_gradcheck_rnn_stacked_bidirectional(capsys):
    status, out = _run(capsys, "gradcheck", "rnn", "--layers", "2", "--bidirectional")
    assert status == 0
    assert "l1_reverse.Wh" in out


def test_gradcheck_exits_1_when_a_gradient_is_wrong(capsys, monkeypatch):
    from minirnn.layers.rnn import RNN

    class Broken(RNN):
        def backward(self, dhs, dstate=None):
            dx = super().backward(dhs, dstate)
            self.grads["b"] += 0.1
            return dx

    def build(args, rng):
        layer = Broken(args.input_size, args.hidden_size, seed=rng)
        return layer, {"x": rng.standard_normal((args.batch_size, args.steps, args.input_size))}

    kinds = dict(gradcheck_command.KINDS)
    kinds["rnn"] = gradcheck_command.Kind("broken", build)
    monkeypatch.setattr(gradcheck_command, "KINDS", kinds)
    status, out = _run(capsys, "gradcheck", "rnn")
    assert status == 1
    assert any(line.split()[0] == "b" and line.endswith("wrong") for line in out.splitlines()
               if line.strip())


def test_gradcheck_same_seed_same_table(capsys):
    first = _run(capsys, "gradcheck", "rnn", "--seed", "3")[1]
    second = _run(capsys, "gradcheck", "rnn", "--seed", "3")[1]
    third = _run(capsys, "gradcheck", "rnn", "--seed", "4")[1]
    assert first == second and first != third


def test_gradcheck_rejects_bad_sizes(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["gradcheck", "rnn", "--steps", "0"])
    captured = capsys.readouterr()
    assert stop.value.code == 2 and captured.out == ""
    assert "argument --steps: must be a positive integer, got 0" in captured.err


def test_gradcheck_unknown_nonlinearity_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["gradcheck", "rnn", "--nonlinearity", "gelu"])
    assert stop.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_kinds_are_a_registry():
    kind = gradcheck_command.KINDS["rnn"]
    assert callable(kind.build)
    args = build_parser().parse_args(["gradcheck", "rnn"])
    layer, inputs = kind.build(args, np.random.default_rng(0))
    assert set(inputs) == {"x", "state"}
    assert layer.params["Wx"].shape == (args.input_size, args.hidden_size)


def test_no_command_prints_help():
    assert main([]) == 2


def test_python_dash_m_minirnn_help():
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-m", "minirnn", "--help"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "gradcheck" in done.stdout


def test_a_reader_that_stops_early_gets_no_traceback():
    """``minirnn binary-addition --classic | head -1`` ends quietly with status 0."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "minirnn", "binary-addition", "--classic"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert proc.stdout.readline().startswith(b"Error:")
    proc.stdout.close()  # like head: the pipe is gone before the printout ends
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr
