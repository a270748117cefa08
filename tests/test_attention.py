"""Attention: gradient checks of every score function (functional and layer), masks, errors."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.functional import attention as fa
from minirnn.gradcheck import GOOD, check_function, check_layer
from minirnn.layers.attention import Attention

N, T, HQ, HK, A = 3, 4, 5, 6, 7
PAIRS = {
    "dot": (fa.dot_attention_forward, fa.dot_attention_backward),
    "general": (fa.general_attention_forward, fa.general_attention_backward),
    "additive": (fa.additive_attention_forward, fa.additive_attention_backward),
}


def problem(score: str, S: int, masked: bool, one_step: bool = False, seed: int = 0) -> dict:
    """Inputs of one attention call; dot scores use HK-wide queries."""
    rng = np.random.default_rng(seed)
    hq = HK if score == "dot" else HQ
    query_shape = (N, hq) if one_step else (N, T, hq)
    inputs = {"query": rng.standard_normal(query_shape),
              "keys": rng.standard_normal((N, S, HK))}
    if score == "general":
        inputs["W"] = rng.standard_normal((hq, HK)) * 0.5
    if score == "additive":
        inputs["Wq"] = rng.standard_normal((hq, A)) * 0.5
        inputs["Wk"] = rng.standard_normal((HK, A)) * 0.5
        inputs["v"] = rng.standard_normal(A)
    mask = None
    if masked:
        lengths = np.array([S, max(1, S - 2), 1])[:N]
        mask = np.arange(S)[None, :] < lengths[:, None]
    inputs["mask"] = mask
    return inputs


CASES = [(score, S, masked) for score in fa.SCORES for S in (1, 5) for masked in (False, True)]


@pytest.mark.parametrize("score,S,masked", CASES)
def test_functional_gradcheck(score, S, masked):
    forward, backward = PAIRS[score]
    report = check_function(forward, backward, problem(score, S, masked))
    names = {row.name for row in report}
    assert names == {"query", "keys"} | {"W", "Wq", "Wk", "v"} & set(problem(score, S, False))
    assert report.max_error < GOOD, str(report)


@pytest.mark.parametrize("score", fa.SCORES)
def test_one_step_query_gradcheck(score):
    forward, backward = PAIRS[score]
    inputs = problem(score, 5, masked=True, one_step=True)
    context, weights, _ = forward(**inputs)
    assert context.shape == (N, HK) and weights.shape == (N, 5)
    report = check_function(forward, backward, inputs)
    assert report.max_error < GOOD, str(report)


@pytest.mark.parametrize("score,S,masked", CASES)
def test_layer_gradcheck(score, S, masked):
    hq = HK if score == "dot" else HQ
    layer = Attention(score, hq, HK, attention_size=A, seed=1)
    inputs = problem(score, S, masked)
    report = check_layer(layer, {"query": inputs["query"], "keys": inputs["keys"],
                                 "mask": inputs["mask"]})
    expected = {"query", "keys"} | set(layer.params)
    assert {row.name for row in report} == expected
    assert report.max_error < GOOD, str(report)


@pytest.mark.parametrize("score", fa.SCORES)
def test_masked_positions_get_zero_weight_and_zero_gradient(score):
    forward, backward = PAIRS[score]
    inputs = problem(score, 5, masked=True)
    context, weights, cache = forward(**inputs)
    mask = inputs["mask"]
    assert np.all(weights[~np.broadcast_to(mask[:, None, :], weights.shape)] == 0.0)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-12)
    rng = np.random.default_rng(3)
    grads = backward(rng.standard_normal(context.shape), rng.standard_normal(weights.shape),
                     cache)
    dkeys = grads[1]
    assert np.all(dkeys[~mask] == 0.0)
    # changing a padded key changes nothing
    changed = dict(inputs, keys=inputs["keys"].copy())
    changed["keys"][~mask] += 10.0
    context2, weights2, _ = forward(**changed)
    np.testing.assert_array_equal(context2, context)
    np.testing.assert_array_equal(weights2, weights)


def test_broken_backward_is_named_in_the_report():
    def forgot_score_path_into_keys(dcontext, dweights, cache):
        query, keys, weights, one_step = cache
        dscores, dkeys = fa.attend_backward(dcontext, dweights, keys, weights)
        return dscores @ keys, dkeys  # the term dscores^T @ query is missing

    report = check_function(fa.dot_attention_forward, forgot_score_path_into_keys,
                            problem("dot", 5, masked=True))
    assert report["keys"].verdict == "wrong"
    assert report["query"].verdict == "good"
    assert not report.ok
    wrong_lines = [line for line in str(report).splitlines() if line.endswith("wrong")]
    assert len(wrong_lines) == 1 and wrong_lines[0].startswith("keys")


@pytest.mark.parametrize("score", fa.SCORES)
def test_single_source_position_gives_that_key(score):
    forward, _ = PAIRS[score]
    inputs = problem(score, 1, masked=False)
    context, weights, _ = forward(**inputs)
    np.testing.assert_array_equal(weights, 1.0)
    np.testing.assert_allclose(context, np.broadcast_to(inputs["keys"], context.shape))


def test_dot_scores_by_hand():
    query = np.array([[[1.0, 0.0]]])
    keys = np.array([[[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
    context, weights, _ = fa.dot_attention_forward(query, keys)
    scores = np.array([2.0, 0.0, 1.0])
    expected = np.exp(scores) / np.exp(scores).sum()
    np.testing.assert_allclose(weights[0, 0], expected)
    np.testing.assert_allclose(context[0, 0], expected @ keys[0])


def test_errors_name_the_argument():
    rng = np.random.default_rng(0)
    keys = rng.standard_normal((2, 3, 4))
    with pytest.raises(ValueError, match="same width"):
        fa.dot_attention_forward(rng.standard_normal((2, 5, 3)), keys)
    with pytest.raises(ValueError, match="query must have shape"):
        fa.dot_attention_forward(rng.standard_normal((3, 5, 4)), keys)
    with pytest.raises(TypeError, match="mask must be a bool"):
        fa.dot_attention_forward(rng.standard_normal((2, 5, 4)), keys, mask=np.ones((2, 3)))
    with pytest.raises(ValueError, match="at least one source position"):
        fa.dot_attention_forward(rng.standard_normal((2, 5, 4)), keys,
                                mask=np.array([[True, False, False], [False] * 3]))
    with pytest.raises(ValueError, match="W must have shape"):
        fa.general_attention_forward(rng.standard_normal((2, 5, 4)), keys, np.ones((3, 4)))
    with pytest.raises(ValueError, match="unknown score"):
        Attention("cosine", 4, 4)
    with pytest.raises(ValueError, match="query_size == key_size"):
        Attention("dot", 3, 4)
    with pytest.raises(RuntimeError, match="before forward"):
        Attention("dot", 4, 4).backward(np.ones((2, 4)))


def test_exercise_names_the_keys_when_the_value_path_is_forgotten():
    from minirnn.exercises import check

    def only_the_score_path(dcontext, dweights, cache):
        query, keys, weights, _ = cache
        dweights_total = dcontext @ keys.transpose(0, 2, 1) + dweights
        dscores = weights * (dweights_total - (weights * dweights_total).sum(-1, keepdims=True))
        return dscores @ keys, dscores.transpose(0, 2, 1) @ query  # no weights^T @ dcontext

    report = check(only_the_score_path, "dot_attention_backward")
    assert report.wrong == ["keys"] and not report.ok
    assert "weights^T @ dcontext" in str(report)
    assert check(fa.dot_attention_backward, "dot_attention_backward").ok
