"""The training loop: learning, divergence, Ctrl-C, history, validation, progress, resume."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from training_toys import EchoRegressor, XYBatch, echo_data, shuffled_batches

from minirnn.data import Vocab
from minirnn.models.char_rnn import CharRNN
from minirnn.optim import SGD, Adam, StepDecay
from minirnn.train import TrainingDiverged, evaluate, fit
from minirnn.train.checkpoint import load_checkpoint
from minirnn.train.history import History
from minirnn.train.loop import loss_unit


def _setup(seed=0, noise=0.0, num=64, batch_size=16):
    model = EchoRegressor(seed=seed, noise=noise)
    x, y = echo_data(num, seed=seed)
    data_rng = np.random.default_rng(seed + 10)
    return model, shuffled_batches(x, y, batch_size, data_rng), data_rng


def test_loss_decreases_on_a_tiny_problem():
    model, batches, _ = _setup()
    history = fit(model, Adam(model, lr=0.02), batches, epochs=40, verbose=False)
    assert len(history) == 40 * 4
    first, last = history.loss[:8].mean(), history.loss[-8:].mean()
    assert last < 0.2 * first, (first, last)
    assert history.stop_reason == "epochs"


def test_history_arrays_and_smoothing(tmp_path):
    model, batches, _ = _setup()
    history = fit(model, SGD(model, lr=0.1), batches, iterations=10, smoothing=0.9,
                  verbose=False)
    np.testing.assert_array_equal(history.iteration, np.arange(1, 11))
    assert history.loss.dtype == np.float64 and history.clipped.dtype == np.bool_
    assert not history.clipped.any()
    assert np.all(history.grad_norm > 0)
    np.testing.assert_array_equal(history.lr, np.full(10, 0.1))
    ema, expected = 0.0, []
    for k, loss in enumerate(history.loss, start=1):
        ema = 0.9 * ema + 0.1 * loss
        expected.append(ema / (1 - 0.9**k))
    np.testing.assert_allclose(history.smooth_loss, expected, rtol=1e-12)
    assert history.smooth_loss[0] == history.loss[0]

    loaded = History.load(history.save(tmp_path / "h.npz"))
    for name, value in history.as_arrays().items():
        np.testing.assert_array_equal(getattr(loaded, name), value, err_msg=name)


def test_grad_norm_is_the_global_norm_before_clipping():
    model, batches, _ = _setup()
    seen = []

    def record(info):
        seen.append(info.grad_norm)

    class Probe(EchoRegressor):
        def forward_backward(self, batch):
            loss = super().forward_backward(batch)
            grads = [g for _, _, g in self.named_parameters()]
            self.true_norms.append(np.sqrt(sum(np.sum(g * g) for g in grads)))
            return loss

    probe = Probe()
    probe.true_norms = []
    history = fit(probe, SGD(probe, lr=0.1), batches, iterations=6, clip_norm=1e-3,
                  callbacks=record, verbose=False)
    np.testing.assert_allclose(history.grad_norm, probe.true_norms, rtol=1e-12)
    np.testing.assert_array_equal(seen, history.grad_norm)
    assert history.clipped.all()


def test_clip_value_changes_the_update():
    runs = {}
    for clip in (None, 1e-4):
        model, batches, _ = _setup()
        history = fit(model, SGD(model, lr=0.5), batches, iterations=3, clip_value=clip,
                      verbose=False)
        runs[clip] = (model.parameters()["rnn.Wh"].copy(), history.clipped)
    assert runs[1e-4][1].all() and not runs[None][1].any()
    start = EchoRegressor().parameters()["rnn.Wh"]
    # with every entry capped at 1e-4, three steps of lr 0.5 move a weight by <= 1.5e-4
    assert np.max(np.abs(runs[1e-4][0] - start)) <= 1.5e-4 + 1e-15
    assert np.max(np.abs(runs[None][0] - start)) > 1e-3


def test_nan_gradient_names_iteration_and_parameter():
    class Breaks(EchoRegressor):
        calls = 0

        def forward_backward(self, batch):
            loss = super().forward_backward(batch)
            Breaks.calls += 1
            if Breaks.calls == 3:
                self.rnn.grads["Wh"][1, 2] = np.nan
            return loss

    model, batches, _ = _setup()
    model = Breaks()
    snapshots = []
    with pytest.raises(TrainingDiverged, match=r"iteration 3: gradient of 'rnn\.Wh'") as info:
        fit(model, SGD(model, lr=0.1), batches, iterations=10, verbose=False,
            callbacks=lambda i: snapshots.append(i.model.parameters()["rnn.Wh"].copy()))
    err = info.value
    assert isinstance(err, FloatingPointError)
    assert err.iteration == 3 and err.parameter == "rnn.Wh"
    assert len(err.history) == 2
    # the bad update was not applied: weights are those after iteration 2
    np.testing.assert_array_equal(model.parameters()["rnn.Wh"], snapshots[-1])


def test_infinite_loss_stops_without_a_parameter():
    class InfLoss(EchoRegressor):
        def forward_backward(self, batch):
            super().forward_backward(batch)
            return float("inf")

    model = InfLoss()
    _, batches, _ = _setup()
    with pytest.raises(TrainingDiverged, match="iteration 1: the loss is not finite") as info:
        fit(model, SGD(model, lr=0.1), batches, iterations=3, verbose=False)
    assert info.value.parameter is None


def _interrupt_at(k):
    def callback(info):
        if info.iteration == k:
            raise KeyboardInterrupt

    return callback


def test_keyboard_interrupt_saves_a_checkpoint(tmp_path, capsys):
    model, batches, _ = _setup()
    path = tmp_path / "run.npz"
    history = fit(model, Adam(model, lr=0.01), batches, iterations=50, verbose=False,
                  checkpoint_path=path, callbacks=_interrupt_at(7))
    assert history.stop_reason == "interrupted"
    assert len(history) == 7
    err = capsys.readouterr().err
    assert "interrupted at iteration 7" in err and str(path) in err
    ckpt = load_checkpoint(path)
    assert ckpt.iteration == 7
    for name, value in model.parameters().items():
        np.testing.assert_array_equal(ckpt.params[name], value)


def test_keyboard_interrupt_without_a_path_returns_history(capsys):
    model, batches, _ = _setup()
    history = fit(model, SGD(model, lr=0.1), batches, iterations=50, verbose=False,
                  callbacks=_interrupt_at(4))
    assert len(history) == 4 and history.stop_reason == "interrupted"
    assert "nothing saved" in capsys.readouterr().err


def test_validation_and_perplexity():
    model, batches, _ = _setup()
    x, y = echo_data(24, seed=5)
    val = [XYBatch(x[:16], y[:16]), XYBatch(x[16:], y[16:])]
    history = fit(model, Adam(model, lr=0.01), batches, iterations=20, val_batches=val,
                  val_every=5, verbose=False)
    np.testing.assert_array_equal(history.val_iteration, [5, 10, 15, 20])
    # the last validation ran on the final weights; batches weighted by their size
    expected = (16 * model.evaluate(val[0]) + 8 * model.evaluate(val[1])) / 24
    assert history.val_loss[-1] == pytest.approx(expected, rel=1e-12)
    assert evaluate(model, val) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(history.val_perplexity, np.exp(history.val_loss))


def test_validation_defaults_to_every_epoch():
    model, batches, _ = _setup()
    x, y = echo_data(8, seed=5)
    history = fit(model, SGD(model, lr=0.1), batches, epochs=3,
                  val_batches=lambda: iter([XYBatch(x, y)]), verbose=False)
    np.testing.assert_array_equal(history.val_iteration, [4, 8, 12])


def test_progress_line(capsys):
    model, batches, _ = _setup()
    fit(model, SGD(model, lr=0.1), batches, iterations=10, clip_norm=1e-3)
    err = capsys.readouterr().err
    assert "\r" in err
    last = err.rstrip("\n").split("\r")[-1]
    for piece in ("iter 10/10", "loss ", "nats/token", "smooth ", "it/s", "ETA 0:00", "clip 100%"):
        assert piece in last, (piece, last)
    fit(model, SGD(model, lr=0.1), batches, iterations=10, verbose=False)
    assert capsys.readouterr().err == ""


def test_progress_and_validation_lines_name_the_unit(capsys):
    """Losses read nats/token, or nats/char and nats/word from the vocabulary's level."""
    model, batches, _ = _setup()
    x, y = echo_data(8, seed=5)
    cases = ((None, "token"), (Vocab(list("abc")), "char"),
             (Vocab(["a", "b"], level="word"), "word"))
    for vocab, unit in cases:
        fit(model, SGD(model, lr=0.1), batches, iterations=4, val_batches=[XYBatch(x, y)],
            val_every=2, vocab=vocab)
        err = capsys.readouterr().err
        assert f" nats/{unit} | smooth " in err.split("\r")[-1]
        assert "validation at iteration 2: loss " in err and f" nats/{unit}, perplexity" in err
    # a character model without a vocabulary still says per character
    assert loss_unit(CharRNN(5, 4)) == "char"
    assert loss_unit(CharRNN(5, 4), Vocab(["a"], level="word")) == "word"


