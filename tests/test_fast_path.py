"""The tuned sequence passes (minirnn.functional.fast) compute what the readable reference
passes (minirnn.functional.{rnn,lstm,gru}) compute: outputs and every gradient, every cell.

The reference passes are gradient-checked in their own test files; pinning the fast path to
them here, in float64 and at a tight tolerance, carries those checks over.
"""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.functional import gru, lstm, rnn
from minirnn.functional.fast import gru as fast_gru
from minirnn.functional.fast import lstm as fast_lstm
from minirnn.functional.fast import rnn as fast_rnn

# The two sigmoids (masked exp in the reference, tanh form in the fast path) differ in the
# last bit or two; over a few steps that stays far below this.
TIGHT = {"rtol": 1e-11, "atol": 1e-12}


def _params(rng, D, H, gates, dtype=np.float64, scale=0.5):
    return {
        "Wx": rng.uniform(-scale, scale, (D, gates * H)).astype(dtype),
        "Wh": rng.uniform(-scale, scale, (H, gates * H)).astype(dtype),
        "b": rng.uniform(-scale, scale, gates * H).astype(dtype),
    }


def _variant(name, N, T, D, H, seed, dtype=np.float64):
    """(reference module, fast module, forward kwargs, number of states) for a variant."""
    rng = np.random.default_rng(seed)
    kw = {"x": rng.standard_normal((N, T, D)).astype(dtype),
          "h0": rng.standard_normal((N, H)).astype(dtype)}
    if name.startswith("rnn"):
        kw.update(_params(rng, D, H, 1, dtype), nonlinearity=name.split("-")[1])
        return rnn, fast_rnn, kw
    if name == "lstm":
        kw["c0"] = rng.standard_normal((N, H)).astype(dtype)
        kw.update(_params(rng, D, H, 4, dtype))
        return lstm, fast_lstm, kw
    reset_after = name == "gru-after"
    kw.update(_params(rng, D, H, 3, dtype), reset_after=reset_after)
    kw["b_hn"] = rng.uniform(-0.5, 0.5, H).astype(dtype) if reset_after else None
    return gru, fast_gru, kw


VARIANTS = ["rnn-tanh", "rnn-relu", "rnn-sigmoid", "rnn-identity", "lstm", "gru-after",
            "gru-before"]


def _run(module, name, kw, dhs, dfinals):
    """Forward then backward through one module; every output and gradient in one list."""
    cell = name.split("-")[0]
    out = getattr(module, f"{cell}_forward")(**kw)
    outputs, cache = list(out[:-1]), out[-1]
    grads = getattr(module, f"{cell}_backward")(dhs, cache, *dfinals)
    return outputs, [g for g in grads if g is not None]


@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("N, T, D, H", [(3, 7, 4, 5), (1, 1, 2, 3), (2, 12, 3, 2)])
@pytest.mark.parametrize("with_final_grads", [False, True])
def test_fast_pass_equals_reference(name, N, T, D, H, with_final_grads):
    ref, fast, kw = _variant(name, N, T, D, H, seed=N + T + D + H)
    rng = np.random.default_rng(1)
    dhs = rng.standard_normal((N, T, H))
    count = 2 if name == "lstm" else 1
    dfinals = [rng.standard_normal((N, H)) if with_final_grads else None for _ in range(count)]
    want_out, want_grads = _run(ref, name, kw, dhs, dfinals)
    got_out, got_grads = _run(fast, name, kw, dhs, dfinals)
    assert len(got_grads) == len(want_grads) == len([k for k, v in kw.items()
                                                      if isinstance(v, np.ndarray)])
    for got, want in zip(got_out + got_grads, want_out + want_grads, strict=True):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, **TIGHT)


@pytest.mark.parametrize("name", VARIANTS)
def test_fast_pass_float32_in_float32_out(name):
    _, fast, kw = _variant(name, 2, 4, 3, 5, seed=0, dtype=np.float32)
    _, _, kw64 = _variant(name, 2, 4, 3, 5, seed=0)
    dhs = np.ones((2, 4, 5), dtype=np.float32)
    outputs, grads = _run(fast, name, kw, dhs, [])
    assert all(a.dtype == np.float32 for a in outputs + grads)
    outputs64, _ = _run(fast, name, kw64, dhs.astype(np.float64), [])
    np.testing.assert_allclose(outputs[0], outputs64[0], atol=1e-5)


@pytest.mark.parametrize("name", VARIANTS)
def test_fast_pass_leaves_inputs_alone_and_backward_repeats(name):
    _, fast, kw = _variant(name, 2, 3, 4, 3, seed=5)
    before = {k: v.copy() for k, v in kw.items() if isinstance(v, np.ndarray)}
    cell = name.split("-")[0]
    out = getattr(fast, f"{cell}_forward")(**kw)
    backward = getattr(fast, f"{cell}_backward")
    first = backward(np.ones_like(out[0]), out[-1])
    second = backward(np.ones_like(out[0]), out[-1])
    for a, b in zip(first, second, strict=True):
        if a is not None:
            np.testing.assert_array_equal(a, b)
    for k, v in before.items():
        np.testing.assert_array_equal(kw[k], v)


