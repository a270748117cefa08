# ruff: noqa: NPY002  (the reference loop must use the legacy global stream, as the original)
"""CharRNN: min-char-rnn reproduced exactly, its gradients, sampling, evaluation, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.data import Batch, CharChunks
from minirnn.gradcheck import numerical_gradient
from minirnn.models.char_rnn import CharRNN
from minirnn.optim import Adagrad
from minirnn.train import fit
from minirnn.train.classics import min_char_rnn


def reference_min_char_rnn(
    text: str, seed: int, iterations: int, hidden: int = 100, seq_length: int = 25,
    lr: float = 0.1, every: int = 100,
) -> tuple[dict[int, float], list[str]]:
    """A plain loop of the min-char-rnn algorithm, written independently of minirnn.

    Sorted characters as the vocabulary; weights randn*0.01 drawn input, recurrent, output
    after ``np.random.seed(seed)``; one-hot column vectors; a chunk of ``seq_length``
    characters per update from a pointer that restarts (with a zero state) when the next
    chunk would not fit; 200-character samples from the global stream every ``every``
    iterations before the update; gradients clipped to [-5, 5]; Adagrad. Returns the smooth
    loss at every ``every``-th iteration and the samples.
    """
    chars = sorted(set(text))
    V = len(chars)
    index = {c: i for i, c in enumerate(chars)}
    np.random.seed(seed)
    W_in = np.random.randn(hidden, V) * 0.01
    W_rec = np.random.randn(hidden, hidden) * 0.01
    W_out = np.random.randn(V, hidden) * 0.01
    b_h = np.zeros((hidden, 1))
    b_y = np.zeros((V, 1))
    weights = [W_in, W_rec, W_out, b_h, b_y]
    memory = [np.zeros_like(w) for w in weights]
    smooth = -np.log(1.0 / V) * seq_length
    record, samples = {}, []
    pos, state = 0, None
    for it in range(iterations):
        if it == 0 or pos + seq_length + 1 >= len(text):
            state = np.zeros((hidden, 1))
            pos = 0
        xs = [index[c] for c in text[pos:pos + seq_length]]
        ys = [index[c] for c in text[pos + 1:pos + seq_length + 1]]
        if it % every == 0:
            h, tok, out = state, xs[0], []
            for _ in range(200):
                onehot = np.zeros((V, 1))
                onehot[tok] = 1
                h = np.tanh(W_in @ onehot + W_rec @ h + b_h)
                z = W_out @ h + b_y
                prob = np.exp(z) / np.sum(np.exp(z))
                tok = np.random.choice(range(V), p=prob.ravel())
                out.append(tok)
            samples.append("".join(chars[i] for i in out))
        hs, onehots, probs = {-1: state}, {}, {}
        loss = 0.0
        for t in range(seq_length):
            onehots[t] = np.zeros((V, 1))
            onehots[t][xs[t]] = 1
            hs[t] = np.tanh(W_in @ onehots[t] + W_rec @ hs[t - 1] + b_h)
            z = W_out @ hs[t] + b_y
            probs[t] = np.exp(z) / np.sum(np.exp(z))
            loss += -np.log(probs[t][ys[t], 0])
        grads = [np.zeros_like(w) for w in weights]
        g_in, g_rec, g_out, g_bh, g_by = grads
        from_later = np.zeros((hidden, 1))
        for t in reversed(range(seq_length)):
            dz = probs[t].copy()
            dz[ys[t]] -= 1
            g_out += dz @ hs[t].T
            g_by += dz
            dpre = (1 - hs[t] * hs[t]) * (W_out.T @ dz + from_later)
            g_bh += dpre
            g_in += dpre @ onehots[t].T
            g_rec += dpre @ hs[t - 1].T
            from_later = W_rec.T @ dpre
        for g in grads:
            np.clip(g, -5, 5, out=g)
        state = hs[seq_length - 1]
        smooth = smooth * 0.999 + loss * 0.001
        if it % every == 0:
            record[it] = smooth
        for w, g, m in zip(weights, grads, memory, strict=True):
            m += g * g
            w += -lr * g / np.sqrt(m + 1e-8)
        pos += seq_length
    return record, samples


def encode(text: str) -> tuple[list[str], np.ndarray]:
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    return chars, np.array([index[c] for c in text])


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_classic_char_rnn_matches_the_reference_loop(tinyshakespeare_path, seed):
    text = tinyshakespeare_path.read_text(encoding="utf-8")
    expected, expected_samples = reference_min_char_rnn(text, seed, iterations=1001)
    chars, ids = encode(text)
    model = CharRNN(len(chars), 100, seed=seed)
    run = min_char_rnn(model, ids, 1001, echo=None,
                       decode=lambda out: "".join(chars[i] for i in out))
    got = {n: run.smooth_losses[n] for n in range(0, 1001, 100)}
    assert sorted(got) == sorted(expected)
    for n in expected:
        assert got[n] == pytest.approx(expected[n], rel=1e-9, abs=0), n
    assert [text for _, text in run.samples] == expected_samples
    assert got[1000] < got[0]  # it learns


def test_short_run_matches_reference_on_the_builtin_corpus():
    from minirnn.data import builtin_corpus

    text = builtin_corpus()[:20000]
    expected, _ = reference_min_char_rnn(text, 3, iterations=201, hidden=30, every=100)
    chars, ids = encode(text)
    model = CharRNN(len(chars), 30, seed=3)
    run = min_char_rnn(model, ids, 201, echo=None)
    for n, value in expected.items():
        assert run.smooth_losses[n] == pytest.approx(value, rel=1e-9, abs=0)


def test_fit_computes_the_original_weights_bit_for_bit():
    """Exact mode through fit (chunks, reset rule, clip, Adagrad) = the classic loop's weights."""
    from minirnn.data import builtin_corpus

    text = builtin_corpus()[:3000]  # short: the reset at the end of the text happens twice
    chars, ids = encode(text)
    classic = CharRNN(len(chars), 30, seed=3)
    run = min_char_rnn(classic, ids, 260, echo=None, sample_every=0)
    model = CharRNN(len(chars), 30, seed=3)
    history = fit(model, Adagrad(model, lr=0.1, eps=1e-8), CharChunks(ids, 25),
                  iterations=260, clip_value=5.0, verbose=False)
    assert np.array_equal(history.loss, np.array(run.losses) / 25)  # nats per character
    for name, value in classic.params.items():
        assert np.array_equal(model.params[name], value), name


