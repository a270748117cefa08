"""Data: vocabularies, the shipped corpora (names, Shakespeare, Tang poems, digits), batches."""

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
    data_search_dirs,
    default_cache_dir,
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
    "data_search_dirs",
    "default_cache_dir",
    "digits",
    "fetch",
    "find_data_file",
    "load_text",
    "names",
    "packaged_data_dirs",
    "poem_lines",
    "tang300",
    "tang_poems",
    "tinyshakespeare",
]
