"""Corpora: downloads verified against a local server and file:// URLs, cache handling."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
from pathlib import Path

import pytest

from minirnn.data import ChecksumError, builtin_corpus, fetch, load_text, names, tinyshakespeare
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


def test_tinyshakespeare_from_file_url(tinyshakespeare_path, tmp_path):
    text = tinyshakespeare(cache_dir=tmp_path, url=tinyshakespeare_path.as_uri())
    assert len(text) == 1115394 and len(set(text)) == 65
    assert text.startswith("First Citizen:")
    assert (tmp_path / "tinyshakespeare" / "input.txt").exists()


def test_names_from_file_urls(names_dir, tmp_path):
    female = names("female", cache_dir=tmp_path, url=(names_dir / "female.txt").as_uri())
    male = names("male", cache_dir=tmp_path, url=(names_dir / "male.txt").as_uri())
    pet_url = (names_dir / "pet.txt").as_uri()
    pets = names("pet", cache_dir=tmp_path, url=pet_url, with_species=True)
    assert female[:3] == ["Abagael", "Abagail", "Abbe"]
    assert len(female) == 5001 and len(male) == 2943  # every non-comment, non-blank line
    assert not any(n.startswith("#") or not n for n in female + male)
    assert len(pets) == 18 and ("Random Numbers", "cat") in pets and ("Bambi", "deer") in pets
    assert names("pet", cache_dir=tmp_path)[0] == "Bambi"  # cached: no url needed


def test_shared_copies_have_the_published_digests(names_dir, tinyshakespeare_path):
    for kind in ("female", "male", "pet"):
        data = (names_dir / f"{kind}.txt").read_bytes()
        assert sha(data) == SHA256[f"names/{kind}.txt"]
    assert sha(tinyshakespeare_path.read_bytes()) == SHA256["tinyshakespeare/input.txt"]


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
    with pytest.raises(ValueError, match="not UTF-8"):
        load_text(tmp_path / "l.txt")
    with pytest.raises(FileNotFoundError, match="no text file"):
        load_text(tmp_path / "missing.txt")
