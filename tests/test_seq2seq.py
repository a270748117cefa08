"""Seq2Seq: gradients, teacher forcing, greedy decoding, the course's word pairs, addition data."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from minirnn.experiments.seq2seq import train_seq2seq, train_toy
from minirnn.gradcheck import check_model
from minirnn.models.seq2seq import Seq2Seq
from minirnn.tasks.seq2seq import (
    addition_data,
    addition_problems,
    exact_match,
    toy_data,
    toy_vocab,
    translate,
)


def _tiny_batch():
    rng = np.random.default_rng(0)
    source = rng.integers(3, 9, (3, 4))
    # targets end in E (1) and are padded with ? (2): different lengths per row
    targets = np.array([[4, 5, 1, 2], [5, 1, 2, 2], [6, 7, 8, 1]])
    return SimpleNamespace(inputs=source, targets=targets)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("peeky", [False, True])
def test_whole_model_gradient_check(cell, peeky):
    model = Seq2Seq(9, hidden_size=5, embedding_dim=3, cell=cell, peeky=peeky, seed=2)
    batch = _tiny_batch()
    report = check_model(model, lambda: model.forward_backward(batch), k=6, directions=2)
    report.assert_ok()
    assert report.rows[0].max_error < 1e-6
    assert {"encoder.Wh", "decoder.Wx", "encoder_embedding.W", "head.W"} <= {
        row.name for row in report.rows
    }


def test_one_hot_gradient_check():
    model = Seq2Seq(9, hidden_size=4, embedding_dim=None, cell="rnn", seed=0)
    batch = _tiny_batch()
    check_model(model, lambda: model.forward_backward(batch), k=6).assert_ok()


def test_loss_ignores_padding_after_the_end_token():
    model = Seq2Seq(9, hidden_size=5, embedding_dim=3, seed=0)
    batch = _tiny_batch()
    loss = model.evaluate(batch)
    changed = batch.targets.copy()
    changed[1, 3] = 7  # a padded position: masked, and never fed back (it is the last step)
    mask = batch.targets != 2
    assert model.evaluate(SimpleNamespace(inputs=batch.inputs, targets=changed, mask=mask)) == (
        pytest.approx(loss, abs=1e-12)
    )
    changed[0, 0] = 7  # a real target: the loss must move
    assert model.evaluate(SimpleNamespace(inputs=batch.inputs, targets=changed, mask=mask)) != (
        pytest.approx(loss, abs=1e-6)
    )


def test_teacher_forcing_shifts_targets_right():
    model = Seq2Seq(9, hidden_size=3, start_id=0, seed=0)
    targets = np.array([[4, 5, 1], [6, 1, 2]])
    assert model.shift_right(targets).tolist() == [[0, 4, 5], [0, 6, 1]]


def test_greedy_decoding_stops_at_the_end_token():
    model = Seq2Seq(9, hidden_size=4, embedding_dim=3, seed=0)
    source = np.array([[3, 4, 5], [6, 7, 8]])
    model.head.params["b"][:] = 0.0
    model.head.params["b"][model.end_id] = 100.0  # the end token always wins
    assert model.generate(source, max_length=5) == [[], []]
    model.head.params["b"][model.end_id] = 0.0
    model.head.params["b"][5] = 100.0  # never ends: stop at max_length
    assert model.generate(source, max_length=4) == [[5] * 4, [5] * 4]


@pytest.mark.parametrize("seed", [0, 1])
def test_the_course_word_pairs_seeded(seed):
    vocab = toy_vocab()
    assert vocab.itos[:4] == ["S", "E", "?", "a"]  # the seed's letter table
    data = toy_data()
    assert vocab.decode(data.inputs[0]) == "man??E"
    assert vocab.decode(data.targets[3][data.mask[3]]) == "boyE"
    model = Seq2Seq(len(vocab), hidden_size=64, embedding_dim=None, cell="rnn", seed=seed)
    losses = train_toy(model, steps=200, lr=0.005)
    assert losses[-1] < 0.05 * losses[0]
    words = ["man", "mans", "king", "black", "up"]
    assert translate(model, words) == ["women", "women", "queen", "white", "down"]


def test_addition_data():
    problems = addition_problems(2000, seed=0)
    assert len(set(problems)) == 2000
    for question, answer in problems[:50]:
        a, b = map(int, question.split("+"))
        assert 0 <= a < 1000 and 0 <= b < 1000 and int(answer) == a + b
    train, test, vocab = addition_data(2000, seed=0)
    assert train.inputs.shape == (1800, 7) and test.inputs.shape == (200, 7)
    question, answer = problems[0]
    assert vocab.decode(train.inputs[0]).rstrip("?") == question
    assert vocab.decode(train.targets[0][train.mask[0]]) == answer + "E"
    reversed_train, _, _ = addition_data(2000, reverse=True, seed=0)
    np.testing.assert_array_equal(reversed_train.inputs, train.inputs[:, ::-1])
    with pytest.raises(ValueError, match="distinct"):
        addition_problems(101, max_operand=10)


def test_addition_training_reduces_the_loss_and_exact_match_counts_whole_answers():
    train, test, vocab = addition_data(1200, reverse=True, seed=0)
    model = Seq2Seq(len(vocab), hidden_size=24, embedding_dim=8, cell="lstm", peeky=True,
                    seed=0)
    history = train_seq2seq(model, train, epochs=3, batch_size=64, lr=0.01, seed=0,
                            verbose=False)
    losses = history.epoch_loss
    assert losses[-1] < 0.8 * losses[0]
    accuracy = exact_match(model, test)
    assert 0.0 <= accuracy <= 1.0
    # exact match agrees with decoding row by row
    decoded = model.generate(test.inputs[:20], max_length=5)
    manual = [ids == t[m][:-1].tolist() for ids, t, m in
              zip(decoded, test.targets[:20], test.mask[:20], strict=True)]
    sub = SimpleNamespace(inputs=test.inputs[:20], targets=test.targets[:20], mask=test.mask[:20])
    assert exact_match(model, sub) == pytest.approx(np.mean(manual))


def test_anneal_to_lowers_the_rate_in_a_straight_line_over_the_run():
    train, _, vocab = addition_data(200, seed=0)  # 180 pairs: 3 batches of 64 per epoch
    model = Seq2Seq(len(vocab), hidden_size=6, embedding_dim=4, seed=0)
    history = train_seq2seq(model, train, epochs=2, batch_size=64, lr=0.01, seed=0,
                            verbose=False, anneal_to=0.1)
    # six updates, k = 0..5: 0.01 * (1 - 0.9 k / 6)
    np.testing.assert_allclose(history.lr, 0.01 * (1 - 0.9 * np.arange(6) / 6))
    with pytest.raises(ValueError, match="not both"):
        train_seq2seq(model, train, 1, decay_after=1, anneal_to=0.1, verbose=False)
    with pytest.raises(ValueError, match=r"anneal_to must be a number in \[0, 1\]"):
        train_seq2seq(model, train, 1, anneal_to=1.5, verbose=False)


def test_bad_input_is_refused():
    model = Seq2Seq(9, hidden_size=3, seed=0)
    with pytest.raises(TypeError, match="integer"):
        model.forward(np.zeros((2, 3)), np.zeros((2, 3), dtype=int))
    with pytest.raises(ValueError, match="same batch size"):
        model.forward(np.zeros((2, 3), dtype=int), np.zeros((3, 3), dtype=int))
    with pytest.raises(ValueError, match=r"\[0, 9\)"):
        model.generate(np.full((1, 3), 9))
    with pytest.raises(ValueError, match="end_id"):
        Seq2Seq(9, end_id=9)
