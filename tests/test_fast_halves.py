"""The fast passes in two batch halves on two threads (minirnn.functional.fast.halves)."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest
from test_fast_path import TIGHT, VARIANTS, _run, _variant

from minirnn import _blas_threads
from minirnn.functional.fast import halves
from minirnn.functional.fast import lstm as fast_lstm
from minirnn.gradcheck import check_function
from minirnn.layers import GRU, LSTM, RNN


@pytest.fixture
def two_threads(monkeypatch):
    """As with OPENBLAS_NUM_THREADS=2 (1 inside a one_blas_thread block, as the real
    blas_threads answers), and halves from 4 rows so that the tests stay small."""
    monkeypatch.setattr(halves, "blas_threads", lambda: 1 if _blas_threads._held else 2)
    monkeypatch.setattr(halves, "MIN_BATCH", 4)


def _inputs(N=7, T=5, D=3, H=4, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    kw = {"x": rng.standard_normal((N, T, D)), "h0": rng.standard_normal((N, H)),
          "c0": rng.standard_normal((N, H)), "Wx": rng.uniform(-0.5, 0.5, (D, 4 * H)),
          "Wh": rng.uniform(-0.5, 0.5, (H, 4 * H)), "b": rng.uniform(-0.5, 0.5, 4 * H)}
    upstream = (rng.standard_normal((N, T, H)), rng.standard_normal((N, H)),
                rng.standard_normal((N, H)))
    return ({k: v.astype(dtype) for k, v in kw.items()},
            tuple(u.astype(dtype) for u in upstream))


def _fast(kw, upstream, final_grads=True):
    hs, c_last, cache = fast_lstm.lstm_forward(**kw)
    dhs, dh_last, dc_last = upstream
    finals = (dh_last, dc_last) if final_grads else (None, None)
    return [hs.copy(), c_last.copy()], list(fast_lstm.lstm_backward(dhs, cache, *finals)), cache


@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("with_final_grads", [False, True])
def test_every_cell_in_halves_equals_reference(two_threads, name, with_final_grads):
    """Each cell's fast pass, run in halves, against its reference pass (float64)."""
    reference, fast, kw = _variant(name, 7, 5, 3, 4, seed=2)
    rng = np.random.default_rng(5)
    dhs = rng.standard_normal((7, 5, 4))
    dfinals = [rng.standard_normal((7, 4)) if with_final_grads else None
               for _ in range(2 if name == "lstm" else 1)]
    cache = getattr(fast, f"{name.split('-')[0]}_forward")(**kw)[-1]
    assert isinstance(cache, halves.Halves) and cache.shape == (7, 5, 4)
    got_out, got_grads = _run(fast, name, kw, dhs, dfinals)
    want_out, want_grads = _run(reference, name, kw, dhs, dfinals)
    for got, want in zip(got_out + got_grads, want_out + want_grads, strict=True):
        np.testing.assert_allclose(got, want, **TIGHT)


def test_halves_only_with_two_threads_enough_rows_and_a_small_w_h(monkeypatch):
    monkeypatch.setattr(halves, "blas_threads", lambda: 2)
    assert halves.halves_pay(halves.MIN_BATCH, halves.MAX_WH_BYTES)
    assert not halves.halves_pay(halves.MIN_BATCH - 1, halves.MAX_WH_BYTES)
    assert not halves.halves_pay(halves.MIN_BATCH, halves.MAX_WH_BYTES + 1)
    monkeypatch.setattr(halves, "blas_threads", lambda: 1)
    assert not halves.halves_pay(halves.MIN_BATCH, halves.MAX_WH_BYTES)


def test_lstm_asked_for_a_way_of_products_runs_as_one_batch(two_threads):
    kw, _ = _inputs(N=8, H=4)
    for way in ({"transposed": False}, {"block_width": 2}):
        assert not isinstance(fast_lstm.lstm_forward(**kw, **way)[-1], halves.Halves)


def test_halves_side_by_side_or_one_after_the_other_give_the_same_bits(two_threads):
    kw, upstream = _inputs(N=9, dtype=np.float32)
    side_by_side = _fast(kw, upstream)
    # with the worker taken (another caller using it), both halves run on this thread
    assert halves._worker_lock.acquire(blocking=False)
    try:
        one_after_the_other = _fast(kw, upstream)
    finally:
        halves._worker_lock.release()
    for got, want in zip(side_by_side[0] + side_by_side[1],
                         one_after_the_other[0] + one_after_the_other[1], strict=True):
        np.testing.assert_array_equal(got, want)


