"""Text data: vocabularies, corpora (downloaded, cached, checked) and batch iterators."""

from minirnn.data.corpora import (
    ChecksumError,
    builtin_corpus,
    default_cache_dir,
    fetch,
    load_text,
    names,
    tinyshakespeare,
)
from minirnn.data.vocab import SPECIAL_TOKENS, Vocab

__all__ = [
    "SPECIAL_TOKENS",
    "ChecksumError",
    "Vocab",
    "builtin_corpus",
    "default_cache_dir",
    "fetch",
    "load_text",
    "names",
    "tinyshakespeare",
]
