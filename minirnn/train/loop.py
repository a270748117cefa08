r"""The training loop: :func:`fit` trains any model that follows the trainable-model protocol.

A *trainable model* is a :class:`~minirnn.layers.base.Layer` with two methods:

``forward_backward(batch) -> float``
    Run the forward pass on one batch, backpropagate, *add* into the gradients and return the
    loss (the trainer calls ``model.zero_grad()`` first).
``evaluate(batch) -> float``
    Return the loss on a batch without touching gradients (used for validation).

and optionally, for state that is not a parameter but that the next batch starts from (a
hidden state carried between batches under sequential partitioning):

``carried_state() -> dict[str, ndarray]``
    That state as named arrays (copies; an empty dict when there is none yet).
``load_carried_state(state)``
    Put it back (an empty dict means "none": start from zeros).

Checkpoints written by :func:`fit` hold the carried state and a resume restores it.

One iteration of :func:`fit` is: fetch a batch, ``zero_grad``, ``forward_backward``, check
the loss and gradients for NaN/inf, measure the gradient norm, clip (optional),
``optimizer.step()``, ``scheduler.step()`` (optional), record, then validation, sampling,
checkpointing and callbacks when they are due.

The smoothed loss is a bias-corrected exponential moving average, as Adam corrects its
moments, so it is meaningful from the first iteration:

.. math::
    m_k = \beta m_{k-1} + (1 - \beta) L_k, \qquad \bar L_k = m_k / (1 - \beta^k)
"""

from __future__ import annotations

import math
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import numpy as np

from minirnn.clip import clip_grad_norm, clip_grad_value
from minirnn.train.checkpoint import (
    Checkpoint,
    _from_json,
    carried_state_of,
    generator_from_state,
    load_checkpoint,
    save_checkpoint,
)
from minirnn.train.history import History

__all__ = ["fit", "evaluate", "History", "TrainInfo", "TrainingDiverged"]

#: one epoch of batches: a re-iterable, or a callable returning a fresh iterator
# Union rather than "|": this line runs at import time, and setup.cfg allows Python 3.9.
Batches = Union[Iterable[Any], Callable[[], Iterable[Any]]]  # noqa: UP007


class TrainingDiverged(FloatingPointError):  # noqa: N818 - the name the docs use
    """The loss or a gradient became NaN or infinite.

    Attributes
    ----------
    iteration : int
        The iteration (1-based) whose forward/backward produced the bad value; its update was
        not applied, so the model holds the weights of iteration ``iteration - 1``.
    parameter : str or None
        Dotted name of the first parameter with a non-finite gradient (None if the loss itself
        was non-finite).
    loss : float
        The loss of that iteration.
    history : History
        Everything recorded up to the previous iteration.
    """

    def __init__(
        self, message: str, iteration: int, parameter: str | None, loss: float, history: History
    ) -> None:
        super().__init__(message)
        self.iteration = iteration
        self.parameter = parameter
        self.loss = loss
        self.history = history


@dataclass
class TrainInfo:
    """What a callback receives after every iteration.

    Set ``info.stop = True`` in a callback to end training after this iteration (a final
    checkpoint is still written if ``checkpoint_path`` was given).
    """

    iteration: int
    epoch: int
    loss: float
    smooth_loss: float
    grad_norm: float
    clipped: bool
    lr: float
    elapsed: float
    total_iterations: int | None
    val_loss: float | None
    val_perplexity: float | None
    sample: str | None
    model: Any = field(repr=False)
    optimizer: Any = field(repr=False)
    history: History = field(repr=False)
    stop: bool = False


