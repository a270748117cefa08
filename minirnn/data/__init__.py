"""Text data: vocabularies, corpora (downloaded, cached, checked) and batch iterators."""

from minirnn.data.batching import (
    Batch,
    LMBatches,
    pad_sequences,
    padded_batches,
    random_batches,
    sequential_batches,
    train_val_split,
)
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
    "Batch",
    "LMBatches",
    "pad_sequences",
    "padded_batches",
    "random_batches",
    "sequential_batches",
    "train_val_split",
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