def test_progress_line_total_from_epochs(capsys):
    model, batches, _ = _setup()
    fit(model, SGD(model, lr=0.1), batches, epochs=2, progress_every=0.0)
    last = capsys.readouterr().err.rstrip("\n").split("\r")[-1]
    assert "iter 8/8" in last and "epoch 2" in last and "clip" not in last


def test_callback_can_stop_and_samples_are_recorded():
    model, batches, _ = _setup()
    infos = []

    def stopper(info):
        infos.append(info)
        info.stop = info.iteration == 6

    history = fit(model, SGD(model, lr=0.1), batches, iterations=100, callbacks=[stopper],
                  sample_fn=lambda m: f"training={m.training}", sample_every=3, verbose=False)
    assert len(history) == 6 and history.stop_reason == "callback"
    assert [i.iteration for i in infos] == [1, 2, 3, 4, 5, 6]
    assert history.samples == [(3, "training=False"), (6, "training=False")]
    assert infos[2].sample == "training=False" and infos[1].sample is None
    assert model.training  # switched back after sampling


def test_batch_forms():
    x, y = echo_data(32)
    as_list = [XYBatch(x[i : i + 8], y[i : i + 8]) for i in range(0, 32, 8)]
    model = EchoRegressor()
    assert len(fit(model, SGD(model, lr=0.1), as_list, epochs=3, verbose=False)) == 12
    one_shot = iter(as_list)
    with pytest.raises(TypeError, match="one-shot iterator"):
        fit(model, SGD(model, lr=0.1), one_shot, epochs=2, verbose=False)
    history = fit(model, SGD(model, lr=0.1), iter(as_list), iterations=10, verbose=False)
    assert len(history) == 4 and history.stop_reason == "data exhausted"
    with pytest.raises(ValueError, match="produced no batch"):
        fit(model, SGD(model, lr=0.1), [], epochs=1, verbose=False)