@pytest.mark.parametrize("name", ["rnn-tanh", "rnn-sigmoid", "lstm", "gru-after", "gru-before"])
def test_fast_pass_saturated_gates_stay_finite(name):
    # Huge pre-activations: a naive exp(-a) would overflow (and warnings are errors here).
    _, fast, kw = _variant(name, 2, 3, 2, 2, seed=6)
    kw["x"] = kw["x"] * 1e4
    outputs, grads = _run(fast, name, kw, np.ones((2, 3, 2)), [])
    assert all(np.all(np.isfinite(a)) for a in outputs + grads)


# -- the workspace and the two backward loops of the LSTM ----------------------------------------
def test_workspace_reuses_a_released_buffer_and_never_a_held_one():
    from minirnn.functional.fast.workspace import Workspace

    ws = Workspace()
    address = ws.empty("a", (4, 3), np.float64).__array_interface__["data"][0]
    again = ws.empty("a", (2, 3), np.float64)  # the first was released: same memory
    assert again.__array_interface__["data"][0] == address
    held = again[0]  # a view keeps the buffer alive
    del again
    fresh = ws.empty("a", (2, 3), np.float64)
    assert fresh.__array_interface__["data"][0] != address
    assert held.base is not None and fresh.shape == (2, 3)
    assert ws.empty("a", (2, 3), np.float32).dtype == np.float32  # another dtype: new buffer


def test_workspace_keeps_step_views_while_their_buffers_and_shapes_stay():
    """Step views are made once per buffer and key; the references they hold do not make
    their buffer count as held, and a buffer that is held gets replaced, views and all."""
    from minirnn.functional.fast.workspace import Workspace

    ws = Workspace()
    made = []

    def views(name, shape, key):
        array = ws.empty(name, shape, np.float64)
        return ws.step_views((name,), key, lambda: made.append(key) or list(array))

    first = views("a", (4, 3), 4)
    address = first[0].__array_interface__["data"][0]
    assert views("a", (4, 3), 4) is first and made == [4]  # kept, and the buffer reused
    assert first[0].__array_interface__["data"][0] == address
    del first
    assert len(views("a", (2, 3), 2)) == 2 and made == [4, 2]  # another key: made again
    held = ws.empty("a", (2, 3), np.float64)  # someone keeps the buffer: a fresh one next
    again = views("a", (2, 3), 2)
    assert made == [4, 2, 2] and again[0].__array_interface__["data"][0] != address
    assert held.__array_interface__["data"][0] == address


@pytest.mark.parametrize("name", ["rnn-tanh", "rnn-relu", "lstm", "gru-after", "gru-before"])
@pytest.mark.parametrize("N", [1, 3])
def test_a_kept_cache_survives_later_passes_with_the_same_workspace(name, N):
    """Truncated BPTT keeps an old cache: the workspace must not write over it (at N = 1
    the LSTM's workspace also keeps the loops' step views)."""
    from minirnn.functional.fast.workspace import Workspace

    ref, fast, kw = _variant(name, N, 6, 4, 5, seed=11)
    cell = name.split("-")[0]
    forward, backward = getattr(fast, f"{cell}_forward"), getattr(fast, f"{cell}_backward")
    extra = {"workspace": Workspace()}
    dhs = np.random.default_rng(3).standard_normal((N, 6, 5))
    want = backward(dhs, forward(**kw)[-1])
    kept = forward(**kw, **extra)[-1]
    for seed in (1, 2):  # later passes through the same workspace, other inputs
        other = dict(kw, x=np.random.default_rng(seed).standard_normal(kw["x"].shape))
        backward(dhs, forward(**other, **extra)[-1], **extra)
    got = backward(dhs, kept, **extra)
    for a, b in zip(got, want, strict=True):
        if a is not None:
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("shape", [(1, 9, 3, 4), (5, 4, 3, 2)])
def test_lstm_backward_loops_agree_bit_for_bit(monkeypatch, shape):
    """Gate factors per step or for all steps first: the same operations, the same bits."""
    N, T, D, H = shape
    _, fast, kw = _variant("lstm", N, T, D, H, seed=4)
    rng = np.random.default_rng(5)
    dhs, dh_last, dc_last = (rng.standard_normal(s) for s in ((N, T, H), (N, H), (N, H)))
    results = []
    for threshold in (0, 2**62):  # never / always precompute
        monkeypatch.setattr(fast, "PRECOMPUTE_BYTES", threshold)
        results.append(fast.lstm_backward(dhs, fast.lstm_forward(**kw)[-1], dh_last, dc_last))
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)


