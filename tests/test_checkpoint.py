"""Checkpoints: round trip, bit-identical resume, and clear errors for damaged files."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from training_toys import EchoRegressor, echo_data, shuffled_batches

from minirnn.optim import SGD, Adam
from minirnn.train.checkpoint import (
    FORMAT_VERSION,
    CheckpointError,
    load_checkpoint,
    save_checkpoint,
)


def _trained(seed=0, steps=3):
    model = EchoRegressor(seed=seed, noise=0.1)
    opt = Adam(model, lr=0.01)
    x, y = echo_data(16)
    batches = shuffled_batches(x, y, 8, np.random.default_rng(seed))
    for _ in range(steps):
        for batch in batches():
            model.zero_grad()
            model.forward_backward(batch)
            opt.step()
    return model, opt


def test_round_trip_restores_everything(tmp_path):
    model, opt = _trained()
    rng = np.random.default_rng(5)
    rng.standard_normal(3)  # move away from the seeded state
    vocab = {"tokens": ["a", "b", "中"], "level": "char"}
    path = save_checkpoint(
        tmp_path / "run.npz", model, opt, vocab=vocab, rng={"data": rng},
        iteration=42, config={"hidden": 8, "lr": 0.01},
    )
    expected_next = rng.standard_normal(4)

    fresh = EchoRegressor(seed=99)
    fresh_opt = Adam(fresh, lr=0.5)
    fresh_rng = np.random.default_rng(0)
    ckpt = load_checkpoint(path, fresh, fresh_opt, rng={"data": fresh_rng})

    for name, value in model.parameters().items():
        np.testing.assert_array_equal(fresh.parameters()[name], value)
    assert fresh_opt.t == opt.t and fresh_opt.lr == opt.lr
    for key, value in opt.state_dict().items():
        np.testing.assert_array_equal(fresh_opt.state_dict()[key], value)
    np.testing.assert_array_equal(fresh_rng.standard_normal(4), expected_next)
    assert ckpt.iteration == 42
    assert ckpt.config == {"hidden": 8, "lr": 0.01}
    assert ckpt.vocab == vocab
    np.testing.assert_array_equal(ckpt.restore_rng("data").standard_normal(4), expected_next)


def test_parameters_keep_their_identity(tmp_path):
    model, opt = _trained()
    path = save_checkpoint(tmp_path / "a.npz", model, opt)
    fresh = EchoRegressor(seed=3)
    before = {name: id(value) for name, value in fresh.parameters().items()}
    load_checkpoint(path, fresh)
    assert {name: id(value) for name, value in fresh.parameters().items()} == before


def test_legacy_global_rng_round_trip(tmp_path):
    model = EchoRegressor()
    np.random.seed(7)  # noqa: NPY002 - the legacy stream is what is being tested
    path = save_checkpoint(tmp_path / "a.npz", model, legacy_rng=True)
    expected = np.random.rand(5)  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    load_checkpoint(path, legacy_rng=True)
    np.testing.assert_array_equal(np.random.rand(5), expected)  # noqa: NPY002


def test_file_needs_no_pickle(tmp_path):
    model, opt = _trained()
    path = save_checkpoint(tmp_path / "a.npz", model, opt, vocab={"x": 1},
                           rng=np.random.default_rng(0))
    with np.load(path, allow_pickle=False) as data:
        assert data.files, "empty archive"
        for key in data.files:
            assert not data[key].dtype.hasobject, key
        meta = json.loads(data["__metadata__"].tobytes().decode("utf-8"))
    assert meta["format_version"] == FORMAT_VERSION
    assert {p[0] for p in meta["params"]} == set(model.parameters())


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    model = EchoRegressor()
    save_checkpoint(tmp_path / "a.npz", model, iteration=1)
    save_checkpoint(tmp_path / "a.npz", model, iteration=2)  # overwrite in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npz"]
    assert load_checkpoint(tmp_path / "a.npz").iteration == 2


def test_failed_write_keeps_the_old_file(tmp_path):
    model = EchoRegressor()
    path = save_checkpoint(tmp_path / "a.npz", model, iteration=1)
    with pytest.raises(TypeError, match="pickle"):
        save_checkpoint(path, model, iteration=2, arrays={"bad": np.array([object()])})
    assert load_checkpoint(path).iteration == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npz"]


def test_manual_resume_is_bit_identical(tmp_path):
    """Save mid-way, load into fresh objects, continue: same weights as straight through."""
    x, y = echo_data(32)

    def run(model, opt, rng, epochs):
        batches = shuffled_batches(x, y, 8, rng)
        for _ in range(epochs):
            for batch in batches():
                model.zero_grad()
                model.forward_backward(batch)
                opt.step()

    straight = EchoRegressor(noise=0.2)
    straight_rng = np.random.default_rng(1)
    run(straight, Adam(straight, lr=0.01), straight_rng, 6)

    first = EchoRegressor(noise=0.2)
    first_opt = Adam(first, lr=0.01)
    first_rng = np.random.default_rng(1)
    run(first, first_opt, first_rng, 3)
    path = save_checkpoint(tmp_path / "half.npz", first, first_opt,
                           rng={"data": first_rng, "noise": first.rng}, iteration=12)

    second = EchoRegressor(seed=7, noise=0.2)
    second_opt = Adam(second, lr=0.5)
    second_rng = np.random.default_rng(99)
    load_checkpoint(path, second, second_opt, rng={"data": second_rng, "noise": second.rng})
    run(second, second_opt, second_rng, 3)

    for name, value in straight.parameters().items():
        np.testing.assert_array_equal(second.parameters()[name], value, err_msg=name)


# -- damaged and mismatched files ---------------------------------------------------------
@pytest.fixture
def saved(tmp_path):
    model, opt = _trained()
    return save_checkpoint(tmp_path / "good.npz", model, opt, iteration=3)


def test_truncated_file(saved, tmp_path):
    data = saved.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 30):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(data[:cut])
        with pytest.raises(CheckpointError, match="truncated or corrupted"):
            load_checkpoint(bad)


def test_corrupted_bytes(saved, tmp_path):
    data = bytearray(saved.read_bytes())
    # Flip bytes inside the stored data of the first member: the zip CRC check catches it.
    with zipfile.ZipFile(saved) as archive:
        info = archive.infolist()[0]
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 130
    for i in range(start, start + 8):
        data[i] ^= 0xFF
    bad = tmp_path / "flipped.npz"
    bad.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="truncated or corrupted"):
        load_checkpoint(bad)


def test_not_a_checkpoint(tmp_path):
    plain = tmp_path / "plain.npz"
    np.savez(plain, W=np.zeros(3))
    with pytest.raises(CheckpointError, match="not a minirnn checkpoint"):
        load_checkpoint(plain)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing.npz")


def _rewrite(path, target, drop=(), meta_update=None):
    with np.load(path, allow_pickle=False) as data:
        entries = {k: data[k] for k in data.files if k not in drop}
    meta = json.loads(entries["__metadata__"].tobytes().decode("utf-8"))
    meta.update(meta_update or {})
    entries["__metadata__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(target, **entries)
    return target


def test_missing_key(saved, tmp_path):
    bad = _rewrite(saved, tmp_path / "nokey.npz", drop=("param/rnn.Wh",))
    with pytest.raises(CheckpointError, match=r"missing array 'param/rnn\.Wh'"):
        load_checkpoint(bad)


def test_newer_format_version(saved, tmp_path):
    bad = _rewrite(saved, tmp_path / "new.npz", meta_update={"format_version": FORMAT_VERSION + 1})
    with pytest.raises(CheckpointError, match=f"format version {FORMAT_VERSION + 1}, newer"):
        load_checkpoint(bad)


def test_shape_mismatch_names_parameter(saved):
    other = EchoRegressor(hidden_size=5)
    before = {k: v.copy() for k, v in other.parameters().items()}
    message = r"'rnn\.Wx' has shape \(2, 8\) in the file but \(2, 5\)"
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(saved, other)
    for name, value in other.parameters().items():  # nothing changed on failure
        np.testing.assert_array_equal(value, before[name])


def test_name_mismatch_lists_names(saved):
    class Renamed(EchoRegressor):
        def __init__(self):
            super().__init__()
            self.sublayers["readout"] = self.sublayers.pop("head")

    with pytest.raises(CheckpointError, match=r"missing from the file \['readout\.W'"):
        load_checkpoint(saved, Renamed())


def test_optimizer_class_mismatch(saved):
    model = EchoRegressor()
    with pytest.raises(CheckpointError, match="Adam optimizer, not SGD"):
        load_checkpoint(saved, model, SGD(model, lr=0.1))


def test_missing_rng_name(saved):
    with pytest.raises(CheckpointError, match="no saved RNG state named 'data'"):
        load_checkpoint(saved, rng={"data": np.random.default_rng()})


def test_bad_arguments(tmp_path):
    model = EchoRegressor()
    with pytest.raises(ValueError, match="iteration must be a non-negative integer"):
        save_checkpoint(tmp_path / "x.npz", model, iteration=-1)
    with pytest.raises(TypeError, match="rng must be a np.random.Generator"):
        save_checkpoint(tmp_path / "x.npz", model, rng=3)
    with pytest.raises(TypeError, match="vocab must be a dict"):
        save_checkpoint(tmp_path / "x.npz", model, vocab=object())


def test_vocab_objects_are_stored_as_their_json(tmp_path):
    from minirnn.data import Vocab

    vocab = Vocab.from_text("to be or not to be, 生存还是毁灭")
    path = save_checkpoint(tmp_path / "v.npz", EchoRegressor(), vocab=vocab)
    assert Vocab.from_dict(load_checkpoint(path).vocab) == vocab

    class SavesItself:  # only save(path): its own JSON file is read back
        def save(self, target):
            target.write_text(json.dumps({"tokens": ["x", "y"]}), encoding="utf-8")

    path = save_checkpoint(tmp_path / "w.npz", EchoRegressor(), vocab=SavesItself())
    assert load_checkpoint(path).vocab == {"tokens": ["x", "y"]}


# -- a model's carried state (hidden state kept between batches) ----------------------------
def _lm_with_states(cell, seed=0):
    from minirnn.data import Batch
    from minirnn.models.language_model import LanguageModel

    model = LanguageModel(7, 5, cell=cell, num_layers=2, seed=seed)
    ids = np.random.default_rng(seed).integers(0, 7, (3, 6))
    model.forward_backward(Batch(ids, ids))
    model.evaluate(Batch(ids[:2], ids[:2]))  # another batch size for the evaluation state
    return model


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_carried_state_round_trip(tmp_path, cell):
    model = _lm_with_states(cell)
    path = save_checkpoint(tmp_path / "lm.npz", model)
    fresh = _lm_with_states(cell, seed=1)  # its own, different states must be replaced
    loaded = load_checkpoint(path, fresh)
    names = ["eval.c", "eval.h", "train.c", "train.h"] if cell == "lstm" else ["eval.h", "train.h"]
    assert sorted(loaded.carried_state) == names
    saved, restored = model.carried_state(), fresh.carried_state()
    assert sorted(restored) == names
    for key, value in saved.items():
        assert np.array_equal(restored[key], value), key
    assert restored["train.h"].shape == (2, 3, 5) and restored["eval.h"].shape == (2, 2, 5)


def test_no_carried_state_means_zeros(tmp_path):
    from minirnn.models.language_model import LanguageModel

    path = save_checkpoint(tmp_path / "new.npz", LanguageModel(7, 5, num_layers=2, seed=0))
    assert load_checkpoint(path).carried_state == {}
    model = _lm_with_states("lstm")
    load_checkpoint(path, model)
    assert model.carried_state() == {}


def test_carried_state_needs_a_model_that_takes_it(tmp_path):
    path = save_checkpoint(tmp_path / "lm.npz", _lm_with_states("gru"))
    other = _lm_with_states("gru")
    other.load_carried_state = None  # a model without the method
    before = other.parameters()["out.W"].copy()
    with pytest.raises(CheckpointError, match=r"carried state .*has no load_carried_state"):
        load_checkpoint(path, other)
    assert np.array_equal(other.parameters()["out.W"], before)  # nothing was changed


def test_bad_carried_state_is_a_clear_error():
    model = _lm_with_states("lstm")
    with pytest.raises(ValueError, match=r"needs all of \('h', 'c'\)"):
        model.load_carried_state({"train.h": np.zeros((2, 3, 5))})
    with pytest.raises(ValueError, match="keys must be"):
        model.load_carried_state({"hidden": np.zeros((2, 3, 5))})
    with pytest.raises(ValueError, match=r"state must have shape \(2, 3, 5\)"):
        model.load_carried_state({"train.h": np.zeros((1, 3, 5)), "train.c": np.zeros((2, 3, 5))})
