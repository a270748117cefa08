"""Optimizers against hand-computed steps, a PyTorch oracle, and state round trips."""

from __future__ import annotations

import math

import numpy as np
import pytest

from minirnn.layers.base import Layer
from minirnn.optim import (
    SGD,
    Adagrad,
    Adam,
    LambdaSchedule,
    LinearDecay,
    Momentum,
    RMSProp,
    StepDecay,
)

P0 = (1.0, -2.0)
G1 = (0.5, -1.0)
G2 = (0.25, 2.0)


class Toy(Layer):
    """One 2-element parameter ``w``, optionally a sub-layer with a (2, 3) ``W``."""

    def __init__(self, nested: bool = False, seed: int = 0) -> None:
        super().__init__()
        self.add_param("w", np.array(P0))
        if nested:
            inner = Layer()
            inner.add_param("W", np.random.default_rng(seed).normal(size=(2, 3)))
            self.add_sublayer("inner", inner)


def two_steps(opt_class, **kwargs) -> list[np.ndarray]:
    """Run two steps with gradients G1 then G2; return w after each step."""
    model = Toy()
    opt = opt_class(model, **kwargs)
    seen = []
    for g in (G1, G2):
        model.grads["w"][...] = g
        opt.step()
        seen.append(model.params["w"].copy())
    return seen