# -- the LSTM's transposed per-step products -----------------------------------------------------
def _assert_lstm_ways_equal_reference(N, T, D, H, seed, with_final_grads, ways):
    """Each way of the fast LSTM (keyword arguments, and the cache's last items it must
    leave for the backward pass) against the reference pass in float64."""
    _, _, kw = _variant("lstm", N, T, D, H, seed=seed)
    rng = np.random.default_rng(7)
    dhs = rng.standard_normal((N, T, H))
    dfinals = [rng.standard_normal((N, H)) if with_final_grads else None for _ in range(2)]
    want_out, want_grads = _run(lstm, "lstm", kw, dhs, dfinals)
    for way, cache_tail in ways:
        out = fast_lstm.lstm_forward(**kw, **way)
        assert out[-1][-2:] == cache_tail  # the cache tells the backward pass which way
        grads = fast_lstm.lstm_backward(dhs, out[-1], *dfinals)
        for got, want in zip(list(out[:-1]) + list(grads), want_out + want_grads, strict=True):
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, **TIGHT)


@pytest.mark.parametrize("N, T, D, H", [(3, 7, 4, 5), (1, 4, 2, 3), (9, 6, 3, 4)])
@pytest.mark.parametrize("precompute", [0, 2**62])  # the backward pass's two loops
@pytest.mark.parametrize("with_final_grads", [False, True])
def test_lstm_transposed_products_equal_reference(monkeypatch, N, T, D, H, precompute,
                                                  with_final_grads):
    """The second way of writing W_h's products (chosen for large float32 passes) is pinned
    to the reference in float64 like the first, in both backward loops."""
    monkeypatch.setattr(fast_lstm, "PRECOMPUTE_BYTES", precompute)
    ways = [(dict(transposed=t), (t, 0)) for t in (False, True)]
    _assert_lstm_ways_equal_reference(N, T, D, H, N * T + D * H, with_final_grads, ways)


def test_lstm_chooses_transposed_products_for_large_float32_only():
    choose = fast_lstm._transposed_products
    assert choose(np.float32, 20, 650) and choose(np.float32, 32, 512)
    assert not choose(np.float64, 32, 512)  # measured slower in float64
    assert not choose(np.float32, 1, 512)  # batch one: a matrix-vector product, no faster
    assert choose(np.float32, 48, 512) and not choose(np.float32, 128, 512)  # 1.06x-1.17x
    assert not choose(np.float32, 64, 256)  # W_h of 1 MB fits the cache: measured slower
    assert not choose(np.float32, 128, 100)


# -- the LSTM's per-step products in column blocks of W_h ------------------------------------------
@pytest.mark.parametrize("N, T, D, H, width", [(3, 7, 4, 6, 2), (3, 7, 4, 6, 3), (1, 4, 2, 3, 3),
                                               (9, 6, 3, 4, 1)])
@pytest.mark.parametrize("precompute", [0, 2**62])  # the backward pass's two loops
@pytest.mark.parametrize("with_final_grads", [False, True])
def test_lstm_blocked_products_equal_reference(monkeypatch, N, T, D, H, width, precompute,
                                               with_final_grads):
    """The products with W_h in column blocks (chosen for large float32 passes) are pinned to
    the reference in float64, outputs and every gradient, in both backward loops."""
    monkeypatch.setattr(fast_lstm, "PRECOMPUTE_BYTES", precompute)
    ways = [(dict(block_width=width), (False, width))]
    _assert_lstm_ways_equal_reference(N, T, D, H, N * T + D * H + width, with_final_grads, ways)


@pytest.mark.parametrize("N, H, width", [(3, 5, 3), (4, 6, 4), (2, 5, 8), (3, 4, 2)])
def test_lstm_forward_blocks_of_any_width_equal_reference(monkeypatch, N, H, width):
    """The forward pass's column blocks need not divide H (the blocks run over the four
    gates' 4H columns, the last one padded): pinned to the reference like the others."""
    monkeypatch.setattr(fast_lstm, "_forward_block_width", lambda dtype, N, H: width)
    monkeypatch.setattr(fast_lstm, "_block_width", lambda dtype, N, H: 0)
    _assert_lstm_ways_equal_reference(N, 5, 3, H, N + H + width, True, [(dict(), (False, 0))])


def test_lstm_forward_chooses_block_widths_of_whole_registers(monkeypatch):
    monkeypatch.setattr(fast_lstm, "blas_threads", lambda: 1)
    width = fast_lstm._forward_block_width
    assert width(np.float32, 20, 650) == 64  # N H w = 832,000; 65 (a divisor) measured slower
    assert width(np.float32, 32, 512) == 32 and width(np.float32, 64, 256) == 32
    assert width(np.float64, 20, 650) == 32  # float64 from 20 rows
    assert width(np.float64, 128, 100) == 32  # W_h of 320 KB
    assert width(np.float64, 16, 650) == 0 and width(np.float32, 128, 100) == 0
    assert width(np.float32, 1, 1024) == 0  # batch one: the vector loops
    monkeypatch.setattr(fast_lstm, "blas_threads", lambda: 2)
    assert width(np.float32, 20, 650) == 0