def test_progress_lines_and_samples_have_the_original_format():
    text = "hello world, hello minirnn. " * 20
    chars, ids = encode(text)
    lines: list[str] = []
    run = min_char_rnn(CharRNN(len(chars), 8, seed=0), ids, 3, sample_every=2,
                       sample_length=5, print_every=2, echo=lines.append,
                       decode=lambda out: "".join(chars[i] for i in out))
    assert lines[0].startswith("----\n ") and lines[0].endswith(" \n----")
    assert len(lines[0]) == len("----\n ") + 5 + len(" \n----")
    for line, n in ((lines[1], 0), (lines[3], 2)):  # the original's line, its unit labelled
        smooth = run.smooth_losses[n]
        assert line == (f"iter {n}, loss: {smooth:f} (summed over the 25-character chunk; "
                        f"{smooth / 25:.4f} nats/char)")


def test_initial_smooth_loss_and_reset_rule():
    text = "abcdefghij" * 3  # 30 characters
    chars, ids = encode(text)
    run = min_char_rnn(CharRNN(len(chars), 4, seed=0), ids, 1, seq_length=10, echo=None,
                       sample_every=0)
    first_loss = run.losses[0]
    assert run.smooth_losses[0] == pytest.approx(
        0.999 * -np.log(1 / 10) * 10 + 0.001 * first_loss, rel=1e-15)
    # chunks start at 0, 10 (10 + 10 + 1 >= 30 is false), then 20 + 11 >= 30: back to 0
    starts = [int(batch.inputs[0]) for batch in CharChunks(np.arange(30), 10)] * 2
    assert starts == [0, 10, 0, 10]
    assert [b.reset_state for b in CharChunks(np.arange(30), 10)] == [True, False]


