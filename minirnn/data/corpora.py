"""Corpora: the copies shipped with minirnn, a cache, checked downloads, Python's own text.

Every corpus the course uses ships in the repository's ``datasets/`` folder (installed with
the package as data files), so nothing needs the network. A loader looks for its file in this
order and checks the SHA-256 of what it finds:

1. the directory passed as ``cache_dir=`` (the CLI's ``--data-dir``);
2. the directory in the environment variable ``MINIRNN_DATA``;
3. the package's own copy (:func:`packaged_data_dirs`);
4. the user cache ``~/.cache/minirnn``;
5. the network, for files with a public address (names, tiny-shakespeare).

A download goes into the first of 1, 2 and 4 that applies. It is written to a temporary name
next to its destination and renamed only after its SHA-256 digest matched, so no directory
ever holds a partial or wrong file.

``builtin_corpus()`` needs no file at all: it returns the Python language-reference help
text that CPython ships in its standard library (``pydoc_data.topics``), about 460 KB of
English prose.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import os
import sysconfig
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from minirnn._checks import check_choice, check_instance, check_positive_int
from minirnn._files import atomic_write

__all__ = [
    "ChecksumError",
    "load_text",
    "default_cache_dir",
    "fetch",
    "tinyshakespeare",
    "names",
    "tang_poems",
    "tang300",
    "digits",
    "find_data_file",
    "data_search_dirs",
    "packaged_data_dirs",
    "poem_lines",
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

#: expected SHA-256 digests, by path inside a data directory
SHA256 = {
    "tinyshakespeare/input.txt": "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
    "names/female.txt": "7db278c094118d4a81de64f9c87ac3568ff9816523d4476ae41a70bcc368cb1e",
    "names/male.txt": "26231cc1fa9bfb72d0bb8518028e02bbb25d0f2b0abff91d993d2fc05eaf33e0",
    "names/pet.txt": "de6192a8d175d7bb352e33fba38b5abb3eddb6f5fab138c2199ba13d86881018",
    "poetry/tang_regular.txt.gz": (
        "d2f7ebb9691cf85db3b7a06097809419beaf98f35c63e9a009869d787f62acfe"
    ),
    "poetry/tang300.tsv": "4a7e5d11b2f850218db3cca9fed5835d3b7e3c7301e3bfe34ec29fcf10731c45",
    "digits/digits.csv.gz": "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22",
}

#: where ``pip install .`` puts the datasets, relative to an install scheme's data directory
DATA_FILES_SUBDIR = Path("share") / "minirnn" / "datasets"

NAME_KINDS = ("female", "male", "pet")


class ChecksumError(ValueError):
    """A downloaded or cached file does not have the expected SHA-256 digest."""


def load_text(path: str | os.PathLike, encoding: str = "utf-8") -> str:
    """Read a whole text file, decoded with ``encoding`` (UTF-8 by default).

    Chinese corpora are often GBK or GB18030 (the seed's lyrics are); pass
    ``encoding="gb18030"`` for them (GB18030 decodes every GBK file too).

    Raises
    ------
    FileNotFoundError
        When there is no file at ``path``.
    ValueError
        When ``encoding`` is not a known codec, or the bytes are not valid in it; the message
        names the encoding tried, the byte offset and the bytes found there.
    """
    path = Path(path)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ValueError(
            f"unknown text encoding {encoding!r}; try utf-8, gbk or gb18030"
        ) from None
    if not path.is_file():
        raise FileNotFoundError(f"no text file at {path}")
    data = path.read_bytes()
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        found = data[err.start : err.start + 4].hex(" ")
        raise ValueError(
            f"{path} is not valid {encoding} text: cannot decode byte offset {err.start} "
            f"(bytes {found}: {err.reason}); give the file's encoding (e.g. gb18030 for "
            "Chinese text) or convert it, e.g. with iconv -t utf-8"
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


def packaged_data_dirs() -> list[Path]:
    """The package's own copies of the datasets, in the order they are searched.

    In a clone (or an editable install) that is the repository's ``datasets/`` folder beside
    the ``minirnn`` package; after ``pip install .`` it is ``share/minirnn/datasets`` under
    the install scheme's data directory (the virtual environment or prefix, then the user
    site for ``pip install --user``). Only directories that exist are listed.
    """
    candidates = [Path(__file__).resolve().parents[2] / "datasets"]
    schemes = [sysconfig.get_default_scheme(), sysconfig.get_preferred_scheme("user")]
    for scheme in dict.fromkeys(schemes):  # the same scheme twice outside a venv on some hosts
        candidates.append(Path(sysconfig.get_path("data", scheme)) / DATA_FILES_SUBDIR)
    return [path for path in dict.fromkeys(candidates) if path.is_dir()]


def data_search_dirs(cache_dir: str | os.PathLike | None = None) -> list[Path]:
    """Where :func:`find_data_file` looks, in order (the module docstring says why)."""
    dirs = []
    if cache_dir is not None:
        dirs.append(Path(cache_dir).expanduser())
    env = os.environ.get("MINIRNN_DATA")
    if env:
        dirs.append(Path(env).expanduser())
    dirs += packaged_data_dirs()
    dirs.append(Path.home() / ".cache" / "minirnn")
    return list(dict.fromkeys(dirs))


def find_data_file(
    relative_path: str,
    cache_dir: str | os.PathLike | None = None,
    url: str | None = None,
    timeout: float = 30.0,
) -> Path:
    """The path of a known dataset file, found locally or else downloaded, checked by SHA-256.

    Parameters
    ----------
    relative_path : str
        The file inside a data directory, a key of :data:`SHA256` (``"names/male.txt"``).
    cache_dir : path, optional
        A directory searched first, and where a download goes.
    url : str, optional
        Where to download from when no local copy exists; ``None`` for files that only ship
        with the package.
    timeout : float
        Seconds to wait for the server.

    Raises
    ------
    ChecksumError
        When a local copy has another digest than the published one.
    FileNotFoundError
        When no directory has the file and there is no address to download it from.
    ConnectionError
        When the download fails (see :func:`fetch`).
    """
    if relative_path not in SHA256:
        known = ", ".join(map(repr, sorted(SHA256)))
        raise ValueError(f"relative_path must be a known dataset file ({known}), got "
                         f"{relative_path!r:.60}")
    sha256 = SHA256[relative_path]
    places = data_search_dirs(cache_dir)
    for directory in places:
        candidate = directory / relative_path
        if candidate.is_file():
            got = _sha256_of(candidate)
            if got != sha256:
                raise ChecksumError(
                    f"{candidate} has SHA-256 {got}, expected {sha256}; delete or replace it"
                )
            return candidate
    if url is None:
        raise FileNotFoundError(
            f"{relative_path} is in none of {', '.join(str(d) for d in places)}; it ships in "
            "the repository's datasets/ folder: reinstall minirnn from a clone, or set "
            "MINIRNN_DATA to a directory holding a copy"
        )
    return fetch(url, relative_path, sha256, cache_dir, timeout=timeout)


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
    for name, value in (("url", url), ("relative_path", relative_path), ("sha256", sha256)):
        check_instance(value, str, name)
    if len(sha256) != 64 or not set(sha256.lower()) <= set("0123456789abcdef"):
        raise ValueError(f"sha256 must be a hex digest of 64 characters, got {sha256!r:.70}")
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

    Found as :func:`find_data_file` says (it ships with minirnn); downloaded from ``url``
    only where no local copy exists.
    """
    return load_text(find_data_file("tinyshakespeare/input.txt", cache_dir, url))


