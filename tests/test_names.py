"""Names generator: data, padded/masked training, prefix generation, the top-5 table and figure."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.experiments.names import (
    generate_name,
    name_table,
    names_model,
    plot_name_table,
    train_names,
)
from minirnn.tasks.names import encode_names, load_names, name_batches, names_vocab

FEW = ["Anna", "Arie", "Ariel", "Rose", "Ruth", "Rita", "Mary", "Maria", "Marie", "Ann"]


@pytest.fixture(scope="module")
def trained(names_dir_module):
    names = load_names(names_dir_module / "female.txt")[::4]  # ~1250 names keep it quick
    run = train_names(names, hidden_size=48, embedding_dim=16, epochs=None, iterations=120,
                      batch_size=32, lr=0.01, seed=0)
    return run


@pytest.fixture(scope="module")
def names_dir_module():
    from minirnn.data import find_data_file

    return find_data_file("names/female.txt").parent


def test_load_names_from_a_file_skips_comments_and_species(tmp_path):
    path = tmp_path / "list.txt"
    path.write_text("# a header\n\nRex\t\tdog\nTom\tcat\nAlba\n", encoding="utf-8")
    assert load_names(path) == ["Rex", "Tom", "Alba"]
    with pytest.raises(ValueError, match="female, male, pet or an existing file"):
        load_names(tmp_path / "missing.txt")


def test_cmu_lists_load(names_dir_module):
    female = load_names(names_dir_module / "female.txt")
    assert len(female) == 5001 and female[0] == "Abagael"
    pets = load_names(names_dir_module / "pet.txt")
    assert len(pets) == 18 and all("\t" not in p for p in pets)


def test_sequences_are_bos_name_eos_and_batches_are_masked():
    vocab = names_vocab(FEW)
    assert vocab.pad_id == 0 and vocab.bos_id is not None and vocab.eos_id is not None
    seqs = encode_names(["Ann", "Ariel"], vocab)
    assert seqs[0].tolist() == [vocab.bos_id, *vocab.encode("Ann"), vocab.eos_id]
    batch = next(iter(name_batches(["Ann", "Ariel"], vocab, batch_size=2, rng=0)()))
    assert batch.reset_state and batch.inputs.shape == (2, 6)
    short = 0 if batch.mask[0].sum() == 4 else 1  # "Ann": 3 letters + <eos> scored
    assert batch.mask[short].tolist() == [True] * 4 + [False] * 2
    assert batch.targets[short, 3] == vocab.eos_id
    assert (batch.inputs[short, 4:] == vocab.pad_id).all()


def test_padded_batch_loss_is_the_token_mean_of_the_names_alone():
    vocab = names_vocab(FEW)
    model = names_model(vocab, hidden_size=8, embedding_dim=4, seed=0)
    both = next(iter(name_batches(["Ann", "Maria"], vocab, batch_size=2, rng=0)()))
    loss_both = model.loss_and_grads(both.inputs, both.targets, both.mask)[0]
    total = 0.0
    for name in ["Ann", "Maria"]:
        alone = next(iter(name_batches([name], vocab, batch_size=1, rng=0)()))
        assert alone.mask.all()  # nothing to pad in a batch of one
        total += model.loss_and_grads(alone.inputs, alone.targets)[0] * alone.mask.sum()
    assert loss_both == pytest.approx(total / both.mask.sum(), rel=1e-12)


def test_training_reduces_loss_and_generates_names_from_a_prefix(trained):
    history = trained.history
    # held-out names: better than after the first epoch, and far below a uniform guess
    assert history.val_loss[-1] < history.val_loss[0]
    assert history.val_loss[-1] < 0.6 * np.log(len(trained.vocab))
    assert np.mean(history.loss[-10:]) < 0.7 * np.mean(history.loss[:5])
    for prefix in ["R", "Ar"]:
        for seed in range(5):
            table = name_table(trained.model, trained.vocab, prefix, seed=seed)
            assert table.name.startswith(prefix)
            assert table.finished and table.steps[-1].chosen == "EOS"
            assert len(table.name) > len(prefix)
            assert "<" not in table.name  # no special token leaks into a name
    assert generate_name(trained.model, trained.vocab, "Ar", seed=3).startswith("Ar")


def test_top5_table_records_the_model_distribution(trained):
    model, vocab = trained.model, trained.vocab
    table = name_table(model, vocab, "Ar", k=5, greedy=True)
    first = table.steps[0]
    assert first.input == "r" and len(first.candidates) == 5
    probs = [p for _, p in first.candidates]
    assert probs == sorted(probs, reverse=True) and sum(probs) <= 1.0 + 1e-12
    # greedy: the chosen character is the top candidate at every step
    assert all(s.chosen == s.candidates[0][0] for s in table.steps)
    # the listed probabilities are the model's, renormalised without <pad>/<bos>
    expected, _ = model.next_token_probs([vocab.bos_id, *vocab.encode("Ar")])
    expected[[vocab.pad_id, vocab.bos_id]] = 0.0
    expected /= expected.sum()
    assert first.candidates[0] == (vocab.to_token(int(np.argmax(expected))),
                                   pytest.approx(expected.max()))
    text = table.text()
    assert text.startswith(f"The final name is {table.name}")
    assert " > ".join(["A", "r", *(s.chosen for s in table.steps)]) in text
    assert len(text.splitlines()) == 3 + 2 + 5
    assert table.probabilities().shape == (5, len(table.steps))


def test_length_limit_stops_an_untrained_model():
    vocab = names_vocab(FEW)
    model = names_model(vocab, hidden_size=8, embedding_dim=4, seed=1)
    table = name_table(model, vocab, "Ma", max_length=4, seed=0)
    assert len(table.name) <= 4 and table.name.startswith("Ma")
    if not table.finished:
        assert "length limit" in table.text()
    with pytest.raises(ValueError, match="not in the vocabulary"):
        name_table(model, vocab, "Zq")
    with pytest.raises(TypeError, match="str"):
        name_table(model, vocab, ["M"])


def test_figure_outlines_the_chosen_candidates(trained):
    from matplotlib.patches import Rectangle

    table = name_table(trained.model, trained.vocab, "R", greedy=True)
    ax = plot_name_table(table)
    assert len(ax.texts) == sum(len(s.candidates) for s in table.steps)
    outlines = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(outlines) == len(table.steps)  # greedy: the chosen one is always listed
    shaded = ax.images[0].get_array()
    np.testing.assert_allclose(shaded, np.nan_to_num(table.probabilities()))
    assert [t.get_text() for t in ax.get_xticklabels()][0] == "after\nR"
