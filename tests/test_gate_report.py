"""The gradient-check report names the gate whose backward is wrong.

Each test wraps a correct backward so that exactly one gate block of one gradient is off by
a few percent, and asserts that the report calls that block wrong and every other row good.
"""

from __future__ import annotations

import numpy as np
import pytest

import minirnn.layers.gru as gru_layer_module
import minirnn.layers.gru_cell as gru_cell_module
import minirnn.layers.lstm as lstm_layer_module
import minirnn.layers.lstm_cell as lstm_cell_module
from minirnn.functional.lstm import lstm_backward, lstm_forward
from minirnn.gradcheck import check_function, check_layer
from minirnn.layers import GRU, LSTM, GRUCell, LSTMCell


def corrupt_block(grad, gate, gates):
    """A copy of ``grad`` with one gate block (along the last axis) scaled by 1.05."""
    width = grad.shape[-1] // len(gates)
    k = gates.index(gate)
    bad = np.array(grad, copy=True)
    bad[..., k * width : (k + 1) * width] *= 1.05
    return bad


def assert_only_wrong(report, wrong_rows):
    verdicts = {row.name: row.verdict for row in report}
    assert set(wrong_rows) <= set(verdicts), verdicts
    for name, verdict in verdicts.items():
        expected = "wrong" if name in wrong_rows else "good"
        assert verdict == expected, f"{name}: {verdict}, expected {expected}\n{report}"


def inputs(N, *shape, seed=0):
    return np.random.default_rng(seed).standard_normal((N, *shape))


@pytest.mark.parametrize("gate", ["i", "f", "g", "o"])
def test_lstm_cell_report_names_the_broken_gate_of_wh(monkeypatch, gate):
    real = lstm_cell_module.lstm_step_backward

    def broken(dh, dc, cache):
        dx, dh_prev, dc_prev, dWx, dWh, db = real(dh, dc, cache)
        return dx, dh_prev, dc_prev, dWx, corrupt_block(dWh, gate, LSTMCell.gates), db

    monkeypatch.setattr(lstm_cell_module, "lstm_step_backward", broken)
    cell = LSTMCell(3, 4, seed=0)
    report = check_layer(cell, {"x": inputs(2, 3),
                                "state": (inputs(2, 4, seed=1), inputs(2, 4, seed=2))})
    assert not report.ok
    assert_only_wrong(report, {f"Wh[{gate}]"})


def test_gru_cell_report_names_the_broken_n_gate(monkeypatch):
    real = gru_cell_module.gru_step_backward

    def broken(dh, cache):
        dx, dh_prev, dWx, dWh, db, db_hn = real(dh, cache)
        return dx, dh_prev, corrupt_block(dWx, "n", GRUCell.gates), dWh, db, db_hn

    monkeypatch.setattr(gru_cell_module, "gru_step_backward", broken)
    for reset_after in (True, False):
        # seed=1: with the default projection one entry of Wx[r] has a gradient so small
        # (relative error 1.2e-7 from finite-difference noise alone) that it reads
        # "suspicious" even when nothing is broken.
        report = check_layer(GRUCell(3, 4, reset_after=reset_after, seed=0),
                             {"x": inputs(2, 3), "state": inputs(2, 4, seed=1)}, seed=1)
        assert_only_wrong(report, {"Wx[n]"})


def test_sequence_function_report_names_the_broken_bias_gate():
    gates = ("i", "f", "g", "o")

    def broken_backward(dhs, cache):
        dx, dh0, dc0, dWx, dWh, db = lstm_backward(dhs, cache)
        return dx, dh0, dc0, dWx, dWh, corrupt_block(db, "f", gates)

    def forward(**kw):
        hs, _, cache = lstm_forward(**kw)
        return hs, cache

    rng = np.random.default_rng(0)
    args = {"x": inputs(2, 4, 3), "h0": inputs(2, 5, seed=1), "c0": inputs(2, 5, seed=2),
            "Wx": rng.uniform(-0.3, 0.3, (3, 20)), "Wh": rng.uniform(-0.3, 0.3, (5, 20)),
            "b": rng.uniform(-0.3, 0.3, 20)}
    assert check_function(forward, lambda dhs, cache: lstm_backward(dhs, cache), args,
                          gates=gates).all_good
    report = check_function(forward, broken_backward, args, gates=gates)
    assert_only_wrong(report, {"b[f]"})


def test_stacked_lstm_layer_report_names_layer_and_gate(monkeypatch):
    # Break only the second layer's Wx o-block: the report must say l1.Wx[o], not l0.
    real = lstm_layer_module.lstm_backward

    def broken(dhs, cache, dh_last=None, dc_last=None, workspace=None):
        dx, dh0, dc0, dWx, dWh, db = real(dhs, cache, dh_last, dc_last, workspace)
        if dWx.shape[0] == 4:  # layer 1 sees the hidden size 4; layer 0 the input size 3
            dWx = corrupt_block(dWx, "o", LSTM.gates)
        return dx, dh0, dc0, dWx, dWh, db

    monkeypatch.setattr(lstm_layer_module, "lstm_backward", broken)
    layer = LSTM(3, 4, num_layers=2, seed=0)
    report = check_layer(layer, {"x": inputs(2, 3, 3)})
    assert_only_wrong(report, {"l1.Wx[o]"})


def test_gru_layer_report_names_the_broken_reset_gate(monkeypatch):
    real = gru_layer_module.gru_backward

    def broken(dhs, cache, dh_last=None, workspace=None):
        dx, dh0, dWx, dWh, db, db_hn = real(dhs, cache, dh_last, workspace)
        return dx, dh0, dWx, corrupt_block(dWh, "r", GRU.gates), db, db_hn

    monkeypatch.setattr(gru_layer_module, "gru_backward", broken)
    report = check_layer(GRU(3, 4, seed=0), {"x": inputs(2, 3, 3)})
    assert_only_wrong(report, {"Wh[r]"})


def test_gate_rows_show_the_gate_block_shape():
    report = check_layer(LSTM(5, 4, seed=0), {"x": inputs(2, 3, 5)}, max_entries=6)
    table = str(report)
    assert "Wx[i]" in table and report["Wx[i]"].shape == (5, 16)
    assert report["Wx[i]"].block_shape == (5, 4) and report["b[o]"].block_shape == (4,)
    row = next(line for line in table.splitlines() if line.startswith("Wx[i]"))
    assert "(5, 4)" in row and "(5, 16)" not in row
    assert report["x"].block_shape == (2, 3, 5)  # not a gate: the array's own shape


def test_a_suspicious_row_is_explained_under_the_table():
    from minirnn.gradcheck import GradcheckReport, GradcheckRow

    good = GradcheckRow("Wx", (3, 4), 1e-9, 12, 12, (0, 0), 1.0, 1.0)
    suspicious = GradcheckRow("Wh", (4, 4), 3e-6, 16, 16, (1, 2), 1.0, 1.0)
    assert "suspicious =" not in str(GradcheckReport([good]))
    text = str(GradcheckReport([good, suspicious]))
    assert "suspicious = an error of 1e-07 to 1e-04" in text and "Worry if" in text