def test_halves_run_on_two_threads():
    seen = set()

    def job(rows, k):
        seen.add(threading.get_ident())
        return rows, k

    assert halves.in_halves(job, 5) == ((slice(0, 2), 0), (slice(2, 5), 1))
    assert len(seen) == 2


@pytest.mark.parametrize("failing", [0, 1])
def test_an_error_in_either_half_reaches_the_caller_and_the_blas_count_comes_back(failing):
    before = _blas_threads.blas_threads()
    done = []

    def job(rows, k):
        if k == failing:
            raise ArithmeticError(f"half {k}")
        done.append(k)
        return k

    with pytest.raises(ArithmeticError, match=f"half {failing}"):
        halves.in_halves(job, 6)
    assert done == [1 - failing]  # the other half ran to its end
    assert _blas_threads._held == 0 and _blas_threads.blas_threads() == before
    assert halves._worker_lock.acquire(blocking=False)  # released
    halves._worker_lock.release()


def test_one_blas_thread_holds_openblas_at_one_and_restores_its_count():
    functions = _blas_threads._openblas_functions()
    assert functions is not None, "NumPy's OpenBLAS should export its thread setter"
    set_threads, get_threads = functions
    before = get_threads()
    set_threads(2)
    try:
        with _blas_threads.one_blas_thread():
            with _blas_threads.one_blas_thread():  # nested: still one, restored once
                assert get_threads() == 1 and _blas_threads.blas_threads() == 1
            assert get_threads() == 1
        assert get_threads() == 2
    finally:
        set_threads(before)


def test_lstm_backward_in_halves_names_a_wrong_upstream_shape(two_threads):
    kw, (dhs, _, _) = _inputs(N=6)
    cache = fast_lstm.lstm_forward(**kw)[-1]
    with pytest.raises(ValueError, match=r"dhs must have shape \(6, 5, 4\)"):
        fast_lstm.lstm_backward(dhs[:5], cache)
    with pytest.raises(ValueError, match="dc_last"):
        fast_lstm.lstm_backward(dhs, cache, dc_last=np.zeros((5, 4)))


def test_lstm_in_halves_passes_the_gradient_check(two_threads):
    kw, _ = _inputs(N=5, T=4, D=2, H=3, seed=3)

    def forward(**inputs):
        hs, c_last, cache = fast_lstm.lstm_forward(**inputs)
        assert isinstance(cache, halves.Halves)
        return hs.copy(), c_last.copy(), cache

    def backward(dhs, dc_last, cache):
        return fast_lstm.lstm_backward(dhs, cache, dc_last=dc_last)

    report = check_function(forward, backward, kw, gates=("i", "f", "g", "o"))
    assert {"x", "h0", "c0", "Wx[i]", "Wh[f]", "b[o]"} <= {row.name for row in report}
    assert report.max_error < 1e-6, str(report)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("Layer", [RNN, LSTM, GRU])
def test_stacked_bidirectional_layer_in_halves_equals_one_batch(monkeypatch, two_threads,
                                                               dtype, Layer):
    layer = Layer(3, 4, num_layers=2, bidirectional=True, seed=0, dtype=dtype)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((9, 6, 3)).astype(dtype)
    dhs = rng.standard_normal((9, 6, 8)).astype(dtype)

    def run():
        layer.zero_grad()
        out, finals = layer.forward(x)
        dx = layer.backward(dhs)
        arrays = [out, dx, *finals, *layer.dstate, *layer.gradients().values()]
        return [np.array(a) for a in arrays]

    in_halves = [run(), run()]  # the second reuses the halves' workspaces
    monkeypatch.setattr(halves, "MIN_BATCH", 10**9)
    whole = run()
    tolerance = {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else TIGHT
    for got, again, want in zip(*in_halves, whole, strict=True):
        np.testing.assert_array_equal(got, again)
        np.testing.assert_allclose(got, want, **tolerance)


def test_a_forked_child_runs_halves_on_a_worker_of_its_own():
    """A child made by fork has no copy of the parent's worker thread: it starts its own
    instead of waiting for ever on the parent's."""
    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    halves.in_halves(lambda rows, k: k, 4)  # the parent's worker exists
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if the halves finish, on two threads
        seen = set()

        def job(rows, k):
            seen.add(threading.get_ident())
            return k

        code = 0 if halves.in_halves(job, 4) == (0, 1) and len(seen) == 2 else 1
        os._exit(code)
    for _ in range(200):  # up to 10 s
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail("the forked child's halves never finished")