def test_bad_arguments():
    model, batches, _ = _setup()
    opt = SGD(model, lr=0.1)
    with pytest.raises(ValueError, match="not both"):
        fit(model, opt, batches, clip_value=1.0, clip_norm=1.0)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        fit(model, opt, batches, epochs=0)
    with pytest.raises(ValueError, match="checkpoint_every needs a checkpoint_path"):
        fit(model, opt, batches, checkpoint_every=3)
    with pytest.raises(TypeError, match="forward_backward"):
        fit(object(), opt, batches)


def test_periodic_checkpoints(tmp_path):
    model, batches, _ = _setup()
    path = tmp_path / "p.npz"
    seen = {}

    def peek(info):
        if info.iteration in (7, 11):
            seen[info.iteration] = load_checkpoint(path).iteration

    fit(model, SGD(model, lr=0.1), batches, iterations=12, checkpoint_path=path,
        checkpoint_every=5, callbacks=peek, verbose=False)
    assert seen == {7: 5, 11: 10}
    assert load_checkpoint(path).iteration == 12  # final save


def _resumable_run(tmp_path, stop_early):
    """Noise, shuffling and a schedule: every piece of state matters for identity."""
    model, batches, data_rng = _setup(noise=0.3)
    opt = Adam(model, lr=0.02)
    kwargs = dict(iterations=22, rng={"data": data_rng, "noise": model.rng},
                  scheduler=StepDecay(opt, step_size=7, gamma=0.5), verbose=False)
    if stop_early is None:
        return model, fit(model, opt, batches, **kwargs)
    path = tmp_path / "resume.npz"
    if stop_early == "interrupt":
        fit(model, opt, batches, checkpoint_path=path, callbacks=_interrupt_at(10), **kwargs)
    else:
        fit(model, opt, batches, checkpoint_path=path, **{**kwargs, "iterations": 10})
    # fresh objects with different seeds: everything must come from the checkpoint
    model2, batches2, data_rng2 = _setup(seed=3, noise=0.3)
    x, y = echo_data(64, seed=0)
    batches2 = shuffled_batches(x, y, 16, data_rng2)
    opt2 = Adam(model2, lr=0.5)
    kwargs2 = dict(kwargs, rng={"data": data_rng2, "noise": model2.rng},
                   scheduler=StepDecay(opt2, step_size=7, gamma=0.5))
    return model2, fit(model2, opt2, batches2, resume=path, **kwargs2)


