"""Course exercises: the checker passes the reference, names wrong arrays, survives bad code."""

from __future__ import annotations

import ast
import dataclasses
import runpy

import numpy as np
import pytest

from minirnn.cli import main
from minirnn.exercises import EXERCISES, check, get_exercise
from minirnn.exercises import inputs as exercise_inputs
from minirnn.exercises.template import render_template
from minirnn.layers.registry import layer_class


# -- student solutions, right and wrong --------------------------------------------------------
def rnn_step_backward(dh, cache):
    """A student's correct answer, which also scribbles on its inputs in place."""
    x, h_prev, Wx, Wh, h, f_grad = cache
    dh *= f_grad(h)  # in place: must not disturb the checker's projection weights
    grads = (dh @ Wx.T, dh @ Wh.T, x.T @ dh, h_prev.T @ dh, dh.sum(axis=0))
    x[...] = 0.0  # nor may this move the point the checker differentiates at
    return grads


def rnn_step_no_tanh_derivative(dh, cache):
    x, h_prev, Wx, Wh, h, f_grad = cache
    return dh @ Wx.T, dh @ Wh.T, x.T @ dh, h_prev.T @ dh, dh.sum(axis=0)


def rnn_step_transposed_weight_grad(dh, cache):
    x, h_prev, Wx, Wh, h, f_grad = cache
    delta = dh * f_grad(h)
    return delta @ Wx.T, delta @ Wh.T, delta.T @ x, h_prev.T @ delta, delta.sum(axis=0)


def make_lstm_step_backward(wrong_gate=None):
    """A student's LSTM step backward; ``wrong_gate`` drops that gate's sigmoid derivative."""

    def lstm_step_backward(dh, dc, cache):
        x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
        dc_total = dc + dh * o * (1 - tanh_c**2)
        slopes = {"i": i * (1 - i), "f": f * (1 - f), "o": o * (1 - o)}
        if wrong_gate:
            slopes[wrong_gate] = 1.0
        da = np.concatenate([dc_total * g * slopes["i"], dc_total * c_prev * slopes["f"],
                             dc_total * i * (1 - g**2), dh * tanh_c * slopes["o"]], axis=1)
        return (da @ Wx.T, da @ Wh.T, dc_total * f, x.T @ da, h_prev.T @ da, da.sum(axis=0))

    return lstm_step_backward


def gru_reset_gate_wrong(dh, cache):
    """GRU (reset_after=True) backward with h_prev where the reset gate multiplied hn."""
    x, h_prev, Wx, Wh, r, z, n, hn, reset_after = cache
    da_n = dh * (1 - z) * (1 - n**2)
    da_z = dh * (h_prev - n) * z * (1 - z)
    da_r = da_n * h_prev * r * (1 - r)  # the bug: should be hn
    dah = np.concatenate([da_r, da_z, da_n * r], axis=1)
    da = np.concatenate([da_r, da_z, da_n], axis=1)
    dh_prev = dh * z + dah @ Wh.T
    return da @ Wx.T, dh_prev, x.T @ da, h_prev.T @ dah, da.sum(axis=0), (da_n * r).sum(axis=0)