def small_model(exact: bool = True, seed: int = 0) -> CharRNN:
    model = CharRNN(7, 6, seed=seed, exact=exact)
    for value in model.params.values():  # larger weights than 0.01*randn: a harder check
        value += np.random.default_rng(seed).normal(0.0, 0.5, value.shape)
    return model


def max_relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    scale = np.maximum(np.abs(analytic) + np.abs(numeric), 1e-8)
    return float(np.max(np.abs(analytic - numeric) / scale))


@pytest.mark.parametrize("exact", [True, False])
def test_gradients_match_finite_differences(exact):
    model = small_model(exact)
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 7, 9), rng.integers(0, 7, 9)
    hprev = rng.normal(0, 0.5, (6, 1))
    loss, grads, _ = model.loss_and_grads(x, y, hprev)
    analytic = {k: v.copy() for k, v in grads.items()}
    dhprev = model.dh_prev.copy()

    def f(_=None) -> float:
        return model.forward(x, y, hprev)[0]

    for name, value in model.params.items():
        assert max_relative_error(analytic[name], numerical_gradient(f, value)) < 1e-7, name
    assert max_relative_error(dhprev, numerical_gradient(f, hprev)) < 1e-7


def test_gradient_through_the_carried_state_across_two_chunks():
    """Backpropagating chunk 2's dh_prev into chunk 1 gives the gradient of the total loss."""
    model = small_model(seed=2)
    rng = np.random.default_rng(3)
    x1, y1, x2, y2 = (rng.integers(0, 7, 6) for _ in range(4))
    h0 = rng.normal(0, 0.5, (6, 1))

    def total(_=None) -> float:
        loss1, h1, _ = model.forward_chunk(x1, y1, h0)
        loss2, _, _ = model.forward_chunk(x2, y2, h1)
        return loss1 + loss2

    model.zero_grad()
    _, h1, cache1 = model.forward_chunk(x1, y1, h0)
    _, _, cache2 = model.forward_chunk(x2, y2, h1)
    dh1 = model.backward_chunk(cache2)
    dh0 = model.backward_chunk(cache1, dh_last=dh1)
    analytic = {k: v.copy() for k, v in model.grads.items()}
    for name, value in model.params.items():
        assert max_relative_error(analytic[name], numerical_gradient(total, value)) < 1e-7, name
    assert max_relative_error(dh0, numerical_gradient(total, h0)) < 1e-7
    # and truncating at the boundary (min-char-rnn's choice) really does lose something
    assert np.abs(dh1).max() > 1e-3


def test_exact_and_fast_modes_agree_on_one_chunk():
    exact, fast = small_model(True), small_model(False)
    rng = np.random.default_rng(4)
    x, y = rng.integers(0, 7, 25), rng.integers(0, 7, 25)
    loss_e, grads_e, h_e = exact.loss_and_grads(x, y)
    loss_f, grads_f, h_f = fast.loss_and_grads(x, y)
    assert loss_f == pytest.approx(loss_e, rel=1e-12)
    np.testing.assert_allclose(h_f, h_e, rtol=1e-12, atol=1e-15)
    for name in grads_e:
        np.testing.assert_allclose(grads_f[name], grads_e[name], rtol=1e-10, atol=1e-14)


