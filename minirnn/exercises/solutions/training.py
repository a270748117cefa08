r"""Pieces of a training step: clipping by the global norm, min-char-rnn's ``lossFun``,
sampling with a temperature. References and the usual mistakes."""

from __future__ import annotations

import numpy as np

from minirnn.functional.activations import softmax


def clip_by_global_norm(grads, max_norm):
    r"""Scale every gradient by :math:`\min(1, m / \|g\|)`, :math:`\|g\|` over all of them."""
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))
    scale = min(1.0, max_norm / total) if total > 0 else 1.0
    return {name: g * scale for name, g in grads.items()}, total


def clip_each_array(grads, max_norm):
    """Mistake: each array clipped by its own norm, which changes the update's direction."""
    clipped = {}
    for name, g in grads.items():
        norm = np.sqrt(np.sum(g * g))
        clipped[name] = g * min(1.0, max_norm / norm) if norm > 0 else g
    return clipped, clip_by_global_norm(grads, max_norm)[1]


def clip_always(grads, max_norm):
    """Mistake: scaled to max_norm even when the norm was smaller (small gradients grow)."""
    total = clip_by_global_norm(grads, max_norm)[1]
    scale = max_norm / total if total > 0 else 1.0
    return {name: g * scale for name, g in grads.items()}, total


def _char_rnn(inputs, targets, hprev, Wxh, Whh, Why, bh, by, *, carry=True,
              tanh_at_preactivation=False, mean=False):
    """min-char-rnn's loss and gradients in its column-vector form; flags for the mistakes."""
    V, T = Why.shape[0], len(inputs)
    h, states, pre, probs, loss = hprev, [hprev], [], [], 0.0
    for t in range(T):
        x = np.zeros((V, 1))
        x[inputs[t]] = 1.0
        a = Wxh @ x + Whh @ h + bh
        h = np.tanh(a)
        p = softmax(Why @ h + by, axis=0)
        loss -= float(np.log(p[targets[t], 0]))
        states.append(h)
        pre.append(a)
        probs.append(p)
    grads = [np.zeros_like(W) for W in (Wxh, Whh, Why, bh, by)]
    dWxh, dWhh, dWhy, dbh, dby = grads
    dh_next = np.zeros_like(hprev)
    for t in reversed(range(T)):
        dy = probs[t].copy()
        dy[targets[t]] -= 1.0
        dWhy += dy @ states[t + 1].T
        dby += dy
        dh = Why.T @ dy + dh_next
        slope = 1 - pre[t] ** 2 if tanh_at_preactivation else 1 - states[t + 1] ** 2
        da = slope * dh
        dbh += da
        dWxh[:, inputs[t]] += da[:, 0]
        dWhh += da @ states[t].T
        dh_next = Whh.T @ da if carry else np.zeros_like(hprev)
    if mean:
        loss, grads = loss / T, [g / T for g in grads]
    return (loss, *grads, states[-1])


def lossFun(inputs, targets, hprev, Wxh, Whh, Why, bh, by):  # noqa: N802 - Karpathy's name
    """The reference: summed cross-entropy over the chunk, its gradients, the last state."""
    return _char_rnn(inputs, targets, hprev, Wxh, Whh, Why, bh, by)


def lossFun_without_carry(inputs, targets, hprev, Wxh, Whh, Why, bh, by):  # noqa: N802
    """Mistake: dhnext never carried from step t+1 into step t."""
    return _char_rnn(inputs, targets, hprev, Wxh, Whh, Why, bh, by, carry=False)


def lossFun_tanh_at_preactivation(inputs, targets, hprev, Wxh, Whh, Why, bh, by):  # noqa: N802
    """Mistake: tanh's derivative written 1 - a^2 with a the pre-activation."""
    return _char_rnn(inputs, targets, hprev, Wxh, Whh, Why, bh, by, tanh_at_preactivation=True)


def lossFun_mean(inputs, targets, hprev, Wxh, Whh, Why, bh, by):  # noqa: N802
    """Mistake: the mean over the chunk where min-char-rnn sums."""
    return _char_rnn(inputs, targets, hprev, Wxh, Whh, Why, bh, by, mean=True)


def temperature_probabilities(logits, temperature):
    r""":math:`\mathrm{softmax}(z / \tau)`: what the draws must follow."""
    return softmax(np.asarray(logits) / temperature)


def sample_with_temperature(logits, temperature, num_samples, rng):
    """Draw ``num_samples`` ids from :func:`temperature_probabilities` with ``rng``."""
    p = temperature_probabilities(logits, temperature)
    return rng.choice(p.size, size=num_samples, p=p)


def times_temperature(logits, temperature):
    """Mistake: the logits multiplied by the temperature instead of divided."""
    return softmax(np.asarray(logits) * temperature)


def temperature_ignored(logits, temperature):
    """Mistake: plain softmax, the temperature never used."""
    return softmax(np.asarray(logits))


def greedy(logits, temperature):
    """Mistake: always the most likely id (argmax), no sampling at all."""
    p = np.zeros(np.asarray(logits).size)
    p[int(np.argmax(logits))] = 1.0
    return p


def sequential_partition(ids, batch_size, num_steps, offset):
    """Inputs and targets of every batch, (B, N, T): N long rows cut T columns at a time."""
    row_length = (len(ids) - offset - 1) // batch_size // num_steps * num_steps
    used = batch_size * row_length
    rows_in = np.asarray(ids[offset:offset + used]).reshape(batch_size, -1, num_steps)
    rows_out = np.asarray(ids[offset + 1:offset + 1 + used]).reshape(batch_size, -1, num_steps)
    return rows_in.transpose(1, 0, 2), rows_out.transpose(1, 0, 2)


def partition_rows_not_continued(ids, batch_size, num_steps, offset):
    """Mistake: consecutive pieces of the stream dealt out batch after batch."""
    X, Y = sequential_partition(ids, batch_size, num_steps, offset)
    B = X.shape[0]
    used = B * batch_size * num_steps
    shape = (B, batch_size, num_steps)
    return (np.asarray(ids[offset:offset + used]).reshape(shape),
            np.asarray(ids[offset + 1:offset + 1 + used]).reshape(shape))


def partition_targets_not_shifted(ids, batch_size, num_steps, offset):
    """Mistake: the targets are the inputs themselves, not the next tokens."""
    X, _ = sequential_partition(ids, batch_size, num_steps, offset)
    return X, X.copy()
