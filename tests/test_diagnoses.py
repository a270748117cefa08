"""Each diagnosis fires on a deliberately wrong submission, written as a student would.

Every wrong submission is the correct one (``tests/submissions/correct.py``) with one line
edited, so the test does not reuse the grader's own picture of the mistake.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from minirnn.exercises import check

CORRECT = Path(__file__).resolve().parent / "submissions" / "correct.py"

#: (exercise, line as written, line with the mistake, the diagnosis it must give)
MISTAKES = [
    ("rnn_backward", "da = (dhs[:, t] + dh_next) * f_grad(hs[t])",
     "da = (dhs[:, t] + (dh_last if t == T - 1 and dh_last is not None else 0)) "
     "* f_grad(hs[t])", "carried_gradient_forgotten"),
    ("rnn_backward", "da = (dhs[:, t] + dh_next) * f_grad(hs[t])", "da = dhs[:, t] * f_grad(hs[t])",
     "carried_gradient_forgotten"),
    ("gru_backward", "dh = dhs[:, t] + dh_next", "dh = dhs[:, t]", "carried_gradient_forgotten"),
    ("lstm_backward", "dh = dhs[:, t] + dh_next\n        dc = dc_next + dh",
     "dh = dhs[:, t]\n        dc = dh", "carried_gradient_forgotten"),
    ("rnn_backward", "dh_next = np.zeros_like(h0) if dh_last is None else dh_last",
     "dh_next = np.zeros_like(h0)", "dh_last_ignored"),
    ("lstm_backward", "dh = dhs[:, t] + dh_next",
     "dh = dhs[:, t] + (dh_next if t == T - 1 else 0)", "carried_gradient_forgotten"),
    ("lstm_backward", "dc = dc_next + dh * o[:, t] * (1 - tanh_c ** 2)",
     "dc = (dc_next if t == T - 1 else 0) + dh * o[:, t] * (1 - tanh_c ** 2)",
     "carried_gradient_forgotten"),
    ("gru_backward", "dh = dhs[:, t] + dh_next",
     "dh = dhs[:, t] + (dh_next if t == T - 1 else 0)", "carried_gradient_forgotten"),
    ("lossFun", "dh = Why.T @ dy + dhnext", "dh = Why.T @ dy", "carried_gradient_forgotten"),
    ("rnn_step_backward", "return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)",
     "return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da", "bias_not_summed"),
    ("rnn_step_backward", "return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)",
     "return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.mean(axis=0)",
     "bias_not_summed"),
    ("lstm_backward", "dc = dc_next + dh * o[:, t] * (1 - tanh_c ** 2)",
     "dc = dc_next + dh * o[:, t] * (1 - cs[:, t] ** 2)", "tanh_derivative_of_preactivation"),
    ("rnn_step_backward", "da = dh * f_grad(h)", "da = dh * (1 - np.tanh(h) ** 2)",
     "tanh_derivative_of_output"),
    ("rnn_step_backward", "da = dh * f_grad(h)", "da = dh", "tanh_derivative_missing"),
    ("rnn_step_backward", "return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)",
     "return da @ Wx.T, da @ Wh.T, x.T @ da, da.T @ h_prev, da.sum(axis=0)", "wrong_transpose"),
    ("rnn_step_backward", "return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)",
     "return da @ Wx.T, da @ Wh.T, da.T @ x, h_prev.T @ da, da.sum(axis=0)", "wrong_transpose"),
    ("lstm_step_backward", "dc * i * (1 - g ** 2), dh * tanh_c * o * (1 - o)], axis=1)",
     "dh * tanh_c * o * (1 - o), dc * i * (1 - g ** 2)], axis=1)", "gates_swapped"),
    ("lstm_step_forward", "g = np.tanh(a[:, 2 * H:3 * H])",
     "g, o = np.tanh(a[:, 3 * H:]), _sigmoid(a[:, 2 * H:3 * H])  # CS231n's order",
     "gates_swapped"),
    ("lstm_step_backward", "dc = dc + dh * o * (1 - tanh_c ** 2)", "dc = dc",
     "cell_path_missing"),
    ("lstm_backward", "dc = dc_next + dh * o[:, t] * (1 - tanh_c ** 2)", "dc = dc_next",
     "cell_path_missing"),
    ("rnn_forward", "h = rnn_step_forward(x[:, t], h, Wx, Wh, b)",
     "h = rnn_step_forward(x[:, t], h0, Wx, Wh, b)", "state_not_carried"),
    ("gru_step_forward", "return (1 - z) * n + z * h_prev", "return z * n + (1 - z) * h_prev",
     "update_gate_flipped"),
    ("gru_step_forward", "r = _sigmoid(ax[:, :H] + ah[:, :H])\n"
     "    z = _sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])",
     "z = _sigmoid(ax[:, :H] + ah[:, :H])\n    r = _sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])",
     "gates_swapped"),
    ("gru_step_forward", "n = np.tanh(ax[:, 2 * H:] + r * (ah[:, 2 * H:] + b_hn))",
     "n = np.tanh(ax[:, 2 * H:] + (r * h_prev) @ Wh[:, 2 * H:] + b_hn)",
     "reset_before_product"),
    ("lossFun", "dhraw = (1 - hs[t] * hs[t]) * dh", "dhraw = (1 - np.arctanh(hs[t]) ** 2) * dh",
     "tanh_derivative_of_preactivation"),
    ("clip_by_global_norm", "return {k: g * scale for k, g in grads.items()}, total",
     "norms = {k: float(np.sqrt((g ** 2).sum())) for k, g in grads.items()}\n"
     "    return {k: g * (min(1.0, max_norm / norms[k]) if norms[k] > 0 else 1.0)\n"
     "            for k, g in grads.items()}, total", "clipped_per_array"),
    ("sample_with_temperature", "z = logits / temperature", "z = logits",
     "temperature_ignored"),
    ("sample_with_temperature", "return rng.choice(len(p), size=num_samples, p=p)",
     "return np.random.choice(len(p), size=num_samples, p=p)", "global_random_state"),
    ("gru_step_backward", "da_r = da_n * hn * r * (1 - r)", "da_r = da_n * h_prev * r * (1 - r)",
     "reset_gate_wrong_product"),
    ("softmax_cross_entropy_backward", "weights = np.ones((N, T)) if mask is None else mask",
     "weights = np.ones((N, T))", "mask_ignored"),
    ("embedding_backward", "np.add.at(dW, ids, dout)", "dW[ids] += dout",
     "repeated_ids_overwritten"),
    ("clip_by_global_norm", "scale = min(1.0, max_norm / total) if total > 0 else 1.0",
     "scale = max_norm / total if total > 0 else 1.0", "clipped_always"),
    ("lossFun", "return float(loss), dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]",
     "T = len(inputs)\n    return float(loss) / T, dWxh / T, dWhh / T, dWhy / T, dbh / T, "
     "dby / T, hs[T - 1]", "loss_averaged"),
    ("dot_attention_backward", "dkeys = weights.transpose(0, 2, 1) @ dcontext + "
     "dscores.transpose(0, 2, 1) @ query", "dkeys = dscores.transpose(0, 2, 1) @ query",
     "value_path_forgotten"),
    ("dot_attention_backward",
     "dscores = weights * (dw - (dw * weights).sum(axis=-1, keepdims=True))", "dscores = dw",
     "softmax_jacobian_missing"),
    ("sequential_partition", "X = ids[offset:offset + N * per_row].reshape(N, per_row)\n"
     "    Y = ids[offset + 1:offset + 1 + N * per_row].reshape(N, per_row)\n"
     "    batches = per_row // T\n"
     "    return (np.stack([X[:, i * T:(i + 1) * T] for i in range(batches)]),\n"
     "            np.stack([Y[:, i * T:(i + 1) * T] for i in range(batches)]))",
     "batches = per_row // T\n"
     "    X = ids[offset:offset + N * per_row].reshape(batches, N, T)\n"
     "    return X, ids[offset + 1:offset + 1 + N * per_row].reshape(batches, N, T)",
     "rows_do_not_continue"),
    ("sequential_partition", "Y = ids[offset + 1:offset + 1 + N * per_row]",
     "Y = ids[offset:offset + N * per_row]", "targets_not_shifted"),
    ("sample_with_temperature", "z = logits / temperature", "z = logits * temperature",
     "temperature_multiplied"),
    ("sample_with_temperature", "return rng.choice(len(p), size=num_samples, p=p)",
     "return np.full(num_samples, np.argmax(p))", "greedy"),
]


def load_edited(tmp_path: Path, name: str, old: str, new: str):
    """The correct submission with ``old`` replaced by ``new`` inside ``name``, imported."""
    text = CORRECT.read_text()
    start = text.index(f"\ndef {name}(")
    end = text.find("\ndef ", start + 1)
    end = len(text) if end < 0 else end
    body = text[start:end]
    assert body.count(old) == 1, f"{old!r} must appear exactly once in {name}"
    path = tmp_path / "wrong.py"
    path.write_text(text[:start] + body.replace(old, new) + text[end:])
    spec = importlib.util.spec_from_file_location("wrong_submission", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, path


@pytest.mark.parametrize(("name", "old", "new", "diagnosis"), MISTAKES,
                         ids=[f"{m[0]}-{m[3]}" for m in MISTAKES])
def test_each_diagnosis_fires_on_its_mistake(tmp_path, name, old, new, diagnosis):
    module, _ = load_edited(tmp_path, name, old, new)
    report = check(getattr(module, name), name)
    assert not report.ok
    found = [identifier for identifier, _ in report.diagnoses]
    assert found and found[0] == diagnosis, str(report)
    assert "hint: " in str(report)


def test_the_correct_submission_gets_no_diagnosis():
    spec = importlib.util.spec_from_file_location("correct_submission", CORRECT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in ("lstm_backward", "rnn_step_backward", "lossFun"):
        report = check(getattr(module, name), name)
        assert report.ok and report.diagnoses == []


def test_carried_gradient_hint_says_each_step_is_right():
    spec = importlib.util.spec_from_file_location("correct_submission", CORRECT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from minirnn.exercises import EXERCISES

    mistake = EXERCISES["lstm_backward"].mistakes[0]
    report = check(mistake.wrong, "lstm_backward")
    assert [case.ok for case in report.cases] == [False, True, False]  # T=1 has nothing to carry
    assert "each single step's gradient is right" in str(report)


def test_every_diagnosis_has_a_deliberately_wrong_submission():
    from minirnn.exercises import EXERCISES
    from minirnn.exercises.diagnoses import GENERIC

    tested = {(name, diagnosis) for name, _, _, diagnosis in MISTAKES}
    for name, exercise in EXERCISES.items():
        for mistake in exercise.mistakes:
            assert (name, mistake.id) in tested, f"{name}: {mistake.id} has no test"
    assert set(GENERIC) <= {diagnosis for _, _, _, diagnosis in MISTAKES}