def test_exact_mode_gradients_equal_the_step_by_step_sums_bit_for_bit():
    """The weight-gradient sums add the steps in the original's order (last step first)."""
    model = CharRNN(11, 13, seed=5)
    rng = np.random.default_rng(5)
    x = rng.integers(0, 4, 25)  # few distinct ids: columns of dWxh get many terms
    y = rng.integers(0, 11, 25)
    h0 = rng.normal(0, 0.3, (13, 1))
    _, grads, _ = model.loss_and_grads(x, y, h0)
    p = model.params
    hs, ps = {-1: h0}, {}
    for t in range(25):
        onehot = np.zeros((11, 1))
        onehot[x[t]] = 1
        hs[t] = np.tanh(p["Wxh"] @ onehot + p["Whh"] @ hs[t - 1] + p["bh"])
        z = p["Why"] @ hs[t] + p["by"]
        ps[t] = np.exp(z) / np.sum(np.exp(z))
    want = {k: np.zeros_like(v) for k, v in p.items()}
    later = np.zeros((13, 1))
    for t in reversed(range(25)):
        dz = ps[t].copy()
        dz[y[t]] -= 1
        want["Why"] += dz @ hs[t].T
        want["by"] += dz
        dpre = (1 - hs[t] * hs[t]) * (p["Why"].T @ dz + later)
        want["bh"] += dpre
        onehot = np.zeros((11, 1))
        onehot[x[t]] = 1
        want["Wxh"] += dpre @ onehot.T
        want["Whh"] += dpre @ hs[t - 1].T
        later = p["Whh"].T @ dpre
    for name in want:
        assert np.array_equal(grads[name], want[name]), name
    assert np.array_equal(model.dh_prev, later)


def test_parameters_are_named_shaped_and_drawn_as_in_the_original():
    model = CharRNN(5, 3, seed=42)
    np.random.seed(42)
    for name, shape in (("Wxh", (3, 5)), ("Whh", (3, 3)), ("Why", (5, 3))):
        np.testing.assert_array_equal(model.params[name], np.random.randn(*shape) * 0.01)
    assert model.params["bh"].shape == (3, 1) and not model.params["bh"].any()
    assert model.params["by"].shape == (5, 1) and not model.params["by"].any()
    assert list(model.params) == ["Wxh", "Whh", "Why", "bh", "by"]


def test_modern_init_leaves_the_global_stream_alone():
    np.random.seed(9)
    before = np.random.get_state()[1].copy()
    a = CharRNN(5, 3, seed=1, classic=False)
    b = CharRNN(5, 3, seed=1, classic=False)
    assert np.array_equal(np.random.get_state()[1], before)
    assert np.array_equal(a.params["Whh"], b.params["Whh"])


def test_sampling_temperature_top_k_and_priming():
    model = small_model(seed=6)
    h = model.initial_state()
    # top_k=1 is greedy: the same ids whatever the random stream
    greedy1 = model.sample(h, 0, 20, top_k=1, rng=np.random.default_rng(0))
    greedy2 = model.sample(h, 0, 20, top_k=1, rng=np.random.default_rng(99))
    assert greedy1 == greedy2
    _, probs = model.step_probs(h[:, 0], 0)
    assert greedy1[0] == int(np.argmax(probs))
    _, cold = model.step_probs(h[:, 0], 0, temperature=0.2)
    _, hot = model.step_probs(h[:, 0], 0, temperature=5.0)
    assert cold.max() > probs.max() > hot.max()
    _, top2 = model.step_probs(h[:, 0], 0, top_k=2)
    assert np.count_nonzero(top2) == 2 and top2.sum() == pytest.approx(1.0)
    draws = model.sample(h, 0, 300, top_k=2, rng=np.random.default_rng(1))
    assert len(set(draws)) <= 7 and all(0 <= d < 7 for d in draws)
    # priming: the state after reading the text, then sampling continues from its last id
    primed = model.prime([1, 2, 3])
    manual = h[:, 0]
    for token in (1, 2):
        manual, _ = model.step_probs(manual, token)
    np.testing.assert_array_equal(primed[:, 0], manual)