# -- small helpers --------------------------------------------------------------------------
def _check_count(value: object, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer or None, got {value!r}")
    return int(value)


def _fresh_iterator(batches: Batches) -> Iterator[Any]:
    """A new pass over the data: call a factory, or iterate an iterable again."""
    if callable(batches) and not hasattr(batches, "__iter__"):
        return iter(batches())
    return iter(batches)


#: name under which the global legacy stream (np.random.seed) is tracked
LEGACY = "np.random (legacy)"


class _LegacyStream:
    """Looks like a Generator to the bookkeeping: ``.bit_generator.state`` reads and sets
    NumPy's global legacy stream, which classic scripts (min-char-rnn) draw from."""

    @property
    def bit_generator(self) -> _LegacyStream:
        return self

    @property
    def state(self) -> dict:
        return np.random.get_state(legacy=False)  # noqa: NPY002 - the legacy stream on purpose

    @state.setter
    def state(self, value: dict) -> None:
        np.random.set_state(value)  # noqa: NPY002


def _as_generators(rng: Any, legacy_rng: bool = False) -> dict[str, Any]:
    if rng is None:
        generators = {}
    elif isinstance(rng, np.random.Generator):
        generators = {"rng": rng}
    elif isinstance(rng, Mapping) and all(
        isinstance(g, np.random.Generator) for g in rng.values()
    ):
        generators = dict(rng)
    else:
        raise TypeError(
            f"rng must be a np.random.Generator or a dict of them, got {type(rng).__name__}"
        )
    if legacy_rng:
        generators[LEGACY] = _LegacyStream()
    return generators


def _states(generators: Mapping[str, np.random.Generator]) -> dict[str, dict]:
    return {name: gen.bit_generator.state for name, gen in generators.items()}


def _set_states(generators: Mapping[str, np.random.Generator], states: Mapping) -> None:
    for name, gen in generators.items():
        gen.bit_generator.state = states[name]


def _batch_weight(batch: Any) -> float:
    """How many targets a batch's mean loss averages over (1 if unknown)."""
    targets = getattr(batch, "targets", None)
    if targets is None:
        return 1.0
    mask = getattr(batch, "mask", None)
    # A mask shaped like the targets says which of them count; a classifier's mask marks
    # input steps instead, and then every label counts.
    if mask is not None and np.shape(mask) == np.shape(targets):
        return float(np.sum(mask))
    return float(np.size(targets))


def evaluate(model: Any, batches: Batches) -> float:
    """Mean loss of ``model.evaluate`` over ``batches``, in evaluation mode.

    Each batch's mean loss is weighted by its number of targets (``mask.sum()`` when the
    batch has a mask shaped like its targets, else ``targets.size``, else 1), so the result
    is the mean loss per target over the whole set, whatever the batch sizes.
    """
    was_training = getattr(model, "training", True)
    model.eval()
    total = weight = 0.0
    try:
        for batch in _fresh_iterator(batches):
            w = _batch_weight(batch)
            total += w * float(model.evaluate(batch))
            weight += w
    finally:
        model.train(was_training)
    if weight == 0:
        raise ValueError("validation batches are empty")
    return total / weight


def _global_norm(model: Any) -> float:
    total = 0.0
    for _, _, grad in model.named_parameters():
        flat = grad.ravel()
        total += float(np.dot(flat, flat))  # BLAS dot: no temporary array, no warning on inf
    return math.sqrt(total) if total >= 0 else float("nan")


def _first_non_finite(model: Any) -> str | None:
    for name, _, grad in model.named_parameters():
        if not np.isfinite(grad).all():
            return name
    return None


class _InterruptGuard:
    """Hold Ctrl-C while an update is being applied, so it is never half done.

    One handler is installed for the whole of :func:`fit` (installing one per iteration
    costs more than a small model's update). Outside ``holding`` blocks a SIGINT goes to the
    previous handler as usual; inside, it is remembered and raised as ``KeyboardInterrupt``
    when the block ends. Only the main thread may install signal handlers; elsewhere this
    does nothing.
    """

    def __init__(self) -> None:
        self.holding = False
        self.pending = False
        self.active = threading.current_thread() is threading.main_thread()

    def install(self) -> None:
        if self.active:
            self.previous = signal.signal(signal.SIGINT, self._handle)

    def uninstall(self) -> None:
        if self.active:
            signal.signal(signal.SIGINT, self.previous)

    def _handle(self, signum: int, frame: Any) -> None:
        if self.holding:
            self.pending = True
        elif callable(self.previous):
            self.previous(signum, frame)
        elif self.previous != signal.SIG_IGN:
            raise KeyboardInterrupt

    def release(self) -> None:
        """End a held block: raise the Ctrl-C that arrived during it, if any."""
        self.holding = False
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt


def _format_seconds(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class _Progress:
    """The one-line progress report on stderr, rewritten in place with ``\\r``."""

    def __init__(self, verbose: bool, every: float) -> None:
        self.verbose = verbose
        self.every = every
        self.last_print = -math.inf
        self.width = 0
        self.open_line = False
        self.latest: tuple | None = None
        self.printed: tuple | None = None

    def line(self, it: int, total: int | None, epoch: int, loss: float, smooth: float,
             rate: float, clip_rate: float | None) -> str:
        parts = [f"iter {it}" + (f"/{total}" if total else ""), f"epoch {epoch + 1}",
                 f"loss {loss:.4f}", f"smooth {smooth:.4f}", f"{rate:.1f} it/s"]
        if total:
            remaining = (total - it) / rate if rate > 0 else math.inf
            parts.append(f"ETA {_format_seconds(remaining)}")
        if clip_rate is not None:
            parts.append(f"clip {clip_rate:.0%}")
        return " | ".join(parts)

    def update(self, now: float, numbers: tuple, force: bool = False) -> None:
        """Rewrite the line from ``numbers`` (the arguments of :meth:`line`) when it is due.

        The text is only formatted when it is printed: formatting every iteration would cost
        a small model a noticeable share of its time.
        """
        self.latest = numbers
        if not self.verbose or (not force and now - self.last_print < self.every):
            return
        self.last_print = now
        text = self.line(*numbers)
        # Pad with spaces so a shorter line fully covers the previous one.
        sys.stderr.write("\r" + text.ljust(self.width))
        sys.stderr.flush()
        self.printed = numbers
        self.width = len(text)
        self.open_line = True

    def message(self, text: str, always: bool = False) -> None:
        """Print a full line (validation, samples) below the progress line."""
        if not (self.verbose or always):
            return
        if self.open_line:
            sys.stderr.write("\n")
            self.open_line = False
            self.width = 0
        sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def finish(self) -> None:
        """Show the latest numbers, then end the line."""
        if self.latest is not None and self.latest is not self.printed:
            self.update(math.inf, self.latest, force=True)
        self.close()

    def close(self) -> None:
        if self.open_line:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self.open_line = False


@dataclass
class _LoopState:
    iteration: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0
    ema: float = 0.0
    ema_count: int = 0
    epoch_start_states: dict = field(default_factory=dict)
    batches_per_epoch: int | None = None


# -- the loop -------------------------------------------------------------------------------
def fit(
    model: Any,
    optimizer: Any,
    batches: Batches,
    *,
    epochs: int | None = None,
    iterations: int | None = None,
    val_batches: Batches | None = None,
    val_every: int | None = None,
    clip_value: float | None = None,
    clip_norm: float | None = None,
    scheduler: Any = None,
    callbacks: Callable[[TrainInfo], Any] | Sequence[Callable[[TrainInfo], Any]] = (),
    sample_fn: Callable[[Any], str] | None = None,
    sample_every: int | None = None,
    checkpoint_path: str | Path | None = None,
    checkpoint_every: int | None = None,
    resume: str | Path | Checkpoint | None = None,
    rng: np.random.Generator | Mapping[str, np.random.Generator] | None = None,
    vocab: Any = None,
    config: Mapping[str, Any] | None = None,
    legacy_rng: bool = False,
    smoothing: float = 0.98,
    verbose: bool = True,
    progress_every: float = 0.5,
) -> History:
    r"""Train ``model`` with ``optimizer`` on ``batches``; return the :class:`History`.

    Parameters
    ----------
    model : Layer
        A trainable model: ``forward_backward(batch) -> float`` and ``evaluate(batch) -> float``;
        optionally ``carried_state()``/``load_carried_state(state)`` (see Notes).
    optimizer : Optimizer
        Anything with ``step()``; ``state_dict()``/``load_state_dict()`` for checkpoints.
    batches : iterable or callable
        One epoch of training batches. Either an iterable that can be iterated again for each
        epoch (a list, or an object whose ``__iter__`` starts a fresh pass), or a callable
        with no arguments that returns a fresh iterator per epoch (a generator function, or a
        ``lambda: sequential_batches(..., rng=data_rng)``). A one-shot iterator (a generator
        object) is accepted for a single pass only.
    epochs, iterations : int, optional
        When to stop: after ``epochs`` passes or ``iterations`` updates, whichever comes
        first; one epoch if neither is given. Both count from the start of the run, so a
        resumed call with the same arguments finishes the same run.
    val_batches : iterable or callable, optional
        Validation data (same forms as ``batches``); the loss is the target-weighted mean of
        ``model.evaluate`` (see :func:`evaluate`) and the perplexity its exponential.
    val_every : int, optional
        Validate every ``val_every`` iterations (callbacks of that iteration see the result
        in ``info.val_loss``); by default once the iterator of each epoch is exhausted (after
        that iteration's callbacks). The last iteration is always validated.
    clip_value, clip_norm : float, optional
        Clip each gradient entry to :math:`[-c, c]` (:func:`~minirnn.clip.clip_grad_value`)
        or the global norm to :math:`\theta` (:func:`~minirnn.clip.clip_grad_norm`); not both.
        The clip rate (share of recent iterations where clipping fired) is shown and recorded.
    scheduler : optional
        A learning-rate schedule with ``step()`` called after every ``optimizer.step()``
        (its ``state_dict`` goes into checkpoints).
    callbacks : callable or list of callables
        Each is called after every iteration with a :class:`TrainInfo`; setting
        ``info.stop = True`` ends training. A notebook user can drive ``tqdm`` from here.
    sample_fn, sample_every : optional
        Every ``sample_every`` iterations call ``sample_fn(model)`` (in eval mode) and print
        and record the returned text.
    checkpoint_path : str or Path, optional
        Where to save (atomically) every ``checkpoint_every`` iterations, at the end, and on
        Ctrl-C.
    checkpoint_every : int, optional
        Periodic checkpoint interval (needs ``checkpoint_path``).
    resume : str, Path or Checkpoint, optional
        Continue a run saved by ``fit``: weights, optimizer, scheduler, RNG states, history,
        the model's carried state and the position in the data are restored, so the rest of
        the run is bit-identical to an uninterrupted one (see Notes).
    rng : np.random.Generator or dict of them, optional
        Every generator the run draws from (data order, dropout, noise). Their states are
        saved in checkpoints and restored on resume.
    vocab, config : optional
        Stored in checkpoints (see :func:`~minirnn.train.checkpoint.save_checkpoint`).
    legacy_rng : bool
        Also track NumPy's global legacy stream (``np.random.seed``/``np.random.choice``),
        for classic scripts that draw from it, like the generators in ``rng``.
    smoothing : float
        :math:`\beta` of the smoothed loss, in [0, 1).
    verbose : bool
        Show the progress line and validation/sample lines on stderr.
    progress_every : float
        Seconds between progress-line updates.

    Returns
    -------
    History
        With ``stop_reason`` set.

    Raises
    ------
    TrainingDiverged
        When the loss or any gradient is NaN or infinite; names the iteration and parameter.

    Notes
    -----
    Ctrl-C (``KeyboardInterrupt``, also when raised by a callback) stops training cleanly:
    the update in progress is either completed or not started, a checkpoint is written if
    ``checkpoint_path`` was given, and the history is returned with ``stop_reason ==
    "interrupted"``.

    Resuming mid-epoch: ``fit`` remembers the RNG states at the start of the current epoch,
    restores them on resume, starts the epoch's iterator again and skips the batches already
    used, then puts every generator into the state of the moment of saving. This reproduces
    the data order whenever the batch iterator's choices depend only on the RNG states it
    sees (true for the library's iterators).

    A hidden state the model carries from batch to batch (sequential partitioning) is saved
    and restored when the model offers ``carried_state()`` and ``load_carried_state(state)``
    (see the module docstring; :class:`~minirnn.models.language_model.LanguageModel` does).
    A model that keeps such a state without these methods restarts it from zeros after a
    resume, and the resumed run differs from an uninterrupted one.
    """
    epochs = _check_count(epochs, "epochs")
    iterations = _check_count(iterations, "iterations")
    val_every = _check_count(val_every, "val_every")
    sample_every = _check_count(sample_every, "sample_every")
    checkpoint_every = _check_count(checkpoint_every, "checkpoint_every")
    if epochs is None and iterations is None:
        epochs = 1
    if clip_value is not None and clip_norm is not None:
        raise ValueError("give clip_value or clip_norm, not both")
    if not 0.0 <= smoothing < 1.0:
        raise ValueError(f"smoothing must be in [0, 1), got {smoothing!r}")
    if checkpoint_every is not None and checkpoint_path is None:
        raise ValueError("checkpoint_every needs a checkpoint_path")
    if (sample_every is None) != (sample_fn is None):
        raise ValueError("give sample_fn and sample_every together")
    if val_every is not None and val_batches is None:
        raise ValueError("val_every needs val_batches")
    for name in ("forward_backward", "evaluate", "zero_grad", "named_parameters"):
        if not callable(getattr(model, name, None)):
            raise TypeError(
                f"model must be a trainable Layer with {name}(); {type(model).__name__} has none"
            )
    # A generator object (an Iterator) is used up after one pass; a list or LMBatches is not.
    one_shot = isinstance(batches, Iterator)
    if one_shot and (epochs or 0) > 1:
        raise TypeError(
            "batches is a one-shot iterator, which can be traversed only once; pass a list, "
            "or a callable returning a fresh iterator per epoch, to train for several epochs"
        )
    if callable(callbacks):
        callbacks = [callbacks]
    callbacks = list(callbacks)
    generators = _as_generators(rng, legacy_rng)
    checkpoint_path = Path(checkpoint_path) if checkpoint_path is not None else None

    history = History()
    state = _LoopState()
    resuming = False
    if resume is not None:
        history, state = _restore(resume, model, optimizer, scheduler, generators)
        resuming = True
        resume_states = _states(generators)
    progress = _Progress(verbose, progress_every)
    start_iteration = state.iteration
    start_time = time.perf_counter()
    recent_clips: list[bool] = []

    def total_iterations() -> int | None:
        by_epochs = (
            epochs * state.batches_per_epoch
            if epochs is not None and state.batches_per_epoch is not None
            else None
        )
        known = [n for n in (iterations, by_epochs) if n is not None]
        return min(known) if known else None

    def trainer_state(rng_states: Mapping) -> dict:
        out = {
            "epoch": state.epoch,
            "batch_in_epoch": state.batch_in_epoch,
            "ema": state.ema,
            "ema_count": state.ema_count,
            "epoch_start_states": state.epoch_start_states,
            "rng_states": rng_states,
            "batches_per_epoch": state.batches_per_epoch,
        }
        if scheduler is not None and hasattr(scheduler, "state_dict"):
            out["scheduler"] = scheduler.state_dict()
        return out

    def save(rng_states: Mapping, carried: Mapping[str, np.ndarray]) -> Path:
        # Generators rebuilt from the given states, so a checkpoint taken in the middle of an
        # iteration records the states as they were at its start.
        # The legacy stream's state travels in the trainer state only.
        gens = {
            name: generator_from_state(s) for name, s in rng_states.items() if name != LEGACY
        }
        arrays = {f"history.{k}": v for k, v in history.as_arrays().items()}
        return save_checkpoint(
            checkpoint_path, model, optimizer, vocab=vocab, rng=gens,
            iteration=state.iteration, config=config,
            trainer_state=trainer_state(rng_states), arrays=arrays, carried_state=carried,
        )

    def done() -> bool:
        return (iterations is not None and state.iteration >= iterations) or (
            epochs is not None and state.epoch >= epochs
        )

    last_validated = history.val_iteration[-1] if len(history.val_iteration) else -1
    boundary_states = _states(generators)
    # Only a model that carries a state between batches pays for this per-iteration copy.
    has_carried = callable(getattr(model, "carried_state", None))
    boundary_carried = carried_state_of(model)
    updated = True
    stop_reason = None
    guard = _InterruptGuard()
    guard.install()
    try:
        while not done() and stop_reason is None:
            # -- start (or re-enter) an epoch --------------------------------------------
            if resuming:
                _set_states(generators, state.epoch_start_states)
                batch_iter = _fresh_iterator(batches)
                for _ in range(state.batch_in_epoch):
                    next(batch_iter, None)
                _set_states(generators, resume_states)
                resuming = False
            else:
                state.batch_in_epoch = 0
                state.epoch_start_states = _states(generators)
                batch_iter = _fresh_iterator(batches)
            produced = state.batch_in_epoch
            while not done():
                boundary_states = _states(generators)
                if has_carried:
                    boundary_carried = carried_state_of(model)
                updated = False
                batch = next(batch_iter, _END)
                if batch is _END:
                    break
                produced += 1
                model.zero_grad()
                loss = float(model.forward_backward(batch))
                it = state.iteration + 1
                norm = _global_norm(model)
                if not (math.isfinite(loss) and math.isfinite(norm)):
                    bad = _first_non_finite(model)
                    if bad is not None or not math.isfinite(loss):
                        what = f"gradient of {bad!r}" if bad else "the loss"
                        raise TrainingDiverged(
                            f"training diverged at iteration {it}: {what} is not finite "
                            f"(loss {loss!r}); the update was not applied",
                            iteration=it, parameter=bad, loss=loss, history=history,
                        )
                # the rate this update uses (a scheduler changes it after the step)
                lr = float(getattr(optimizer, "lr", float("nan")))
                guard.holding = True
                # the update: a Ctrl-C arriving now waits until release() below
                clipped = False
                if clip_value is not None:
                    clipped = clip_grad_value(model, clip_value)
                elif clip_norm is not None:
                    clipped = clip_grad_norm(model, clip_norm)[1]
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                state.iteration = it
                state.batch_in_epoch += 1
                state.ema = smoothing * state.ema + (1.0 - smoothing) * loss
                state.ema_count += 1
                smooth = state.ema / (1.0 - smoothing**state.ema_count)
                history.record_step(it, loss, smooth, norm, clipped, lr)
                updated = True
                guard.release()
                recent_clips.append(clipped)
                del recent_clips[:-100]

                # -- things due at this iteration -------------------------------------
                val_loss = val_ppl = sample = None
                # (validation at the end of an epoch, the default, runs below once the
                # iterator is exhausted: epochs may differ in length by a batch)
                if val_batches is not None and (
                    (val_every is not None and it % val_every == 0) or done()
                ):
                    val_loss, val_ppl = _validate(model, val_batches, history, it, progress)
                    last_validated = it
                if sample_fn is not None and it % sample_every == 0:
                    sample = _sample(model, sample_fn, history, it, progress)
                if checkpoint_every is not None and it % checkpoint_every == 0:
                    save(_states(generators), carried_state_of(model))

                now = time.perf_counter()
                elapsed = now - start_time
                rate = (it - start_iteration) / elapsed if elapsed > 0 else 0.0
                clip_rate = (
                    sum(recent_clips) / len(recent_clips)
                    if clip_value is not None or clip_norm is not None
                    else None
                )
                total = total_iterations()
                progress.update(
                    now, (it, total, state.epoch, loss, smooth, rate, clip_rate),
                    force=it == start_iteration + 1 or done(),
                )
                if callbacks:
                    info = TrainInfo(
                        iteration=it, epoch=state.epoch, loss=loss, smooth_loss=smooth,
                        grad_norm=norm, clipped=clipped, lr=lr, elapsed=elapsed,
                        total_iterations=total, val_loss=val_loss, val_perplexity=val_ppl,
                        sample=sample, model=model, optimizer=optimizer, history=history,
                    )
                    for callback in callbacks:
                        callback(info)
                    if info.stop:
                        stop_reason = "callback"
                        break
            if stop_reason is None and batch is _END:
                # the epoch is over
                if produced == 0:
                    if one_shot or state.epoch > 0:
                        stop_reason = "data exhausted"
                        break
                    raise ValueError("batches produced no batch in the first epoch")
                state.batches_per_epoch = produced
                if (
                    val_batches is not None and val_every is None
                    and last_validated != state.iteration
                ):
                    _validate(model, val_batches, history, state.iteration, progress)
                    last_validated = state.iteration
                state.epoch += 1
                state.batch_in_epoch = 0
                if one_shot and not done():
                    stop_reason = "data exhausted"
    except KeyboardInterrupt:
        progress.close()
        history.stop_reason = "interrupted"
        where = f"interrupted at iteration {state.iteration}"
        if checkpoint_path is not None:
            # An iteration cut short left the weights untouched: save the generators as they
            # were when it began, so a resumed run replays it exactly.
            path = (
                save(_states(generators), carried_state_of(model)) if updated
                else save(boundary_states, boundary_carried)
            )
            hint = f"continue with fit(..., resume={str(path)!r})"
            progress.message(f"{where}; checkpoint saved to {path} ({hint})", always=True)
        else:
            progress.message(f"{where}; no checkpoint_path given, nothing saved", always=True)
        return history
    finally:
        guard.uninstall()
        progress.close()

    progress.finish()
    if history.stop_reason is None:
        if stop_reason is None:
            stop_reason = (
                "iterations" if iterations is not None and state.iteration >= iterations
                else "epochs"
            )
        history.stop_reason = stop_reason
    if val_batches is not None and last_validated != state.iteration and state.iteration > 0:
        _validate(model, val_batches, history, state.iteration, progress)
    if checkpoint_path is not None:
        path = save(_states(generators), carried_state_of(model))
        progress.message(f"checkpoint saved to {path}")
    return history


_END = object()


def _validate(
    model: Any, val_batches: Batches, history: History, iteration: int, progress: _Progress
) -> tuple[float, float]:
    loss = evaluate(model, val_batches)
    history.record_validation(iteration, loss)
    ppl = float(history.val_perplexity[-1])
    progress.message(f"validation at iteration {iteration}: loss {loss:.4f}, perplexity {ppl:.3f}")
    return loss, ppl


def _sample(
    model: Any, sample_fn: Callable[[Any], str], history: History, iteration: int,
    progress: _Progress,
) -> str:
    was_training = getattr(model, "training", True)
    model.eval()
    try:
        text = str(sample_fn(model))
    finally:
        model.train(was_training)
    history.record_sample(iteration, text)
    progress.message(f"--- sample at iteration {iteration} ---\n{text}\n---")
    return text


def _restore(
    resume: str | Path | Checkpoint,
    model: Any,
    optimizer: Any,
    scheduler: Any,
    generators: Mapping[str, np.random.Generator],
) -> tuple[History, _LoopState]:
    """Load a checkpoint written by :func:`fit` into the live objects."""
    path = resume.path if isinstance(resume, Checkpoint) else Path(resume)
    real = {name: gen for name, gen in generators.items() if name != LEGACY}
    ckpt = load_checkpoint(path, model, optimizer, rng=real or None)
    saved = ckpt.trainer_state
    if not saved:
        raise ValueError(f"{path} was not written by fit (no trainer state); cannot resume")
    missing = set(saved["rng_states"]) - set(generators)
    if missing:
        raise ValueError(
            f"{path} holds RNG states {sorted(missing)} that were not passed in rng= "
            "(or legacy_rng=True); pass the same generators as in the saved run"
        )
    if LEGACY in generators:
        if LEGACY not in saved["rng_states"]:
            raise ValueError(f"{path} was saved without legacy_rng=True")
        generators[LEGACY].state = _json_state(saved["rng_states"][LEGACY], legacy=True)
    if scheduler is not None and "scheduler" in saved:
        scheduler.load_state_dict(saved["scheduler"])
    arrays = {
        key[len("history."):]: value
        for key, value in ckpt.arrays.items()
        if key.startswith("history.")
    }
    history = History.from_arrays(arrays)
    state = _LoopState(
        iteration=ckpt.iteration,
        epoch=int(saved["epoch"]),
        batch_in_epoch=int(saved["batch_in_epoch"]),
        ema=float(saved["ema"]),
        ema_count=int(saved["ema_count"]),
        epoch_start_states={
            name: _json_state(s, legacy=name == LEGACY)
            for name, s in saved["epoch_start_states"].items()
        },
        batches_per_epoch=saved.get("batches_per_epoch"),
    )
    return history, state


def _json_state(state: Mapping, legacy: bool = False) -> dict:
    """An RNG state read from JSON, usable as ``bit_generator.state`` (or the legacy one)."""
    if legacy:
        restored = _from_json(dict(state))
        restored["state"]["key"] = np.asarray(restored["state"]["key"], dtype=np.uint32)
        return restored
    return generator_from_state(state).bit_generator.state
