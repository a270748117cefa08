r"""Inference for :class:`~minirnn.models.seq2seq.Seq2Seq`: greedy and beam-search decoding.

Both run the decoder one step at a time through ``model.decoder_step`` and feed back a
token chosen from the output scores.

*Greedy* takes the most probable token at every step. *Beam search* keeps the ``k`` partial
outputs with the highest total log-probability :math:`\sum_t \log p(y_t \mid y_{<t}, x)`:
at every step each of the ``k`` beams is extended by every token, and the best ``k`` of the
:math:`k V` extensions survive. A beam that has emitted the end token is finished: it is
extended only by the end token again, at no cost, so its score stays fixed while it competes
with the others. The answer is the best beam when every beam has finished (or after
``max_length`` steps). Scores are not normalised by length.
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import check_positive_int
from minirnn.functional.activations import log_softmax


def _until_end(row: list[int], end_id: int) -> list[int]:
    return row[: row.index(end_id)] if end_id in row else row


def _start(model, source: np.ndarray):
    """Encoder outputs and the decoder's starting point for a batch of sources."""
    keys, states = model.encode(source)
    N = source.shape[0]
    context = np.zeros((N, model.hidden_size), dtype=keys.dtype)
    return keys, model.source_mask(source), states, context, states[0]


def greedy_decode(model, source: np.ndarray, max_length: int, return_attention: bool = False):
    """The most probable token at every step; see :meth:`Seq2Seq.generate`."""
    max_length = check_positive_int(max_length, "max_length")
    keys, mask, states, context, h_enc = _start(model, source)
    token = np.full(source.shape[0], model.start_id, dtype=np.int64)
    steps, weights = [], []
    finished = np.zeros(source.shape[0], dtype=bool)
    for _ in range(max_length):
        logits, states, context, step_weights = model.decoder_step(
            token, states, context, keys, mask, h_enc)
        token = logits.argmax(axis=1)
        steps.append(token)
        weights.append(step_weights)
        finished |= token == model.end_id
        if finished.all():
            break
    out = [_until_end(row, model.end_id) for row in np.stack(steps, axis=1).tolist()]
    if not return_attention:
        return out
    if model.attention is None:
        raise ValueError("return_attention needs a model with attention")
    maps = np.stack(weights, axis=1)  # (N, steps, S)
    return out, [maps[n, : min(len(ids) + 1, maps.shape[1])] for n, ids in enumerate(out)]


def beam_search(model, source: np.ndarray, beam_width: int, max_length: int) -> list[list[int]]:
    """The best of ``beam_width`` beams by total log-probability; see the module docstring."""
    beam_width = check_positive_int(beam_width, "beam_width")
    max_length = check_positive_int(max_length, "max_length")
    N, k, V = source.shape[0], beam_width, model.vocab_size
    keys, mask, states, context, h_enc = _start(model, source)
    # every array gets k rows per source: row n * k + j is beam j of source n
    keys, context, h_enc = (np.repeat(a, k, axis=0) for a in (keys, context, h_enc))
    mask = None if mask is None else np.repeat(mask, k, axis=0)
    states = [np.repeat(s, k, axis=0) for s in states]
    scores = np.full((N, k), -np.inf)
    scores[:, 0] = 0.0  # all beams start equal: extend one of them only
    token = np.full(N * k, model.start_id, dtype=np.int64)
    history = np.zeros((N * k, 0), dtype=np.int64)
    finished = np.zeros(N * k, dtype=bool)
    for _ in range(max_length):
        logits, states, context, _ = model.decoder_step(token, states, context, keys, mask,
                                                        h_enc)
        logp = log_softmax(logits.astype(np.float64), axis=1)
        logp[finished] = -np.inf
        logp[finished, model.end_id] = 0.0
        total = (scores.reshape(-1, 1) + logp).reshape(N, k * V)
        best = np.argsort(-total, axis=1, kind="stable")[:, :k]
        scores = np.take_along_axis(total, best, axis=1)
        origin = (best // V + np.arange(N)[:, None] * k).reshape(-1)
        token = (best % V).reshape(-1)
        states = [s[origin] for s in states]
        context, history = context[origin], np.concatenate([history[origin], token[:, None]], 1)
        finished = finished[origin] | (token == model.end_id)
        if finished.all():
            break
    winners = np.arange(N) * k + scores.argmax(axis=1)
    return [_until_end(row, model.end_id) for row in history[winners].tolist()]