@pytest.mark.parametrize("exact", [True, False])
def test_evaluate_is_mean_nats_per_token(exact):
    model = small_model(exact, seed=7)
    ids = np.random.default_rng(8).integers(0, 7, 53)
    total, h = 0.0, None
    for start in range(0, 52, 10):
        stop = min(start + 10, 52)
        loss, h = model.forward(ids[start:stop], ids[start + 1:stop + 1], h)
        total += loss
    batch = Batch(ids[:-1], ids[1:], reset_state=True)
    assert model.evaluate(batch) == pytest.approx(total / 52, rel=1e-12)
    assert model.evaluate(batch, piece=7) == pytest.approx(total / 52, rel=1e-12)
    uniform = CharRNN(7, 6, seed=0)
    assert uniform.evaluate(batch) == pytest.approx(np.log(7), rel=1e-3)


def test_forward_backward_carries_the_state_and_resets_it():
    """The fit protocol: mean nats per character, grads written (overwrites_grads), state
    carried or reset."""
    model = small_model(False, seed=9)
    ids = np.random.default_rng(10).integers(0, 7, 40)
    first, second = Batch(ids[:10], ids[1:11], True), Batch(ids[10:20], ids[11:21])
    want1, _, h1 = model.loss_and_grads(first.inputs, first.targets)
    want2, grads, _ = model.loss_and_grads(second.inputs, second.targets, h1)
    want_grads = {k: v.copy() for k, v in grads.items()}
    model.zero_grad()
    assert model.carried_state() == {}
    assert model.forward_backward(first) == pytest.approx(want1 / 10, rel=1e-15)
    np.testing.assert_array_equal(model.carried_state()["h"], h1)
    model.zero_grad()
    assert model.forward_backward(second) == pytest.approx(want2 / 10, rel=1e-15)
    np.testing.assert_allclose(model.grads["Whh"], want_grads["Whh"], rtol=1e-12)
    model.load_carried_state({"h": h1})
    assert CharRNN.overwrites_grads  # so fit skips zero_grad: the gradients are written anew
    model.forward_backward(second)  # no zero_grad in between, the same gradients again
    for name, value in want_grads.items():
        np.testing.assert_array_equal(model.grads[name], value, err_msg=name)
    assert model.last_token == int(second.targets[-1])
    saved = model.carried_state()
    model.forward_backward(first)  # reset_state: starts from zeros again
    model.load_carried_state(saved)
    np.testing.assert_array_equal(model.h, saved["h"])
    model.load_carried_state({})
    assert model.h is None


@pytest.mark.parametrize("corpus", [[0], list(range(10))])
def test_too_short_corpus_is_a_clear_error(corpus):
    model = CharRNN(10, 4, seed=0)
    with pytest.raises(ValueError, match=r"at least seq_length \+ 1 = 26 tokens"):
        CharChunks(np.array(corpus, dtype=np.int64), seq_length=25)
    with pytest.raises(ValueError, match=r"at least seq_length \+ 1 = 26 tokens"):
        min_char_rnn(model, np.array(corpus, dtype=np.int64), 5, echo=None)


def test_bad_ids_and_states_are_clear_errors():
    model = CharRNN(10, 4, seed=0)
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 10\)"):
        model.forward([1, 2, 10], [2, 3, 4])
    with pytest.raises(TypeError, match="integer token ids"):
        model.forward([1.0, 2.0], [2, 3])
    with pytest.raises(ValueError, match="same length"):
        model.forward([1, 2, 3], [2, 3])
    with pytest.raises(ValueError, match=r"h_prev must have shape \(4, 1\)"):
        model.forward([1, 2], [2, 3], np.zeros((5, 1)))
    with pytest.raises(ValueError, match="temperature must be > 0"):
        model.sample(None, 0, 5, temperature=0.0)
    with pytest.raises(TypeError, match="int seed"):
        CharRNN(10, 4, seed=np.random.default_rng(0), classic=True)


