"""SequenceClassifier / SequenceTagger: gradients, padding, bidirectional reading, training."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from minirnn.experiments.digit_sum import plot_digit_sum
from minirnn.gradcheck import check_model
from minirnn.layers.padded_rnn import (
    lengths_from_mask,
    padded_forward,
    reverse_within_length,
)
from minirnn.layers.registry import recurrent_layer
from minirnn.models.classifier import SequenceClassifier, SequenceTagger
from minirnn.tasks.digit_sum import digit_sum_data

MASK = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0], [1, 1, 1, 1, 0]], dtype=bool)


def _batch(seed: int = 0, vocab: int = 7, classes: int = 3):
    rng = np.random.default_rng(seed)
    return SimpleNamespace(inputs=rng.integers(0, vocab, MASK.shape),
                           targets=rng.integers(0, classes, MASK.shape[0]), mask=MASK)


@pytest.mark.parametrize(
    "cell, bidirectional, pooling, embedding_dim",
    [("lstm", True, "last", 3), ("gru", True, "mean", None), ("rnn", True, "last", None),
     ("lstm", False, "mean", None), ("gru", False, "last", 3)],
)
def test_whole_model_gradient_check(cell, bidirectional, pooling, embedding_dim):
    model = SequenceClassifier(7, 3, hidden_size=4, cell=cell, num_layers=2,
                               bidirectional=bidirectional, embedding_dim=embedding_dim,
                               pooling=pooling, seed=1)
    batch = _batch()
    report = check_model(model, lambda: model.forward_backward(batch), k=6, directions=2)
    report.assert_ok()
    assert report.rows[0].max_error < 1e-6  # the directional check through every parameter
    # every parameter array is in the report, including both directions of both layers
    names = {row.name for row in report.rows}
    if bidirectional:
        assert {"rnn.l1_reverse.Wh", "rnn.l0.Wx", "head.W"} <= names


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("pooling", ["last", "mean"])
def test_padding_changes_nothing(cell, pooling):
    # each padded row must score exactly like the same sequence alone, whatever the padding
    model = SequenceClassifier(7, 3, hidden_size=5, cell=cell, num_layers=2, bidirectional=True,
                               embedding_dim=4, pooling=pooling, seed=2)
    batch = _batch(seed=3)
    logits = model.forward(batch.inputs, batch.mask)
    other_padding = np.where(batch.mask, batch.inputs, 6)
    np.testing.assert_allclose(model.forward(other_padding, batch.mask), logits, atol=1e-12)
    for n, length in enumerate(batch.mask.sum(axis=1)):
        alone = model.forward(batch.inputs[n : n + 1, :length])
        np.testing.assert_allclose(alone[0], logits[n], atol=1e-12)


def test_padded_forward_matches_the_layer_on_full_rows_and_reverses_within_length():
    layer = recurrent_layer("gru", 3, 4, num_layers=2, bidirectional=True, seed=0)
    x = np.random.default_rng(1).standard_normal((2, 5, 3))
    lengths = np.array([5, 3])
    hs, _ = padded_forward(layer, x, lengths)
    full, _ = layer.forward(x[:1])
    np.testing.assert_allclose(hs[0], full[0], atol=1e-12)
    short, _ = layer.forward(x[1:, :3])
    np.testing.assert_allclose(hs[1, :3], short[0], atol=1e-12)
    index = reverse_within_length(lengths, 5)
    assert index.tolist() == [[4, 3, 2, 1, 0], [2, 1, 0, 3, 4]]


def test_last_state_of_bidirectional_is_forward_end_and_reverse_start():
    model = SequenceClassifier(5, 2, hidden_size=3, cell="gru", bidirectional=True, seed=0)
    ids = np.array([[1, 2, 3, 0, 0]])
    mask = np.array([[1, 1, 1, 0, 0]])
    model.forward(ids, mask)
    x = np.eye(5)[ids[:, :3]]
    hs, _ = model.rnn.forward(x)
    summary = np.concatenate([hs[0, 2, :3], hs[0, 0, 3:]])
    expected = summary @ model.head.params["W"] + model.head.params["b"]
    np.testing.assert_allclose(model.forward(ids, mask)[0], expected, atol=1e-12)


def test_bad_masks_and_inputs_are_refused():
    model = SequenceClassifier(5, 2, hidden_size=3, seed=0)
    ids = np.zeros((2, 3), dtype=np.int64)
    with pytest.raises(ValueError, match="prefix"):
        model.forward(ids, np.array([[1, 0, 1], [1, 1, 1]]))
    with pytest.raises(ValueError, match="at least one valid step"):
        model.forward(ids, np.array([[0, 0, 0], [1, 1, 1]]))
    with pytest.raises(ValueError, match="shape"):
        model.forward(ids, np.ones((2, 4)))
    with pytest.raises(TypeError, match="integer"):
        model.forward(ids.astype(float))
    with pytest.raises(ValueError, match=r"\[0, 5\)"):
        model.forward(ids + 5)
    with pytest.raises(ValueError, match="cell"):
        SequenceClassifier(5, 2, cell="transformer")
    with pytest.raises(ValueError, match="pooling"):
        SequenceClassifier(5, 2, pooling="max")
    batch = SimpleNamespace(inputs=ids, targets=np.zeros((2, 3), dtype=int), mask=None)
    with pytest.raises(ValueError, match="one class per sequence"):
        model.forward_backward(batch)


def test_training_reduces_the_loss_seeded():
    from minirnn.optim import Adam

    rng = np.random.default_rng(0)
    model = SequenceClassifier(10, 19, hidden_size=16, cell="gru", seed=0)
    optimizer = Adam(model, lr=0.01)
    test = digit_sum_data(200, 3, seed=1)
    before = model.evaluate(test)
    for _ in range(150):
        model.zero_grad()
        model.forward_backward(digit_sum_data(32, 3, rng))
        optimizer.step()
    after = model.evaluate(test)
    assert after < 0.7 * before
    assert model.accuracy(test.inputs, test.targets) > 0.3  # chance is about 0.1


def test_dropout_only_in_training_mode():
    model = SequenceClassifier(6, 2, hidden_size=4, num_layers=2, dropout=0.5, seed=0)
    ids = np.random.default_rng(0).integers(0, 6, (3, 4))
    model.eval()
    np.testing.assert_array_equal(model.forward(ids), model.forward(ids))
    model.train()
    assert not np.allclose(model.forward(ids), model.forward(ids))
    # predict never uses dropout, and leaves the mode as it was
    np.testing.assert_array_equal(model.predict_proba(ids), model.predict_proba(ids))
    assert model.training


def test_tagger_gradient_check_and_the_bidirectional_leak():
    rng = np.random.default_rng(4)
    inputs = rng.integers(0, 6, (3, 5))
    mask = np.array([[1] * 5, [1] * 3 + [0] * 2, [1] * 4 + [0]], dtype=bool)
    batch = SimpleNamespace(inputs=inputs, targets=rng.integers(0, 6, (3, 5)), mask=mask)
    for bidirectional in (False, True):
        model = SequenceTagger(6, 6, hidden_size=4, cell="lstm", bidirectional=bidirectional,
                               embedding_dim=3, seed=0)
        check_model(model, lambda m=model: m.forward_backward(batch), k=5).assert_ok()
        # does the output at step 1 change when the input at step 2 changes?
        changed = inputs.copy()
        changed[:, 2] = (changed[:, 2] + 1) % 6
        step1 = model.forward(inputs)[:, 1]
        step1_changed = model.forward(changed)[:, 1]
        assert np.allclose(step1, step1_changed) != bidirectional


def test_lengths_from_mask():
    assert lengths_from_mask(MASK, MASK.shape).tolist() == [5, 3, 1, 4]
    assert lengths_from_mask(None, (2, 7)).tolist() == [7, 7]


def test_digit_sum_data_and_plot():
    data = digit_sum_data(50, 8, seed=0)
    assert data.inputs.shape == (50, 8)
    np.testing.assert_array_equal(data.targets, data.inputs[:, 0] + data.inputs[:, 1])
    assert data.inputs.min() >= 0 and data.inputs.max() <= 9
    np.testing.assert_array_equal(digit_sum_data(50, 8, seed=0).inputs, data.inputs)
    with pytest.raises(ValueError, match="at least 2"):
        digit_sum_data(5, 1)
    result = {"rnn": {5: 0.9, 35: 0.1}, "lstm": {5: 1.0, 35: 0.95}}
    ax = plot_digit_sum(result)
    lines = [line for line in ax.get_lines() if line.get_label() in ("SRN", "LSTM")]
    assert [list(line.get_ydata()) for line in lines] == [[90.0, 10.0], [100.0, 95.0]]


def test_name_gender_split(names_dir):
    from minirnn.tasks.name_gender import majority_baseline, name_gender_data

    data = name_gender_data(cache_dir=names_dir.parent, seed=0)
    train, test = set(data.train_names), set(data.test_names)
    assert not train & test
    assert not (train | test) & set(data.dropped)
    assert "jean" in data.dropped  # a name on both lists
    assert abs(len(test) / (len(train) + len(test)) - 0.2) < 0.01
    assert 0.5 < majority_baseline(data) < 0.7
    ids, mask, labels = data.encode("test")
    assert ids.shape[0] == mask.shape[0] == labels.shape[0] == len(test)
    assert data.vocab.decode(ids[0][mask[0]]) == data.test_names[0]
