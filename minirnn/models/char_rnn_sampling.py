r"""Text from a :class:`~minirnn.models.char_rnn.CharRNN`: one step, sampling, priming, text.

:func:`step_probs` is one step of the network with a temperature and top-k; :func:`sample`
draws ids from a state (the original's sampler when neither is asked for, so a classic run's
samples match min-char-rnn's); :func:`prime` reads a text into a state; :func:`generate_text`
continues a text, with the signature of :func:`minirnn.models.language_model.generate_text`.
The first three take the model first: ``CharRNN`` has them as its methods
``step_probs``, ``sample`` and ``prime``.

One step from state :math:`h` reading token :math:`x`, at temperature :math:`\tau`, is

.. math::

    h' = \tanh(W_{xh}[:, x] + W_{hh} h + b_h), \qquad
    p = \mathrm{softmax}\big((W_{hy} h' + b_y) / \tau\big),

with every logit outside the :math:`k` largest set to :math:`-\infty` under top-k.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from minirnn._checks import check_positive_int, check_token_id, check_token_ids, make_rng
from minirnn.models.char_rnn_exact import exact_sample, legacy_choice
from minirnn.models.char_rnn_fast import fast_sample

if TYPE_CHECKING:  # (a type only: char_rnn imports this module)
    from minirnn.models.char_rnn import CharRNN

__all__ = ["generate_text", "prime", "sample", "step_probs"]


def step_probs(model: CharRNN, h: np.ndarray, token: int, temperature: float = 1.0,
               top_k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One step from state ``h`` (H,) reading ``token``: ``(h_next, probabilities)``."""
    params = model.params
    token = check_token_id(token, model.vocab_size, "token")
    if np.shape(h) != (model.hidden_size,):
        raise ValueError(f"h must have shape ({model.hidden_size},), got {np.shape(h)}")
    h = np.tanh(params["Wxh"][:, token] + params["Whh"] @ h + params["bh"][:, 0])
    logits = (params["Why"] @ h + params["by"][:, 0]) / temperature
    if top_k is not None and top_k < logits.size:
        # Keep the k largest logits; everything else gets probability exactly zero.
        cutoff = np.partition(logits, -top_k)[-top_k]
        logits = np.where(logits >= cutoff, logits, -np.inf)
    exp = np.exp(logits - logits.max())
    return h, exp / exp.sum()


def sample(model: CharRNN, h: np.ndarray | None, seed_ix: int, n: int,
           temperature: float = 1.0, top_k: int | None = None,
           rng: np.random.Generator | None = None) -> list[int]:
    """Draw ``n`` token ids, starting from state ``h`` and feeding ``seed_ix`` first.

    With ``rng=None`` each draw is ``np.random.choice(V, p=p)`` on the legacy global
    stream, one uniform number per token like the original, so a classic run's samples
    match it. ``temperature`` < 1 sharpens the distribution, > 1 flattens it; ``top_k``
    keeps only the k most likely tokens at each step.
    """
    check_positive_int(n, "n")
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    if top_k is not None:
        check_positive_int(top_k, "top_k")
    V = model.vocab_size
    token = int(check_token_ids([seed_ix], V, "seed_ix")[0])
    state = model.state_vector(h)
    if temperature == 1.0 and top_k is None:  # the original's sampler, without overhead
        if not model.exact:
            uniform = np.random.random_sample if rng is None else rng.random  # noqa: NPY002
            return fast_sample(model.params, state, token, n, uniform)
        draw = legacy_choice if rng is None else partial(legacy_choice, source=rng)
        return exact_sample(model.params, state, token, n, draw)
    source = np.random if rng is None else rng  # noqa: NPY002 - the legacy stream if no rng
    ids = []
    for _ in range(n):
        state, probs = step_probs(model, state, token, temperature, top_k)
        token = int(source.choice(V, p=probs))
        ids.append(token)
    return ids


def prime(model: CharRNN, ids: object, h: np.ndarray | None = None) -> np.ndarray:
    """Run the network over ``ids`` (all but the last) from ``h``; return the state (H, 1).

    Sampling from this state with ``seed_ix = ids[-1]`` continues the priming text.
    """
    state = model.state_vector(h)
    for token in check_token_ids(ids, model.vocab_size, "ids")[:-1]:
        state, _ = step_probs(model, state, int(token))
    return state.reshape(-1, 1)


def generate_text(model: CharRNN, vocab: object, prefix: str = "", length: int = 200, *,
                  temperature: float = 1.0, top_k: int | None = None, greedy: bool = False,
                  seed: int | np.random.Generator | None = None) -> str:
    """Continue ``prefix`` with ``length`` sampled tokens; return prefix + continuation.

    The same signature as :func:`minirnn.models.language_model.generate_text`. ``vocab`` is
    a :class:`minirnn.data.Vocab`. Without a prefix, generation starts from a newline (or
    the vocabulary's first token) and a zero state. ``seed``: an int or a Generator for
    repeatable text (None: a fresh, unseeded one); ``greedy`` takes the most likely token
    (``top_k=1``).

    Raises
    ------
    ValueError
        If the priming text holds tokens the model has never seen, naming them.
    """
    length = check_positive_int(length, "length")
    tokens = vocab.tokenize(prefix) if prefix else []
    unknown = sorted({t for t in tokens if t not in vocab.stoi})
    if unknown:
        shown = ", ".join(repr(t) for t in unknown[:10])
        raise ValueError(f"the priming text has {len(unknown)} token(s) that are not in the "
                         f"model's vocabulary of {len(vocab.stoi)}: {shown}")
    given = [vocab.stoi[t] for t in tokens]
    ids = given or [vocab.stoi["\n"] if "\n" in vocab.stoi else 0]
    out = sample(model, prime(model, ids), ids[-1], length, temperature,
                 1 if greedy else top_k, make_rng(seed))
    return vocab.decode(given + out)
