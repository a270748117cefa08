"""Female or male from the letters of a first name, and why a bidirectional net cannot generate.

The data come from :mod:`minirnn.tasks.name_gender`.

**The leak.** Seed 000 tried to generate names with a bidirectional RNN and failed. A
next-character model is trained to predict :math:`x_{t+1}` from the output at step
:math:`t`. In a bidirectional network that output includes the reverse direction, which
has *already read* :math:`x_{t+1}` -- the very answer. Training drives the loss towards
zero by copying it, but when generating, the future does not exist yet: the reverse
direction sees only the prefix, and the predictions are garbage.
:func:`prefix_only_loss` measures this honestly: every prediction made from the prefix
alone, as generation must.
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import check_instance, check_non_negative_int, check_positive_int, make_rng
from minirnn.data import Vocab
from minirnn.data.batching import pad_sequences, padded_batches
from minirnn.models.classifier import SequenceClassifier, SequenceTagger
from minirnn.optim import Adam
from minirnn.tasks.name_gender import NameGenderData
from minirnn.tasks.names import check_names, encode_names
from minirnn.train import fit


def _check_words(words: object, vocab: object) -> list[str]:
    """``words`` as a non-empty list of names; refuse a vocabulary that is not a Vocab."""
    check_instance(vocab, Vocab, "vocab")
    return check_names(words, "words")


def train_name_gender(
    data: NameGenderData,
    cell: str = "lstm",
    bidirectional: bool = False,
    hidden_size: int = 64,
    embedding_dim: int = 16,
    epochs: int = 10,
    batch_size: int = 32,
    lr: float = 3e-3,
    seed: int = 0,
    dtype: type = np.float64,
    num_layers: int = 1,
    verbose: bool = False,
) -> tuple[SequenceClassifier, list[float]]:
    """Train a classifier with Adam on padded batches; return it and the test accuracy per epoch.

    Trained by :func:`~minirnn.train.fit` (global-norm clipping at 5); the held-out accuracy
    is measured at the end of every epoch. ``verbose`` shows fit's progress line.
    """
    check_instance(data, NameGenderData, "data")
    rng = make_rng(seed)
    model = SequenceClassifier(len(data.vocab), 2, hidden_size=hidden_size, cell=cell,
                               bidirectional=bidirectional, embedding_dim=embedding_dim,
                               num_layers=num_layers, seed=rng, dtype=dtype)
    sequences = [data.vocab.encode(w) for w in data.train_names]
    test_ids, test_mask, test_labels = data.encode("test")
    accuracies: list[float] = []

    def epoch_batches():
        return padded_batches(sequences, data.train_labels, batch_size=batch_size,
                              pad_id=data.vocab.pad_id, rng=rng, bucket=True)

    fit(model, Adam(model, lr=lr), epoch_batches, epochs=epochs, clip_norm=5.0,
        on_epoch_end=lambda info: accuracies.append(
            model.accuracy(test_ids, test_labels, test_mask)),
        verbose=verbose)
    return model, accuracies


def train_next_char(
    words: list[str],
    vocab: Vocab,
    bidirectional: bool,
    cell: str = "gru",
    hidden_size: int = 64,
    embedding_dim: int = 16,
    epochs: int = 3,
    batch_size: int = 32,
    lr: float = 5e-3,
    seed: int = 0,
    verbose: bool = False,
) -> tuple[SequenceTagger, list[float]]:
    """Train a next-character tagger (``<bos> name`` -> ``name <eos>``); losses per epoch.

    The losses are teacher-forced training losses (nats per character), the number the
    seed's bidirectional experiment watched: the mean batch loss of each epoch of
    :func:`~minirnn.train.fit` (``history.epoch_loss``).
    """
    words = _check_words(words, vocab)
    rng = make_rng(seed)
    model = SequenceTagger(len(vocab), len(vocab), hidden_size=hidden_size, cell=cell,
                           bidirectional=bidirectional, embedding_dim=embedding_dim, seed=rng)
    sequences = encode_names(words, vocab)

    def epoch_batches():
        return padded_batches(sequences, batch_size=batch_size, pad_id=vocab.pad_id, rng=rng,
                              bucket=True)

    history = fit(model, Adam(model, lr=lr), epoch_batches, epochs=epochs, verbose=verbose)
    return model, history.epoch_loss.tolist()


def teacher_forced_loss(model: SequenceTagger, words: list[str], vocab: Vocab) -> float:
    """Mean next-character loss with the whole name visible to the model (as in training)."""
    words = _check_words(words, vocab)
    batch = next(padded_batches(encode_names(words, vocab), batch_size=len(words),
                                pad_id=vocab.pad_id, shuffle=False))
    return model.evaluate(batch)


def prefix_only_loss(model: SequenceTagger, words: list[str], vocab: Vocab) -> float:
    """Mean next-character loss when each prediction sees only the prefix before it.

    This is the loss that matters for generation. For a unidirectional model it equals the
    teacher-forced loss (nothing after step t can reach step t); for a bidirectional model
    it exposes the leak.
    """
    words = _check_words(words, vocab)
    total, count = 0.0, 0
    for sequence in encode_names(words, vocab):
        # row t holds the prefix x_0..x_t, padded; its last valid output predicts x_{t+1}
        T = len(sequence) - 1
        prefixes, mask = pad_sequences([sequence[: t + 1] for t in range(T)], vocab.pad_id)
        probs = model.predict_proba(prefixes, mask)[np.arange(T), np.arange(T)]
        total -= float(np.sum(np.log(probs[np.arange(T), sequence[1:]])))
        count += T
    return total / count


def generate_name(
    model: SequenceTagger,
    vocab: Vocab,
    prefix: str = "",
    max_length: int = 12,
    greedy: bool = False,
    seed: int | np.random.Generator | None = None,
    min_length: int = 0,
) -> str:
    """Sample a name letter by letter, feeding the prefix generated so far.

    The options are named as in :func:`minirnn.experiments.names.generate_name`: ``greedy``
    takes the most likely letter, else letters are drawn with ``seed`` (an int or a
    Generator). ``<eos>`` is refused until the name has ``min_length`` letters.
    """
    check_instance(prefix, str, "prefix")
    max_length = check_positive_int(max_length, "max_length")
    min_length = check_non_negative_int(min_length, "min_length")
    generator = None if greedy else make_rng(seed)
    ids = [vocab.bos_id] + list(vocab.encode(prefix.lower()))
    while len(ids) - 1 < max_length:
        probs = model.predict_proba(np.array([ids]))[0, -1]
        probs[vocab.pad_id] = probs[vocab.bos_id] = 0.0
        if len(ids) - 1 < min_length:
            probs[vocab.eos_id] = 0.0
        probs /= probs.sum()
        if generator is None:
            nxt = int(np.argmax(probs))
        else:
            nxt = int(generator.choice(len(probs), p=probs))
        if nxt == vocab.eos_id:
            break
        ids.append(nxt)
    return vocab.decode(ids[1:])
