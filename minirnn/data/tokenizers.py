"""Tokenizers by name: ``char``, ``whitespace`` and ``jieba`` (Chinese word segmentation).

A vocabulary remembers the *name* of the tokenizer that built it (a function cannot be saved
in JSON), so a model reloaded from a checkpoint splits its prompts the way its training text
was split and joins its output the right way: characters and jieba's words with nothing
between them, whitespace words with a space.

jieba is an optional extra (``pip install "minirnn[zh]"``). It is imported the first time
text is segmented with it, never by ``import minirnn``; without it, that first use raises
:class:`MissingDependencyError` saying how to install it. Character level needs nothing and
is the natural unit for Chinese anyway: every character is one token.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from minirnn._checks import check_choice
from minirnn.errors import MinirnnError

__all__ = ["TOKENIZERS", "MissingDependencyError", "get_tokenizer", "joiner", "jieba_cut"]

#: the tokenizers a vocabulary can name
TOKENIZERS = ("char", "whitespace", "jieba")

#: how tokens are joined back into text, per tokenizer
_JOINERS = {"char": "", "whitespace": " ", "jieba": ""}

JIEBA_HINT = 'install it with  pip install "minirnn[zh]"  (or  pip install jieba)'


class MissingDependencyError(MinirnnError, ImportError):
    """An optional package that a requested feature needs is not installed."""


def _char_split(text: str) -> list[str]:
    return list(text)


def _whitespace_split(text: str) -> list[str]:
    return text.split()


def jieba_cut(text: str) -> list[str]:
    """Segment Chinese text into words with jieba (precise mode).

    Spaces and line breaks stay tokens of their own, so joining the tokens with ``""``
    gives the text back exactly.

    Raises
    ------
    MissingDependencyError
        When jieba is not installed.
    """
    try:
        import jieba
    except ImportError:
        raise MissingDependencyError(
            f"tokenizer 'jieba' needs the jieba package, which is not installed; {JIEBA_HINT}"
        ) from None
    jieba.setLogLevel(60)  # no "Building prefix dict..." chatter on stderr
    return jieba.lcut(text)


def get_tokenizer(name: str) -> Callable[[str], Sequence[str]]:
    """The function ``str -> list[str]`` of the tokenizer called ``name``."""
    check_choice(name, TOKENIZERS, "tokenizer")
    return {"char": _char_split, "whitespace": _whitespace_split, "jieba": jieba_cut}[name]


def joiner(name: str) -> str:
    """The separator that turns the tokens of tokenizer ``name`` back into text."""
    check_choice(name, TOKENIZERS, "tokenizer")
    return _JOINERS[name]