def softmax_ignoring_mask(dloss, cache):
    logits, targets, mask = cache
    p = np.exp(logits - logits.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    np.put_along_axis(p, targets[..., None], np.take_along_axis(p, targets[..., None], -1) - 1, -1)
    return dloss * p / targets.size


def embedding_fancy_index(dout, cache):
    ids, W = cache
    dW = np.zeros_like(W)
    dW[ids] += dout  # loses all but one contribution of a repeated id
    return dW


# -- the reference passes, bugs are named ------------------------------------------------------
@pytest.mark.parametrize("name", list(EXERCISES))
def test_reference_backward_passes_every_case(name):
    report = check(EXERCISES[name].reference, name)
    assert report.ok and report.score == 1.0
    assert len(report.cases) >= 3 and report.total > 0
    for case in report.cases:
        assert case.error is None
        assert case.report.max_error < 1e-7, str(case.report)
    assert str(report).rstrip().endswith("in all 3 cases.")


def test_exercises_cover_the_single_step_and_zero_edge_cases():
    labels = {name: " ".join(case.label for case in ex.cases) for name, ex in EXERCISES.items()}
    assert "T=1" in labels["rnn_backward"] and "T=1" in labels["softmax_cross_entropy_backward"]
    for name in ("rnn_step_backward", "rnn_backward", "lstm_step_backward", "gru_step_backward"):
        assert "zeros" in labels[name]


def test_correct_student_solution_passes_even_when_it_works_in_place():
    report = check(rnn_step_backward)  # the name is taken from the function
    assert report.ok and report.correct == report.total == 15


def test_missing_tanh_derivative_fails_with_every_array_named():
    report = check(rnn_step_no_tanh_derivative, "rnn_step_backward")
    assert not report.ok and report.score < 1.0
    assert set(report.wrong) == {"x", "h_prev", "Wx", "Wh", "b"}
    assert report.verdict().startswith("FAIL: wrong gradients: x, h_prev, Wx")


@pytest.mark.parametrize("gate", ["i", "f", "o"])
def test_one_wrong_lstm_gate_is_named(gate):
    assert check(make_lstm_step_backward(), "lstm_step_backward").ok
    report = check(make_lstm_step_backward(wrong_gate=gate), "lstm_step_backward")
    assert not report.ok
    gated = {name for name in report.wrong if "[" in name}
    assert gated == {f"Wx[{gate}]", f"Wh[{gate}]", f"b[{gate}]"}
    assert f"(gate {gate} of the fused matrices)" in report.verdict()
    # the other gates' blocks are right, and the score counts them
    assert 0 < report.score < 1


def test_wrong_gru_reset_gate_is_named():
    report = check(gru_reset_gate_wrong, "gru_step_backward")
    assert {name for name in report.wrong if "[" in name} == {"Wx[r]", "Wh[r]", "b[r]"}
    assert "db_hn" not in report.wrong and "b_hn" not in report.wrong
    assert "gate r" in report.verdict()


def test_ignoring_the_mask_fails_only_the_padded_case():
    report = check(softmax_ignoring_mask, "softmax_cross_entropy_backward")
    assert [case.report.ok for case in report.cases] == [True, True, False]
    assert report.correct == 2 and report.total == 3
    assert "score: 2/3 gradient arrays correct (67%)" in str(report)


def test_fancy_index_embedding_loses_repeated_ids():
    report = check(embedding_fancy_index, "embedding_backward")
    assert report.wrong == ["W"] and not report.ok


# -- errors in the student's code become messages ----------------------------------------------
def test_wrong_transpose_names_the_expected_shape():
    report = check(rnn_step_transposed_weight_grad, "rnn_step_backward")
    assert report.score == 0.0 and not report.ok
    assert "returned dWx with shape (5, 4), expected (4, 5) (the shape of Wx) - transposed?" \
        in report.cases[0].error


@pytest.mark.parametrize(
    ("returns", "message"),
    [
        (lambda grads: grads[:4], "must return 5 values (dx, dh_prev, dWx, dWh, db), but it "
                                  "returned 4 values"),
        (lambda grads: grads[0], "must return 5 values (dx, dh_prev, dWx, dWh, db), but it "
                                 "returned ndarray"),
        (lambda grads: (*grads[:4], float(grads[4][0])), "returned db as float, expected a "
                                                         "float64 ndarray of shape (5,)"),
        (lambda grads: (*grads[:4], grads[4].astype(np.float32)),
         "returned db with dtype float32, expected float64"),
        (lambda grads: (grads[0] * np.nan, *grads[1:]), "returned dx containing NaN"),
    ],
)
def test_bad_returns_give_clear_messages(returns, message):
    def student(dh, cache):
        return returns(EXERCISES["rnn_step_backward"].reference(dh, cache))

    report = check(student, "rnn_step_backward")
    assert not report.ok and report.correct == 0
    assert message in report.cases[0].error
    assert "could not be checked" in report.verdict()


def test_an_exception_names_the_line_of_student_code():
    def rnn_step_backward(dh, cache):
        x, h_prev, Wx, Wh, h, f_grad = cache
        return dh @ Wx, None  # Wx is (D, H): the product needs Wx.T

    report = check(rnn_step_backward)
    error = report.cases[0].error
    assert error.startswith("rnn_step_backward raised ValueError: matmul")
    assert "test_exercises.py line" in error and "return dh @ Wx, None" in error


def test_unknown_exercise_and_unnamed_function():
    with pytest.raises(ValueError, match="no exercise named 'lstm_backwards'; the exercises"):
        get_exercise("lstm_backwards")
    with pytest.raises(ValueError, match="cannot tell which exercise 'student' is"):
        check(_named("student"))
    with pytest.raises(TypeError, match="the function you wrote"):
        check("rnn_step_backward", "rnn_step_backward")


@pytest.mark.parametrize("declaration", [
    "rnn_step_backward(dh, cache)",  # no "-> returned"
    "rnn_step_backward() -> dx",  # no argument
    "rnn_step_backward(dh, cache) -> ",
    "rnn_step_backward dh, cache -> dx",
])
def test_a_declaration_that_does_not_parse_is_refused(declaration):
    exercise = get_exercise("rnn_step_backward")
    assert exercise.arguments == ("dh", "cache")  # the real one parses
    with pytest.raises(ValueError, match="declaration must read 'name"):
        dataclasses.replace(exercise, declaration=declaration)
    with pytest.raises(TypeError, match="declaration must be a str, got tuple"):
        dataclasses.replace(exercise, declaration=("rnn_step_backward",))


def _named(name):
    def f(dh, cache):
        return dh, cache

    f.__name__ = name
    return f


# -- templates --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(EXERCISES))
def test_template_holds_no_solution(name):
    tree = ast.parse(render_template(EXERCISES[name]))
    function = next(node for node in tree.body if isinstance(node, ast.FunctionDef))
    assert function.name == name
    docstring, unpack, stop = function.body  # nothing else: no line of the answer
    assert isinstance(docstring.value, ast.Constant)
    assert isinstance(unpack, ast.Assign)  # names what is in the arguments, computes nothing
    assert isinstance(stop, ast.Raise) and stop.exc.id == "NotImplementedError"
    assert "Notes" in docstring.value.value and ".. math::" in docstring.value.value


def test_template_run_as_a_script_reports_not_implemented(tmp_path, capsys):
    path = tmp_path / "student.py"
    assert main(["exercise", "new", "gru_step_backward", "--out", str(path)]) == 0
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(str(path), run_name="__main__")
    assert stop.value.code == 1
    out = capsys.readouterr().out
    assert "gru_step_backward is not written yet: it raised NotImplementedError" in out
    assert "the same error as above" in out and "Traceback" not in out


# -- the command line -------------------------------------------------------------------------
def test_cli_list(capsys):
    assert main(["exercise", "list"]) == 0
    out = capsys.readouterr().out
    for exercise in EXERCISES.values():
        assert exercise.signature in out


def test_cli_new_then_check_round_trip(tmp_path, capsys):
    path = tmp_path / "my_rnn.py"
    assert main(["exercise", "new", "rnn_step_backward", "--out", str(path)]) == 0
    assert main(["exercise", "new", "rnn_step_backward", "--out", str(path)]) == 2  # no clobber
    capsys.readouterr()

    # the untouched template fails cleanly
    assert main(["exercise", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "NotImplementedError" in out and "score: 0/15" in out and "FAIL" in out

    # a student fills it in
    answer = ("    delta = dh * f_grad(h)\n"
              "    return delta @ Wx.T, delta @ Wh.T, x.T @ delta, h_prev.T @ delta, "
              "delta.sum(axis=0)\n")
    text = path.read_text().replace("    raise NotImplementedError\n", answer)
    path.write_text(text)
    assert main(["exercise", "check", str(path), "rnn_step_backward"]) == 0
    out = capsys.readouterr().out
    assert "score: 15/15 gradient arrays correct (100%)" in out
    assert "PASS: every gradient of rnn_step_backward" in out
    assert out.count("max rel error") == 3 + 3  # a table header and a summary per case

    # and breaks it again: the re-check sees the edit
    path.write_text(text.replace("dh * f_grad(h)", "dh"))
    assert main(["exercise", "check", str(path)]) == 1
    assert "FAIL: wrong gradients: x, h_prev, Wx, Wh, b." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def rnn_step_backward(dh, cache)\n    pass\n", "has a syntax error at line 1"),
        ("import not_a_module_anywhere\ndef rnn_step_backward(dh, cache): pass\n",
         "raised ModuleNotFoundError: No module named"),
        ("x = 1\n", "defines none of the exercise functions"),
        ("def rnn_step_backward(dh, cache): pass\ndef embedding_backward(dout, cache): pass\n",
         "defines several exercise functions (rnn_step_backward, embedding_backward)"),
    ],
)
def test_cli_check_reports_broken_files(tmp_path, capsys, source, message):
    path = tmp_path / "student.py"
    path.write_text(source)
    assert main(["exercise", "check", str(path)]) == 1
    captured = capsys.readouterr()
    # a file that cannot say which exercise it is fails before grading (stderr); one that
    # breaks when the sandbox imports it is graded 0 with the reason (stdout)
    assert message in captured.err + captured.out
    assert "Traceback" not in captured.err + captured.out


def test_cli_check_missing_file_and_function(tmp_path, capsys):
    assert main(["exercise", "check", str(tmp_path / "nope.py")]) == 1
    assert "no such file" in capsys.readouterr().err
    path = tmp_path / "student.py"
    path.write_text("def rnn_step_backward(dh, cache): pass\n")
    assert main(["exercise", "check", str(path), "lstm_step_backward"]) == 1
    out = capsys.readouterr().out
    assert "student.py defines no function lstm_step_backward(...)" in out
    assert "score: 0/45" in out


def make_rnn_backward(carry=True):
    """A student's BPTT; with ``carry=False`` it forgets the gradient from step t+1."""

    def rnn_backward(dhs, cache, dh_last=None):
        x, h0, Wx, Wh, hs, f_grad = cache  # hs is time-major (T, N, H)
        T = hs.shape[0]
        h_prevs = np.concatenate([h0[None], hs[:-1]])
        dx, dWx, dWh = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh)
        db = np.zeros(Wx.shape[1])
        dh_next = np.zeros_like(h0) if dh_last is None else dh_last
        for t in reversed(range(T)):
            delta = (dhs[:, t] + dh_next) * f_grad(hs[t])
            dx[:, t] = delta @ Wx.T
            dWx += x[:, t].T @ delta
            dWh += h_prevs[t].T @ delta
            db += delta.sum(axis=0)
            dh_next = delta @ Wh.T
            if not carry and t > 0:
                dh_next = np.zeros_like(dh_next)
        return dx, dh_next, dWx, dWh, db

    return rnn_backward


