"""Bad inputs to the experiments: sizes, seeds, fractions and data objects (issue 11).

Every case is refused before any training starts, with the exception type asserted and a
message that names the argument, what was expected and what was given.
"""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.experiments import (
    attention,
    digit_sum,
    image_rows,
    learn2carry,
    name_gender,
    names,
    poems,
    seq2seq,
)
from minirnn.models import Seq2Seq, SequenceTagger
from minirnn.models.learn2carry import Learn2Carry
from minirnn.tasks.carry import addition_set
from minirnn.tasks.names import names_vocab
from minirnn.tasks.poems import poem_vocab, split_poems
from minirnn.tasks.seq2seq import toy_data

VOCAB = names_vocab(["Anna", "Bob"])
SEED = "seed must be an int >= 0, a numpy.random.Generator or None, got str 'x'"


def _seq2seq():
    return Seq2Seq(9, hidden_size=4, embedding_dim=3, seed=0)


def _poems():
    split = split_poems(["春风又绿江南岸。", "明月何时照我还。"] * 5, seed=0)
    return split, poem_vocab(split.train)


def _tagger():
    return SequenceTagger(len(VOCAB), len(VOCAB), hidden_size=4, seed=0)


def _names_model():
    return names.names_model(VOCAB, hidden_size=4, embedding_dim=3, seed=0)