def check(seen, expected) -> None:
    np.testing.assert_allclose(seen[0], expected[0], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(seen[1], expected[1], rtol=1e-13, atol=1e-15)


def test_sgd_by_hand():
    # w1 = w0 - 0.1 g1 = (1 - 0.05, -2 + 0.1); w2 = w1 - 0.1 g2 = (0.95 - 0.025, -1.9 - 0.2)
    check(two_steps(SGD, lr=0.1), [(0.95, -1.9), (0.925, -2.1)])


def test_momentum_by_hand():
    # v1 = g1 = (0.5, -1);  w1 = (1 - 0.05, -2 + 0.1) = (0.95, -1.9)
    # v2 = 0.9 v1 + g2 = (0.45 + 0.25, -0.9 + 2) = (0.7, 1.1); w2 = (0.95 - 0.07, -1.9 - 0.11)
    check(two_steps(Momentum, lr=0.1, momentum=0.9), [(0.95, -1.9), (0.88, -2.01)])


def test_nesterov_by_hand():
    # v1 = (0.5, -1); step = g1 + 0.9 v1 = (0.95, -1.9); w1 = (1 - 0.095, -2 + 0.19)
    # v2 = (0.7, 1.1); step = g2 + 0.9 v2 = (0.25 + 0.63, 2 + 0.99) = (0.88, 2.99)
    # w2 = (0.905 - 0.088, -1.81 - 0.299)
    seen = two_steps(Momentum, lr=0.1, momentum=0.9, nesterov=True)
    check(seen, [(0.905, -1.81), (0.817, -2.109)])


def test_adagrad_by_hand():
    eps = 1e-8
    # mem1 = g1^2 = (0.25, 1); w1 = w0 - 0.1 g1 / sqrt(mem1 + eps)  ~ (0.9, -1.9)
    w1 = (1.0 - 0.1 * 0.5 / math.sqrt(0.25 + eps), -2.0 + 0.1 * 1.0 / math.sqrt(1.0 + eps))
    # mem2 = mem1 + g2^2 = (0.3125, 5); w2 = w1 - 0.1 g2 / sqrt(mem2 + eps)
    w2 = (w1[0] - 0.1 * 0.25 / math.sqrt(0.3125 + eps), w1[1] - 0.1 * 2.0 / math.sqrt(5.0 + eps))
    seen = two_steps(Adagrad, lr=0.1)
    check(seen, [w1, w2])
    # ignoring eps: 0.9 - 0.025 / sqrt(0.3125) = 0.9 - 0.0447213595... (eps moves it ~3e-9)
    assert abs(seen[1][0] - 0.8552786404500042) < 1e-8


def test_adagrad_matches_min_char_rnn_bit_for_bit():
    """Replays Karpathy's loop (`param += -lr * dparam / np.sqrt(mem + 1e-8)`) exactly."""
    rng = np.random.default_rng(3)
    model = Toy(nested=True)
    ref = {name: p.copy() for name, p, _ in model.named_parameters()}
    mem = {name: np.zeros_like(p) for name, p in ref.items()}
    opt = Adagrad(model, lr=0.1)
    for _ in range(20):
        for name, _, g in model.named_parameters():
            g[...] = rng.normal(scale=3.0, size=g.shape)
            mem[name] += g * g
            ref[name] += -0.1 * g / np.sqrt(mem[name] + 1e-8)
        opt.step()
    for name, p, _ in model.named_parameters():
        assert np.array_equal(p, ref[name]), name


def test_rmsprop_by_hand():
    rho, eps = 0.9, 1e-8
    s1 = ((1 - rho) * 0.25, (1 - rho) * 1.0)  # (0.025, 0.1)
    w1 = (1.0 - 0.01 * 0.5 / (math.sqrt(s1[0]) + eps), -2.0 + 0.01 * 1.0 / (math.sqrt(s1[1]) + eps))
    s2 = (rho * s1[0] + (1 - rho) * 0.0625, rho * s1[1] + (1 - rho) * 4.0)  # (0.02875, 0.49)
    w2 = (
        w1[0] - 0.01 * 0.25 / (math.sqrt(s2[0]) + eps),
        w1[1] - 0.01 * 2.0 / (math.sqrt(s2[1]) + eps),
    )
    seen = two_steps(RMSProp, lr=0.01, rho=rho, eps=eps)
    check(seen, [w1, w2])
    assert abs(seen[1][1] - (-2.0 + 0.01 / math.sqrt(0.1) - 0.02 / 0.7)) < 1e-9


def test_adam_by_hand():
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.1
    w = list(P0)
    m = [0.0, 0.0]
    v = [0.0, 0.0]
    expected = []
    for t, g in ((1, G1), (2, G2)):
        for i in range(2):
            m[i] = b1 * m[i] + (1 - b1) * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2
            m_hat = m[i] / (1 - b1**t)
            v_hat = v[i] / (1 - b2**t)
            w[i] -= lr * m_hat / (math.sqrt(v_hat) + eps)
        expected.append(tuple(w))
    seen = two_steps(Adam, lr=lr)
    check(seen, expected)
    # written out: step 1 moves each weight by lr * sign(g) (bias correction gives m_hat = g,
    # v_hat = g^2); step 2 m = (0.07, 0.11), v = (0.00031225, 0.004999)
    np.testing.assert_allclose(seen[0], (0.9, -1.9), atol=1e-8)
    step2 = 0.1 * (0.07 / 0.19) / (math.sqrt(0.00031225 / 0.001999) + 1e-8)
    np.testing.assert_allclose(seen[1][0], seen[0][0] - step2, rtol=1e-12)


ALL = [
    (SGD, {"lr": 0.1}),
    (Momentum, {"lr": 0.1, "momentum": 0.8}),
    (Momentum, {"lr": 0.1, "momentum": 0.8, "nesterov": True}),
    (Adagrad, {"lr": 0.1}),
    (RMSProp, {"lr": 0.01}),
    (Adam, {"lr": 0.01}),
]


def run(model, opt, rng, steps):
    for _ in range(steps):
        for _, _, g in model.named_parameters():
            g[...] = rng.normal(size=g.shape)
        opt.step()


@pytest.mark.parametrize("opt_class,kwargs", ALL, ids=lambda v: getattr(v, "__name__", ""))
def test_state_dict_round_trip_continues_identically(opt_class, kwargs, tmp_path):
    straight = Toy(nested=True)
    opt = opt_class(straight, **kwargs)
    run(straight, opt, np.random.default_rng(0), 3)

    # save params + optimizer state to .npz, rebuild from the file without pickle
    np.savez(tmp_path / "p.npz", **straight.parameters())
    np.savez(tmp_path / "o.npz", **opt.state_dict())
    resumed = Toy(nested=True, seed=99)
    with np.load(tmp_path / "p.npz", allow_pickle=False) as f:
        for name, p in resumed.parameters().items():
            p[...] = f[name]
    opt2 = opt_class(resumed, lr=123.0)  # lr comes back from the state
    with np.load(tmp_path / "o.npz", allow_pickle=False) as f:
        opt2.load_state_dict(dict(f))
    assert opt2.lr == opt.lr and opt2.t == 3

    run(straight, opt, np.random.default_rng(1), 3)
    run(resumed, opt2, np.random.default_rng(1), 3)
    for name, p in straight.parameters().items():
        assert np.array_equal(p, resumed.parameters()[name]), name


def test_state_keys_are_dotted_parameter_names():
    model = Toy(nested=True)
    opt = Adam(model)
    run(model, opt, np.random.default_rng(0), 1)
    keys = set(opt.state_dict())
    assert {"m.w", "m.inner.W", "v.w", "v.inner.W", "lr", "t", "beta1"} <= keys


def test_load_state_dict_errors_name_the_problem():
    model = Toy(nested=True)
    opt = Adagrad(model, lr=0.1)
    run(model, opt, np.random.default_rng(0), 1)
    good = opt.state_dict()

    bad_shape = dict(good, **{"mem.inner.W": np.zeros((3, 2))})
    with pytest.raises(ValueError, match=r"mem\.inner\.W.*\(3, 2\).*\(2, 3\)"):
        opt.load_state_dict(bad_shape)
    unknown = dict(good, **{"mem.decoder.W": np.zeros(2)})
    with pytest.raises(ValueError, match="decoder.W"):
        opt.load_state_dict(unknown)
    missing = {k: v for k, v in good.items() if k != "mem.w"}
    with pytest.raises(ValueError, match="'w'"):
        opt.load_state_dict(missing)
    with pytest.raises(ValueError, match="eps"):
        opt.load_state_dict({k: v for k, v in good.items() if k != "eps"})
    with pytest.raises(ValueError, match="slot"):
        opt.load_state_dict(dict(good, **{"velocity.w": np.zeros(2)}))
    # a failed load changes nothing
    assert np.array_equal(opt.state["mem"]["w"], good["mem.w"])


def test_lr_can_be_changed_between_steps():
    model = Toy()
    opt = SGD(model, lr=0.1)
    model.grads["w"][...] = G1
    opt.lr = 1.0
    opt.step()
    np.testing.assert_allclose(model.params["w"], (0.5, -1.0))


def test_bad_arguments():
    with pytest.raises(TypeError, match="named_parameters"):
        SGD([np.zeros(2)], lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        SGD(Toy(), lr=-1.0)
    with pytest.raises(ValueError, match="momentum"):
        Momentum(Toy(), lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match="beta2"):
        Adam(Toy(), beta2=1.5)


def test_step_decay():
    opt = SGD(Toy(), lr=1.0)
    sched = StepDecay(opt, step_size=2, gamma=0.5)
    lrs = [sched.step() for _ in range(5)]
    assert lrs == [1.0, 0.5, 0.5, 0.25, 0.25]
    assert opt.lr == 0.25

    opt2 = SGD(Toy(), lr=1.0)
    sched2 = StepDecay(opt2, step_size=2, gamma=0.5)
    sched2.load_state_dict(sched.state_dict())
    assert [sched2.step() for _ in range(2)] == [sched.step() for _ in range(2)] == [0.125] * 2
    with pytest.raises(ValueError, match="step_size"):
        StepDecay(opt, step_size=0, gamma=0.5)


def test_lambda_schedule_warmup():
    opt = Adam(Toy(), lr=0.01)
    sched = LambdaSchedule(opt, lambda k: min(1.0, k / 4))
    lrs = [sched.step() for _ in range(6)]
    np.testing.assert_allclose(lrs, [0.0025, 0.005, 0.0075, 0.01, 0.01, 0.01])


def test_linear_decay_reaches_the_final_fraction_and_stays():
    opt = SGD(Toy(), lr=2.0)
    sched = LinearDecay(opt, steps=4, final=0.5)
    lrs = [sched.step() for _ in range(6)]
    np.testing.assert_allclose(lrs, [1.75, 1.5, 1.25, 1.0, 1.0, 1.0])
    resumed = LinearDecay(SGD(Toy(), lr=2.0), steps=4, final=0.5)
    resumed.load_state_dict({"base_lr": 2.0, "count": 2})
    assert resumed.step() == lrs[2]


TORCH_CASES = [
    (Momentum, {"lr": 0.1, "momentum": 0.9}, "SGD", {"lr": 0.1, "momentum": 0.9}),
    (
        Momentum,
        {"lr": 0.1, "momentum": 0.9, "nesterov": True},
        "SGD",
        {"lr": 0.1, "momentum": 0.9, "nesterov": True},
    ),
    (RMSProp, {"lr": 0.01, "rho": 0.95}, "RMSprop", {"lr": 0.01, "alpha": 0.95, "eps": 1e-8}),
    (Adam, {"lr": 0.01}, "Adam", {"lr": 0.01, "eps": 1e-8}),
]


@pytest.mark.parametrize("ours,kwargs,theirs,torch_kwargs", TORCH_CASES)
def test_against_pytorch(ours, kwargs, theirs, torch_kwargs):
    torch = pytest.importorskip("torch", reason="torch is an optional test oracle")
    rng = np.random.default_rng(5)
    model = Toy(nested=True)
    tensors = [torch.tensor(p.copy()) for p in model.parameters().values()]
    for t in tensors:
        t.requires_grad_(True)
    opt = ours(model, **kwargs)
    opt_torch = getattr(torch.optim, theirs)(tensors, **torch_kwargs)
    for _ in range(10):
        for t, (_, _, g) in zip(tensors, model.named_parameters(), strict=True):
            g[...] = rng.normal(size=g.shape)
            t.grad = torch.tensor(g.copy())
        opt.step()
        opt_torch.step()
    for t, p in zip(tensors, model.parameters().values(), strict=True):
        np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("limit", [5.0, 0.1])  # 0.1: not a binary number, rounded per dtype
def test_adagrad_step_clipped_reports_clipping_as_clip_grad_value(dtype, limit):
    """step_clipped's verdict (whether an entry was outside) and numbers equal clip_grad_value
    then step, also at entries that tie with the bound or sit one ulp on either side of it,
    where g*g and limit**2 round alike (the shortcut that skips the re-check must not fire)."""
    from minirnn.clip import clip_grad_value

    bound = dtype(limit)
    near = [bound, -bound, np.nextafter(bound, dtype(0)), np.nextafter(-bound, dtype(0)),
            np.nextafter(bound, dtype(10))]
    for grads in ([near[0]], [near[1]], near[2:4], [near[4]], near, [bound * 3], [0.0]):
        fused, plain = Toy().astype(dtype), Toy().astype(dtype)
        values = np.zeros(2, dtype)
        values[:len(grads[:2])] = grads[:2]
        for model in (fused, plain):
            model.grads["w"][...] = values
        want = clip_grad_value(plain, limit)
        Adagrad(plain, lr=0.1).step()
        assert Adagrad(fused, lr=0.1).step_clipped(limit) == want, (grads, want)
        assert np.array_equal(fused.params["w"], plain.params["w"])
        assert np.array_equal(fused.grads["w"], plain.grads["w"])