def test_bptt_that_forgets_the_carried_gradient_passes_only_the_single_step_case():
    assert check(make_rnn_backward(), "rnn_backward").ok
    report = check(make_rnn_backward(carry=False), "rnn_backward")
    assert [case.report.ok for case in report.cases] == [False, True, False]
    # every gradient misses the paths from later steps' losses back through Wh
    assert set(report.wrong) == {"x", "h0", "Wx", "Wh", "b"}


def test_report_shows_in_jupyter_as_html():
    page = check(make_lstm_step_backward(wrong_gate="o"), "lstm_step_backward")._repr_html_()
    assert page.count("<table>") == 3 and "Wx[o]" in page
    assert "FAIL: wrong gradients" in page and "#cf222e" in page
    broken = check(rnn_step_transposed_weight_grad, "rnn_step_backward")._repr_html_()
    assert "ERROR:" in broken and "transposed?" in broken


def test_cli_new_writes_name_dot_py_by_default(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["exercise", "new", "embedding_backward"]) == 0
    assert (tmp_path / "embedding_backward.py").is_file()
    assert "minirnn exercise check embedding_backward.py" in capsys.readouterr().out


def test_sequential_partition_reference_matches_the_library():
    from minirnn.data.batching import sequential_batches
    from minirnn.exercises.solutions.training import sequential_partition

    ids = np.random.default_rng(0).integers(0, 50, size=97)
    batches = list(sequential_batches(ids, 3, 4, rng=np.random.default_rng(5)))
    first = batches[0].inputs[0]
    offset = next(o for o in range(4) if np.array_equal(ids[o:o + 4], first))
    X, Y = sequential_partition(ids, 3, 4, offset)
    assert X.shape == (len(batches), 3, 4)
    for i, batch in enumerate(batches):
        assert np.array_equal(X[i], batch.inputs) and np.array_equal(Y[i], batch.targets)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_exercise_inputs_follow_the_cell_registry(cell):
    """A cell's exercise inputs carry one array per state and one weight block per gate."""
    core = layer_class(cell).core_class
    step = exercise_inputs.step(3, 4, 5, cell)(np.random.default_rng(0))
    sequence = exercise_inputs.sequence(2, 6, 4, 5, cell)(np.random.default_rng(0))
    assert [k for k in step if k.endswith("_prev")] == [f"{s}_prev" for s in core.state_names]
    assert [k for k in sequence if k.endswith("0")] == [f"{s}0" for s in core.state_names]
    width = core.num_gates * 5
    assert step["Wx"].shape == (4, width) and step["Wh"].shape == (5, width)
    assert sequence["x"].shape == (2, 6, 4) and sequence["h0"].shape == (2, 5)