def test_lstm_float64_chooses_column_blocks_by_default_and_equals_reference(monkeypatch):
    """A float64 pass with 32 rows and W_h of 256 KB or more takes the column blocks without
    being asked (session 10), and is pinned to the reference like the other ways."""
    monkeypatch.setattr(fast_lstm, "blas_threads", lambda: 1)
    N, H = 32, 96  # W_h of 295 KB; widest divisor of 96 with N H w <= 10**6: 96 itself
    assert fast_lstm._block_width(np.float64, N, H) == 96
    _assert_lstm_ways_equal_reference(N, 3, 4, H, 11, True, [(dict(), (False, 96))])


def test_lstm_chooses_column_blocks_small_enough_for_the_small_matrix_kernel(monkeypatch):
    monkeypatch.setattr(fast_lstm, "blas_threads", lambda: 1)
    width = fast_lstm._block_width
    assert width(np.float32, 20, 650) == 65  # N H w = 845,000 <= 10**6; 130 would not be
    assert width(np.float32, 32, 512) == 32  # 64 would give N H w = 1,048,576
    # float64 (session 10): from 32 rows and W_h of 256 KB
    assert width(np.float64, 32, 512) == 32 and width(np.float64, 64, 256) == 32
    assert width(np.float64, 128, 100) == 50  # W_h of 320 KB; N H w = 640,000
    assert width(np.float64, 20, 650) == 0  # 20 rows: no faster (measured)
    assert width(np.float64, 64, 64) == 0  # W_h of 128 KB
    assert width(np.float32, 64, 256) == 32  # W_h of 1 MB: 0.96 of the session-5 pass
    assert width(np.float32, 128, 512) == 0  # N H w <= 10**6 leaves no width of 16
    assert width(np.float32, 128, 100) == 0 and width(np.float32, 4, 512) == 0  # small W_h, N
    assert width(np.float32, 48, 1021) == 0  # a prime H: no divisor of at least 16 fits
    # an explicit transposed= keeps that way of writing the products
    _, _, kw = _variant("lstm", 2, 3, 2, 4, seed=1)
    kw = {k: v.astype(np.float32) for k, v in kw.items()}
    assert fast_lstm.lstm_forward(**kw, transposed=True)[-1][-2:] == (True, 0)


def test_lstm_column_blocks_only_with_one_blas_thread(monkeypatch):
    """OpenBLAS's small-matrix kernel runs on one thread: with two, the threaded products."""
    monkeypatch.setattr(fast_lstm, "blas_threads", lambda: 2)
    assert fast_lstm._block_width(np.float32, 20, 650) == 0
    assert fast_lstm._block_width(np.float32, 32, 512) == 0
    assert fast_lstm._block_width(np.float64, 32, 512) == 0


@pytest.mark.parametrize("name", ["gru-after", "gru-before"])
def test_gru_backward_gives_the_same_bits_whatever_the_chunk_of_steps(monkeypatch, name):
    """Gate factors one step at a time, a few steps, or all steps at once: same operations."""
    N, T, D, H = 3, 7, 2, 4
    _, fast, kw = _variant(name, N, T, D, H, seed=8)
    rng = np.random.default_rng(9)
    dhs, dh_last = rng.standard_normal((N, T, H)), rng.standard_normal((N, H))
    step_bytes = 4 * N * H * 8
    results = []
    for chunk_bytes in (1, 3 * step_bytes, 2**62):  # 1 step, 3 steps (7 = 3 + 3 + 1), all
        monkeypatch.setattr(fast, "CHUNK_BYTES", chunk_bytes)
        results.append(fast.gru_backward(dhs, fast.gru_forward(**kw)[-1], dh_last))
    for other in results[1:]:
        for a, b in zip(results[0], other, strict=True):
            if a is not None:
                np.testing.assert_array_equal(a, b)


def test_the_bias_inside_the_input_product():
    """[x 1] [Wx; b] = x Wx + b, time-major; [x 1]^T da gives dWx and db in one product."""
    from minirnn.functional.fast.inputs import (
        inputs_with_ones,
        split_weight_gradient,
        weights_with_bias,
    )

    rng = np.random.default_rng(12)
    N, T, D, G = 2, 3, 4, 5
    x, Wx, b = rng.standard_normal((N, T, D)), rng.standard_normal((D, G)), rng.standard_normal(G)
    x_ones = inputs_with_ones(x[:, ::-1], np.float64, None)  # a reversed view is fine
    x_tm = x[:, ::-1].transpose(1, 0, 2).reshape(T * N, D)
    np.testing.assert_allclose(x_ones @ weights_with_bias(Wx, b, np.float64), x_tm @ Wx + b)
    scale = rng.uniform(size=G)
    np.testing.assert_allclose(weights_with_bias(Wx, b, np.float64, scale) @ np.eye(G),
                               np.vstack([Wx, b]) * scale)
    da = rng.standard_normal((T * N, G))
    dWx, db = split_weight_gradient(x_ones.T @ da)
    np.testing.assert_allclose(dWx, x_tm.T @ da)
    np.testing.assert_allclose(db, da.sum(axis=0))