@pytest.mark.parametrize("how", ["iterations", "interrupt"])
def test_resume_is_bit_identical(tmp_path, how):
    straight, straight_history = _resumable_run(tmp_path, None)
    resumed, resumed_history = _resumable_run(tmp_path, how)
    for name, value in straight.parameters().items():
        np.testing.assert_array_equal(resumed.parameters()[name], value, err_msg=name)
    for name, value in straight_history.as_arrays().items():
        np.testing.assert_array_equal(getattr(resumed_history, name), value, err_msg=name)


def test_resume_without_rng_is_not_identical(tmp_path):
    """The test above can fail: dropping the RNG state changes the result."""
    straight, _ = _resumable_run(tmp_path, None)
    model, batches, data_rng = _setup(noise=0.3)
    opt = Adam(model, lr=0.02)
    path = tmp_path / "r.npz"
    fit(model, opt, batches, iterations=10, checkpoint_path=path, verbose=False,
        scheduler=StepDecay(opt, step_size=7, gamma=0.5))
    model2 = EchoRegressor(seed=0, noise=0.3, rng=np.random.default_rng(42))
    opt2 = Adam(model2, lr=0.02)
    fit(model2, opt2, batches, iterations=22, resume=path, verbose=False,
        scheduler=StepDecay(opt2, step_size=7, gamma=0.5))
    assert not np.array_equal(model2.parameters()["rnn.Wh"], straight.parameters()["rnn.Wh"])


def test_language_model_resume_with_library_iterators(tmp_path):
    """LanguageModel + LMBatches(random) + dropout: 30 straight == 17 + save + load + 13."""
    from minirnn.data import LMBatches, Vocab, builtin_corpus
    from minirnn.models.language_model import LanguageModel

    text = builtin_corpus()[:3000]
    vocab = Vocab.from_text(text)
    ids = vocab.encode(text)

    def run(iterations, seed, **kwargs):
        model = LanguageModel(len(vocab), 16, embedding_dim=8, cell="gru", dropout=0.3, seed=seed)
        data = LMBatches(ids, 4, 10, scheme="random", seed=seed)
        opt = Adam(model, lr=0.01)
        fit(model, opt, data, iterations=iterations, clip_norm=1.0, verbose=False,
            rng={"data": data.rng, "dropout": model.drop.rng}, vocab=vocab, **kwargs)
        return model

    straight = run(30, seed=0)
    path = tmp_path / "lm.npz"
    run(17, seed=0, checkpoint_path=path)
    resumed = run(30, seed=5, resume=path)
    for name, value in straight.parameters().items():
        np.testing.assert_array_equal(resumed.parameters()[name], value, err_msg=name)
    assert Vocab.from_dict(load_checkpoint(path).vocab) == vocab


