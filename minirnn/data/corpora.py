"""Text corpora: local files, downloads checked by SHA-256, and a corpus that ships with Python.

Downloads go into a cache directory, chosen in this order: the ``cache_dir=`` argument, the
environment variable ``MINIRNN_DATA``, then ``~/.cache/minirnn``. A file is written to a
temporary name next to its destination and renamed only after its SHA-256 digest matched, so
the cache never holds a partial or wrong file; a cached file is checked again on every load.

``builtin_corpus()`` needs no network at all: it returns the Python language-reference help
text that CPython ships in its standard library (``pydoc_data.topics``), about 460 KB of
English prose, so examples and the main training job run offline out of the box.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from pathlib import Path

from minirnn._checks import check_choice
from minirnn._files import atomic_write

__all__ = [
    "ChecksumError",
    "load_text",
    "default_cache_dir",
    "fetch",
    "tinyshakespeare",
    "names",
    "builtin_corpus",
    "TINYSHAKESPEARE_URL",
    "NAMES_URL",
    "SHA256",
]

TINYSHAKESPEARE_URL = (
    "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
)
#: the CMU AI repository's names corpus (Mark Kantrowitz, 1991); ``{kind}`` is female/male/pet
NAMES_URL = "https://www.cs.cmu.edu/afs/cs/project/ai-repository/ai/areas/nlp/corpora/names/{kind}.txt"

#: expected SHA-256 digests, by path inside the cache directory
SHA256 = {
    "tinyshakespeare/input.txt": "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
    "names/female.txt": "7db278c094118d4a81de64f9c87ac3568ff9816523d4476ae41a70bcc368cb1e",
    "names/male.txt": "26231cc1fa9bfb72d0bb8518028e02bbb25d0f2b0abff91d993d2fc05eaf33e0",
    "names/pet.txt": "de6192a8d175d7bb352e33fba38b5abb3eddb6f5fab138c2199ba13d86881018",
}

NAME_KINDS = ("female", "male", "pet")


class ChecksumError(ValueError):
    """A downloaded or cached file does not have the expected SHA-256 digest."""


def load_text(path: str | os.PathLike) -> str:
    """Read a whole text file as UTF-8 (a clear error if it is not UTF-8)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no text file at {path}")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{path} is not UTF-8 text (byte {err.start}: {err.reason}); "
            "convert it, e.g. with iconv -t utf-8"
        ) from None


