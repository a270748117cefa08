"""Plots of a training run and of gradients through time.

Every function takes ``ax=None`` (draw on a new figure) or a Matplotlib ``Axes`` and returns
the Axes it drew on, so plots can share a figure. Matplotlib is imported inside the functions:
``import minirnn`` never needs it.

A *history* here is a :class:`~minirnn.train.history.History` or any object (or dict) with the same
array names: ``iteration``, ``loss``, ``smooth_loss``, ``grad_norm``, ``clipped``,
``val_iteration``, ``val_loss``, ``val_perplexity``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from minirnn._checks import (
    as_real_array,
    check_number,
    check_positive_int,
    square_with_labels,
)

__all__ = [
    "plot_loss",
    "plot_perplexity",
    "plot_grad_norm",
    "plot_gradient_through_time",
    "plot_confusion",
    "plot_images",
    "plot_attention",
    "plot_attention_over_training",
]


def _axes(ax: Any) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # lazily: plotting is optional

    _, ax = plt.subplots()
    return ax


def _field(history: Any, name: str, required: bool = False) -> np.ndarray:
    """An array from a History, a dict of arrays, or any object with attributes; with
    ``required``, a history without it is refused (nothing to draw)."""
    if isinstance(history, Mapping):
        value = history.get(name)
    else:
        value = getattr(history, name, None)
    if value is None and required:
        raise TypeError(f"history must be a History or a dict of arrays with {name!r}, got "
                        f"{type(history).__name__} {history!r:.40}")
    return np.asarray([] if value is None else value)


def plot_loss(
    history: Any,
    ax: Any = None,
    raw: bool = True,
    smooth: bool = True,
    validation: bool = True,
    log_y: bool = False,
) -> Any:
    """Training loss against iteration: raw (faint), smoothed, and validation (markers).

    Parameters
    ----------
    history : History or dict of arrays
    ax : matplotlib Axes, optional
    raw, smooth, validation : bool
        Which curves to draw (validation only if the history has any).
    log_y : bool
        Logarithmic loss axis.

    Returns
    -------
    matplotlib Axes
        Lines are labelled ``"loss"``, ``"smoothed loss"`` and ``"validation loss"``.
    """
    ax = _axes(ax)
    iteration = _field(history, "iteration")
    if raw:
        ax.plot(iteration, _field(history, "loss"), alpha=0.3, lw=0.8, label="loss")
    if smooth:
        ax.plot(iteration, _field(history, "smooth_loss"), lw=1.5, label="smoothed loss")
    val_iteration = _field(history, "val_iteration")
    if validation and val_iteration.size:
        ax.plot(val_iteration, _field(history, "val_loss"), "o-", ms=4, label="validation loss")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss")
    if log_y:
        ax.set_yscale("log")
    ax.legend()
    return ax


def plot_perplexity(
    history: Any, ax: Any = None, train: bool = True, validation: bool = True
) -> Any:
    r"""Perplexity :math:`e^{L}` against iteration (log scale).

    The training curve is :math:`\exp` of the smoothed loss, the validation curve the
    recorded validation perplexity. Meaningful when the loss is the mean negative
    log-likelihood per token in nats (cross-entropy).

    Returns
    -------
    matplotlib Axes
        Lines labelled ``"train (smoothed)"`` and ``"validation"``.
    """
    ax = _axes(ax)
    if train:
        with np.errstate(over="ignore"):
            ppl = np.exp(_field(history, "smooth_loss"))
        ax.plot(_field(history, "iteration"), ppl, label="train (smoothed)")
    val_iteration = _field(history, "val_iteration")
    if validation and val_iteration.size:
        ax.plot(val_iteration, _field(history, "val_perplexity"), "o-", ms=4, label="validation")
    ax.set_xlabel("iteration")
    ax.set_ylabel("perplexity")
    ax.set_yscale("log")
    ax.legend()
    return ax


def plot_grad_norm(history: Any, ax: Any = None, threshold: float | None = None) -> Any:
    """Global gradient norm (before clipping) per iteration, clipped iterations marked.

    Parameters
    ----------
    history : History or dict of arrays
    ax : matplotlib Axes, optional
    threshold : float, optional
        A clipping threshold to draw as a horizontal line.

    Returns
    -------
    matplotlib Axes
        Lines labelled ``"gradient norm"`` and, when any, ``"clipped"`` (markers only).
    """
    norm = _field(history, "grad_norm", required=True)
    if threshold is not None:
        threshold = check_number(threshold, "threshold", 0.0, low_open=True)
    ax = _axes(ax)
    iteration = _field(history, "iteration")
    ax.plot(iteration, norm, lw=0.8, label="gradient norm")
    clipped = _field(history, "clipped").astype(bool)
    if clipped.any():
        ax.plot(iteration[clipped], norm[clipped], "x", ms=3, label="clipped")
    if threshold is not None:
        ax.axhline(threshold, color="gray", ls="--", lw=1, label=f"threshold {threshold:g}")
    ax.set_xlabel("iteration")
    ax.set_ylabel(r"$\|g\|$")
    ax.set_yscale("log")
    ax.legend()
    return ax


def plot_gradient_through_time(
    norms: Any, ax: Any = None, log_y: bool = True, cell_state: bool = False
) -> Any:
    r"""Plot :math:`\|\partial L / \partial h_t\|` against :math:`t` for a loss at the last step.

    Parameters
    ----------
    norms : GradientNorms, 1-D array, or dict of label to either
        From :func:`minirnn.diagnostics.gradient_norms_through_time`; a dict draws one line
        per entry (e.g. ``{"SRN": ..., "LSTM": ..., "GRU": ...}``). A plain array is read as
        values for ``t = 0, ..., T``.
    ax : matplotlib Axes, optional
    log_y : bool
        Logarithmic y axis, where geometric decay is a straight line.
    cell_state : bool
        Also draw :math:`\|\partial L / \partial c_t\|` (dashed) for entries that have it.

    Returns
    -------
    matplotlib Axes
        One line per entry, labelled with its key (``"dh"`` for a single unlabelled entry),
        and ``"<label> (cell)"`` for cell-state lines.
    """
    ax = _axes(ax)
    entries = dict(norms) if isinstance(norms, Mapping) else {None: norms}
    for label, entry in entries.items():
        if hasattr(entry, "dh"):
            steps, dh, dc = np.asarray(entry.steps), np.asarray(entry.dh), entry.dc
        else:
            dh = np.asarray(entry, dtype=float)
            if dh.ndim != 1:
                raise ValueError(f"norms for {label!r} must be 1-D, got shape {dh.shape}")
            steps, dc = np.arange(dh.size), None
        name = "dh" if label is None else str(label)
        line = ax.plot(steps, dh, marker=".", label=name)[0]
        if cell_state and dc is not None:
            # c_T only reaches the loss through h_T, so its last point is 0: leave it out.
            ax.plot(steps[:-1], np.asarray(dc)[:-1], ls="--", color=line.get_color(),
                    label=f"{name} (cell)")
    ax.set_xlabel("time step t (the loss is at the last step)")
    ax.set_ylabel(r"$\|\partial L / \partial h_t\|$")
    if log_y:
        ax.set_yscale("log")
    ax.legend()
    return ax


def plot_confusion(matrix: np.ndarray, labels: Any = None, ax: Any = None) -> Any:
    """Heat map of a confusion matrix (rows true, columns predicted), counts written in."""
    matrix, labels = square_with_labels(matrix, labels)
    ax = _axes(ax)
    ax.imshow(matrix, cmap="Blues")
    ticks = np.arange(len(matrix))
    ax.set_xticks(ticks, labels)
    ax.set_yticks(ticks, labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    # dark cells get white digits so the counts stay readable
    threshold = matrix.max() / 2 if matrix.size else 0
    for (i, j), count in np.ndenumerate(matrix):
        if count:
            ax.text(j, i, str(count), ha="center", va="center", fontsize=8,
                    color="white" if count > threshold else "black")
    return ax


def plot_images(images: np.ndarray, titles: Any = None, columns: int = 8) -> Any:
    """Small grey images (N, H, W) in a grid, one title each; returns the Figure."""
    import matplotlib.pyplot as plt

    images = as_real_array(images, "images")
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(f"images must have shape (N, H, W) with N >= 1, got {images.shape}")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"titles must hold one title per image ({len(images)}), got "
                         f"{len(titles)}")
    columns = min(check_positive_int(columns, "columns"), len(images))
    rows = -(-len(images) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(1.3 * columns, 1.5 * rows), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < len(images):
            ax.imshow(images[k], cmap="gray_r")
            if titles is not None:
                ax.set_title(str(titles[k]), fontsize=8)
    return fig


def plot_attention(
    weights: Any,
    source_tokens: Any = None,
    output_tokens: Any = None,
    ax: Any = None,
    colorbar: bool = False,
) -> Any:
    """Attention weights as a heat map: output tokens down, source tokens across.

    Parameters
    ----------
    weights : array (T_out, S)
        Row ``t`` is the attention of output step ``t`` over the source positions (from
        ``Seq2Seq.generate(..., return_attention=True)`` or ``model.last_attention[n]``).
    source_tokens, output_tokens : sequence of str, optional
        Tick labels (``S`` and ``T_out`` of them); positions are numbered otherwise.
    ax : matplotlib Axes, optional
    colorbar : bool
        Add a colour bar for the weights.

    Returns
    -------
    matplotlib Axes
        With one image whose data are ``weights``, values from 0 to 1.
    """
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 2:
        raise ValueError(f"weights must have shape (T_out, S), got {weights.shape}")
    for name, tokens, size in (("source_tokens", source_tokens, weights.shape[1]),
                               ("output_tokens", output_tokens, weights.shape[0])):
        if tokens is not None and len(tokens) != size:
            raise ValueError(f"{name} must have {size} entries to match weights "
                             f"{weights.shape}, got {len(tokens)}")
    ax = _axes(ax)
    image = ax.imshow(weights, cmap="Greys", vmin=0.0, vmax=1.0, aspect="auto",
                      interpolation="nearest")
    if source_tokens is not None:
        ax.set_xticks(range(weights.shape[1]), [repr(t)[1:-1] for t in source_tokens])
    if output_tokens is not None:
        ax.set_yticks(range(weights.shape[0]), [repr(t)[1:-1] for t in output_tokens])
    ax.set_xlabel("source")
    ax.set_ylabel("output")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="attention weight")
    return ax


def plot_attention_over_training(
    snapshots: Mapping[str, Any],
    source_tokens: Any = None,
    output_tokens: Any = None,
    axes: Any = None,
) -> Any:
    """One heat map per training moment, side by side: how the attention forms.

    Parameters
    ----------
    snapshots : dict of label to array (T_out, S)
        For example ``{"epoch 0": w0, "epoch 1": w1, ...}`` for one fixed example, each from
        a teacher-forced pass (so every map has the same shape).
    source_tokens, output_tokens : sequence of str, optional
        Tick labels, as in :func:`plot_attention`.
    axes : sequence of matplotlib Axes, optional
        One per snapshot; a new figure with one row of panels by default.

    Returns
    -------
    list of matplotlib Axes
        Titled with the snapshot labels.
    """
    if not snapshots:
        raise ValueError("snapshots must hold at least one map")
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(1, len(snapshots), figsize=(3 * len(snapshots), 3),
                               squeeze=False)
        axes = list(axes[0])
    axes = list(axes)
    if len(axes) != len(snapshots):
        raise ValueError(f"axes must have {len(snapshots)} entries, got {len(axes)}")
    for ax, (label, weights) in zip(axes, snapshots.items(), strict=True):
        plot_attention(weights, source_tokens, output_tokens, ax=ax)
        ax.set_title(str(label))
    return axes
