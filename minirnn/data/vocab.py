"""A vocabulary: the mapping between tokens (characters or words) and integer ids.

The order is deterministic: special tokens first, in the order given, then every other token
sorted by Unicode code point. The same text therefore always gives the same ids, on every
machine, which is what makes a saved model usable with a rebuilt vocabulary.

Characters are Python ``str`` elements, i.e. Unicode code points, so each Chinese character is
one token at character level. Word level splits on whitespace unless another tokenizer is
given: a name from :mod:`minirnn.data.tokenizers` (``"jieba"`` segments Chinese into words),
or any callable ``str -> list[str]``. The vocabulary file records the tokenizer's name, so a
reloaded vocabulary splits and joins text the way the one that was saved did.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from minirnn._checks import check_choice, check_positive_int
from minirnn._files import atomic_write
from minirnn.data.tokenizers import TOKENIZERS, get_tokenizer, joiner
from minirnn.errors import FileFormatError

__all__ = ["Vocab", "SPECIAL_TOKENS", "BOS", "EOS", "PAD", "UNK"]

BOS, EOS, PAD, UNK = "<bos>", "<eos>", "<pad>", "<unk>"
#: the conventional special tokens, in the order ``specials=True`` puts them
SPECIAL_TOKENS = (PAD, BOS, EOS, UNK)

_FORMAT = "minirnn.vocab"
_VERSION = 1

Tokenizer = Callable[[str], Sequence[str]]


def _whitespace_split(text: str) -> list[str]:
    return text.split()


def _resolve_tokenizer(
    level: str, tokenizer: str | Tokenizer | None
) -> tuple[str, Tokenizer | None, str]:
    """``(level, function or None, name)`` from a level and a tokenizer name or function.

    A tokenizer *name* decides the level itself (``"char"`` is character level, the others
    word level); a *function* needs ``level="word"`` and is recorded as ``"custom"``.
    """
    if isinstance(tokenizer, str):
        check_choice(tokenizer, TOKENIZERS, "tokenizer")
        if tokenizer == "char":
            return "char", None, "char"
        function = None if tokenizer == "whitespace" else get_tokenizer(tokenizer)
        return "word", function, tokenizer
    check_choice(level, ("char", "word"), "level")
    if tokenizer is None:
        return level, None, "char" if level == "char" else "whitespace"
    if not callable(tokenizer):
        raise TypeError(
            f"tokenizer must be one of {TOKENIZERS} or a callable, got {type(tokenizer).__name__}"
        )
    if level == "char":
        raise ValueError("tokenizer (a function) needs level='word', got level='char'")
    return level, tokenizer, "custom"


class Vocab:
    """Token <-> index mapping for character- or word-level models.

    Parameters
    ----------
    tokens : iterable of str
        The token stream to collect the vocabulary from (for text, use :meth:`from_text`).
    specials : sequence of str or bool
        Special tokens placed first, in this order (e.g. ``["<pad>", "<unk>"]``); ``True``
        means all of ``<pad>, <bos>, <eos>, <unk>``.
    level : {"char", "word"}
        How :meth:`tokenize` splits text, and how :meth:`decode` joins tokens.
    tokenizer : {"char", "whitespace", "jieba"} or callable, optional
        A name sets the level too (``"char"``: characters; ``"whitespace"``: words split on
        whitespace; ``"jieba"``: Chinese words, needs ``pip install "minirnn[zh]"`` when text
        is first split). A callable ``str -> list[str]`` is used at word level instead of
        the whitespace split. Available as :attr:`tokenizer_name` (``"custom"`` for a
        callable).
    sep : str, optional
        Joiner for :meth:`decode`; by default ``""`` for characters and jieba's words and
        ``" "`` for other words.
    min_freq : int
        Tokens seen fewer times are left out (and encode to ``<unk>`` if it is present).

    Examples
    --------
    >>> v = Vocab.from_text("hello", specials=["<unk>"])
    >>> v.itos
    ['<unk>', 'e', 'h', 'l', 'o']
    >>> v.encode("hole").tolist()
    [2, 4, 3, 1]
    >>> v.decode([2, 1, 3, 3, 4])
    'hello'
    """

    def __init__(
        self,
        tokens: Iterable[str] = (),
        specials: Sequence[str] | bool = (),
        level: str = "char",
        tokenizer: str | Tokenizer | None = None,
        sep: str | None = None,
        min_freq: int = 1,
    ) -> None:
        level, tokenizer, name = _resolve_tokenizer(level, tokenizer)
        if isinstance(tokens, str):
            raise TypeError(
                "tokens must be an iterable of tokens, got a str; "
                "use Vocab.from_text(text) to split text first"
            )
        specials = list(SPECIAL_TOKENS) if specials is True else list(specials or ())
        if len(set(specials)) != len(specials):
            raise ValueError(f"specials must be distinct, got {specials}")
        self.level = level
        self.tokenizer = tokenizer
        self.tokenizer_name = name
        if sep is None:
            sep = " " if name == "custom" else joiner(name)
        self.sep = sep
        self.specials = specials
        counts = Counter(tokens)
        for token in counts:
            if not isinstance(token, str):
                raise TypeError(f"tokens must be str, got {type(token).__name__} {token!r}")
        min_freq = check_positive_int(min_freq, "min_freq")
        kept = sorted(t for t, n in counts.items() if n >= min_freq and t not in specials)
        self._set_tokens(specials + kept)

    def _set_tokens(self, itos: list[str]) -> None:
        self.itos: list[str] = list(itos)
        self.stoi: dict[str, int] = {token: i for i, token in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            raise ValueError("tokens must be distinct")

    @classmethod
    def from_text(
        cls,
        text: str,
        level: str = "char",
        specials: Sequence[str] | bool = (),
        tokenizer: str | Tokenizer | None = None,
        sep: str | None = None,
        min_freq: int = 1,
    ) -> Vocab:
        """Build the vocabulary of ``text`` (a str, or a list of str such as names).

        ``tokenizer`` is a name (``"char"``, ``"whitespace"``, ``"jieba"``) or a callable;
        see the class parameters.
        """
        if not isinstance(text, str) and not (
            isinstance(text, (list, tuple)) and all(isinstance(t, str) for t in text)
        ):
            raise TypeError(f"text must be a str or a list of str, got {type(text).__name__}")
        probe = cls(level=level, tokenizer=tokenizer, sep=sep)
        texts = [text] if isinstance(text, str) else list(text)
        tokens = [token for piece in texts for token in probe.tokenize(piece)]
        return cls(tokens, specials, level, tokenizer, sep, min_freq)

    # -- ids of the special tokens -------------------------------------------------------
    @property
    def pad_id(self) -> int | None:
        """Index of ``<pad>``, or None when absent."""
        return self.stoi.get(PAD)

    @property
    def bos_id(self) -> int | None:
        """Index of ``<bos>``, or None when absent."""
        return self.stoi.get(BOS)

    @property
    def eos_id(self) -> int | None:
        """Index of ``<eos>``, or None when absent."""
        return self.stoi.get(EOS)

    @property
    def unk_id(self) -> int | None:
        """Index of ``<unk>``, or None when absent."""
        return self.stoi.get(UNK)

    # -- mapping ----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: object) -> bool:
        return token in self.stoi

    def __getitem__(self, token: str) -> int:
        """Index of ``token`` (``<unk>``'s index for an unknown token when present)."""
        return int(self.encode([token])[0])

    def to_token(self, index: int) -> str:
        """Token at ``index``."""
        if not 0 <= int(index) < len(self.itos):
            raise IndexError(f"index {index} out of range for a vocabulary of {len(self)}")
        return self.itos[int(index)]

    def tokenize(self, text: str) -> list[str]:
        """Split ``text`` into tokens: characters, or words (whitespace or the tokenizer)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        if self.level == "char":
            return list(text)
        split = self.tokenizer or _whitespace_split
        return list(split(text))

    def encode(self, text: str | Sequence[str]) -> np.ndarray:
        """Ids (int64 array) of a text (tokenized first) or of a list of tokens.

        Raises
        ------
        ValueError
            Naming the unknown tokens, when some are not in the vocabulary and it has no
            ``<unk>``.
        """
        tokens = self.tokenize(text) if isinstance(text, str) else list(text)
        unk = self.unk_id
        stoi = self.stoi
        if unk is None:
            unknown = {t for t in set(tokens) if t not in stoi}
            if unknown:
                shown = ", ".join(repr(t) for t in sorted(unknown)[:10])
                more = f" (and {len(unknown) - 10} more)" if len(unknown) > 10 else ""
                raise ValueError(
                    f"text has {len(unknown)} token(s) not in the vocabulary and no {UNK} to "
                    f"map them to: {shown}{more}"
                )
            ids = [stoi[t] for t in tokens]
        else:
            ids = [stoi.get(t, unk) for t in tokens]
        return np.array(ids, dtype=np.int64)

    def lookup_tokens(self, ids: Iterable[int]) -> list[str]:
        """Tokens for a sequence of ids."""
        ids = np.asarray(ids)
        if ids.size and not np.issubdtype(ids.dtype, np.integer):
            raise TypeError(f"ids must be integers, got dtype {ids.dtype}")
        ids = ids.reshape(-1)
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            bad = ids[(ids < 0) | (ids >= len(self))][0]
            raise IndexError(f"id {bad} out of range for a vocabulary of {len(self)}")
        return [self.itos[i] for i in ids.tolist()]

    def decode(self, ids: Iterable[int], skip_specials: bool = False) -> str:
        """Text for a sequence of ids, tokens joined by ``sep``; optionally drop specials."""
        tokens = self.lookup_tokens(ids)
        if skip_specials:
            tokens = [t for t in tokens if t not in self.specials]
        return self.sep.join(tokens)

    # -- files ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, object]:
        """JSON-ready description (the tokenizer function itself cannot be saved)."""
        return {
            "format": _FORMAT,
            "version": _VERSION,
            "level": self.level,
            "sep": self.sep,
            "specials": self.specials,
            "tokenizer": self.tokenizer_name,
            "custom_tokenizer": self.tokenizer_name == "custom",
            "itos": self.itos,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object], tokenizer: Tokenizer | None = None) -> Vocab:
        """Inverse of :meth:`to_dict`.

        A named tokenizer (``"jieba"``) is restored from the recorded name; a custom one
        must be passed again as ``tokenizer``. Files written before the name was recorded
        read as ``"char"`` or ``"whitespace"`` from their level.
        """
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise ValueError(f"not a minirnn vocabulary (expected format {_FORMAT!r})")
        if data.get("version") != _VERSION:
            raise ValueError(
                f"vocabulary format version {data.get('version')!r} is not supported "
                f"(this minirnn reads version {_VERSION})"
            )
        _check_vocab_fields(data)
        name = data.get("tokenizer")
        if tokenizer is None and name in TOKENIZERS:
            tokenizer = str(name)
        vocab = cls(
            level=str(data["level"]),
            specials=list(data["specials"]),
            tokenizer=tokenizer,
            sep=str(data["sep"]),
        )
        vocab._set_tokens([str(t) for t in data["itos"]])
        return vocab

    def save(self, path: str | os.PathLike) -> None:
        """Write the vocabulary as UTF-8 JSON (human-readable, no pickle)."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=1)
        with atomic_write(path) as handle:
            handle.write((text + "\n").encode("utf-8"))

    @classmethod
    def load(cls, path: str | os.PathLike, tokenizer: Tokenizer | None = None) -> Vocab:
        """Read a vocabulary written by :meth:`save`.

        Raises ``FileNotFoundError`` for a missing file and
        :class:`~minirnn.errors.FileFormatError` (a ValueError) naming the file for anything
        else: bytes that are not UTF-8 JSON, or JSON that is not a minirnn vocabulary.
        """
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls.from_dict(data, tokenizer=tokenizer)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
            raise FileFormatError(f"{path} is not a minirnn vocabulary: not valid JSON in UTF-8 "
                                  f"({type(err).__name__})") from None
        except (ValueError, TypeError) as err:
            raise FileFormatError(f"{path} is not a valid minirnn vocabulary: {err}") from None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocab):
            return NotImplemented
        return (self.itos, self.level, self.sep, self.specials, self.tokenizer_name) == (
            other.itos,
            other.level,
            other.sep,
            other.specials,
            other.tokenizer_name,
        )

    __hash__ = None  # mutable-ish and compared by content

    def __repr__(self) -> str:
        head = ", ".join(repr(t) for t in self.itos[:8])
        more = ", ..." if len(self) > 8 else ""
        return (f"Vocab(tokenizer={self.tokenizer_name!r}, size={len(self)}, "
                f"tokens=[{head}{more}])")


def _check_vocab_fields(data: dict) -> None:
    """Raise ValueError unless the saved fields have the types :meth:`Vocab.to_dict` writes."""
    tokens, specials = data.get("itos"), data.get("specials")
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise ValueError("vocabulary field 'itos' must be a list of strings")
    if not isinstance(specials, list) or not all(isinstance(t, str) for t in specials):
        raise ValueError("vocabulary field 'specials' must be a list of strings")
    for key in ("level", "sep"):
        if not isinstance(data.get(key), str):
            raise ValueError(f"vocabulary field {key!r} must be a string, got "
                             f"{type(data.get(key)).__name__}")
    if not set(specials) <= set(tokens):
        raise ValueError("vocabulary field 'specials' names tokens that 'itos' does not hold")
