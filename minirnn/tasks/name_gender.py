"""Data for the name-gender task: female or male from the letters of a first name.

**Classification.** The CMU names corpus has a female and a male list. Names on *both*
lists (Jean, Kim, Robin, ...) have no single right answer, so they are dropped before the
split; the number dropped is reported. Names are lower-cased (capitals carry no gender).
A seeded shuffle holds out 20% of the remaining names.

The leak of a bidirectional "generator" trained on the same names is in
:mod:`minirnn.experiments.name_gender`; its data come from :mod:`minirnn.tasks.names`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from minirnn._checks import check_number, make_rng
from minirnn.data import Vocab, names
from minirnn.data.batching import pad_sequences

FEMALE, MALE = 0, 1


@dataclass
class NameGenderData:
    """Held-out split of the names; labels 0 = female, 1 = male."""

    train_names: list[str]
    train_labels: np.ndarray
    test_names: list[str]
    test_labels: np.ndarray
    vocab: Vocab
    dropped: list[str]

    def encode(self, which: str = "test") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(ids, mask, labels)`` of the train or test names, padded."""
        words = self.train_names if which == "train" else self.test_names
        labels = self.train_labels if which == "train" else self.test_labels
        ids, mask = pad_sequences([self.vocab.encode(w) for w in words], self.vocab.pad_id)
        return ids, mask, labels


def load_name_lists(cache_dir: str | os.PathLike | None = None) -> tuple[list[str], list[str]]:
    """The female and male lists, lower-cased (see :func:`minirnn.data.names`)."""
    female = [n.lower() for n in names("female", cache_dir=cache_dir)]
    male = [n.lower() for n in names("male", cache_dir=cache_dir)]
    return female, male


def name_gender_data(
    cache_dir: str | os.PathLike | None = None,
    test_fraction: float = 0.2,
    seed: int | np.random.Generator | None = 0,
) -> NameGenderData:
    """Drop names on both lists, shuffle with ``seed`` and hold out ``test_fraction``."""
    check_number(test_fraction, "test_fraction", 0.0, 1.0, low_open=True, high_open=True)
    female, male = load_name_lists(cache_dir)
    both = set(female) & set(male)
    examples = sorted({(n, FEMALE) for n in female if n not in both}
                      | {(n, MALE) for n in male if n not in both})
    order = make_rng(seed).permutation(len(examples))
    cut = len(examples) - int(round(len(examples) * test_fraction))
    words = [examples[i][0] for i in order]
    labels = np.array([examples[i][1] for i in order], dtype=np.int64)
    vocab = Vocab.from_text(words, specials=["<pad>"])
    return NameGenderData(words[:cut], labels[:cut], words[cut:], labels[cut:], vocab,
                          sorted(both))


def majority_baseline(data: NameGenderData) -> float:
    """Test accuracy of always answering the more common training label."""
    majority = np.bincount(data.train_labels).argmax()
    return float(np.mean(data.test_labels == majority))
