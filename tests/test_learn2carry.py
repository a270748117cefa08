"""Learn2Carry: the addition data, the model's gradients, training, and the command."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.cli import build_parser, main
from minirnn.data import Batch, array_batches
from minirnn.errors import UsageError
from minirnn.gradcheck import check_model
from minirnn.models.learn2carry import Learn2Carry
from minirnn.optim import Adam
from minirnn.tasks.carry import (
    accuracy_by_width,
    addition_set,
    carry_chain,
    from_digits,
    longest_carry_chain,
    to_digits,
)
from minirnn.train import fit


def test_digits_round_trip_least_significant_first():
    digits = to_digits(np.array([0, 7, 1234]), 5)
    assert digits.tolist() == [[0, 0, 0, 0, 0], [7, 0, 0, 0, 0], [4, 3, 2, 1, 0]]
    assert from_digits(digits).tolist() == [0, 7, 1234]
    with pytest.raises(ValueError, match="numbers must have at most steps=2 digits, got 123"):
        to_digits(np.array([123]), 2)


def test_fixed_width_set_holds_correct_sums():
    data = addition_set(500, 6, seed=3)
    a, b = data.operands
    assert data.inputs.shape == (500, 7, 2) and data.targets.shape == (500, 7)
    assert np.array_equal(from_digits(data.targets), a + b)
    assert (data.widths == 6).all()
    assert (np.maximum(a, b) >= 10**5).all() and (np.maximum(a, b) < 10**6).all()


def test_variable_width_set_covers_every_width_and_is_seeded():
    data = addition_set(800, 5, min_width=1, seed=1)
    assert set(data.widths.tolist()) == {1, 2, 3, 4, 5}
    a, b = data.operands
    assert np.array_equal(np.char.str_len(np.maximum(a, b).astype(str)), data.widths)
    again = addition_set(800, 5, min_width=1, seed=1)
    assert np.array_equal(again.inputs, data.inputs)


def test_carry_chain_of_the_longest_example():
    a, b = longest_carry_chain(4)
    assert (a, b) == (9999, 1111)
    assert carry_chain(a, b).tolist() == [0, 1, 1, 1, 1]
    assert carry_chain(12, 34).tolist() == [0, 0, 0]


def test_accuracy_by_width_counts_exact_sums_and_digits():
    data = addition_set(4, 3, seed=0)
    predicted = data.targets.copy()
    predicted[0, 1] = (predicted[0, 1] + 1) % 10
    exact, digit, count = accuracy_by_width(predicted, data)[3]
    assert (exact, count) == (0.75, 4)
    assert digit == pytest.approx(15 / 16)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_learn2carry_gradients_as_a_whole(cell):
    data = addition_set(3, 3, seed=0)
    batch = Batch(data.inputs, data.targets)
    model = Learn2Carry(hidden_size=5, embedding_dim=3, cell=cell, seed=1)
    report = check_model(model, lambda: model.forward_backward(batch), k=8, directions=2)
    report.assert_ok()
    assert report.rows[0].max_error < 1e-7  # the directional check through every parameter
    assert {row.name for row in report.rows[2:]} == {name for name, _, _ in
                                                      model.named_parameters()}


def test_training_learns_to_add_and_carries_to_longer_numbers():
    rng = np.random.default_rng(0)
    train = addition_set(3000, 5, seed=rng)
    test = addition_set(300, 5, seed=11)
    model = Learn2Carry(32, 8, cell="rnn", seed=rng)
    before = accuracy_by_width(model.predict(test.inputs), test)[5][0]
    history = fit(model, Adam(model, lr=1e-2),
                  lambda: array_batches(train.inputs, train.targets, rng=rng), epochs=5,
                  verbose=False)
    assert history.loss[-1] < 0.2 * history.loss[0]
    assert before < 0.05
    assert accuracy_by_width(model.predict(test.inputs), test)[5][0] > 0.9
    longer = addition_set(300, 9, seed=12)
    assert accuracy_by_width(model.predict(longer.inputs), longer)[9][0] > 0.8
    assert model.add(*longest_carry_chain(7)) == 9999999 + 1111111


def test_cli_reports_each_width_and_marks_longer_ones(capsys):
    argv = ["learn2carry", "--cells", "gru", "--width", "3", "--train-size", "300",
            "--test-size", "50", "--epochs", "1", "--quiet"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "300 training sums of 3-digit numbers" in out
    assert "gru       3 " in out and "gru       4*" in out and "gru       6*" in out


def test_cli_refuses_bad_arguments_before_training(capsys):
    args = build_parser().parse_args(["learn2carry", "--test-widths", "8", "20"])
    with pytest.raises(UsageError, match=r"widths must be 1..17 .*got \[20\]"):
        args.func(args)
    assert capsys.readouterr().out == ""  # nothing trained, nothing printed
    with pytest.raises(SystemExit) as stop:
        main(["learn2carry", "--width", "0"])
    assert stop.value.code == 2
    assert main(["learn2carry", "--width", "18"]) == 2
    assert "widths must be 1..17" in capsys.readouterr().err