# -- the check, literally: 2000 straight == 1000 + save + load into fresh objects + 1000
def _toy_run(iterations, seed, **kwargs):
    """The noisy toy with shuffling and a schedule; ``seed`` only changes the fresh objects."""
    model = EchoRegressor(seed=seed, noise=0.3)
    x, y = echo_data(64, seed=0)
    data_rng = np.random.default_rng(seed + 10)
    opt = Adam(model, lr=0.02)
    fit(model, opt, shuffled_batches(x, y, 16, data_rng), iterations=iterations,
        rng={"data": data_rng, "noise": model.rng},
        scheduler=StepDecay(opt, step_size=700, gamma=0.5), verbose=False, **kwargs)
    return model


def _sequential_lm_run(iterations, seed, **kwargs):
    """A tiny LSTM language model over sequential batches: the state carries across batches."""
    from minirnn.data import LMBatches, Vocab, builtin_corpus
    from minirnn.models.language_model import LanguageModel

    text = builtin_corpus()[:2000]
    vocab = Vocab.from_text(text)
    model = LanguageModel(len(vocab), 8, embedding_dim=4, cell="lstm", dropout=0.2, seed=seed)
    data = LMBatches(vocab.encode(text), 2, 8, scheme="sequential", seed=seed)
    fit(model, Adam(model, lr=0.01), data, iterations=iterations, clip_norm=1.0, verbose=False,
        rng={"data": data.rng, "dropout": model.drop.rng}, **kwargs)
    return model


def _straight_and_resumed(run, tmp_path):
    straight = run(2000, seed=0)
    path = tmp_path / "half.npz"
    run(1000, seed=0, checkpoint_path=path)
    # fresh model, optimizer, data and generators, seeded differently: all comes from the file
    resumed = run(2000, seed=5, resume=path)
    return straight, resumed, path


@pytest.mark.parametrize("run", [_toy_run, _sequential_lm_run], ids=["toy", "sequential_lm"])
def test_2000_straight_equals_1000_save_load_1000(tmp_path, run):
    straight, resumed, path = _straight_and_resumed(run, tmp_path)
    if run is _sequential_lm_run:
        # iteration 1001 continues the carried state (not the first batch of an epoch)
        ckpt = load_checkpoint(path)
        assert ckpt.trainer_state["batch_in_epoch"] > 0
        assert sorted(ckpt.carried_state) == ["train.c", "train.h"]
    for name, value in straight.parameters().items():
        assert np.array_equal(resumed.parameters()[name], value), name


def test_sequential_lm_resume_needs_the_carried_state(tmp_path, monkeypatch):
    """The test above can fail: a resume that restarts the carried state from zeros differs."""
    from minirnn.models.language_model import LanguageModel

    monkeypatch.setattr(LanguageModel, "load_carried_state", lambda self, state: None)
    straight, resumed, _ = _straight_and_resumed(_sequential_lm_run, tmp_path)
    assert not np.array_equal(resumed.parameters()["rnn.Wh"], straight.parameters()["rnn.Wh"])


def test_ctrl_c_after_the_forward_pass_saves_the_state_the_iteration_began_with(
    tmp_path, monkeypatch
):
    """Interrupted after forward_backward moved the carried state on, before the update: the
    checkpoint holds the state from the start of that iteration, which is replayed on resume."""
    from minirnn.models.language_model import LanguageModel

    straight = _sequential_lm_run(40, seed=0)
    original = LanguageModel.forward_backward
    calls = []

    def interrupted_at_18(model, batch):
        loss = original(model, batch)
        calls.append(1)
        if len(calls) == 18:
            raise KeyboardInterrupt
        return loss

    path = tmp_path / "ctrl_c.npz"
    with monkeypatch.context() as patch:
        patch.setattr(LanguageModel, "forward_backward", interrupted_at_18)
        _sequential_lm_run(40, seed=0, checkpoint_path=path)
    assert load_checkpoint(path).iteration == 17
    resumed = _sequential_lm_run(40, seed=5, resume=path)
    for name, value in straight.parameters().items():
        assert np.array_equal(resumed.parameters()[name], value), name


