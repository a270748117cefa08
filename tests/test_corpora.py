"""Corpora: downloads verified against a local server and file:// URLs, cache handling."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest

from minirnn.data import (
    ChecksumError,
    builtin_corpus,
    corpora,
    data_search_dirs,
    digits,
    fetch,
    find_data_file,
    load_text,
    names,
    packaged_data_dirs,
    poem_lines,
    tang300,
    tang_poems,
    tinyshakespeare,
)
from minirnn.data.corpora import SHA256, default_cache_dir, parse_names


@pytest.fixture
def server(tmp_path):
    """An HTTP server on 127.0.0.1 serving tmp_path/www; yields its base URL."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep pytest output clean
            pass

    handler = functools.partial(Quiet, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()
        httpd.server_close()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_good_checksum_downloads_and_caches(server, tmp_path):
    url, root = server
    data = "naïve café 汉字\n".encode()
    (root / "a.txt").write_bytes(data)
    cache = tmp_path / "cache"
    path = fetch(f"{url}/a.txt", "sub/a.txt", sha(data), cache_dir=cache)
    assert path == cache / "sub" / "a.txt" and path.read_bytes() == data
    assert list(path.parent.iterdir()) == [path]  # no temporary file left
    # second call uses the cache: the server no longer has the file
    (root / "a.txt").unlink()
    assert fetch(f"{url}/a.txt", "sub/a.txt", sha(data), cache_dir=cache) == path


def test_bad_checksum_raises_and_leaves_no_file(server, tmp_path):
    url, root = server
    (root / "a.txt").write_bytes(b"tampered")
    cache = tmp_path / "cache"
    with pytest.raises(ChecksumError, match=r"a\.txt.*expected 0{64}"):
        fetch(f"{url}/a.txt", "sub/a.txt", "0" * 64, cache_dir=cache)
    assert list((cache / "sub").iterdir()) == []


def test_corrupted_cache_is_detected_on_load(tmp_path):
    target = tmp_path / "sub" / "a.txt"
    target.parent.mkdir()
    target.write_bytes(b"changed after download")
    with pytest.raises(ChecksumError, match="cached file .*a.txt.*delete it"):
        fetch("http://127.0.0.1:9/a.txt", "sub/a.txt", sha(b"original"), cache_dir=tmp_path)


def test_offline_error_names_address_and_cache_path(tmp_path):
    # port 9 (discard) on localhost: nothing listens, the connection is refused at once
    url = "http://127.0.0.1:9/input.txt"
    with pytest.raises(ConnectionError) as info:
        fetch(url, "t/input.txt", "0" * 64, cache_dir=tmp_path, timeout=5)
    message = str(info.value)
    assert url in message and str(tmp_path / "t" / "input.txt") in message
    assert list((tmp_path / "t").iterdir()) == []


def test_missing_file_on_server(server, tmp_path):
    url, _ = server
    with pytest.raises(ConnectionError, match="404|Not Found"):
        fetch(f"{url}/none.txt", "none.txt", "0" * 64, cache_dir=tmp_path)


def test_cache_dir_argument_then_environment_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv("MINIRNN_DATA", str(tmp_path / "env"))
    assert default_cache_dir() == tmp_path / "env"
    assert default_cache_dir(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv("MINIRNN_DATA")
    assert default_cache_dir() == Path.home() / ".cache" / "minirnn"


def test_environment_variable_is_used_for_downloads(monkeypatch, server, tmp_path):
    url, root = server
    (root / "b.txt").write_bytes(b"bee")
    monkeypatch.setenv("MINIRNN_DATA", str(tmp_path / "env"))
    assert fetch(f"{url}/b.txt", "b.txt", sha(b"bee")) == tmp_path / "env" / "b.txt"


def test_tinyshakespeare_ships_with_the_package():
    text = tinyshakespeare()
    assert len(text) == 1115394 and len(set(text)) == 65
    assert text.startswith("First Citizen:")


def test_download_when_no_local_copy(monkeypatch, tmp_path, tinyshakespeare_path):
    # no packaged copy and an empty home: the file comes from the address into cache_dir
    monkeypatch.setattr(corpora, "packaged_data_dirs", lambda: [])
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MINIRNN_DATA", raising=False)
    text = tinyshakespeare(cache_dir=tmp_path / "c", url=tinyshakespeare_path.as_uri())
    assert len(text) == 1115394
    assert (tmp_path / "c" / "tinyshakespeare" / "input.txt").exists()


def test_names_lists():
    female, male = names("female"), names("male")
    pets = names("pet", with_species=True)
    assert female[:3] == ["Abagael", "Abagail", "Abbe"]
    assert len(female) == 5001 and len(male) == 2943  # every non-comment, non-blank line
    assert not any(n.startswith("#") or not n for n in female + male)
    assert len(pets) == 18 and ("Random Numbers", "cat") in pets and ("Bambi", "deer") in pets
    assert names("pet")[0] == "Bambi"


def test_every_shipped_file_has_its_published_digest():
    packaged = packaged_data_dirs()  # the clone's datasets/ or the installed copy
    assert packaged
    for relative, digest in SHA256.items():
        assert sha((packaged[0] / relative).read_bytes()) == digest, relative


def test_search_order_argument_environment_package_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MINIRNN_DATA", str(tmp_path / "env"))
    packaged = packaged_data_dirs()
    assert packaged, "no packaged datasets found"
    assert data_search_dirs(tmp_path / "arg") == [
        tmp_path / "arg", tmp_path / "env", *packaged, tmp_path / "home" / ".cache" / "minirnn"
    ]
    # a copy in the environment's directory wins over the package's, and is checked
    pet = tmp_path / "env" / "names" / "pet.txt"
    pet.parent.mkdir(parents=True)
    pet.write_bytes((packaged[0] / "names" / "pet.txt").read_bytes())
    assert find_data_file("names/pet.txt") == pet
    pet.write_text("Rex\tdog\n")
    with pytest.raises(ChecksumError, match="pet.txt has SHA-256"):
        names("pet")


def test_without_any_copy_or_address_the_error_says_where_it_looked(monkeypatch, tmp_path):
    monkeypatch.setattr(corpora, "packaged_data_dirs", lambda: [])
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MINIRNN_DATA", raising=False)
    with pytest.raises(FileNotFoundError, match="poetry/tang300.tsv is in none of .*home"):
        tang300()


def test_tang_poems_forms():
    poems = tang_poems()
    assert len(poems) == 36916
    quatrains5 = tang_poems(chars_per_line=5, lines=4)
    assert len(quatrains5) == 3934 and len(tang_poems(chars_per_line=7, lines=8)) == 7962
    assert all(len(p) == 24 and p[5] in "，。？！" and p[-1] in "。？！" for p in quatrains5)
    assert poem_lines("白日依山尽，黄河入海流。") == ["白日依山尽，", "黄河入海流。"]


def test_tang_poems_from_a_path(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("床前明月光，疑是地上霜。举头望明月，低头思故乡。\n\n", encoding="utf-8")
    assert tang_poems(path=path) == ["床前明月光，疑是地上霜。举头望明月，低头思故乡。"]
    assert tang_poems(path=path, chars_per_line=7) == []


def test_tang300():
    poems = tang300()
    assert len(poems) == 320
    assert poems[1] == {"chapter": "登鹳雀楼", "author": "王之涣", "form": "五言绝句",
                        "text": "白日依山尽，黄河入海流。欲穷千里目，更上一层楼。"}


def test_digits():
    images, labels = digits()
    assert images.shape == (1797, 8, 8) and labels.shape == (1797,)
    assert images.min() == 0.0 and images.max() == 1.0
    assert np.array_equal(labels[:10], np.arange(10))
    assert np.array_equal(np.bincount(labels), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])


def test_parse_names_rejects_a_bad_pet_line():
    with pytest.raises(ValueError, match="name<TAB>species"):
        parse_names("# header\nRex\n", with_species=True)
    with pytest.raises(ValueError, match="kind"):
        names("robot")


def test_builtin_corpus_is_real_offline_text():
    text = builtin_corpus()
    assert len(text.encode("utf-8")) >= 100_000
    assert text == builtin_corpus()  # deterministic
    assert "for" in text.split() and len(set(text)) > 60


def test_load_text(tmp_path):
    (tmp_path / "u.txt").write_text("李白 ok", encoding="utf-8")
    assert load_text(tmp_path / "u.txt") == "李白 ok"
    (tmp_path / "l.txt").write_bytes("café".encode("latin-1"))
    with pytest.raises(ValueError, match="not valid utf-8 text: cannot decode byte offset 3"):
        load_text(tmp_path / "l.txt")
    with pytest.raises(FileNotFoundError, match="no text file"):
        load_text(tmp_path / "missing.txt")
