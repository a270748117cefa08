"""Hostile and broken files: checkpoints, histories and vocabularies are validated, not trusted.

Every case asserts the exception type (a CheckpointError or FileFormatError, never a bare
KeyError or NumPy's error), that the message names the file and the problem, and that no
message suggests ``allow_pickle``. Pickled payloads sit in every array slot and in the
metadata; each would create a marker file if it were ever unpickled, and the tests assert it
never is.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from minirnn._npz import read_npz
from minirnn.commands.char_rnn import load_char_rnn
from minirnn.commands.lm import load_language_model
from minirnn.data import Vocab
from minirnn.errors import FileFormatError, MinirnnError
from minirnn.models import CharRNN, LanguageModel
from minirnn.optim import Adam
from minirnn.train import History
from minirnn.train.checkpoint import CheckpointError, load_checkpoint, save_checkpoint

TEXT = "hello world, hello minirnn"


@pytest.fixture()
def vocab():
    return Vocab.from_text(TEXT)


@pytest.fixture()
def lm_file(tmp_path, vocab):
    model = LanguageModel(len(vocab), 6, embedding_dim=4, seed=0)
    optimizer = Adam(model)
    optimizer.step()  # so that its moment arrays exist and are saved
    path = tmp_path / "lm.npz"
    save_checkpoint(path, model, optimizer=optimizer, vocab=vocab,
                    rng=np.random.default_rng(0), iteration=3,
                    config={"model": model.config(), "level": "char"}, arrays={"loss": np.ones(3)})
    return path


@pytest.fixture()
def char_rnn_file(tmp_path, vocab):
    model = CharRNN(len(vocab), 5, seed=0)
    path = tmp_path / "char.npz"
    config = {"model": "CharRNN", "vocab_size": len(vocab), "hidden_size": 5, "exact": True,
              "seq_length": 25, "lr": 0.1, "level": "char"}
    save_checkpoint(path, model, vocab=vocab, config=config)
    return path


def entries_of(path):
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def metadata_of(entries):
    return json.loads(entries["__metadata__"].tobytes().decode("utf-8"))


def rewrite(path, target, change=None, drop=(), arrays=None):
    """A copy of the checkpoint at ``path`` with its metadata changed by ``change(meta)``."""
    entries = {k: v for k, v in entries_of(path).items() if k not in drop}
    meta = metadata_of(entries)
    if change is not None:
        change(meta)
    entries["__metadata__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    entries.update(arrays or {})
    np.savez(target, **entries)
    return target


def assert_refused(call, *words, error=CheckpointError):
    with pytest.raises(error) as caught:
        call()
    message = str(caught.value)
    assert "allow_pickle" not in message and "pickle=True" not in message
    for word in words:
        assert word in message, message
    return message


# ---------------------------------------------------------------- wrong types, missing keys


def _set(path, value):
    def change(meta):
        node = meta
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return change


@pytest.mark.parametrize(("where", "value", "words"), [
    (("iteration",), "5", "iteration must be an integer"),
    (("iteration",), True, "iteration must be an integer"),
    (("iteration",), -1, "'iteration' must be >= 0"),
    (("format_version",), "1", "invalid format_version '1'"),
    (("config",), [1, 2], "config must be an object"),
    (("vocab",), ["a", "b"], "vocab must be an object or null"),
    (("params",), {"W": [2, 2]}, "params must be a list"),
    (("params",), [["out.W", "6x13", "float64"]], "must be [name, shape, dtype]"),
    (("params",), [], "'params' is empty"),
    (("rng_states",), {"rng": 3}, "rng_states['rng'] must be an object"),
    (("optimizer", "class"), 7, "optimizer['class'] must be a string"),
    (("optimizer", "scalars", "lr"), "fast", "optimizer scalar 'lr' must be a number"),
    (("optimizer", "arrays"), ["m.nothing"], "missing array 'optim/m.nothing'"),
    (("extra",), ["nothing"], "missing array 'extra/nothing'"),
    (("carried_state",), [3], "an entry of 'carried_state' must be a string"),
    (("kind",), 12, "kind must be a string"),
])
def test_wrong_types_in_the_metadata(lm_file, tmp_path, where, value, words):
    bad = rewrite(lm_file, tmp_path / "bad.npz", _set(where, value))
    assert_refused(lambda: load_checkpoint(bad), str(bad), words)


@pytest.mark.parametrize(("key", "words"), [
    ("format", "does not describe a minirnn-checkpoint file"),
    ("format_version", "missing or invalid format_version"),
    *[(key, f"missing the key {key!r}") for key in ("iteration", "config", "params",
                                                     "rng_states")],
])
def test_missing_keys(lm_file, tmp_path, key, words):
    bad = rewrite(lm_file, tmp_path / "bad.npz", lambda meta: meta.pop(key))
    assert_refused(lambda: load_checkpoint(bad), str(bad), words)


def test_a_listed_shape_or_dtype_that_differs_from_the_array(lm_file, tmp_path):
    def lie(meta):
        meta["params"][0][1] = [99, 99]
    bad = rewrite(lm_file, tmp_path / "bad.npz", lie)
    assert_refused(lambda: load_checkpoint(bad), "is listed as (99, 99)")


def test_integer_parameters_are_refused(lm_file, tmp_path):
    entries = entries_of(lm_file)
    name = metadata_of(entries)["params"][0][0]
    shape = entries["param/" + name].shape

    def relabel(meta):
        meta["params"][0][2] = "int64"
    bad = rewrite(lm_file, tmp_path / "bad.npz", relabel,
                  arrays={"param/" + name: np.zeros(shape, dtype=np.int64)})
    assert_refused(lambda: load_checkpoint(bad), f"parameter {name!r} has dtype int64")


@pytest.mark.parametrize(("change", "words"), [
    ({"bit_generator": "Mersenne"}, "unknown bit generator 'Mersenne'"),
    ({"state": {"state": "x", "inc": 1}}, "saved PCG64 RNG state is not valid"),
])
def test_bad_rng_states(lm_file, tmp_path, change, words):
    def spoil(meta):
        meta["rng_states"]["rng"].update(change)
    bad = rewrite(lm_file, tmp_path / "bad.npz", spoil)
    assert_refused(lambda: load_checkpoint(bad).restore_rng(), words)
    assert_refused(lambda: load_checkpoint(bad, rng=np.random.default_rng()), words)


@pytest.mark.parametrize(("metadata", "words"), [
    (np.frombuffer(b"{not json", dtype=np.uint8), "metadata is not valid JSON"),
    (np.frombuffer(b"\xff\xfe", dtype=np.uint8), "metadata is not valid JSON"),
    (np.frombuffer(b"[1, 2]", dtype=np.uint8), "does not describe a minirnn-checkpoint"),
    (np.arange(5, dtype=np.int64), "metadata entry must be UTF-8 bytes"),
    (np.frombuffer(b"[" * 100000 + b"]" * 100000, dtype=np.uint8), "not valid JSON"),
])
def test_metadata_that_is_not_json(lm_file, tmp_path, metadata, words):
    entries = entries_of(lm_file)
    entries["__metadata__"] = metadata
    np.savez(tmp_path / "bad.npz", **entries)
    assert_refused(lambda: load_checkpoint(tmp_path / "bad.npz"), words)


# ---------------------------------------------------------------- huge configs, vocabularies


@pytest.mark.parametrize(("key", "value"), [
    ("vocab_size", 10**12), ("hidden_size", 10**9), ("embedding_dim", 10**8), ("num_layers", 10**6),
])
def test_huge_configs_are_refused_before_anything_is_allocated(lm_file, tmp_path, key, value):
    bad = rewrite(lm_file, tmp_path / "huge.npz", _set(("config", "model", key), value))
    assert_refused(lambda: load_checkpoint(bad), f"config size {key!r} is {value}")
    assert_refused(lambda: load_language_model(bad), str(bad))


def test_config_sizes_must_match_the_stored_weights(lm_file, tmp_path):
    bad = rewrite(lm_file, tmp_path / "bad.npz", _set(("config", "model", "hidden_size"), 4))
    assert_refused(lambda: load_language_model(bad), "parameter 'out.W' is stored as (6,",
                   "imply (4,")


@pytest.mark.parametrize("tokens", [["a", "b", "c"], list("abcdefghijklmnopqrstuvwxyz")])
def test_a_vocabulary_that_does_not_fit_the_model(lm_file, tmp_path, tokens):
    bad = rewrite(lm_file, tmp_path / "bad.npz", _set(("vocab", "itos"), tokens))
    assert_refused(lambda: load_language_model(bad), f"the vocabulary has {len(tokens)} tokens",
                   "model's input and output have")


@pytest.mark.parametrize(("itos", "words"), [
    ([1, 2, 3], "'itos' must be a list of strings"),
    (["a", "a", "b"], "tokens must be distinct"),
    ("abc", "'itos' must be a list of strings"),
])
def test_a_vocabulary_that_is_not_valid(lm_file, tmp_path, itos, words):
    bad = rewrite(lm_file, tmp_path / "bad.npz", _set(("vocab", "itos"), itos))
    assert_refused(lambda: load_language_model(bad), "saved vocabulary is not valid", words)


def test_no_vocabulary(lm_file, tmp_path):
    bad = rewrite(lm_file, tmp_path / "bad.npz", _set(("vocab",), None))
    assert_refused(lambda: load_language_model(bad), "holds no vocabulary")


# ---------------------------------------------------------------- the model kind


def test_a_char_rnn_checkpoint_in_the_language_model_loader(char_rnn_file):
    assert_refused(lambda: load_language_model(char_rnn_file),
                   "is a char-rnn checkpoint", "use `minirnn char-rnn sample`")


def test_a_language_model_in_the_char_rnn_loader(lm_file):
    assert_refused(lambda: load_char_rnn(lm_file), "is an lm checkpoint",
                   "use `minirnn lm generate`")


def test_an_unknown_kind_is_refused(lm_file, tmp_path):
    bad = rewrite(lm_file, tmp_path / "bad.npz", _set(("config",), {}))
    assert_refused(lambda: load_language_model(bad), "not a checkpoint")


def test_char_rnn_loader_checks_shapes_and_vocabulary(char_rnn_file, tmp_path):
    bad = rewrite(char_rnn_file, tmp_path / "bad.npz", _set(("config", "hidden_size"), 3))
    assert_refused(lambda: load_char_rnn(bad), "parameter 'Wxh' is stored as (5,")
    small = rewrite(char_rnn_file, tmp_path / "small.npz", _set(("vocab", "itos"), ["x", "y"]))
    assert_refused(lambda: load_char_rnn(small), "the vocabulary has 2 tokens")


def test_the_valid_files_still_load(lm_file, char_rnn_file, vocab):
    model, loaded = load_language_model(lm_file)
    assert loaded == vocab and model.vocab_size == len(vocab)
    char_model, char_vocab, _ = load_char_rnn(char_rnn_file)
    assert char_vocab == vocab and char_model.hidden_size == 5


# ---------------------------------------------------------------- pickles never run


class Payload:
    """Unpickling this touches ``marker``: the proof that a pickle ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def pickled_npy(marker: Path) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.array([Payload(marker)], dtype=object), allow_pickle=True)
    return buffer.getvalue()


