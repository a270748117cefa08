"""Data for the two encoder-decoder tasks: the course's word pairs and addition.

Both use the course code's three special letters: ``S`` starts decoding, ``E`` ends a
sequence and ``?`` pads. A :class:`minirnn.data.Vocab` with these specials first gives the
seed's exact indices ``S=0, E=1, ?=2`` followed by the sorted letters.

**Word pairs** (seed 001, section 7): man->women, black->white, king->queen, girl->boy,
up->down, high->low. As in the seed, a source is the word padded with ``?`` to the longest
word (5 letters) followed by ``E`` ("man??E"); the target is the word followed by ``E``
("womenE"), padded with ``?`` where the loss is masked.

**Addition**: "57+368" -> "425" with both operands below 1000. Every problem is a distinct
ordered pair (a, b) drawn without replacement, so no held-out problem also appears in
training (a+b and b+a are different problems and may both occur). Sources are padded on the
right with ``?`` to 7 characters; ``reverse=True`` reverses the whole padded source: the pads
come first, then the second operand units digit first, and the first operand's *leading* digit
is read last, right before decoding starts (the answer's first digit depends mostly on the
operands' leading digits).
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np

from minirnn._checks import check_instance, check_non_negative_int, check_positive_int, make_rng
from minirnn.data.vocab import Vocab

START, END, PAD = "S", "E", "?"

#: the seed's training pairs
TOY_PAIRS = [("man", "women"), ("black", "white"), ("king", "queen"), ("girl", "boy"),
             ("up", "down"), ("high", "low")]


@dataclass
class Seq2SeqBatch:
    """Sources (N, S), targets (N, T) ending in ``E`` and padded, mask (N, T) of valid steps."""

    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray


def check_batch(data: object, name: str) -> None:
    """Raise a TypeError unless ``data`` has a Seq2SeqBatch's arrays (``inputs``, ``targets``,
    ``mask``); any object with them will do."""
    missing = [a for a in ("inputs", "targets", "mask") if not hasattr(data, a)]
    if missing:
        raise TypeError(f"{name} must be a Seq2SeqBatch (inputs, targets, mask), got "
                        f"{type(data).__name__} {data!r:.40} without {', '.join(missing)}")


def seq2seq_vocab(symbols: str) -> Vocab:
    """A character vocabulary with ``S``, ``E``, ``?`` at 0, 1, 2 and then ``symbols`` sorted."""
    return Vocab(list(symbols), specials=[START, END, PAD])


def encode_pairs(
    pairs: list[tuple[str, str]],
    vocab: Vocab,
    source_length: int,
    target_length: int,
    reverse: bool = False,
    end_on_source: bool = False,
    end: str = END,
    pad: str = PAD,
) -> Seq2SeqBatch:
    """Encode ``(source, target)`` strings as padded id arrays.

    Sources are right-padded with ``?`` to ``source_length`` (then ``E`` is appended when
    ``end_on_source``, as in the seed) and reversed whole when ``reverse``. Targets get ``E``
    and are right-padded to ``target_length + 1``; the mask marks the target and its ``E``.
    ``end`` and ``pad`` name other end and padding tokens (for texts containing ``E``).
    """
    check_instance(vocab, Vocab, "vocab")
    source_length = check_positive_int(source_length, "source_length")
    target_length = check_non_negative_int(target_length, "target_length")
    N = len(pairs)
    src = np.full((N, source_length + int(end_on_source)), vocab[pad], dtype=np.int64)
    tgt = np.full((N, target_length + 1), vocab[pad], dtype=np.int64)
    mask = np.zeros(tgt.shape, dtype=bool)
    for n, (source, target) in enumerate(pairs):
        if len(source) > source_length or len(target) > target_length:
            raise ValueError(
                f"pairs[{n}] {source!r} -> {target!r} is longer than source_length "
                f"{source_length} or target_length {target_length}"
            )
        src[n, : len(source)] = vocab.encode(source)
        if end_on_source:
            src[n, -1] = vocab[end]
        tgt[n, : len(target)] = vocab.encode(target)
        tgt[n, len(target)] = vocab[end]
        mask[n, : len(target) + 1] = True
    if reverse:
        src = src[:, ::-1].copy()
    return Seq2SeqBatch(src, tgt, mask)


# -- the course's word pairs --------------------------------------------------------------
def toy_vocab() -> Vocab:
    """The seed's 29 letters: ``S E ? a b ... z``."""
    return seq2seq_vocab(string.ascii_lowercase)


