"""atomic_write: whole files or none, with the permissions a plain open() gives."""

import os
import stat

import numpy as np
import pytest

from minirnn._files import atomic_write, new_file_mode
from minirnn.data.vocab import Vocab
from minirnn.layers import Linear
from minirnn.train.checkpoint import save_checkpoint
from minirnn.train.history import History


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield
    os.umask(old)


def test_new_file_mode_is_what_open_gives(tmp_path, umask_027):
    with open(tmp_path / "plain", "wb"):
        pass
    assert new_file_mode() == mode_of(tmp_path / "plain") == 0o640


def test_written_file_has_the_plain_permissions_not_the_temporary_ones(tmp_path, umask_027):
    with atomic_write(tmp_path / "a.bin") as handle:
        handle.write(b"data")
    assert (tmp_path / "a.bin").read_bytes() == b"data"
    assert mode_of(tmp_path / "a.bin") == 0o640  # mkstemp alone would leave 0o600


def test_an_error_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="half way"):
        with atomic_write(path) as handle:
            handle.write(b"new, but only")
            raise RuntimeError("crash half way")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["a.bin"]


def test_library_writers_use_it(tmp_path, umask_027):
    vocab = Vocab.from_text("hello world")
    vocab.save(tmp_path / "vocab.json")
    assert Vocab.load(tmp_path / "vocab.json").itos == vocab.itos
    history = History()
    history.save(tmp_path / "history.npz")
    assert set(np.load(tmp_path / "history.npz")) == set(history.as_arrays())
    save_checkpoint(tmp_path / "model.npz", Linear(2, 3), iteration=1)
    for name in ("vocab.json", "history.npz", "model.npz"):
        assert mode_of(tmp_path / name) == 0o640, name
    assert sorted(os.listdir(tmp_path)) == ["history.npz", "model.npz", "vocab.json"]
