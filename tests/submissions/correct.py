"""A student's correct answers to every exercise, in numpy only (the sandbox allows nothing
else). The grading tests hand this file to the sandbox once per exercise, and derive the
deliberately wrong submissions from it by editing one line."""

import numpy as np


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    return np.tanh(x @ Wx + h_prev @ Wh + b)


def rnn_forward(x, h0, Wx, Wh, b):
    h, hs = h0, []
    for t in range(x.shape[1]):
        h = rnn_step_forward(x[:, t], h, Wx, Wh, b)
        hs.append(h)
    return np.stack(hs, axis=1)


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i, f, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), _sigmoid(a[:, 3 * H:])
    g = np.tanh(a[:, 2 * H:3 * H])
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def gru_step_forward(x, h_prev, Wx, Wh, b, b_hn):
    H = h_prev.shape[1]
    ax, ah = x @ Wx + b, h_prev @ Wh
    r = _sigmoid(ax[:, :H] + ah[:, :H])
    z = _sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
    n = np.tanh(ax[:, 2 * H:] + r * (ah[:, 2 * H:] + b_hn))
    return (1 - z) * n + z * h_prev


def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h, f_grad = cache
    da = dh * f_grad(h)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def rnn_backward(dhs, cache, dh_last=None):
    x, h0, Wx, Wh, hs, f_grad = cache
    T = hs.shape[0]
    dx, dWx, dWh = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh)
    db = np.zeros(Wx.shape[1])
    dh_next = np.zeros_like(h0) if dh_last is None else dh_last
    for t in reversed(range(T)):
        h_prev = hs[t - 1] if t > 0 else h0
        da = (dhs[:, t] + dh_next) * f_grad(hs[t])
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += h_prev.T @ da
        db += da.sum(axis=0)
        dh_next = da @ Wh.T
    return dx, dh_next, dWx, dWh, db


def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc = dc + dh * o * (1 - tanh_c ** 2)
    da = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                         dc * i * (1 - g ** 2), dh * tanh_c * o * (1 - o)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def gru_step_backward(dh, cache):
    x, h_prev, Wx, Wh, r, z, n, hn, reset_after = cache
    da_n = dh * (1 - z) * (1 - n ** 2)
    da_z = dh * (h_prev - n) * z * (1 - z)
    da_r = da_n * hn * r * (1 - r)
    da = np.concatenate([da_r, da_z, da_n], axis=1)
    dah = np.concatenate([da_r, da_z, da_n * r], axis=1)
    return (da @ Wx.T, dh * z + dah @ Wh.T, x.T @ da, h_prev.T @ dah, da.sum(axis=0),
            (da_n * r).sum(axis=0))


def lstm_backward(dhs, cache, dh_last=None, dc_last=None):
    x, h0, c0, Wx, Wh, hs, cs, i, f, g, o = cache
    N, T, D = x.shape
    dx, dWx, dWh = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh)
    db = np.zeros(Wx.shape[1])
    dh_next = np.zeros_like(h0) if dh_last is None else dh_last
    dc_next = np.zeros_like(c0) if dc_last is None else dc_last
    for t in reversed(range(T)):
        h_prev = hs[:, t - 1] if t > 0 else h0
        c_prev = cs[:, t - 1] if t > 0 else c0
        tanh_c = np.tanh(cs[:, t])
        dh = dhs[:, t] + dh_next
        dc = dc_next + dh * o[:, t] * (1 - tanh_c ** 2)
        it, ft, gt, ot = i[:, t], f[:, t], g[:, t], o[:, t]
        da = np.concatenate([dc * gt * it * (1 - it), dc * c_prev * ft * (1 - ft),
                             dc * it * (1 - gt ** 2), dh * tanh_c * ot * (1 - ot)], axis=1)
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += h_prev.T @ da
        db += da.sum(axis=0)
        dh_next = da @ Wh.T
        dc_next = dc * ft
    return dx, dh_next, dc_next, dWx, dWh, db


