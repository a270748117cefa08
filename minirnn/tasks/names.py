"""The names task: first names as ``<bos> name <eos>`` sequences, padded into batches.

The names come from the CMU lists (female, male, pet) or from a file with one name per line.
Names of different lengths share a batch by being padded with ``<pad>`` and masked out of the
loss. The names generator (:mod:`minirnn.experiments.names`) and the bidirectional leak of
:mod:`minirnn.experiments.name_gender` train on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from minirnn._checks import check_instance, check_positive_int, make_rng
from minirnn.data import Vocab, load_text, padded_batches
from minirnn.data import names as cmu_names
from minirnn.data.corpora import NAME_KINDS, parse_names
from minirnn.data.vocab import BOS, EOS, PAD

__all__ = ["check_names", "load_names", "names_vocab", "encode_names", "name_batches"]


def load_names(source: str | Path = "female") -> list[str]:
    """Names from the CMU corpus (``"female"``, ``"male"``, ``"pet"``) or from a file.

    A file holds one name per line; blank lines and lines starting with ``#`` are skipped,
    and a tab-separated second column (the pet file's species) is ignored. The CMU kinds go
    through :func:`minirnn.data.names` (cache directory, ``$MINIRNN_DATA``, download).
    """
    if str(source) in NAME_KINDS and not Path(source).is_file():
        found = cmu_names(str(source))
    else:
        path = Path(source)
        if not path.is_file():
            raise ValueError(
                f"names source must be one of {', '.join(NAME_KINDS)} or an existing file, "
                f"got {str(source)!r}"
            )
        found = parse_names(load_text(path))
    if not found:
        raise ValueError(f"source must give at least one name, got {str(source)!r} with none")
    return list(found)


def check_names(names: object, name: str = "names") -> list[str]:
    """Return ``names`` as a list of names, refusing a single string (which would otherwise
    be read as a list of one-letter names), an empty list and items that are not strings."""
    if isinstance(names, str):
        raise TypeError(f"{name} must be a list of names (str), got the single str "
                        f"{names!r:.40}")
    try:
        listed = list(names)
    except TypeError:
        raise TypeError(f"{name} must be a list of names (str), got {type(names).__name__} "
                        f"{names!r:.40}") from None
    if not listed or not all(isinstance(item, str) for item in listed):
        raise ValueError(f"{name} must be a non-empty list of names (str), got {listed!r:.60}")
    return listed


def names_vocab(names: Sequence[str]) -> Vocab:
    """Character vocabulary of ``names`` with ``<pad>`` (id 0), ``<bos>`` and ``<eos>``."""
    return Vocab.from_text(list(names), specials=[PAD, BOS, EOS])


def encode_names(names: Sequence[str], vocab: Vocab) -> list[np.ndarray]:
    """Each name as the ids of ``<bos> name <eos>``."""
    check_instance(vocab, Vocab, "vocab")
    head, tail = [vocab.bos_id], [vocab.eos_id]
    return [np.concatenate([head, vocab.encode(name), tail]).astype(np.int64) for name in names]


def name_batches(
    names: Sequence[str],
    vocab: Vocab,
    batch_size: int = 64,
    rng: int | np.random.Generator | None = None,
):
    """A callable giving one shuffled epoch of padded, masked batches per call (for ``fit``).

    Inputs are ``<bos> name`` and targets ``name <eos>``; the mask is False on padding, and
    every batch has ``reset_state=True`` (each row is a separate name).
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    sequences = encode_names(names, vocab)
    rng = make_rng(rng, "rng")

    def epoch():
        return padded_batches(sequences, batch_size=batch_size, pad_id=vocab.pad_id, rng=rng)

    return epoch
