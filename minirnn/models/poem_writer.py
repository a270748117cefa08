"""Writing Tang poems with a trained character :class:`~minirnn.models.LanguageModel`.

Seed 004 generates a poem from a start character and stops after ``max_sentences`` lines.
:class:`PoemWriter` does that, writes acrostic poems (藏头诗: line ``i`` starts with the
``i``-th given character), and can hold a fixed form: ``chars_per_line`` characters, then
``，`` after an odd line and ``。``/``？``/``！`` after an even one.

The form is kept by *constrained sampling*: at each step the model's distribution is
restricted to the tokens the form allows there (content characters inside a line, the right
marks at its end) and renormalised, so the model still chooses, among the allowed tokens,
by its own probabilities. Without ``chars_per_line`` only tokens that can never be right are
excluded (``<pad>``, ``<bos>``, ``<unk>``, a mark at the start of a line), so the form of the
output is what the model learned.
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import check_positive_int, make_rng
from minirnn.models.language_model import LanguageModel, pick_token

__all__ = ["PoemWriter"]

#: marks that end a line, and those allowed after an even line
LINE_ENDS = "，。？！"
COUPLET_ENDS = "。？！"


class PoemWriter:
    """Generate poems from a character language model and its vocabulary.

    Parameters
    ----------
    model : LanguageModel
        Trained on ``<bos> poem <eos>`` sequences of characters.
    vocab : Vocab
        Its vocabulary, with ``<bos>`` and ``<eos>`` (``<pad>``/``<unk>`` optional).
    """

    def __init__(self, model: LanguageModel, vocab) -> None:
        if vocab.bos_id is None or vocab.eos_id is None:
            raise ValueError("vocab must have <bos> and <eos> (a poem vocabulary), got one "
                             f"without {'<bos>' if vocab.bos_id is None else '<eos>'}")
        self.model = model
        self.vocab = vocab
        size = len(vocab)
        self._never = np.zeros(size, dtype=bool)
        for special in (vocab.pad_id, vocab.bos_id, vocab.unk_id):
            if special is not None:
                self._never[special] = True
        self._mark = np.array([t in LINE_ENDS for t in vocab.itos])
        self._comma = np.array([t == "，" for t in vocab.itos])
        self._couplet = np.array([t in COUPLET_ENDS for t in vocab.itos])
        self._eos = np.arange(size) == vocab.eos_id

    # -- public -------------------------------------------------------------------------
    def poem(
        self,
        start: str,
        max_lines: int = 4,
        chars_per_line: int | None = None,
        max_length: int = 200,
        **sampling,
    ) -> str:
        """A poem that begins with ``start`` and stops after ``max_lines`` lines.

        Without a fixed form the model may also end the poem earlier, with ``<eos>``, as the
        seed's generator does; with ``chars_per_line`` it always writes ``max_lines`` lines.

        ``sampling``: ``temperature``, ``top_k``, ``greedy``, ``seed`` (as in
        :meth:`LanguageModel.generate`).
        """
        start = self._check_chars(start, "start")
        return self._write(lambda line, pos: start[pos] if line == 0 and pos < len(start)
                           else None, max_lines, chars_per_line, max_length, True, **sampling)

    def acrostic(
        self, heads: str, chars_per_line: int | None = None, max_length: int = 200, **sampling
    ) -> str:
        """An acrostic poem (藏头诗): one line per character of ``heads``, starting with it.

        ``<eos>`` is refused until every head has its line.
        """
        heads = self._check_chars(heads, "heads")
        return self._write(lambda line, pos: heads[line] if pos == 0 and line < len(heads)
                           else None, len(heads), chars_per_line, max_length, False, **sampling)

    # -- the sampling loop --------------------------------------------------------------
    def _check_chars(self, text: str, name: str) -> str:
        if not isinstance(text, str) or not text:
            raise ValueError(f"{name} must be a non-empty string of characters, got {text!r}")
        unknown = [ch for ch in text if ch not in self.vocab.stoi or ch in LINE_ENDS]
        if unknown:
            raise ValueError(f"{name} has characters the model cannot start a line with "
                             f"(unknown to its vocabulary, or punctuation): {''.join(unknown)}")
        return text

    def _allowed(self, line: int, pos: int, chars_per_line: int | None,
                 must_continue: bool) -> np.ndarray:
        """Which token ids may come at position ``pos`` of line ``line``."""
        if chars_per_line is None:
            allowed = ~self._never
            if pos == 0:
                allowed &= ~self._mark  # an empty line is never right
            if must_continue:
                allowed &= ~self._eos
            return allowed
        if pos < chars_per_line:
            return ~(self._never | self._mark | self._eos)
        return self._comma if line % 2 == 0 else self._couplet

    def _write(self, forced, max_lines: int, chars_per_line: int | None, max_length: int,
               may_end_early: bool, temperature: float = 1.0, top_k: int | None = None,
               greedy: bool = False, seed: int | np.random.Generator | None = None) -> str:
        max_lines = check_positive_int(max_lines, "max_lines")
        max_length = check_positive_int(max_length, "max_length")
        if chars_per_line is not None:
            chars_per_line = check_positive_int(chars_per_line, "chars_per_line")
        rng = make_rng(seed)
        stoi = self.vocab.stoi
        probs, state = self.model.next_token_probs([self.vocab.bos_id], None, temperature)
        out: list[str] = []
        line = pos = 0
        while len(out) < max_length:
            wanted = forced(line, pos)
            if wanted is not None:
                token = stoi[wanted]
            else:
                allowed = self._allowed(line, pos, chars_per_line, not may_end_early)
                token = pick_token(_restrict(probs, allowed), rng, greedy=greedy, top_k=top_k)
            if token == self.vocab.eos_id:
                break
            char = self.vocab.itos[token]
            out.append(char)
            line, pos = (line + 1, 0) if char in LINE_ENDS else (line, pos + 1)
            if line >= max_lines:
                break
            probs, state = self.model.next_token_probs([token], state, temperature)
        return "".join(out)


def _restrict(probs: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """``probs`` zeroed outside ``allowed`` and renormalised (uniform if nothing is left)."""
    kept = np.where(allowed, probs, 0.0)
    total = kept.sum()
    if total > 0:
        return kept / total
    return allowed / allowed.sum()