@pytest.mark.parametrize("per_step", [False, True])
def test_lstm_input_projection_both_ways_equals_reference(monkeypatch, per_step):
    """One tall product moved into the gate blocks, or one product per step and gate (chosen
    for large batches): both pinned to the reference, with the transposed products too."""
    monkeypatch.setattr(fast_lstm, "PER_STEP_MIN_BATCH", 1 if per_step else 2**62)
    N, T, D, H = 4, 6, 3, 5
    _, _, kw = _variant("lstm", N, T, D, H, seed=21)
    rng = np.random.default_rng(8)
    dhs, dh_last, dc_last = (rng.standard_normal(s) for s in ((N, T, H), (N, H), (N, H)))
    want_out, want_grads = _run(lstm, "lstm", kw, dhs, [dh_last, dc_last])
    for transposed in (False, True):
        out = fast_lstm.lstm_forward(**kw, transposed=transposed)
        grads = fast_lstm.lstm_backward(dhs, out[-1], dh_last, dc_last)
        for got, want in zip(list(out[:-1]) + list(grads), want_out + want_grads, strict=True):
            np.testing.assert_allclose(got, want, **TIGHT)


# -- the LSTM at batch one: vector loops (minirnn.functional.fast.lstm_one) ----------------------
def _record_calls(monkeypatch, name, calls):
    """Make fast_lstm's ``name`` (imported from lstm_one) append its name to ``calls``."""
    original = getattr(fast_lstm, name)

    def recorded(*args):
        calls.append(name)
        return original(*args)

    monkeypatch.setattr(fast_lstm, name, recorded)


@pytest.mark.parametrize("T", [1, 2, 9])
@pytest.mark.parametrize("with_final_grads", [False, True])
def test_lstm_batch_one_vector_loops_equal_reference(monkeypatch, T, with_final_grads):
    """At N = 1 the passes run the vector loops; they and this module's own loops (switched
    off and on) are pinned to the reference in float64, the vector loops really ran."""
    ran = []
    for name in ("forward_steps", "backward_steps"):
        _record_calls(monkeypatch, name, ran)
    _, _, kw = _variant("lstm", 1, T, 3, 4, seed=T + 30)
    rng = np.random.default_rng(T)
    dhs = rng.standard_normal((1, T, 4))
    dfinals = [rng.standard_normal((1, 4)) if with_final_grads else None for _ in range(2)]
    want_out, want_grads = _run(lstm, "lstm", kw, dhs, dfinals)
    for vector_loops in (True, False):
        monkeypatch.setattr(fast_lstm, "VECTOR_LOOPS_AT_BATCH_ONE", vector_loops)
        got_out, got_grads = _run(fast_lstm, "lstm", kw, dhs, dfinals)
        for got, want in zip(got_out + got_grads, want_out + want_grads, strict=True):
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, **TIGHT)
        assert ran == (["forward_steps", "backward_steps"] if vector_loops else [])
        ran.clear()


