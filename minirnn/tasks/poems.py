"""Tang poems as training data, and the rules of their form (seed 004's poem generator).

A regular-verse poem has lines of 5 or 7 characters. Each line ends with a punctuation mark:
in the shipped collection the odd lines (1st, 3rd, ...) end with ``，`` and the even lines,
which close a couplet, with ``。`` (rarely ``？`` or ``！``). A poem becomes the sequence
``<bos> 白 日 依 山 尽 ， ... 。 <eos>`` of character ids; a model trained on such sequences
learns where the lines end and when the poem does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from minirnn._checks import check_instance, check_positive_int, make_rng
from minirnn.data.corpora import POEM_LINE_ENDS, poem_lines
from minirnn.data.vocab import BOS, EOS, PAD, UNK, Vocab

__all__ = [
    "POEM_LINE_ENDS",
    "COUPLET_ENDS",
    "PoemSplit",
    "split_poems",
    "poem_vocab",
    "poem_sequences",
    "line_in_form",
    "form_share",
]

#: marks that may close an even (couplet-ending) line; odd lines end with "，"
COUPLET_ENDS = "。？！"


@dataclass
class PoemSplit:
    """Training and validation poems (each one string with its punctuation)."""

    train: list[str]
    val: list[str]


def split_poems(
    poems: Sequence[str], val_fraction: float = 0.1, seed: int | np.random.Generator | None = 0
) -> PoemSplit:
    """Shuffle with ``seed`` and hold out ``val_fraction`` of the poems for validation."""
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction!r}")
    poems = list(poems)
    if len(poems) < 2:
        raise ValueError(f"poems must hold at least 2 poems to split, got {len(poems)}")
    order = make_rng(seed).permutation(len(poems))
    n_val = max(1, int(round(val_fraction * len(poems))))
    return PoemSplit([poems[i] for i in order[n_val:]], [poems[i] for i in order[:n_val]])


def poem_vocab(poems: Sequence[str], min_freq: int = 1) -> Vocab:
    """Characters of ``poems`` after ``<pad> <bos> <eos> <unk>``; rarer ones map to ``<unk>``."""
    return Vocab.from_text(list(poems), specials=[PAD, BOS, EOS, UNK], min_freq=min_freq)


def poem_sequences(poems: Sequence[str], vocab: Vocab) -> list[np.ndarray]:
    """``<bos> poem <eos>`` as id arrays, one per poem."""
    check_instance(vocab, Vocab, "vocab")
    return [np.concatenate([[vocab.bos_id], vocab.encode(p), [vocab.eos_id]]) for p in poems]


def line_in_form(line: str, index: int, chars_per_line: int) -> bool:
    """Whether line ``index`` (0-based) has ``chars_per_line`` characters and the right mark.

    The right mark is ``，`` for an odd line (index 0, 2, ...) and one of ``。？！`` for an
    even line, which closes a couplet.
    """
    check_instance(line, str, "line")
    check_positive_int(chars_per_line, "chars_per_line")
    if len(line) != chars_per_line + 1:
        return False
    body, mark = line[:-1], line[-1]
    if any(ch in POEM_LINE_ENDS for ch in body):
        return False
    return mark == "，" if index % 2 == 0 else mark in COUPLET_ENDS


def form_share(poems: Sequence[str], chars_per_line: int) -> tuple[float, int]:
    """Share of all lines of ``poems`` that are :func:`line_in_form`, and the line count."""
    check_positive_int(chars_per_line, "chars_per_line")
    checked = [line_in_form(line, i, chars_per_line)
               for poem in poems for i, line in enumerate(poem_lines(poem))]
    if not checked:
        return 0.0, 0
    return float(np.mean(checked)), len(checked)
