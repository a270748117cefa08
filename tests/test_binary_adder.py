# ruff: noqa: NPY002  (the reference loop must use the legacy global stream, as the original)
"""BinaryAdder: the classic run reproduced line for line, its gradient, the modern mode."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.data import Batch
from minirnn.gradcheck import numerical_gradient
from minirnn.models.binary_adder import BinaryAdder
from minirnn.optim import Adam
from minirnn.tasks.binary_addition import (
    addition_batch,
    addition_batches,
    bits_to_int,
    int_to_bits,
)
from minirnn.train import fit
from minirnn.train.classics import binary_adder_classic


def reference_binary_addition(iterations: int = 10000, every: int = 1000) -> list[str]:
    """A plain loop of the classic algorithm, written independently of minirnn.

    8-bit sums of operands below 128, 16 sigmoid hidden units, no biases, weights drawn
    input->hidden, hidden->output, hidden->hidden from ``np.random.seed(0)``, one example per
    update, learning rate 0.1, full backpropagation through the 8 steps. Returns the lines
    the classic script prints.
    """
    np.random.seed(0)
    nbits, hidden = 8, 16
    W_in = 2 * np.random.random((2, hidden)) - 1
    W_out = 2 * np.random.random((hidden, 1)) - 1
    W_rec = 2 * np.random.random((hidden, hidden)) - 1
    table = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1)  # MSB first
    lines = []
    for it in range(iterations):
        a_val = np.random.randint(128)
        b_val = np.random.randint(128)
        a_bits, b_bits, c_bits = table[a_val], table[b_val], table[a_val + b_val]
        guess = np.zeros_like(c_bits)
        err_sum = 0
        out_grads = []
        states = [np.zeros(hidden)]
        for t in range(nbits):  # t = 0 is the least significant bit
            k = nbits - 1 - t
            x = np.array([[a_bits[k], b_bits[k]]])
            h = 1 / (1 + np.exp(-(x @ W_in + states[-1] @ W_rec)))
            o = 1 / (1 + np.exp(-(h @ W_out)))
            miss = np.array([[c_bits[k]]]) - o
            out_grads.append(miss * (o * (1 - o)))
            err_sum += np.abs(miss)
            guess[k] = np.round(o[0][0])
            states.append(h)
        g_in, g_out, g_rec = np.zeros_like(W_in), np.zeros_like(W_out), np.zeros_like(W_rec)
        carry = np.zeros(hidden)
        for t in reversed(range(nbits)):
            k = nbits - 1 - t
            x = np.array([[a_bits[k], b_bits[k]]])
            h, h_before = states[t + 1], states[t]
            delta = (carry @ W_rec.T + out_grads[t] @ W_out.T) * (h * (1 - h))
            g_out += np.atleast_2d(h).T @ out_grads[t]
            g_rec += np.atleast_2d(h_before).T @ delta
            g_in += x.T @ delta
            carry = delta
        W_in += g_in * 0.1
        W_out += g_out * 0.1
        W_rec += g_rec * 0.1
        if it % every == 0:
            value = sum(int(bit) << i for i, bit in enumerate(reversed(guess)))
            lines += [f"Error:{err_sum}", f"Pred:{guess}", f"True:{c_bits}",
                      f"{a_val} + {b_val} = {value}", "------------"]
    return lines


@pytest.fixture(scope="module")
def reference_lines() -> list[str]:
    return reference_binary_addition()


@pytest.fixture(scope="module")
def classic_records():
    model = BinaryAdder(classic=True, seed=0)
    return binary_adder_classic(model, iterations=10000, echo=None)


def test_reference_loop_gives_the_published_numbers(reference_lines):
    assert reference_lines[0] == "Error:[[3.45638663]]"
    assert reference_lines[3] == "9 + 60 = 1"
    assert reference_lines[5] == "Error:[[3.63389116]]"
    assert reference_lines[8] == "28 + 35 = 255"


def test_classic_mode_prints_the_reference_trajectory(reference_lines, classic_records):
    assert [r.iteration for r in classic_records] == list(range(0, 10000, 1000))
    lines = [line for record in classic_records for line in record.lines()]
    assert lines == reference_lines  # every character, so errors agree to 8 decimals


def test_classic_errors_agree_numerically(reference_lines, classic_records):
    ref_errors = [float(line[len("Error:[["):-2]) for line in reference_lines[0::5]]
    errors = [r.error for r in classic_records]
    np.testing.assert_allclose(errors, ref_errors, rtol=0, atol=5e-9)
    assert errors[-1] < 0.5  # and it did learn


def test_classic_echo_prints_the_classic_format(capsys):
    binary_adder_classic(BinaryAdder(classic=True, seed=0), iterations=1, print_every=1000)
    out = capsys.readouterr().out.splitlines()
    assert out == ["Error:[[3.45638663]]", "Pred:[0 0 0 0 0 0 0 1]",
                   "True:[0 1 0 0 0 1 0 1]", "9 + 60 = 1", "------------"]


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """Largest difference relative to the largest gradient entry of the parameter.

    Entry-wise ratios are meaningless for entries near 1e-5, whose central difference carries
    round-off of about 1e-11 (machine epsilon over h), so the scale is the whole array's.
    """
    scale = np.abs(analytic).max() + np.abs(numeric).max()
    return float(np.abs(analytic - numeric).max() / max(scale, 1e-12))


def test_classic_backward_is_the_gradient_of_half_squared_error():
    model = BinaryAdder(classic=True, seed=3)
    # Larger weights than at init so the sigmoids are away from their linear region.
    for value in model.params.values():
        value *= 2.0

    def loss(_=None) -> float:
        model.zero_grad()
        return model.classic_example(77, 45)[0]

    loss()
    analytic = {k: g.copy() for k, g in model.grads.items()}
    for name, w in model.params.items():
        numeric = numerical_gradient(loss, w)
        assert relative_error(analytic[name], numeric) < 1e-8, name


def test_classic_loss_is_half_squared_error_and_printed_error_is_l1():
    model = BinaryAdder(classic=True, seed=0)
    a, b = 9, 60
    probs = 1 / (1 + np.exp(-model.forward(_pair(a, b))))  # batched forward, same weights
    y = int_to_bits(a + b, 8)[::-1].astype(float)
    loss, printed, _ = model.classic_example(a, b)
    assert loss == pytest.approx(0.5 * np.sum((y - probs[0, :, 0]) ** 2), rel=1e-12)
    assert printed == pytest.approx(np.sum(np.abs(y - probs[0, :, 0])), rel=1e-12)


def _pair(a: int, b: int) -> np.ndarray:
    """Operand bits (1, 8, 2), least significant first."""
    return np.stack([int_to_bits(a, 8)[::-1], int_to_bits(b, 8)[::-1]], axis=-1)[None].astype(float)


def test_bits_round_trip_and_addition_batch_is_correct():
    assert list(int_to_bits(5, 8)) == [0, 0, 0, 0, 0, 1, 0, 1]
    assert bits_to_int(int_to_bits(200, 8)) == 200
    x, y = addition_batch(50, 70, np.random.default_rng(0))
    weights = [1 << t for t in range(70)]  # Python ints: no overflow at 70 bits
    for xi, yi in zip(x, y, strict=True):
        a = sum(w for w, bit in zip(weights, xi[:, 0], strict=True) if bit)
        b = sum(w for w, bit in zip(weights, xi[:, 1], strict=True) if bit)
        c = sum(w for w, bit in zip(weights, yi[:, 0], strict=True) if bit)
        assert a + b == c and a < 2**69 and b < 2**69


def test_addition_batch_rejects_one_bit():
    with pytest.raises(ValueError, match="bits must be at least 2"):
        addition_batch(3, 1, np.random.default_rng(0))


def test_forward_rejects_wrong_shape():
    model = BinaryAdder(seed=0)
    with pytest.raises(ValueError, match=r"\(N, T, 2\)"):
        model.forward(np.zeros((4, 8, 3)))
    with pytest.raises(TypeError, match="floating-point"):
        model.forward(np.zeros((4, 8, 2), dtype=int))


def test_modern_gradient_matches_finite_differences():
    model = BinaryAdder(bits=6, hidden_size=5, nonlinearity="tanh", seed=2)
    x, y = addition_batch(4, 6, np.random.default_rng(0))

    def loss(_=None) -> float:
        model.zero_grad()
        return model.forward_backward(Batch(x, y))

    loss()
    analytic = {k: g.copy() for k, g in model.gradients().items()}
    for name, w in model.parameters().items():
        numeric = numerical_gradient(loss, w)
        assert relative_error(analytic[name], numeric) < 1e-8, name


def test_modern_mode_learns_and_generalises_to_longer_sums():
    model = BinaryAdder(bits=8, hidden_size=16, seed=0)
    held_x, held_y = addition_batch(500, 8, np.random.default_rng(1))
    accuracy = []

    def record(info) -> None:
        if info.iteration % 500 == 0:
            accuracy.append((model.predict(held_x) == held_y[:, :, 0]).all(axis=1).mean())

    rng = np.random.default_rng(0)
    history = fit(model, Adam(model, lr=0.01), lambda: addition_batches(32, 8, rng),
                  iterations=1500, val_batches=[Batch(held_x, held_y)], val_every=500,
                  callbacks=record, verbose=False)
    assert accuracy[0] < accuracy[-1]
    assert accuracy[-1] == 1.0
    assert history.val_loss[-1] < history.val_loss[0]
    assert model.evaluate(Batch(held_x, held_y)) == pytest.approx(history.val_loss[-1])
    for bits in (16, 32, 64):
        full, _ = model.accuracy(bits, n=200)
        assert full > 0.95, (bits, full)