def test_fast_legacy_draw_equals_numpy_choice_and_keeps_the_stream():
    """legacy_choice draws what choice draws, on the legacy stream and on a Generator."""
    from minirnn.models.char_rnn_exact import legacy_choice

    dists = np.random.default_rng(11).dirichlet(np.full(65, 0.3), size=500)
    dists[0] = np.eye(65)[7]  # a certain outcome, and one with many exact zeros
    np.random.seed(5)
    want = [int(np.random.choice(range(65), p=q)) for q in dists]
    after = np.random.get_state()[1].copy()
    np.random.seed(5)
    got = [legacy_choice(q) for q in dists]
    assert got == want
    assert np.array_equal(np.random.get_state()[1], after)
    with pytest.raises(ValueError, match="NaN"):  # bad probabilities: numpy's own error
        legacy_choice(np.full(65, np.nan))
    # the same for a Generator: Generator.choice's ids and the generator's state after
    want_rng, got_rng = np.random.default_rng(6), np.random.default_rng(6)
    want = [int(want_rng.choice(65, p=q)) for q in dists]
    assert [legacy_choice(q, source=got_rng) for q in dists] == want
    assert got_rng.bit_generator.state == want_rng.bit_generator.state
    with pytest.raises(ValueError, match="NaN"):
        legacy_choice(np.full(65, np.nan), source=got_rng)


def test_fast_mode_is_the_same_maths_as_exact_mode_at_full_size():
    """min-char-rnn's size (V=65, H=100, T=25), a carried state: equal to round-off."""
    exact = CharRNN(65, 100, seed=3, exact=True)
    fast = CharRNN(65, 100, seed=3, exact=False)
    rng = np.random.default_rng(12)
    for name, value in exact.params.items():  # trained-looking weights, not 0.01*randn
        value += rng.normal(0.0, 0.1, value.shape)
        fast.params[name][...] = value
    x, y = rng.integers(0, 65, 25), rng.integers(0, 65, 25)
    h0 = rng.normal(0.0, 0.5, (100, 1))
    loss_e, grads_e, h_e = exact.loss_and_grads(x, y, h0)
    loss_f, grads_f, h_f = fast.loss_and_grads(x, y, h0)
    assert loss_e > 1.0
    assert abs(loss_f - loss_e) <= 1e-12 * abs(loss_e)
    assert np.max(np.abs(h_f - h_e)) <= 1e-13
    for name in grads_e:
        scale = np.max(np.abs(grads_e[name]))
        assert scale > 0, name
        assert np.max(np.abs(grads_f[name] - grads_e[name])) <= 1e-12 * scale, name
    scale = np.max(np.abs(exact.dh_prev))
    assert np.max(np.abs(fast.dh_prev - exact.dh_prev)) <= 1e-12 * scale
    # backward_chunk adding into existing gradients (fresh=False), across two chunks
    for model in (exact, fast):
        model.zero_grad()
        _, h1, cache1 = model.forward_chunk(x[:12], y[:12], h0)
        _, _, cache2 = model.forward_chunk(x[12:], y[12:], h1)
        model.backward_chunk(cache1, dh_last=model.backward_chunk(cache2))
    for name in grads_e:
        scale = np.max(np.abs(exact.grads[name]))
        assert np.max(np.abs(fast.grads[name] - exact.grads[name])) <= 1e-12 * scale, name


def test_fast_sampling_draws_like_exact_sampling_from_the_global_stream():
    exact = small_model(True, seed=4)
    fast = small_model(False, seed=4)
    for name, value in exact.params.items():
        fast.params[name][...] = value
    h = np.random.default_rng(2).normal(0, 0.5, (6, 1))
    np.random.seed(21)
    want = exact.sample(h, 3, 300)
    after = np.random.get_state()[1].copy()
    np.random.seed(21)
    got = fast.sample(h, 3, 300)
    assert got == want  # ties within round-off of a boundary are possible, not in this draw
    assert np.array_equal(np.random.get_state()[1], after)  # one number per token
    same_gen = fast.sample(h, 3, 50, rng=np.random.default_rng(5))
    assert same_gen == fast.sample(h, 3, 50, rng=np.random.default_rng(5))
    assert same_gen == exact.sample(h, 3, 50, rng=np.random.default_rng(5))
    fast.params["Why"][...] = np.nan
    with pytest.raises(ValueError, match="not finite"):
        fast.sample(h, 3, 5)