def names(
    kind: str = "female",
    cache_dir: str | os.PathLike | None = None,
    url: str | None = None,
    with_species: bool = False,
) -> list[str] | list[tuple[str, str]]:
    """First names from the CMU names corpus: ``kind`` is ``"female"``, ``"male"`` or ``"pet"``.

    The files ship with minirnn (see :func:`find_data_file`); ``url`` is only used where no
    local copy exists. The comment header (lines starting with ``#``) and blank lines are
    dropped. The pet file
    pairs each name with a species, separated by tabs; ``with_species=True`` returns
    ``(name, species)`` pairs for it instead of the names alone.
    """
    check_choice(kind, NAME_KINDS, "kind")
    if with_species and kind != "pet":
        raise ValueError(f"with_species=True needs kind='pet', got kind={kind!r}")
    found = find_data_file(f"names/{kind}.txt", cache_dir, url or NAMES_URL.format(kind=kind))
    return parse_names(load_text(found), with_species=with_species)


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


#: the punctuation that ends a line of a Tang poem in the shipped files
POEM_LINE_ENDS = "，。？！"


def poem_lines(poem: str) -> list[str]:
    """The lines of a one-line poem, each ending with its punctuation mark (``，。？！``)."""
    lines, start = [], 0
    for i, char in enumerate(poem):
        if char in POEM_LINE_ENDS:
            lines.append(poem[start : i + 1])
            start = i + 1
    if start < len(poem):  # text after the last mark is a line of its own
        lines.append(poem[start:])
    return lines