def test_epochs_of_different_lengths_are_run_to_the_end():
    x, y = echo_data(40)
    sizes = iter([3, 5, 2])

    def epoch():
        return [XYBatch(x[i : i + 8], y[i : i + 8]) for i in range(0, 8 * next(sizes), 8)]

    model = EchoRegressor()
    val = [XYBatch(x[:8], y[:8])]
    history = fit(model, SGD(model, lr=0.1), epoch, epochs=3, val_batches=val, verbose=False)
    assert len(history) == 10
    np.testing.assert_array_equal(history.val_iteration, [3, 8, 10])


def test_progress_line_is_not_repeated_at_the_end(capsys):
    model, batches, _ = _setup()
    fit(model, SGD(model, lr=0.1), batches, iterations=5, progress_every=1e9)
    err = capsys.readouterr().err
    assert err.count("iter 5/5") == 1 and err.count("iter 1/5") == 1, err


def test_history_records_the_learning_rate_each_update_used():
    model, batches, _ = _setup()
    opt = SGD(model, lr=0.1)
    history = fit(model, opt, batches, iterations=5, verbose=False,
                  scheduler=StepDecay(opt, step_size=2, gamma=0.5))
    np.testing.assert_allclose(history.lr, [0.1, 0.1, 0.05, 0.05, 0.025])


def test_ctrl_c_during_the_update_is_held_until_the_step_is_complete(tmp_path):
    import os
    import signal

    class InterruptedSGD(SGD):
        def step(self):
            if self.t == 3:  # a real SIGINT arrives in the middle of the fourth update
                os.kill(os.getpid(), signal.SIGINT)
            super().step()

    model, batches, _ = _setup()
    path = tmp_path / "c.npz"
    # the handler fit must put back: Python's default, or SIG_IGN in a process started in
    # the background by a non-interactive shell (as CI may start the suite)
    before = signal.getsignal(signal.SIGINT)
    history = fit(model, InterruptedSGD(model, lr=0.1), batches, iterations=10,
                  checkpoint_path=path, verbose=False)
    assert history.stop_reason == "interrupted" and len(history) == 4
    ckpt = load_checkpoint(path)
    assert ckpt.iteration == 4 and ckpt.optimizer_state["t"] == 4
    for name, value in model.parameters().items():
        np.testing.assert_array_equal(ckpt.params[name], value)
    assert signal.getsignal(signal.SIGINT) is before


class LegacyNoise(EchoRegressor):
    """Draws its input noise from NumPy's global stream, as classic scripts do."""

    def forward_backward(self, batch):
        noisy = XYBatch(batch.inputs + 0.3 * np.random.randn(*batch.inputs.shape),  # noqa: NPY002
                        batch.targets)
        return super().forward_backward(noisy)


@pytest.mark.parametrize("legacy", [True, False])
def test_resume_with_the_legacy_global_stream(tmp_path, legacy):
    def run(iterations, **kwargs):
        model, batches, data_rng = _setup()
        model = LegacyNoise()
        fit(model, SGD(model, lr=0.1), batches, iterations=iterations, verbose=False,
            rng={"data": data_rng}, legacy_rng=legacy, **kwargs)
        return model.parameters()["rnn.Wh"]

    np.random.seed(0)  # noqa: NPY002
    straight = run(9)
    np.random.seed(0)  # noqa: NPY002
    run(5, checkpoint_path=tmp_path / "l.npz")
    np.random.seed(99)  # noqa: NPY002 - a resumed run starts from another global state
    resumed = run(9, resume=tmp_path / "l.npz")
    assert np.array_equal(resumed, straight) == legacy


def test_validation_weights_by_counted_targets():
    class ConstantLoss(EchoRegressor):
        def evaluate(self, batch):
            return float(batch.loss)

    @dataclass
    class B:
        targets: np.ndarray
        mask: np.ndarray | None
        loss: float

    model = ConstantLoss()
    seq_mask = np.array([[1, 1, 0], [1, 0, 0]], dtype=bool)  # 3 counted targets
    batches = [B(np.zeros((2, 3)), seq_mask, 1.0), B(np.zeros((1, 3)), None, 4.0)]
    assert evaluate(model, batches) == pytest.approx((3 * 1.0 + 3 * 4.0) / 6)
    # one label per sequence with a mask over input steps: each label counts once
    labels = [B(np.zeros(2), np.ones((2, 7), bool), 1.0), B(np.zeros(1), None, 4.0)]
    assert evaluate(model, labels) == pytest.approx((2 * 1.0 + 1 * 4.0) / 3)