@pytest.mark.parametrize("packed", [True, False])
def test_adagrad_step_clipped_is_clip_then_step_bit_for_bit(packed):
    """Adagrad.step_clipped (fused) gives clip_grad_value + step's numbers, flat or per array."""
    from minirnn.clip import clip_grad_value

    rng = np.random.default_rng(21)
    for scale in (0.5, 4.0):  # clipping never fires / fires on some entries
        fused, plain = CharRNN(13, 7, seed=0), CharRNN(13, 7, seed=0)
        if not packed:
            fused, plain = fused.astype(np.float64), plain.astype(np.float64)
        assert (fused.flat_arrays() is not None) == packed
        weights = rng.normal(0.0, 1.0, (7, 7))  # trained-looking weights
        for model in (fused, plain):
            model.params["Whh"][...] = weights
        fused_opt, plain_opt = Adagrad(fused, lr=0.1), Adagrad(plain, lr=0.1)
        for _ in range(3):
            grads = {name: rng.normal(0.0, scale, g.shape) for name, g in plain.grads.items()}
            if scale > 1:  # ties and the nearest numbers around the bound
                grads["Why"].flat[:4] = [5.0, -5.0, np.nextafter(5.0, 6.0),
                                         np.nextafter(-5.0, -6.0)]
            for model in (fused, plain):
                for name, value in grads.items():
                    model.grads[name][...] = value
            want_fired = clip_grad_value(plain, 5.0)
            plain_opt.step()
            assert fused_opt.step_clipped(5.0) == want_fired == (scale > 1)
            for name in plain.params:
                assert np.array_equal(fused.params[name], plain.params[name]), name
                assert np.array_equal(fused.grads[name], plain.grads[name]), name  # left clipped
                assert np.array_equal(fused_opt.state["mem"][name],
                                      plain_opt.state["mem"][name]), name
    with pytest.raises(ValueError, match="limit"):
        fused_opt.step_clipped(0.0)


@pytest.mark.parametrize("loop", ["classic", "fit"])
def test_fast_training_steps_like_clip_grad_value_and_adagrad_step(loop):
    """Both loops' updates (fused; flat arrays through fit) give the plain per-array numbers."""
    from minirnn.clip import clip_grad_value

    rng = np.random.default_rng(22)
    data = rng.integers(0, 9, 600)
    trained = CharRNN(9, 16, seed=6, exact=False)
    if loop == "classic":
        min_char_rnn(trained, data, 20, sample_every=0, echo=None)
    else:
        fit(trained, Adagrad(trained, lr=0.1, eps=1e-8), CharChunks(data, 25), iterations=20,
            clip_value=5.0, verbose=False)
    plain = CharRNN(9, 16, seed=6, exact=False).astype(np.float64)  # unpacked: array by array
    assert plain.flat_arrays() is None and trained.flat_arrays() is not None
    optimizer = Adagrad(plain, lr=0.1, eps=1e-8)
    h = None
    for p in range(0, 500, 25):
        _, _, h = plain.loss_and_grads(data[p:p + 25], data[p + 1:p + 26], h)
        clip_grad_value(plain, 5.0)
        optimizer.step()
    for name, value in plain.params.items():
        assert np.array_equal(trained.params[name], value), name
    # a chunk of another length in between does not disturb the reused arrays
    loss_a, grads_a, _ = plain.loss_and_grads(data[:25], data[1:26])
    grads_a = {k: v.copy() for k, v in grads_a.items()}
    plain.loss_and_grads(data[:7], data[1:8])
    loss_b, grads_b, _ = plain.loss_and_grads(data[:25], data[1:26])
    assert loss_a == loss_b
    for name, value in grads_a.items():
        assert np.array_equal(grads_b[name], value), name