#: (call, exception, the words the message must contain)
CASES = [
    # digit_sum
    (lambda: digit_sum.open_memory_gate("model"), TypeError,
     "model must be a SequenceClassifier, got str 'model'"),
    (lambda: digit_sum.train_digit_sum("rnn", 5, seed="x"), TypeError, SEED),
    (lambda: digit_sum.train_digit_sum("rnn", 5, test_size=0), ValueError,
     "test_size must be a positive integer, got 0"),
    (lambda: digit_sum.train_digit_sum("rnn", 5, batch_size=-2), ValueError,
     "batch_size must be a positive integer, got -2"),
    (lambda: digit_sum.train_digit_sum("rnn", 5, steps=0), ValueError,
     "steps must be a positive integer, got 0"),
    (lambda: digit_sum.train_digit_sum("rnn", 1), ValueError,
     "length must be at least 2 (two digits to add), got 1"),
    (lambda: digit_sum.train_digit_sum("tcn", 5), ValueError,
     "unknown cell 'tcn'; expected one of 'rnn', 'lstm', 'gru'"),
    (lambda: digit_sum.digit_sum_experiment(cells=("rnn", "tcn"), steps=1), ValueError,
     "unknown cell in cells 'tcn'; expected one of"),
    (lambda: digit_sum.digit_sum_experiment(lengths=(5, 1), steps=1), ValueError,
     "length in lengths must be at least 2 (two digits to add), got 1"),
    (lambda: digit_sum.plot_digit_sum([0.5, 0.9]), TypeError,
     "result must be a Mapping, got list"),
    # image_rows
    (lambda: image_rows.train_image_reader("images"), TypeError,
     "data must be an ImageSequences, got str 'images'"),
    (lambda: image_rows.evaluate_image_reader(_tagger(), None), TypeError,
     "model must be a SequenceClassifier, got SequenceTagger"),
    # learn2carry
    (lambda: learn2carry.train_learn2carry(addition_set(8, 2, seed=0), seed="x"), TypeError,
     SEED),
    (lambda: learn2carry.train_learn2carry([[1, 2]]), TypeError,
     "train must be an AdditionSet, got list"),
    (lambda: learn2carry.score_widths(Learn2Carry(4, 2, seed=0), [3, 0]), ValueError,
     "width in widths must be a positive integer, got 0"),
    (lambda: learn2carry.score_widths(Learn2Carry(4, 2, seed=0), [3], n=0), ValueError,
     "n must be a positive integer, got 0"),
    (lambda: learn2carry.score_widths(Learn2Carry(4, 2, seed=0), [3], seed=1.5), ValueError,
     "seed must be an integer >= 0, got 1.5"),
    (lambda: learn2carry.score_widths("model", [3]), TypeError,
     "model must be a Learn2Carry, got str"),
    # name_gender
    (lambda: name_gender.train_name_gender("data"), TypeError,
     "data must be a NameGenderData, got str 'data'"),
    (lambda: name_gender.train_next_char([], VOCAB, False), ValueError,
     "words must be a non-empty list of names (str), got []"),
    (lambda: name_gender.train_next_char(["anna"], "abc", False), TypeError,
     "vocab must be a Vocab, got str 'abc'"),
    (lambda: name_gender.train_next_char(["anna"], VOCAB, False, seed="x"), TypeError, SEED),
    (lambda: name_gender.teacher_forced_loss(_tagger(), [], VOCAB), ValueError,
     "words must be a non-empty list of names (str), got []"),
    (lambda: name_gender.prefix_only_loss(_tagger(), [3], VOCAB), ValueError,
     "words must be a non-empty list of names (str), got [3]"),
    (lambda: name_gender.generate_name(_tagger(), VOCAB, max_length=0), ValueError,
     "max_length must be a positive integer, got 0"),
    (lambda: name_gender.generate_name(_tagger(), VOCAB, min_length=-1), ValueError,
     "min_length must be an integer >= 0, got -1"),
    (lambda: name_gender.generate_name(_tagger(), VOCAB, prefix=3), TypeError,
     "prefix must be a str, got int 3"),
    (lambda: name_gender.generate_name(_tagger(), VOCAB, seed="x"), TypeError, SEED),
    # names
    (lambda: names.names_model("abc"), TypeError, "vocab must be a Vocab, got str 'abc'"),
    (lambda: names.names_model(VOCAB, hidden_size=0), ValueError,
     "hidden_size must be a positive integer, got 0"),
    (lambda: names.train_names([]), ValueError,
     "names must be a non-empty list of names (str), got []"),
    (lambda: names.train_names("Anna"), TypeError,  # not the names A, n, n, a
     "names must be a list of names (str), got the single str 'Anna'"),
    (lambda: name_gender.teacher_forced_loss(_tagger(), "anna", VOCAB), TypeError,
     "words must be a list of names (str), got the single str 'anna'"),
    (lambda: names.train_names(["Anna"] * 20, val_fraction=1.5), ValueError,
     "val_fraction must be a number in (0, 1), got 1.5"),
    (lambda: names.train_names(["Anna"] * 20, seed="x"), TypeError, SEED),
    (lambda: names.train_names(["Anna"] * 20, batch_size=0), ValueError,
     "batch_size must be a positive integer, got 0"),
    (lambda: names.name_table(_names_model(), VOCAB, "A", k=0), ValueError,
     "k must be a positive integer, got 0"),
    (lambda: names.generate_name(_names_model(), VOCAB, "A", max_length=0), ValueError,
     "max_length must be a positive integer, got 0"),
    (lambda: names.plot_name_table("table"), TypeError,
     "table must be a NameTable, got str 'table'"),
    # poems
    (lambda: poems.train_poem_model("split", VOCAB), TypeError,
     "split must be a PoemSplit, got str 'split'"),
    (lambda: poems.train_poem_model(_poems()[0], "vocab"), TypeError,
     "vocab must be a Vocab, got str 'vocab'"),
    (lambda: poems.train_poem_model(*_poems(), seed="x"), TypeError, SEED),
    (lambda: poems.train_poem_model(*_poems(), epochs=0), ValueError,
     "epochs must be a positive integer or None, got 0"),
    (lambda: poems.train_poem_model(*_poems(), batch_size=0, epochs=1), ValueError,
     "batch_size must be a positive integer, got 0"),
    # seq2seq and attention
    (lambda: seq2seq.train_toy(_seq2seq(), steps=0), ValueError,
     "steps must be a positive integer, got 0"),
    (lambda: seq2seq.train_toy(_seq2seq(), seed="x"), TypeError, SEED),
    (lambda: seq2seq.train_seq2seq(_seq2seq(), toy_data(), 1, anneal_to=2), ValueError,
     "anneal_to must be a number in [0, 1], got 2"),
    (lambda: seq2seq.train_seq2seq(_seq2seq(), toy_data(), 1, decay_after=0), ValueError,
     "decay_after must be a positive integer, got 0"),
    (lambda: seq2seq.train_seq2seq(_seq2seq(), toy_data(), 1, decay=1.5), ValueError,
     "decay must be a number in (0, 1], got 1.5"),
    (lambda: seq2seq.train_seq2seq(_seq2seq(), toy_data(), 1, decay_after=2, anneal_to=0.1),
     ValueError, "give decay_after (per epoch) or anneal_to (per update), not both; got "
     "decay_after=2 and anneal_to=0.1"),
    (lambda: seq2seq.train_seq2seq(_seq2seq(), "pairs", 1), TypeError,
     "train must be a Seq2SeqBatch (inputs, targets, mask), got str 'pairs'"),
    (lambda: seq2seq.train_seq2seq(_seq2seq(), toy_data(), 0), ValueError,
     "epochs must be a positive integer, got 0"),
    (lambda: seq2seq.time_one_epoch(_seq2seq(), toy_data(), batches=0), ValueError,
     "batches must be a positive integer, got 0"),
    (lambda: seq2seq.time_one_epoch(_seq2seq(), toy_data(), batch_size=4, batches=2),
     ValueError, "batches x batch_size must not exceed the 6 pairs of train, got 2 x 4"),
    (lambda: attention.attention_maps(_seq2seq(), np.zeros((1, 3)), 3), TypeError,
     "sources must be an integer array, got dtype float64"),
    (lambda: attention.attention_maps(_seq2seq(), np.zeros((1, 3), int), 0), ValueError,
     "max_length must be a positive integer, got 0"),
]


@pytest.mark.parametrize(("call", "error", "words"), CASES,
                         ids=[f"{i}-{c[2][:30]}" for i, c in enumerate(CASES)])
def test_experiments_refuse_nonsense_before_training(call, error, words, capsys):
    with pytest.raises(error) as caught:
        call()
    assert words in str(caught.value)
    assert "nats" not in capsys.readouterr().out  # refused before fit printed anything
