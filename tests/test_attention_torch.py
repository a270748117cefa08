"""PyTorch parity of the three attention forms: the same maths with torch autograd.

Each form is written again with torch operations (float64) and differentiated by autograd;
contexts, weights and every gradient agree with the hand-written passes to 1e-10. Skipped
where torch is missing; CI sets MINIRNN_REQUIRE_TORCH=1 so that it runs there.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_attention import CASES, PAIRS, problem

TOL = 1e-10


def torch_attention(torch, score: str, tensors: dict, mask):
    """The docs' equations with torch operations; returns (context, weights)."""
    q, k = tensors["query"], tensors["keys"]
    one_step = q.dim() == 2
    if one_step:
        q = q.unsqueeze(1)
    if score == "dot":
        scores = q @ k.transpose(1, 2)
    elif score == "general":
        scores = (q @ tensors["W"]) @ k.transpose(1, 2)
    else:
        hidden = torch.tanh((q @ tensors["Wq"]).unsqueeze(2) + (k @ tensors["Wk"]).unsqueeze(1))
        scores = hidden @ tensors["v"]
    if mask is not None:
        scores = scores.masked_fill(~torch.as_tensor(mask).unsqueeze(1), float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    context = weights @ k
    if one_step:
        return context[:, 0], weights[:, 0]
    return context, weights


@pytest.mark.parametrize("one_step", [False, True])
@pytest.mark.parametrize("score,S,masked", CASES)
def test_attention_matches_torch_autograd(score, S, masked, one_step):
    torch = pytest.importorskip("torch", reason="torch is not installed: parity tests skipped")
    forward, backward = PAIRS[score]
    inputs = problem(score, S, masked, one_step=one_step, seed=4)
    mask = inputs.pop("mask")
    context, weights, cache = forward(**inputs, mask=mask)
    rng = np.random.default_rng(5)
    dcontext, dweights = rng.standard_normal(context.shape), rng.standard_normal(weights.shape)
    ours = dict(zip(inputs, backward(dcontext, dweights, cache), strict=True))

    tensors = {name: torch.tensor(value, requires_grad=True) for name, value in inputs.items()}
    t_context, t_weights = torch_attention(torch, score, tensors, mask)
    loss = (t_context * torch.tensor(dcontext)).sum() + (t_weights * torch.tensor(dweights)).sum()
    loss.backward()

    np.testing.assert_allclose(context, t_context.detach().numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(weights, t_weights.detach().numpy(), rtol=0, atol=TOL)
    for name, tensor in tensors.items():
        np.testing.assert_allclose(ours[name], tensor.grad.numpy(), rtol=0, atol=TOL,
                                   err_msg=name)
    assert np.abs(ours["keys"]).max() > 1e-3  # not a comparison of zeros
    if S > 1:  # with one source position the weights are constant and dquery is 0
        assert np.abs(ours["query"]).max() > 1e-3