def test_lstm_batch_one_vector_loops_in_float32_and_with_a_workspace():
    """float32 stays float32 and agrees with float64; a workspace changes no number."""
    from minirnn.functional.fast.workspace import Workspace

    _, _, kw = _variant("lstm", 1, 6, 3, 5, seed=40, dtype=np.float32)
    _, _, kw64 = _variant("lstm", 1, 6, 3, 5, seed=40)
    dhs = np.random.default_rng(2).standard_normal((1, 6, 5))
    outputs, grads = _run(fast_lstm, "lstm", kw, dhs.astype(np.float32), [])
    assert all(a.dtype == np.float32 for a in outputs + grads)
    want_out, want_grads = _run(fast_lstm, "lstm", kw64, dhs, [])
    for got, want in zip(outputs + grads, want_out + want_grads, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    ws = Workspace()
    for _ in range(2):  # the second pass reuses the first one's buffers
        out = fast_lstm.lstm_forward(**kw64, workspace=ws)
        again = fast_lstm.lstm_backward(dhs, out[-1], workspace=ws)
        for got, want in zip(list(out[:-1]) + list(again), want_out + want_grads, strict=True):
            np.testing.assert_array_equal(got, want)


def test_lstm_batch_one_vector_loops_take_no_more_memory(monkeypatch):
    """The vector loops' gate factors fit where the other loops keep theirs: with a workspace
    and a long sequence, one forward + backward peaks no higher than with the other loops."""
    import tracemalloc

    from minirnn.functional.fast.workspace import Workspace

    _, _, kw = _variant("lstm", 1, 400, 3, 32, seed=41)
    dhs = np.random.default_rng(3).standard_normal((1, 400, 32))
    peaks = []
    for vector_loops in (False, True):
        monkeypatch.setattr(fast_lstm, "VECTOR_LOOPS_AT_BATCH_ONE", vector_loops)
        ws = Workspace()
        for _ in range(2):  # the second pass reuses the workspace, as a layer's does
            tracemalloc.start()
            fast_lstm.lstm_backward(dhs, fast_lstm.lstm_forward(**kw, workspace=ws)[-1],
                                    workspace=ws)
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
    assert peaks[3] <= peaks[1]


def _batch_one_inputs(T, dtype, seed, scale=0.5):
    """Arguments of a batch-one LSTM forward pass (D = 3, H = 5), weights within ``scale``."""
    rng = np.random.default_rng(seed)
    D, H = 3, 5
    kw = {"x": rng.standard_normal((1, T, D)), "h0": rng.standard_normal((1, H)),
          "c0": rng.standard_normal((1, H)), **_params(rng, D, H, 4, scale=scale)}
    return {k: v.astype(dtype) for k, v in kw.items()}


def _previous_gate_factors(rows, factors, scratch):
    """The batch-one gate factors as they were formed before session 9: the same arithmetic
    on column blocks of ``rows``, into ``factors`` (T, 5H) rows [dc factor, gate factors]."""
    T, H = factors.shape[0], factors.shape[1] // 5
    o, i, g = rows[:T, :H], rows[:T, H : 2 * H], rows[:T, 3 * H : 4 * H]
    dc_factor, factor_if = factors[:, :H], factors[:, H : 3 * H]
    factor_g, factor_o = factors[:, 3 * H : 4 * H], factors[:, 4 * H :]
    np.subtract(1.0, rows[:T, H : 3 * H], out=factor_if)
    factor_if *= rows[:T, H : 3 * H]
    factor_if *= rows[:T, 3 * H :]
    np.multiply(g, g, out=factor_g)
    np.subtract(1.0, factor_g, out=factor_g)
    factor_g *= i
    np.subtract(1.0, o, out=factor_o)
    factor_o *= o
    tanh_c = np.tanh(rows[1:, 4 * H :], out=dc_factor)
    factor_o *= tanh_c
    np.multiply(tanh_c, tanh_c, out=dc_factor)
    np.subtract(1.0, dc_factor, out=dc_factor)
    dc_factor *= o
    return factors[:, H:], factors[:, :H]


def _previous_backward_steps(rows, dhs, factors, da, Wh, dh_next, dc):
    """The batch-one backward loop as session 9 left it: 5 ufunc calls per step, on the gate
    factors and dc factors of ``factors`` and f_t read from ``rows``; fills ``da``."""
    from minirnn._memory import aligned

    T, H = dhs.shape
    gradients = np.empty(4 * H, dtype=da.dtype)  # [dc, dc, dc, dh]
    dc_3, dh = gradients[: 3 * H].reshape(3, H), gradients[3 * H :]
    scratch = np.empty(H, dtype=da.dtype)
    gate_rows, dc_rows = factors
    for t in range(T - 1, -1, -1):
        np.add(dhs[t], dh_next, dh)
        np.multiply(dc_rows[t], dh, scratch)
        np.add(dc, scratch, dc_3)
        np.multiply(gate_rows[t], gradients, da[t])
        np.multiply(dc_3[0], rows[t, 2 * H : 3 * H], dc)
        aligned(Wh, da.dtype).dot(da[t], dh_next)


def _use_previous_batch_one_backward(monkeypatch):
    """Make lstm_backward run the batch-one backward as it was before session 10: the gate
    factors formed on column blocks (before session 9), then the loop of session 9."""
    def gate_factors(rows, space):
        T, H = rows.shape[0] - 1, rows.shape[1] // 5
        da = space.reshape(-1)[: 4 * T * H].reshape(T, 4 * H)
        factors = _previous_gate_factors(rows, np.empty((T, 5 * H), rows.dtype), None)
        return da, (rows, factors)

    def backward_steps(dhs, da, previous, f_0, Wh, dh_next, dc, steps):
        rows, factors = previous
        _previous_backward_steps(rows, dhs, factors, da, Wh, dh_next, dc)

    monkeypatch.setattr(fast_lstm, "gate_factors", gate_factors)
    monkeypatch.setattr(fast_lstm, "backward_views", lambda da, previous: None)
    monkeypatch.setattr(fast_lstm, "backward_steps", backward_steps)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("T", [1, 2, 7])
@pytest.mark.parametrize("scale", [0.5, 8.0])  # 8: many gates saturate at 0 or 1
def test_lstm_batch_one_gate_factors_equal_the_other_loops_bit_for_bit(dtype, T, scale):
    """lstm_one.gate_factors (gate-major on contiguous blocks) gives the bits of the general
    loops' _gate_factors on the same forward blocks, and of its own previous form: the gate
    factors in da, the pairs [f_{t+1}, dc factor] (f_T = 1)."""
    cache = fast_lstm.lstm_forward(**_batch_one_inputs(T, dtype, seed=T, scale=scale))[-1]
    blocks, H = cache[3], cache[2].shape[0]
    rows = blocks.reshape(T + 1, 5 * H)
    da, pairs = fast_lstm.gate_factors(rows, np.full((T, 9 * H), np.nan, dtype))
    assert da.dtype == pairs.dtype == dtype
    assert da.shape == (T, 4 * H) and pairs.shape == (T, 2 * H)
    dc_want, o_want, ifg_want = fast_lstm._gate_factors(blocks, np.empty((T, 1, 4 * H), dtype),
                                                        None)
    np.testing.assert_array_equal(pairs[:, H:], dc_want[:, 0])
    np.testing.assert_array_equal(da[:, : 3 * H], ifg_want[:, :, 0].reshape(T, 3 * H))
    np.testing.assert_array_equal(da[:, 3 * H :], o_want[:, 0])
    np.testing.assert_array_equal(pairs[:-1, :H], rows[1:T, 2 * H : 3 * H])
    assert (pairs[-1, :H] == 1).all()
    previous = _previous_gate_factors(rows, np.empty((T, 5 * H), dtype), None)
    for got, want in zip((da, pairs[:, H:]), previous, strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("with_workspace", [False, True])
@pytest.mark.parametrize("T", [1, 9])
def test_lstm_batch_one_backward_equals_its_previous_form_bit_for_bit(monkeypatch, dtype,
                                                                      with_workspace, T):
    """The batch-one backward pass gives the same bits as before session 10 (gate factors on
    column blocks, then 5 ufunc calls per step with f_t read from the forward rows): every
    gradient, with final-state gradients, twice through one workspace (``da`` and the
    factors' scratch share one buffer, reused)."""
    from minirnn.functional.fast.workspace import Workspace

    H = 5
    kw = _batch_one_inputs(T, dtype, seed=12)
    rng = np.random.default_rng(11)
    dhs, dh_last, dc_last = (rng.standard_normal(s).astype(dtype)
                             for s in ((1, T, H), (1, H), (1, H)))
    results = []
    for previous in (False, True):
        if previous:
            _use_previous_batch_one_backward(monkeypatch)
        ws = Workspace() if with_workspace else None
        for _ in range(2):
            cache = fast_lstm.lstm_forward(**kw, workspace=ws)[-1]
            grads = fast_lstm.lstm_backward(dhs, cache, dh_last, dc_last, workspace=ws)
        results.append([np.array(g) for g in grads])
    for got, want in zip(*results, strict=True):
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, want)


def test_lstm_batch_one_weights_on_a_cache_line():
    """The batch-one products read W_h from a 64-byte boundary: W_h itself when it is on one,
    else an equal copy (the numbers never change, only where they sit)."""
    from minirnn._memory import aligned, aligned_empty

    W = aligned_empty((4, 12), np.float64)
    W[...] = np.arange(48).reshape(4, 12)
    assert aligned(W, np.dtype(np.float64)) is W
    raw = np.empty(48 * 8 + 64, dtype=np.uint8)
    start = -raw.ctypes.data % 64 + 16
    off = raw[start:start + 48 * 8].view(np.float64).reshape(4, 12)  # 16 bytes past a line
    off[...] = W
    for dtype in (np.float64, np.float32):
        got = aligned(off, np.dtype(dtype))
        assert got.ctypes.data % 64 == 0 and got.dtype == dtype and got.flags.c_contiguous
        np.testing.assert_array_equal(got, W.astype(dtype))


@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_recurrent_layers_make_w_h_on_a_cache_line_with_the_same_numbers(cell, dtype):
    """A new recurrent layer's W_h starts on a 64-byte boundary (so the batch-one LSTM
    backward pass reads it without a copy), and the first core holds the numbers the seeded
    draws give (Wx, Wh, b in that order, as before W_h was placed)."""
    import minirnn.layers as layers
    from minirnn._memory import aligned

    layer = getattr(layers, cell)(3, 5, num_layers=2, bidirectional=True, seed=7, dtype=dtype)
    for name, core in layer.named_cores():
        Wh = core.params["Wh"]
        assert Wh.ctypes.data % 64 == 0 and Wh.flags.c_contiguous and Wh.dtype == dtype, name
        assert aligned(Wh, np.dtype(dtype)) is Wh
    width = {"RNN": 1, "LSTM": 4, "GRU": 3}[cell] * 5
    rng, bound = np.random.default_rng(7), 1.0 / np.sqrt(5)
    first = layer.named_cores()[0][1].params
    for name, shape in [("Wx", (3, width)), ("Wh", (5, width)), ("b", width)]:
        want = rng.uniform(-bound, bound, shape).astype(dtype)
        np.testing.assert_array_equal(first[name], want)


@pytest.mark.parametrize("gate_first", [False, True])
@pytest.mark.parametrize("dtypes", [(np.float64, np.float64), (np.float32, np.float32),
                                    (np.float32, np.float64), (np.float64, np.float32)])
def test_lstm_scaled_gates_reorder_and_halve_exactly(gate_first, dtypes):
    """_scaled_gates puts PyTorch's gate blocks (i, f, g, o) in the order o, i, f, g, the
    sigmoid gates exactly halved and g as it is, for 2-D weights and the 1-D bias."""
    W_dtype, dtype = dtypes
    rng = np.random.default_rng(8)
    for shape in [(3, 4 * 5), (4 * 5,)]:
        W = rng.standard_normal(shape).astype(W_dtype)
        got = fast_lstm._scaled_gates(W, np.dtype(dtype), gate_first)
        i, f, g, o = np.split(W.astype(dtype), 4, axis=-1)
        want = [o / 2, i / 2, f / 2, g]
        assert got.dtype == dtype
        for k in range(4):
            block = got[k] if gate_first else got[..., k * 5 : (k + 1) * 5]
            np.testing.assert_array_equal(block, want[k])


def test_lstm_blocked_backward_frees_its_copy_of_w_h_before_the_weight_gradients(monkeypatch):
    """The blocked backward product works on a copy of W_h in column blocks; it is dropped
    before dx and [dW_x; db; dW_h] are formed, so the pass peaks no higher than with the
    transposed products (which read W_h itself): the weight gradients outweigh the copy.
    (With the loop for large batches, where the blocks are used; the other loop's whole-
    sequence factors can outweigh the weight gradients at a small shape like this.)"""
    import tracemalloc

    monkeypatch.setattr(fast_lstm, "PRECOMPUTE_BYTES", 0)
    rng = np.random.default_rng(5)
    N, T, D, H = 8, 6, 64, 64
    kw = {name: rng.standard_normal(shape).astype(np.float32) for name, shape in
          [("x", (N, T, D)), ("h0", (N, H)), ("c0", (N, H)), ("Wx", (D, 4 * H)),
           ("Wh", (H, 4 * H)), ("b", (4 * H,))]}
    dhs = rng.standard_normal((N, T, H)).astype(np.float32)
    peaks = []
    for way in (dict(transposed=True), dict(block_width=16)):
        cache = fast_lstm.lstm_forward(**kw, **way)[-1]
        tracemalloc.start()
        try:
            fast_lstm.lstm_backward(dhs, cache)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    # the blocked products' (4, N, H) output may add; the (H, 4H) copy of W_h must not
    assert peaks[1] <= peaks[0] + 4 * N * H * 4, peaks


# -- the session-6 LSTM paths against finite differences (float64) --------------------------
def _fast_lstm_gradcheck(N, T, D, H, way, break_dWh=False):
    """check_function on the fast LSTM taken ``way`` (keyword arguments), outputs hs and the
    final cell state; ``break_dWh`` scales dW_h by 1.01 to show the check can fail."""
    from minirnn.gradcheck import check_function

    rng = np.random.default_rng(N * 100 + T)
    inputs = {"x": rng.standard_normal((N, T, D)), "h0": rng.standard_normal((N, H)),
              "c0": rng.standard_normal((N, H)), "Wx": rng.uniform(-0.5, 0.5, (D, 4 * H)),
              "Wh": rng.uniform(-0.5, 0.5, (H, 4 * H)), "b": rng.uniform(-0.5, 0.5, 4 * H)}

    def forward(**kw):
        hs, c_last, cache = fast_lstm.lstm_forward(**kw, **way)
        return hs.copy(), c_last.copy(), cache

    def backward(dhs, dc_last, cache):
        grads = list(fast_lstm.lstm_backward(dhs, cache, dc_last=dc_last))
        if break_dWh:
            grads[4] = grads[4] * 1.01
        return tuple(grads)

    return check_function(forward, backward, inputs, gates=("i", "f", "g", "o"))


@pytest.mark.parametrize("N, T, D, H, way", [(1, 6, 3, 4, {}), (3, 5, 2, 4, {"block_width": 2}),
                                             (2, 4, 3, 6, {"block_width": 3})])
def test_lstm_batch_one_and_blocked_paths_pass_the_gradient_check(N, T, D, H, way):
    """The batch-one vector loops (N = 1, default way) and the products in column blocks,
    checked directly against finite differences in float64: inputs, both initial states and
    every gate's rows of W_x, W_h and b."""
    if N == 1:
        assert fast_lstm.VECTOR_LOOPS_AT_BATCH_ONE  # the default way at N = 1 is the loops
    report = _fast_lstm_gradcheck(N, T, D, H, way)
    assert {"x", "h0", "c0", "Wh[f]", "b[o]"} <= {row.name for row in report}
    assert report.max_error < 1e-6, str(report)
    broken = _fast_lstm_gradcheck(N, T, D, H, way, break_dWh=True)
    assert broken.max_error > 1e-4, str(broken)
