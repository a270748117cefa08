"""The digit-sum memory experiment: train each cell on :mod:`minirnn.tasks.digit_sum`.

A simple recurrent network (SRN) multiplies its gradient by :math:`W_h^\\top
\\operatorname{diag}(f')` at every step, so the signal from the first steps fades
geometrically with the length; the LSTM's additive cell state (and the GRU's interpolated
state) can carry it unchanged, with a forget gate near 1.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence

import numpy as np

from minirnn._checks import check_choice, check_instance, check_positive_int, make_rng
from minirnn.layers.registry import CELLS
from minirnn.models.classifier import SequenceClassifier
from minirnn.optim import Adam
from minirnn.tasks.digit_sum import NUM_CLASSES, digit_sum_data
from minirnn.train import fit

#: initial bias added to the gate that keeps the state, by gate name: the LSTM's forget gate
#: f, the GRU's update gate z
REMEMBER_BIAS = {"f": 3.0, "z": 1.0}


def open_memory_gate(model: SequenceClassifier) -> None:
    """Start the LSTM forget gate (GRU update gate) biased towards keeping the state.

    With zero bias the gate starts near 1/2, so after 33 noise steps the first digits are
    scaled by about :math:`2^{-33}` in the forward pass and in the gradient: nothing to
    learn from. A positive bias (Gers et al. 2000; Jozefowicz et al. 2015 use +1) makes
    the carried fraction :math:`\\sigma(3)^{33} \\approx 0.2` for the LSTM. The SRN has no
    such gate; that is the point of the experiment.
    """
    check_instance(model, SequenceClassifier, "model")
    H = model.hidden_size
    for k, gate in enumerate(model.rnn.gates or ()):
        if gate in REMEMBER_BIAS:
            for _, core in model.rnn.named_cores():
                core.params["b"][k * H : (k + 1) * H] += REMEMBER_BIAS[gate]


def train_digit_sum(
    cell: str,
    length: int,
    hidden_size: int = 32,
    steps: int = 2000,
    batch_size: int = 64,
    lr: float = 3e-3,
    test_size: int = 1000,
    seed: int = 0,
    dtype: type = np.float32,
    verbose: bool = False,
) -> tuple[SequenceClassifier, float]:
    """Train one classifier on fresh batches; return it and its held-out accuracy.

    Every step draws a new batch (the task has unlimited data), so the score measures
    memory, not overfitting. :func:`~minirnn.train.fit` with Adam and global-norm clipping
    at 5; the gated cells start with :func:`open_memory_gate`. float32 by default: this is
    a benchmark, not a check. ``verbose`` shows fit's progress line.
    """
    _check_run(cell, length)
    steps = check_positive_int(steps, "steps")
    batch_size = check_positive_int(batch_size, "batch_size")
    test_size = check_positive_int(test_size, "test_size")
    rng = make_rng(seed)
    model = SequenceClassifier(10, NUM_CLASSES, hidden_size=hidden_size, cell=cell, seed=rng,
                               dtype=dtype)
    open_memory_gate(model)
    stream = (digit_sum_data(batch_size, length, rng) for _ in itertools.count())
    fit(model, Adam(model, lr=lr), stream, iterations=steps,
        clip_norm=5.0, verbose=verbose)
    test = digit_sum_data(test_size, length, seed=10_000 + seed)  # never seen in training
    return model, model.accuracy(test.inputs, test.targets)


def _check_run(cell: object, length: object, cell_name: str = "cell",
               length_name: str = "length") -> None:
    """Refuse an unknown cell or a length below 2 (no two digits to add) before training."""
    check_choice(cell, tuple(CELLS), cell_name)
    if check_positive_int(length, length_name) < 2:
        raise ValueError(f"{length_name} must be at least 2 (two digits to add), got {length}")


def digit_sum_experiment(
    cells: Sequence[str] = ("rnn", "lstm", "gru"),
    lengths: Sequence[int] = (5, 15, 25, 35),
    verbose: bool = False,
    **train_options: object,
) -> dict[str, dict[int, float]]:
    """Held-out accuracy for every cell and length: ``result[cell][length]``.

    ``verbose`` prints one line per run and shows the progress of each.
    """
    for cell in cells:  # every run is checked before the first one starts
        for length in lengths:
            _check_run(cell, length, "cell in cells", "length in lengths")
    result: dict[str, dict[int, float]] = {}
    for cell in cells:
        result[cell] = {}
        for length in lengths:
            start = time.perf_counter()
            _, accuracy = train_digit_sum(cell, length, verbose=verbose, **train_options)
            result[cell][int(length)] = accuracy
            if verbose:
                print(f"{cell:5s} length {length:3d}: accuracy {100 * accuracy:5.1f}% "
                      f"({time.perf_counter() - start:.1f} s)", flush=True)
    return result


def plot_digit_sum(result: dict[str, dict[int, float]], ax=None):
    """Accuracy against sequence length, one line per cell, with the chance level.

    Parameters
    ----------
    result : dict
        From :func:`digit_sum_experiment`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    check_instance(result, Mapping, "result")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    labels = {"rnn": "SRN", "lstm": "LSTM", "gru": "GRU"}
    for cell, by_length in result.items():
        lengths = sorted(by_length)
        ax.plot(lengths, [100 * by_length[k] for k in lengths], marker="o",
                label=labels.get(cell, cell))
    ax.axhline(10.0, color="gray", linestyle=":", label="chance (always 9)")
    ax.set_xlabel("sequence length (2 digits + noise)")
    ax.set_ylabel("held-out accuracy (%)")
    ax.set_ylim(0, 102)
    ax.set_title("Digit-sum memory task")
    ax.legend()
    return ax