class _CountsZeroGrad(EchoRegressor):
    """Counts the trainer's zero_grad calls."""

    zero_grad_calls = 0

    def zero_grad(self):
        self.zero_grad_calls += 1
        super().zero_grad()


class _WritesItsGradients(_CountsZeroGrad):
    """Zeroes its own gradients inside forward_backward, so they are written, not added."""

    overwrites_grads = True

    def forward_backward(self, batch):
        EchoRegressor.zero_grad(self)  # not counted: the trainer's calls are
        return super().forward_backward(batch)


def test_a_model_that_overwrites_its_gradients_is_not_zeroed_first():
    """overwrites_grads = True: fit skips zero_grad, and trains to the same weights."""
    runs = []
    for cls in (_CountsZeroGrad, _WritesItsGradients):
        model = cls(seed=3)
        x, y = echo_data(48, seed=3)
        batches = shuffled_batches(x, y, 16, np.random.default_rng(4))
        history = fit(model, SGD(model, lr=0.1), batches, iterations=7, verbose=False)
        runs.append((model, history))
    (adds, added), (writes, written) = runs
    assert adds.zero_grad_calls == 7 and writes.zero_grad_calls == 0
    np.testing.assert_array_equal(written.loss, added.loss)
    for name, value in adds.parameters().items():
        np.testing.assert_array_equal(writes.parameters()[name], value, err_msg=name)


def test_events_are_due_at_their_iterations_whatever_the_others_do(tmp_path):
    """Validation, samples and checkpoints at their own intervals and the last iteration,
    with no callbacks and no progress line (the iterations in between skip every check)."""
    model, batches, _ = _setup()
    x, y = echo_data(8, seed=5)
    saved = []

    def sample(m):
        saved.append(load_checkpoint(tmp_path / "e.npz").iteration
                     if (tmp_path / "e.npz").exists() else 0)
        return "s"

    history = fit(model, SGD(model, lr=0.1), batches, iterations=13, verbose=False,
                  val_batches=[XYBatch(x, y)], val_every=3, sample_fn=sample, sample_every=4,
                  checkpoint_path=tmp_path / "e.npz", checkpoint_every=5)
    np.testing.assert_array_equal(history.val_iteration, [3, 6, 9, 12, 13])
    np.testing.assert_array_equal(history.sample_iteration, [4, 8, 12])
    assert saved == [0, 5, 10]  # the checkpoints written before each sample
    assert load_checkpoint(tmp_path / "e.npz").iteration == 13


def test_next_due_is_the_first_event_after_an_iteration():
    from minirnn.train.events import ScheduledEvents

    events = ScheduledEvents([XYBatch(*echo_data(4))], 6, str, 4, "c.npz", 10)
    assert [events.next_due(i) for i in (0, 3, 4, 6, 8, 9, 10, 11)] == [4, 4, 6, 8, 10, 10, 12, 12]
    assert ScheduledEvents(None, None, None, None, None, None).next_due(5) == np.inf


def test_the_last_progress_line_shows_the_last_iteration_once(capsys):
    """An epoch-limited run whose line is not due at its end still ends on its last numbers."""
    model, batches, _ = _setup()
    fit(model, SGD(model, lr=0.1), batches, epochs=2, progress_every=1e9, clip_value=1e-6)
    err = capsys.readouterr().err
    last = err.rstrip("\n").split("\r")[-1]
    assert "iter 8/8" in last and "epoch 2" in last and "clip 100%" in last, last
    assert err.count("iter 8/8") == 1 and err.count("iter 1 |") == 1, err


def test_history_clip_rate_is_over_the_last_updates():
    history = History()
    assert history.clip_rate() == 0.0
    for k in range(150):
        history.record_step(k + 1, 1.0, 1.0, 1.0, k < 30 or k >= 140)
    assert history.clip_rate() == pytest.approx(10 / 100)
    assert history.clip_rate(20) == pytest.approx(10 / 20)