def gru_backward(dhs, cache, dh_last=None):
    x, h0, Wx, Wh, hs, r, z, n, hn = cache
    N, T, D = x.shape
    H = h0.shape[1]
    dx, dWx, dWh = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh)
    db, db_hn = np.zeros(3 * H), np.zeros(H)
    dh_next = np.zeros_like(h0) if dh_last is None else dh_last
    for t in reversed(range(T)):
        h_prev = hs[:, t - 1] if t > 0 else h0
        dh = dhs[:, t] + dh_next
        rt, zt, nt = r[:, t], z[:, t], n[:, t]
        da_n = dh * (1 - zt) * (1 - nt ** 2)
        da_z = dh * (h_prev - nt) * zt * (1 - zt)
        da_r = da_n * hn[:, t] * rt * (1 - rt)
        da = np.concatenate([da_r, da_z, da_n], axis=1)
        dah = np.concatenate([da_r, da_z, da_n * rt], axis=1)
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += h_prev.T @ dah
        db += da.sum(axis=0)
        db_hn += (da_n * rt).sum(axis=0)
        dh_next = dh * zt + dah @ Wh.T
    return dx, dh_next, dWx, dWh, db, db_hn


def softmax_cross_entropy_backward(dloss, cache):
    logits, targets, mask = cache
    p = np.exp(logits - logits.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    N, T, V = logits.shape
    p[np.arange(N)[:, None], np.arange(T)[None, :], targets] -= 1
    weights = np.ones((N, T)) if mask is None else mask
    return dloss * p * weights[..., None] / weights.sum()


def embedding_backward(dout, cache):
    ids, W = cache
    dW = np.zeros_like(W)
    np.add.at(dW, ids, dout)
    return dW


def clip_by_global_norm(grads, max_norm):
    total = float(np.sqrt(sum((g ** 2).sum() for g in grads.values())))
    scale = min(1.0, max_norm / total) if total > 0 else 1.0
    return {k: g * scale for k, g in grads.items()}, total


def lossFun(inputs, targets, hprev, Wxh, Whh, Why, bh, by):  # noqa: N802 - Karpathy's name
    xs, hs, ps = {}, {-1: hprev}, {}
    loss = 0.0
    for t in range(len(inputs)):
        xs[t] = np.zeros((Wxh.shape[1], 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)
        y = Why @ hs[t] + by
        ps[t] = np.exp(y - y.max()) / np.exp(y - y.max()).sum()
        loss += -np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hprev)
    for t in reversed(range(len(inputs))):
        dy = ps[t].copy()
        dy[targets[t]] -= 1
        dWhy += dy @ hs[t].T
        dby += dy
        dh = Why.T @ dy + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += dhraw
        dWxh += dhraw @ xs[t].T
        dWhh += dhraw @ hs[t - 1].T
        dhnext = Whh.T @ dhraw
    return float(loss), dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]


def sample_with_temperature(logits, temperature, num_samples, rng):
    z = logits / temperature
    p = np.exp(z - z.max())
    p /= p.sum()
    return rng.choice(len(p), size=num_samples, p=p)


def dot_attention_backward(dcontext, dweights, cache):
    query, keys, weights, one_step = cache
    if one_step:
        dcontext, dweights = dcontext[:, None], dweights[:, None]
    dw = dweights + dcontext @ keys.transpose(0, 2, 1)
    dscores = weights * (dw - (dw * weights).sum(axis=-1, keepdims=True))
    dquery = dscores @ keys
    dkeys = weights.transpose(0, 2, 1) @ dcontext + dscores.transpose(0, 2, 1) @ query
    return (dquery[:, 0] if one_step else dquery), dkeys


def sequential_partition(ids, batch_size, num_steps, offset):
    N, T = batch_size, num_steps
    per_row = (len(ids) - offset - 1) // N
    per_row -= per_row % T
    X = ids[offset:offset + N * per_row].reshape(N, per_row)
    Y = ids[offset + 1:offset + 1 + N * per_row].reshape(N, per_row)
    batches = per_row // T
    return (np.stack([X[:, i * T:(i + 1) * T] for i in range(batches)]),
            np.stack([Y[:, i * T:(i + 1) * T] for i in range(batches)]))
