"""Exercises on a training step: clipping by the global norm, min-char-rnn's ``lossFun``,
and sampling with a temperature."""

from __future__ import annotations

import numpy as np

from minirnn.exercises.exercise import Case, Exercise, Mistake
from minirnn.exercises.solutions import training as solution


def _grads(shapes: dict, scale: float):
    def build(rng: np.random.Generator) -> dict:
        grads = {name: rng.standard_normal(shape) * scale for name, shape in shapes.items()}
        return {"grads": grads, "max_norm": 5.0}

    return build


def _zero_grads(rng: np.random.Generator) -> dict:
    return {"grads": {"W": np.zeros((2, 3)), "b": np.zeros(3)}, "max_norm": 1.0}


CLIP_BY_GLOBAL_NORM = Exercise(
    "clip_by_global_norm(grads, max_norm) -> clipped, total_norm",
    difficulty="1 (warm-up): one norm over all arrays, one factor for all.",
    pairs_with="minirnn.clip.clip_grad_norm",
    reference=solution.clip_by_global_norm,
    task=("Clip gradients by their global norm: measure the norm of all of them together, as "
          "one long vector, and if it is larger than max_norm scale every array by the same "
          "factor so that the global norm becomes max_norm. Smaller gradients stay as they "
          "are. Return new arrays (a dict with the same keys) and the norm before clipping."),
    equations=r"""
.. math::

    \|g\| = \sqrt{\textstyle\sum_k \sum_j g_{k,j}^2}, \qquad
    g_k \leftarrow g_k \cdot \min\left(1, \frac{m}{\|g\|}\right)

over every array :math:`g_k` in ``grads``; :math:`m` is ``max_norm``.
""",
    parameters=("grads : dict of str to ndarray\n    The gradients, by parameter name.\n"
                "max_norm : float\n    The largest global norm allowed."),
    results=("clipped : dict of str to ndarray\n    The clipped gradients, same keys.\n"
             "total_norm : float\n    The global norm before clipping."),
    unpack="names = list(grads)",
    cases=(
        Case("norm above max_norm (clipped)", _grads({"Wx": (3, 4), "Wh": (4, 4), "b": (4,)},
                                                     2.0), seed=0),
        Case("norm below max_norm (unchanged)", _grads({"W": (2, 2), "b": (2,)}, 0.5), seed=1),
        Case("all gradients zero", _zero_grads, seed=2),
    ),
    mistakes=(
        Mistake("clipped_per_array", "each array was clipped by its own norm; clipping by the "
                "global norm uses one norm over all arrays and one factor for all of them, so "
                "the direction of the update is kept.", solution.clip_each_array),
        Mistake("clipped_always", "gradients were scaled to max_norm even though their norm "
                "was smaller: the factor is min(1, max_norm / norm).", solution.clip_always),
    ),
)


def _chunk(T: int, V: int, H: int, zero_state: bool = False):
    def build(rng: np.random.Generator) -> dict:
        return {
            "inputs": [int(i) for i in rng.integers(0, V, size=T)],
            "targets": [int(i) for i in rng.integers(0, V, size=T)],
            "hprev": np.zeros((H, 1)) if zero_state else rng.standard_normal((H, 1)) * 0.5,
            "Wxh": rng.standard_normal((H, V)) * 0.5,
            "Whh": rng.standard_normal((H, H)) * 0.5,
            "Why": rng.standard_normal((V, H)) * 0.5,
            "bh": rng.standard_normal((H, 1)) * 0.1,
            "by": rng.standard_normal((V, 1)) * 0.1,
        }

    return build


LOSS_FUN = Exercise(
    "lossFun(inputs, targets, hprev, Wxh, Whh, Why, bh, by)"
    " -> loss, dWxh, dWhh, dWhy, dbh, dby, h_last",
    difficulty="3 (involved): a forward, a loss and BPTT in one function.",
    pairs_with="minirnn.models.CharRNN (Karpathy's min-char-rnn)",
    reference=solution.lossFun,
    task=("Write min-char-rnn's lossFun: run the RNN forward over a chunk of characters from "
          "hprev, sum the cross-entropy of each next character, then backpropagate through "
          "time and return the loss, the five gradients and the last hidden state. This is "
          "Karpathy's column-vector form (W @ x). Do not clip: the training loop does that."),
    equations=r"""
.. math::

    h_t &= \tanh(W_{xh} x_t + W_{hh} h_{t-1} + b_h), \qquad
    p_t = \mathrm{softmax}(W_{hy} h_t + b_y) \\
    L &= -\textstyle\sum_{t=1}^{T} \log p_{t, y_t}

with :math:`x_t` the one-hot column of ``inputs[t]`` (V, 1), :math:`y_t` = ``targets[t]``,
``hprev`` = :math:`h_0` (H, 1), ``Wxh`` (H, V), ``Whh`` (H, H), ``Why`` (V, H), ``bh`` (H, 1),
``by`` (V, 1).
""",
    parameters=("inputs, targets : list of int\n    Character ids, T of each.\n"
                "hprev : ndarray, shape (H, 1)\n    The state carried from the previous chunk.\n"
                "Wxh, Whh, Why, bh, by : ndarray\n    The parameters (see Notes)."),
    results=("loss : float\n    Summed over the T characters, in nats.\n"
             "dWxh, dWhh, dWhy, dbh, dby : ndarray\n    Gradients, shaped like the parameters.\n"
             "h_last : ndarray, shape (H, 1)\n    The hidden state after the last character."),
    unpack="T = len(inputs)",
    cases=(
        Case("T=6, V=5, H=4", _chunk(6, 5, 4), seed=0),
        Case("T=1, V=3, H=2 (one character)", _chunk(1, 3, 2), seed=1),
        Case("T=5, V=4, H=3, hprev all zeros", _chunk(5, 4, 3, True), seed=2),
    ),
    mistakes=(
        Mistake("carried_gradient_forgotten", "the carried gradient is forgotten: each step's "
                "gradient is right, but dhnext (Whh.T @ the step's dh_raw) must flow into the "
                "step before.", solution.lossFun_without_carry),
        Mistake("tanh_derivative_of_preactivation", "tanh's derivative was applied to the "
                "pre-activation: it is 1 - h^2 with h = tanh(a) (the hidden state), not "
                "1 - a^2.", solution.lossFun_tanh_at_preactivation),
        Mistake("loss_averaged", "the loss and gradients are the mean over the chunk; "
                "min-char-rnn sums over the T characters.", solution.lossFun_mean),
    ),
)