def default_cache_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """The cache directory: ``cache_dir``, else ``$MINIRNN_DATA``, else ``~/.cache/minirnn``."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get("MINIRNN_DATA")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "minirnn"


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(
    url: str,
    relative_path: str,
    sha256: str,
    cache_dir: str | os.PathLike | None = None,
    timeout: float = 30.0,
) -> Path:
    """Return the cached path of ``url``, downloading and verifying it first if needed.

    Parameters
    ----------
    url : str
        Where to download from (``https://``, ``http://`` or ``file://``).
    relative_path : str
        Where to keep it inside the cache directory, e.g. ``"names/male.txt"``.
    sha256 : str
        Expected hex digest; checked after download and on every later load.
    cache_dir : path, optional
        Overrides ``$MINIRNN_DATA`` and ``~/.cache/minirnn``.
    timeout : float
        Seconds to wait for the server.

    Raises
    ------
    ChecksumError
        When the download or the cached file has another digest (nothing is left behind
        for a bad download).
    ConnectionError
        When the download fails (offline, server error); the message names the address and
        the cache path, so the file can be put there by hand.
    """
    target = default_cache_dir(cache_dir) / relative_path
    if target.exists():
        got = _sha256_of(target)
        if got != sha256:
            raise ChecksumError(
                f"cached file {target} has SHA-256 {got}, expected {sha256}; "
                f"delete it to download it again from {url}"
            )
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OSError(f"cannot create the cache directory {target.parent}: {err}") from None
    # The download goes to a temporary file that replaces the target only once it is whole
    # and its checksum is right (atomic_write removes it if anything fails).
    with atomic_write(target, suffix=".part") as out:
        digest = hashlib.sha256()
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                for block in iter(lambda: response.read(1 << 16), b""):
                    digest.update(block)
                    out.write(block)
        except (urllib.error.URLError, OSError, ValueError) as err:
            if isinstance(err, urllib.error.HTTPError):
                reason = f"HTTP {err.code} {err.reason}"
            else:
                reason = getattr(err, "reason", err)
            raise ConnectionError(
                f"could not download {url} into {target} ({reason}). If you are offline, "
                f"copy the file to {target} by hand (its SHA-256 must be {sha256}), "
                "or set MINIRNN_DATA / cache_dir to a directory that has it."
            ) from None
        got = digest.hexdigest()
        if got != sha256:
            raise ChecksumError(
                f"download from {url} has SHA-256 {got}, expected {sha256}; "
                f"not saved to {target}"
            )
    return target


def tinyshakespeare(
    cache_dir: str | os.PathLike | None = None, url: str = TINYSHAKESPEARE_URL
) -> str:
    """The tiny-shakespeare text of char-rnn (1,115,394 characters, 65 distinct).

    Downloaded once from ``url`` into the cache (see :func:`fetch`), verified by SHA-256.
    """
    key = "tinyshakespeare/input.txt"
    return load_text(fetch(url, key, SHA256[key], cache_dir))


def names(
    kind: str = "female",
    cache_dir: str | os.PathLike | None = None,
    url: str | None = None,
    with_species: bool = False,
) -> list[str] | list[tuple[str, str]]:
    """First names from the CMU names corpus: ``kind`` is ``"female"``, ``"male"`` or ``"pet"``.

    The comment header (lines starting with ``#``) and blank lines are dropped. The pet file
    pairs each name with a species, separated by tabs; ``with_species=True`` returns
    ``(name, species)`` pairs for it instead of the names alone.
    """
    check_choice(kind, NAME_KINDS, "kind")
    if with_species and kind != "pet":
        raise ValueError("with_species=True only applies to kind='pet'")
    key = f"names/{kind}.txt"
    text = load_text(fetch(url or NAMES_URL.format(kind=kind), key, SHA256[key], cache_dir))
    return parse_names(text, with_species=with_species)


def parse_names(text: str, with_species: bool = False) -> list[str] | list[tuple[str, str]]:
    """Names from the text of a names file (tab-separated species column optional)."""
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        # pet lines are "name<TAB><TAB>species" (one or two tabs); names may contain spaces
        fields = [field.strip() for field in line.split("\t") if field.strip()]
        if with_species:
            if len(fields) != 2:
                raise ValueError(f"expected 'name<TAB>species', got {line!r}")
            rows.append((fields[0], fields[1]))
        else:
            rows.append(fields[0])
    return rows


def builtin_corpus() -> str:
    """About 460 KB of English that ships with every CPython: the language-reference topics.

    The text is ``pydoc_data.topics.topics`` (the pages ``help("FOR")`` and friends show),
    joined in sorted topic order with a blank line between topics, so it is the same text for
    the same Python version. Some Linux distributions strip ``pydoc_data``; then the
    docstrings of standard-library modules are used instead (smaller and a different text),
    with a warning.
    """
    try:
        from pydoc_data.topics import topics
    except ImportError:
        return _stdlib_docstrings()
    return "\n\n".join(topics[name].strip("\n") for name in sorted(topics)) + "\n"


def _stdlib_docstrings() -> str:
    import importlib
    import inspect
    import warnings

    warnings.warn(
        "pydoc_data.topics is missing from this Python; builtin_corpus() falls back to "
        "standard-library docstrings (a different, smaller text)",
        stacklevel=3,
    )
    pieces = []
    for module_name in sorted(
        ["argparse", "collections", "datetime", "decimal", "email", "functools", "inspect",
         "itertools", "json", "logging", "os", "pathlib", "random", "re", "socket", "string",
         "subprocess", "textwrap", "threading", "typing", "unittest", "urllib.request"]
    ):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for _, obj in sorted(vars(module).items()):
            doc = inspect.getdoc(obj) if callable(obj) or inspect.ismodule(obj) else None
            if doc and getattr(obj, "__module__", module_name) == module_name:
                pieces.append(doc)
    return "\n\n".join(pieces) + "\n"