def toy_data(words: list[str] | None = None, vocab: Vocab | None = None) -> Seq2SeqBatch:
    """The training pairs (or, with ``words``, sources to translate) in the seed's layout."""
    vocab = vocab or toy_vocab()
    width = max(max(len(a), len(b)) for a, b in TOY_PAIRS)
    pairs = TOY_PAIRS if words is None else [(w, "") for w in words]
    return encode_pairs(pairs, vocab, width, width, end_on_source=True)


def translate(model, words: list[str], vocab: Vocab | None = None) -> list[str]:
    """Greedy translations of ``words`` (pads and the end token removed)."""
    if isinstance(words, str) or not all(isinstance(word, str) for word in words):
        raise TypeError(f"words must be a list of str, got {type(words).__name__} "
                        f"{words!r:.40}")
    vocab = vocab or toy_vocab()
    batch = toy_data(words, vocab)
    out = model.generate(batch.inputs, max_length=batch.targets.shape[1] + 2)
    return [vocab.decode(ids).replace(PAD, "").replace(START, "") for ids in out]


# -- addition ------------------------------------------------------------------------------
ADDITION_SOURCE_LENGTH = 7  # "999+999"
ADDITION_TARGET_LENGTH = 4  # "1998"


def addition_problems(
    n: int = 50_000, max_operand: int = 1000, seed: int | np.random.Generator | None = 0
) -> list[tuple[str, str]]:
    """``n`` distinct problems ``("a+b", "a+b's value")`` with ``0 <= a, b < max_operand``."""
    n = check_positive_int(n, "n")
    max_operand = check_positive_int(max_operand, "max_operand")
    if n > max_operand**2:
        raise ValueError(f"n must be at most {max_operand ** 2} distinct pairs, got {n}")
    codes = make_rng(seed).choice(max_operand**2, size=n, replace=False)
    a, b = np.divmod(codes, max_operand)
    return [(f"{x}+{y}", str(x + y)) for x, y in zip(a.tolist(), b.tolist(), strict=True)]


def addition_data(
    n: int = 50_000,
    test_fraction: float = 0.1,
    reverse: bool = False,
    seed: int | np.random.Generator | None = 0,
) -> tuple[Seq2SeqBatch, Seq2SeqBatch, Vocab]:
    """Train and held-out batches of :func:`addition_problems` (the last 10% held out)."""
    problems = addition_problems(n, seed=seed)
    vocab = seq2seq_vocab("0123456789+")
    data = encode_pairs(problems, vocab, ADDITION_SOURCE_LENGTH, ADDITION_TARGET_LENGTH,
                        reverse=reverse)
    return (*split_held_out(data, test_fraction), vocab)


def split_held_out(data: Seq2SeqBatch, test_fraction: float) -> tuple[Seq2SeqBatch, Seq2SeqBatch]:
    """``(train, held out)``: the last ``test_fraction`` of the rows are held out."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    cut = len(data.inputs) - int(round(len(data.inputs) * test_fraction))
    train = Seq2SeqBatch(data.inputs[:cut], data.targets[:cut], data.mask[:cut])
    test = Seq2SeqBatch(data.inputs[cut:], data.targets[cut:], data.mask[cut:])
    return train, test


def exact_match(model, data: Seq2SeqBatch, batch_size: int = 1000) -> float:
    """Fraction of sources whose greedy decoding equals the target exactly (up to ``E``)."""
    check_batch(data, "data")
    batch_size = check_positive_int(batch_size, "batch_size")
    correct = 0
    max_length = data.targets.shape[1]
    for start in range(0, len(data.inputs), batch_size):
        stop = start + batch_size
        decoded = model.generate(data.inputs[start:stop], max_length=max_length)
        rows = zip(decoded, data.targets[start:stop], data.mask[start:stop], strict=True)
        for ids, target, mask in rows:
            correct += ids == target[mask][:-1].tolist()
    return correct / len(data.inputs)