def with_member_replaced(path: Path, target: Path, member: str, data: bytes) -> Path:
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            out.writestr(info.filename, data if info.filename == member else source.read(info))
    return target


def members(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def test_a_pickle_in_every_slot_never_runs(lm_file, tmp_path):
    marker = tmp_path / "PICKLE_RAN"
    names = members(lm_file)
    assert any(n.startswith("optim/") for n in names) and "__metadata__.npy" in names
    for i, member in enumerate(names):
        bad = with_member_replaced(lm_file, tmp_path / f"evil{i}.npz", member,
                                   pickled_npy(marker))
        for load in (load_checkpoint, load_language_model, History.load,
                     lambda p: read_npz(p)):
            assert_refused(lambda load=load, bad=bad: load(bad), str(bad),
                           "holds Python objects", error=FileFormatError)
        assert not marker.exists(), f"unpickled {member}"


def test_a_pickle_file_instead_of_a_checkpoint_never_runs(tmp_path):
    import pickle

    marker = tmp_path / "PICKLE_RAN"
    bad = tmp_path / "evil.npz"
    bad.write_bytes(pickle.dumps(Payload(marker)))
    assert_refused(lambda: load_checkpoint(bad), "not an .npz (zip) archive")
    assert_refused(lambda: History.load(bad), "not an .npz", error=FileFormatError)
    assert not marker.exists()


def test_a_single_npy_with_a_pickle_never_runs(tmp_path):
    marker = tmp_path / "PICKLE_RAN"
    bad = tmp_path / "evil.npz"
    bad.write_bytes(pickled_npy(marker))
    assert_refused(lambda: load_checkpoint(bad), "a single .npy array")
    assert not marker.exists()


# ---------------------------------------------------------------- damaged files


def test_truncated_files(lm_file, tmp_path):
    data = lm_file.read_bytes()
    for cut in (0, 10, 200, len(data) // 2, len(data) - 30, len(data) - 1):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(data[:cut])
        assert_refused(lambda bad=bad: load_checkpoint(bad), str(bad))
        assert_refused(lambda bad=bad: load_language_model(bad), str(bad))


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes(tmp_path, seed):
    bad = tmp_path / "random.npz"
    bad.write_bytes(np.random.default_rng(seed).bytes(2000))
    assert_refused(lambda: load_checkpoint(bad), "not an .npz (zip) archive")
    assert_refused(lambda: History.load(bad), "not an .npz", error=FileFormatError)


def test_a_zip_with_strange_members(lm_file, tmp_path):
    odd = tmp_path / "odd.npz"
    with zipfile.ZipFile(odd, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert_refused(lambda: load_checkpoint(odd), "'notes.txt', which is not a .npy array")
    garbage = with_member_replaced(lm_file, tmp_path / "g.npz", "__metadata__.npy", b"\x93NUMPY")
    assert_refused(lambda: load_checkpoint(garbage), "'__metadata__' is not a valid .npy array")


def test_a_header_that_claims_terabytes(lm_file, tmp_path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
    bad = with_member_replaced(lm_file, tmp_path / "huge.npz", "extra/loss.npy",
                               header.getvalue() + b"\0" * 64)
    assert_refused(lambda: load_checkpoint(bad), "claims shape (1000000000000,)")


def test_corrupted_bytes_inside_a_member(lm_file, tmp_path):
    data = bytearray(lm_file.read_bytes())
    with zipfile.ZipFile(lm_file) as archive:
        info = archive.getinfo("__metadata__.npy")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 140
    data[start:start + 8] = b"XXXXXXXX"
    bad = tmp_path / "flipped.npz"
    bad.write_bytes(bytes(data))
    assert_refused(lambda: load_checkpoint(bad), "truncated or corrupted")


def test_missing_files_and_directories(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at this path"):
        load_checkpoint(tmp_path / "missing.npz")
    with pytest.raises(FileNotFoundError):
        read_npz(tmp_path)
    with pytest.raises(FileNotFoundError):
        Vocab.load(tmp_path / "missing.json")


def test_every_loader_error_is_a_minirnn_error_and_a_value_error():
    assert issubclass(CheckpointError, FileFormatError)
    assert issubclass(FileFormatError, MinirnnError) and issubclass(FileFormatError, ValueError)


# ---------------------------------------------------------------- histories, vocabularies


def test_history_load_names_the_file(tmp_path):
    good = History()
    path = good.save(tmp_path / "h.npz")
    assert len(History.load(path)) == 0
    uneven = tmp_path / "uneven.npz"
    np.savez(uneven, iteration=np.arange(3), loss=np.ones(2))
    assert_refused(lambda: History.load(uneven), str(uneven), "not a valid training history",
                   error=FileFormatError)


@pytest.mark.parametrize(("content", "words"), [
    (b"\xff\xfe\x00garbage", "not valid JSON"),
    (b"{", "not valid JSON"),
    (b"[1, 2, 3]", "not a minirnn vocabulary"),
    (b'{"hello": 1}', "not a minirnn vocabulary"),
])
def test_vocab_load_names_the_file(tmp_path, content, words):
    bad = tmp_path / "v.json"
    bad.write_bytes(content)
    assert_refused(lambda: Vocab.load(bad), str(bad), words, error=FileFormatError)


@pytest.mark.parametrize(("field", "value", "words"), [
    ("itos", [1, 2], "'itos' must be a list of strings"),
    ("specials", "<pad>", "'specials' must be a list of strings"),
    ("specials", ["<nope>"], "names tokens that 'itos' does not hold"),
    ("level", 3, "'level' must be a string"),
    ("sep", None, "'sep' must be a string"),
])
def test_vocab_fields_are_checked(tmp_path, vocab, field, value, words):
    data = vocab.to_dict()
    data[field] = value
    bad = tmp_path / "v.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    assert_refused(lambda: Vocab.load(bad), str(bad), words, error=FileFormatError)
