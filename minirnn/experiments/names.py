"""The names generator: a character :class:`LanguageModel` trained on one name per sequence.

The data (the names, their vocabulary and padded batches) come from :mod:`minirnn.tasks.names`.

Each name becomes ``<bos> N a m e <eos>``; names of different lengths share a batch by being
padded with ``<pad>`` and masked out of the loss. To generate, the model is warmed up on
``<bos>`` and a prefix ("R", "Ar") and then picks one character at a time until it picks
``<eos>``. :func:`name_table` records, at every step, the character chosen and the five most
likely candidates with their probabilities: the table of the course write-up (seed 000), as
text and as a figure (:func:`plot_name_table`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from minirnn._checks import check_instance, check_positive_int, make_rng
from minirnn.data import Vocab, padded_batches, train_val_split
from minirnn.data.vocab import EOS
from minirnn.models.language_model import LanguageModel, pick_token
from minirnn.optim import Adam
from minirnn.tasks.names import check_names, encode_names, name_batches, names_vocab
from minirnn.train import fit

__all__ = [
    "names_model",
    "train_names",
    "generate_name",
    "NameStep",
    "NameTable",
    "name_table",
    "plot_name_table",
]


# -- model and training -----------------------------------------------------------------------
def names_model(
    vocab: Vocab,
    hidden_size: int = 128,
    embedding_dim: int = 32,
    cell: str = "gru",
    num_layers: int = 1,
    dropout: float = 0.0,
    seed: int | np.random.Generator | None = None,
) -> LanguageModel:
    """A :class:`LanguageModel` for names: embedding with a frozen ``<pad>`` row."""
    check_instance(vocab, Vocab, "vocab")
    return LanguageModel(
        len(vocab), hidden_size, embedding_dim=embedding_dim, cell=cell, num_layers=num_layers,
        dropout=dropout, padding_idx=vocab.pad_id, seed=seed,
    )


@dataclass
class NamesRun:
    """What :func:`train_names` returns: the model, its vocabulary, the training history,
    and the held-out names."""

    model: LanguageModel
    vocab: Vocab
    history: object
    val_names: list[str] = field(default_factory=list)


def train_names(
    names: Sequence[str],
    *,
    hidden_size: int = 128,
    embedding_dim: int = 32,
    cell: str = "gru",
    num_layers: int = 1,
    dropout: float = 0.0,
    epochs: int | None = 10,
    iterations: int | None = None,
    batch_size: int = 64,
    lr: float = 0.005,
    clip_norm: float | None = 5.0,
    val_fraction: float | None = 0.1,
    seed: int = 0,
    verbose: bool = False,
    run_options: Mapping[str, object] | None = None,
    **fit_options,
) -> NamesRun:
    """Train a names generator with Adam; the last ``val_fraction`` of a shuffle is held out.

    Returns a :class:`NamesRun`. ``fit_options`` go to :func:`minirnn.train.fit`
    (``checkpoint_path``, ``resume``, ``callbacks``, ...). ``run_options`` (the command's
    options, JSON-able) are stored in the checkpoint's configuration as ``"run"``, so that
    ``minirnn names train --resume`` can rebuild the run from the file alone.
    """
    names = check_names(names)
    rng = make_rng(seed)
    vocab = names_vocab(names)
    train, val = (names, [])
    if val_fraction:
        train, val = train_val_split(names, val_fraction, shuffle=True, rng=rng)
    model = names_model(vocab, hidden_size, embedding_dim, cell, num_layers, dropout, seed=rng)
    val_batches = None
    if val:
        val_sequences = encode_names(val, vocab)
        val_batches = list(padded_batches(val_sequences, batch_size=256,
                                          pad_id=vocab.pad_id, shuffle=False))
    history = fit(
        model, Adam(model, lr=lr), name_batches(train, vocab, batch_size, rng),
        epochs=epochs, iterations=iterations, val_batches=val_batches, clip_norm=clip_norm,
        rng={"data": rng, "dropout": model.drop.rng}, vocab=vocab,
        config={"model": model.config(), "level": "char", "task": "names",
                **({} if run_options is None else {"run": dict(run_options)})},
        verbose=verbose, **fit_options,
    )
    return NamesRun(model, vocab, history, val)


# -- generation and the top-5 table ----------------------------------------------------------
@dataclass
class NameStep:
    """One generation step: the character fed in, the one chosen, the top candidates."""

    input: str
    chosen: str
    chosen_prob: float
    candidates: list[tuple[str, float]]


@dataclass
class NameTable:
    """The per-step record of one generated name (see :func:`name_table`)."""

    prefix: str
    name: str
    steps: list[NameStep]
    finished: bool

    def text(self, digits: int = 2) -> str:
        """The table as plain text: one column per step, one row per candidate rank."""
        columns = [[s.input, s.chosen] + [f"{tok} {p:.{digits}f}" for tok, p in s.candidates]
                   for s in self.steps]
        ranks = max((len(s.candidates) for s in self.steps), default=0)
        labels = ["input", "chosen"] + [f"top {r + 1}" for r in range(ranks)]
        widths = [max(len(cell) for cell in col) for col in columns]
        label_width = max(len(label) for label in labels)
        chain = " > ".join([*self.prefix, *(s.chosen for s in self.steps)])
        ending = "" if self.finished else " (stopped at the length limit)"
        lines = [f"The final name is {self.name}{ending}", chain, ""]
        for row in range(len(labels)):
            cells = [col[row].ljust(w) if row < len(col) else " " * w
                     for col, w in zip(columns, widths, strict=True)]
            lines.append((labels[row].ljust(label_width) + "  " + "  ".join(cells)).rstrip())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def probabilities(self) -> np.ndarray:
        """(ranks, steps) array of the candidates' probabilities (NaN where missing)."""
        ranks = max((len(s.candidates) for s in self.steps), default=0)
        out = np.full((ranks, len(self.steps)), np.nan)
        for j, step in enumerate(self.steps):
            for i, (_, p) in enumerate(step.candidates):
                out[i, j] = p
        return out