def _logits(V: int, temperature: float, num_samples: int):
    def build(rng: np.random.Generator) -> dict:
        return {"logits": rng.standard_normal(V) * 1.5, "temperature": temperature,
                "num_samples": num_samples}

    return build


SAMPLE_WITH_TEMPERATURE = Exercise(
    "sample_with_temperature(logits, temperature, num_samples, rng) -> ids",
    difficulty="1 (warm-up): a softmax and a draw; judged statistically with a fixed seed.",
    pairs_with="minirnn.models.LanguageModel.generate (temperature)",
    reference=solution.sample_with_temperature,
    distribution=solution.temperature_probabilities,
    task=("Draw num_samples ids from the softmax of the logits divided by the temperature, "
          "using the generator rng (never the global np.random). A temperature below 1 "
          "sharpens the distribution, above 1 flattens it. The checker counts how often each "
          "id comes up over many draws."),
    equations=r"""
.. math:: p_k = \frac{e^{z_k / \tau}}{\sum_j e^{z_j / \tau}}

with logits ``z`` (V,) and the temperature :math:`\tau` > 0.
""",
    parameters=("logits : ndarray, shape (V,)\n"
                "temperature : float\n"
                "num_samples : int\n"
                "rng : numpy.random.Generator\n    Use it for every random number."),
    results="ids : ndarray of int, shape (num_samples,)",
    unpack="V = logits.shape[0]",
    cases=(
        Case("V=5, temperature 1", _logits(5, 1.0, 20000), seed=0),
        Case("V=6, temperature 0.5 (sharper)", _logits(6, 0.5, 20000), seed=1),
        Case("V=4, temperature 2 (flatter)", _logits(4, 2.0, 20000), seed=2),
    ),
    mistakes=(
        Mistake("temperature_multiplied", "the logits were multiplied by the temperature; "
                "divide them, so that a low temperature sharpens.", solution.times_temperature),
        Mistake("temperature_ignored", "the draws follow the plain softmax: the temperature "
                "was never used.", solution.temperature_ignored),
        Mistake("greedy", "every draw is the most likely id: that is argmax, not sampling.",
                solution.greedy),
    ),
)


def _stream(length: int, batch_size: int, num_steps: int, offset: int):
    def build(rng: np.random.Generator) -> dict:
        return {"ids": rng.integers(0, 30, size=length), "batch_size": batch_size,
                "num_steps": num_steps, "offset": offset}

    return build


SEQUENTIAL_PARTITION = Exercise(
    "sequential_partition(ids, batch_size, num_steps, offset) -> X, Y",
    difficulty="2 (standard): index bookkeeping; which token continues which row is the trap.",
    pairs_with="minirnn.data.batching.sequential_batches",
    reference=solution.sequential_partition,
    task=("Cut a long stream of token ids into the minibatches of a language model, "
          "sequentially: skip the first offset tokens, cut the rest into batch_size long rows "
          "(dropping the ragged end so every batch is full), then take num_steps columns at "
          "a time. Row r of batch i+1 must continue exactly where row r of batch i stopped, "
          "so a model can carry its state from batch to batch. The targets are the next "
          "tokens."),
    equations=r"""
.. math::

    R = \left\lfloor \frac{L - o - 1}{N T} \right\rfloor T, \qquad
    X_{i, r, t} = x_{o + rR + iT + t}, \qquad Y_{i, r, t} = x_{o + rR + iT + t + 1}

for batch :math:`i`, row :math:`r < N`, step :math:`t < T`, with the stream ``ids``
:math:`x` of length :math:`L`, the offset :math:`o` and :math:`R` tokens a row.
""",
    parameters=("ids : ndarray of int, shape (L,)\n"
                "batch_size, num_steps : int\n    N rows and T steps per batch.\n"
                "offset : int\n    Tokens to skip at the start (an epoch's random offset)."),
    results=("X, Y : ndarray of int, shape (B, N, T)\n"
             "    Inputs and targets of the B = R // T batches, in order."),
    unpack="N, T = batch_size, num_steps",
    cases=(
        Case("L=50, N=2, T=5, offset 3", _stream(50, 2, 5, 3), seed=0),
        Case("L=21, N=4, T=5, offset 0 (exactly one batch)", _stream(21, 4, 5, 0), seed=1),
        Case("L=100, N=3, T=4, offset 2 (ragged end dropped)", _stream(100, 3, 4, 2), seed=2),
    ),
    mistakes=(
        Mistake("rows_do_not_continue", "each batch holds the next consecutive piece of the "
                "stream, so row r of batch i+1 does not continue row r of batch i: cut the "
                "stream into batch_size long rows first, then take num_steps columns at a "
                "time.", solution.partition_rows_not_continued),
        Mistake("targets_not_shifted", "the targets equal the inputs; they are the next "
                "tokens, one position later in the stream.",
                solution.partition_targets_not_shifted),
    ),
)