def _read_maybe_gzip(path: Path) -> str:
    """A UTF-8 text file, unpacked first when its name ends in ``.gz``."""
    if path.suffix != ".gz":
        return load_text(path)
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return f.read()


def tang_poems(
    chars_per_line: int | None = None,
    lines: int | None = None,
    path: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> list[str]:
    """Tang poems (全唐诗, simplified characters), each as one string with its punctuation.

    The shipped file (``poetry/tang_regular.txt.gz``) holds the 36,916 quatrains and
    regulated verses of the collection: 4 or 8 lines, every line 5 characters or every line
    7, each line ended by one of ``，。？！``, e.g. ``"白日依山尽，黄河入海流。..."``.

    Parameters
    ----------
    chars_per_line : {5, 7}, optional
        Keep only poems whose lines have this many characters (punctuation not counted).
    lines : int, optional
        Keep only poems of this many lines (4: quatrains, 8: regulated verse).
    path : path, optional
        Another file with one poem per line (plain UTF-8 or ``.gz``), e.g. the full 6.9 MB
        collection; not checked by SHA-256.
    cache_dir : path, optional
        A directory searched first for the shipped file (see :func:`find_data_file`).
    """
    for name, size in (("chars_per_line", chars_per_line), ("lines", lines)):
        if size is not None:
            check_positive_int(size, name)
    if path is None:
        path = find_data_file("poetry/tang_regular.txt.gz", cache_dir)
    poems = [p for p in _read_maybe_gzip(Path(path)).splitlines() if p.strip()]
    if chars_per_line is not None:
        poems = [p for p in poems if {len(line) - 1 for line in poem_lines(p)} == {chars_per_line}]
    if lines is not None:
        poems = [p for p in poems if len(poem_lines(p)) == lines]
    return poems


def tang300(cache_dir: str | os.PathLike | None = None) -> list[dict[str, str]]:
    """The 300 Tang poems (唐诗三百首; 320 in this edition), simplified characters.

    Each poem is a dict with the keys ``"chapter"`` (its title), ``"author"``, ``"form"``
    (e.g. ``"五言绝句"``) and ``"text"`` (the poem on one line, with punctuation).
    """
    rows = load_text(find_data_file("poetry/tang300.tsv", cache_dir)).splitlines()
    header = rows[0].split("\t")
    return [dict(zip(header, row.split("\t"), strict=True)) for row in rows[1:] if row]


def digits(cache_dir: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The UCI handwritten digits: 1,797 grey images of 8x8 pixels and their labels.

    Returns
    -------
    images : ndarray of float64, shape (1797, 8, 8)
        Pixel intensities scaled to [0, 1] (the file stores counts 0..16, divided by 16
        here). Row ``images[n, t]`` is what a sequence model reads at step ``t``.
    labels : ndarray of int64, shape (1797,)
        The digit, 0..9.
    """
    found = find_data_file("digits/digits.csv.gz", cache_dir)
    with gzip.open(found, "rt", encoding="ascii") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    images = table[:, :64].reshape(-1, 8, 8) / 16.0
    return images, table[:, 64].copy()


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