def _token_text(vocab: Vocab, index: int) -> str:
    token = vocab.to_token(index)
    return "EOS" if token == EOS else token


def name_table(
    model: LanguageModel,
    vocab: Vocab,
    prefix: str,
    k: int = 5,
    max_length: int = 20,
    greedy: bool = False,
    temperature: float = 1.0,
    top_k: int | None = None,
    seed: int | np.random.Generator | None = None,
) -> NameTable:
    """Generate one name from ``prefix`` and record the top-``k`` candidates of every step.

    Parameters
    ----------
    model, vocab
        A names model and its vocabulary.
    prefix : str
        The first letters, e.g. ``"R"`` or ``"Ar"`` (must be characters of the vocabulary;
        the CMU names are capitalised).
    k : int
        Candidates listed per step.
    max_length : int
        Longest name (prefix included) before generation stops without ``<eos>``.
    greedy, temperature, top_k, seed
        How each character is chosen (see :meth:`LanguageModel.generate`); the listed
        probabilities are those of the distribution the character was drawn from.
    """
    k = check_positive_int(k, "k")
    max_length = check_positive_int(max_length, "max_length")
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a str, got {type(prefix).__name__}")
    prefix_ids = [int(i) for i in vocab.encode(prefix)]
    specials = {vocab.pad_id, vocab.bos_id}
    rng = make_rng(seed)
    probs, state = model.next_token_probs([vocab.bos_id, *prefix_ids], None, temperature)
    last = prefix[-1] if prefix else "<bos>"
    steps: list[NameStep] = []
    chosen_ids: list[int] = []
    finished = False
    while len(prefix) + len(chosen_ids) < max_length:
        # <pad> and <bos> never follow a character in training; keep them out of the draw.
        usable = probs.copy()
        usable[list(specials)] = 0.0
        usable /= usable.sum()
        token = pick_token(usable, rng, greedy=greedy, top_k=top_k)
        order = np.argsort(-usable, kind="stable")[:k]
        steps.append(NameStep(
            input=last,
            chosen=_token_text(vocab, token),
            chosen_prob=float(usable[token]),
            candidates=[(_token_text(vocab, i), float(usable[i])) for i in order],
        ))
        if token == vocab.eos_id:
            finished = True
            break
        chosen_ids.append(token)
        last = vocab.to_token(token)
        probs, state = model.next_token_probs([token], state, temperature)
    name = prefix + vocab.decode(chosen_ids)
    return NameTable(prefix, name, steps, finished)


def generate_name(
    model: LanguageModel,
    vocab: Vocab,
    prefix: str = "",
    max_length: int = 20,
    greedy: bool = False,
    temperature: float = 1.0,
    top_k: int | None = None,
    seed: int | np.random.Generator | None = None,
) -> str:
    """One name that starts with ``prefix`` (see :func:`name_table` for the options)."""
    return name_table(model, vocab, prefix, 1, max_length, greedy, temperature, top_k,
                      seed).name


def plot_name_table(table: NameTable, ax=None):
    """Draw the top-k table: one column per step, candidates by rank, shaded by probability.

    The chosen candidate of each step is outlined. Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    check_instance(table, NameTable, "table")
    if ax is None:
        _, ax = plt.subplots(figsize=(1.1 * max(len(table.steps), 3) + 1.5, 3.6))
    probs = table.probabilities()
    ax.imshow(np.nan_to_num(probs), cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    for j, step in enumerate(table.steps):
        for i, (token, p) in enumerate(step.candidates):
            colour = "white" if p > 0.6 else "black"
            ax.text(j, i, f"{token}\n{p:.2f}", ha="center", va="center", fontsize=9,
                    color=colour)
            if token == step.chosen:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False,
                                       edgecolor="crimson", linewidth=2))
    ax.set_xticks(range(len(table.steps)))
    ax.set_xticklabels([f"after\n{s.input}" for s in table.steps])
    ax.set_yticks(range(probs.shape[0]))
    ax.set_yticklabels([f"top {r + 1}" for r in range(probs.shape[0])])
    ax.set_title(f"{table.name}: top-{probs.shape[0]} per step, chosen outlined")
    return ax
