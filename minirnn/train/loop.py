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

A model whose ``forward_backward`` *writes* every gradient instead of adding into it says so
with the class attribute ``overwrites_grads = True``; the trainer then skips ``zero_grad``, a
pass over every gradient that such a model would overwrite anyway
(:class:`~minirnn.models.char_rnn.CharRNN` does this).

One iteration of :func:`fit` is: fetch a batch, ``zero_grad`` (unless the model overwrites
its gradients), ``forward_backward``, check the loss and gradients for NaN/inf, measure the
gradient norm, clip (optional), ``optimizer.step()``, ``scheduler.step()`` (optional),
record, then validation, sampling, checkpointing and callbacks when they are due. Which
iteration the next event is due at is worked out when one runs, so that an iteration with
nothing due costs one comparison and one clock read (for the progress line) beyond the update.

The smoothed loss is a bias-corrected exponential moving average, as Adam corrects its
moments, so it is meaningful from the first iteration:

.. math::
    m_k = \beta m_{k-1} + (1 - \beta) L_k, \qquad \bar L_k = m_k / (1 - \beta^k)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from minirnn.clip import clip_grad_norm, clip_grad_value
from minirnn.train.batches import Batches, fresh_iterator
from minirnn.train.checkpoint import Checkpoint, carried_state_of
from minirnn.train.events import (
    Callbacks,
    EpochInfo,
    ScheduledEvents,
    TrainInfo,
    as_callback_list,
    check_count,
)
from minirnn.train.history import History
from minirnn.train.progress import ProgressLine
from minirnn.train.resume import (
    LoopState,
    RunObjects,
    generator_states,
    restore_run,
    save_run,
    set_generator_states,
    tracked_generators,
)
from minirnn.train.safety import InterruptGuard, check_finite, global_grad_norm
from minirnn.train.saving import save_with_fallback

__all__ = ["fit"]

#: what ``next`` returns when an epoch's iterator is exhausted
_END = object()
#: the learning rate recorded for an optimizer without ``lr``
_NO_LR = float("nan")


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
    callbacks: Callbacks = (),
    on_epoch_end: Callbacks = (),
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
        optionally ``carried_state()``/``load_carried_state(state)`` (see Notes), and
        ``overwrites_grads = True`` if ``forward_backward`` writes the gradients rather than
        adding into them (``fit`` then does not zero them first).
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
    on_epoch_end : callable or list of callables
        Each is called when an epoch's batches have run out (after that epoch's validation)
        with an :class:`~minirnn.train.events.EpochInfo`: the epoch, the mean of its batch
        losses (also recorded as ``history.epoch_loss``) and the validation loss. Use it for
        per-epoch metrics such as accuracy; ``info.stop = True`` ends training.
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
    run = _Run(
        RunObjects(model, optimizer, scheduler, tracked_generators(rng, legacy_rng), History(),
                   vocab, config),
        batches, _Limits(epochs, iterations, batches),
        ScheduledEvents(val_batches, val_every, sample_fn, sample_every, checkpoint_path,
                        checkpoint_every),
        clip_value=clip_value, clip_norm=clip_norm, smoothing=smoothing,
        callbacks=as_callback_list(callbacks), epoch_callbacks=as_callback_list(on_epoch_end),
    )
    if resume is not None:
        run.restore(resume)
    run.progress = ProgressLine(verbose, progress_every, run.state.iteration,
                                clipping=run.clipping, unit=loss_unit(model, vocab))
    return run.train()


def loss_unit(model: Any, vocab: Any = None) -> str:
    """What the losses are per, for their label ``nats/<unit>``: the vocabulary's level
    (``"char"`` or ``"word"``) when there is one, else the model's ``loss_unit``, else
    ``"token"``."""
    return getattr(vocab, "level", None) or getattr(model, "loss_unit", "token")


def _check_trainable(model: Any) -> None:
    for name in ("forward_backward", "evaluate", "zero_grad", "named_parameters"):
        if not callable(getattr(model, name, None)):
            raise TypeError(
                f"model must be a trainable Layer with {name}(); {type(model).__name__} has none"
            )


class _Limits:
    """When to stop: after ``epochs`` passes or ``iterations`` updates (one epoch if neither)."""

    def __init__(self, epochs: int | None, iterations: int | None, batches: Batches) -> None:
        self.epochs = check_count(epochs, "epochs")
        self.iterations = check_count(iterations, "iterations")
        if self.epochs is None and self.iterations is None:
            self.epochs = 1
        self._total_for: tuple | None = None
        self._total: int | None = None
        # A generator object (an Iterator) is used up after one pass; a list is not.
        self.one_shot = isinstance(batches, Iterator)
        if self.one_shot and (self.epochs or 0) > 1:
            raise TypeError(
                "batches is a one-shot iterator, which can be traversed only once; pass a "
                "list, or a callable returning a fresh iterator per epoch, to train for "
                "several epochs"
            )

    def reached(self, state: LoopState) -> bool:
        """True once either limit is reached."""
        return (self.iterations is not None and state.iteration >= self.iterations) or (
            self.epochs is not None and state.epoch >= self.epochs
        )

    def total(self, state: LoopState) -> int | None:
        """The number of iterations the run will have, once it is known."""
        # asked after every update; it changes only when an epoch's length becomes known
        if self._total_for != (state.batches_per_epoch,):
            self._total_for = (state.batches_per_epoch,)
            self._total = self._count_total(state)
        return self._total

    def _count_total(self, state: LoopState) -> int | None:
        by_epochs = (
            self.epochs * state.batches_per_epoch
            if self.epochs is not None and state.batches_per_epoch is not None
            else None
        )
        known = [n for n in (self.iterations, by_epochs) if n is not None]
        return min(known) if known else None

    def reason(self, state: LoopState) -> str:
        """Which limit ended the run."""
        if self.iterations is not None and state.iteration >= self.iterations:
            return "iterations"
        return "epochs"


class _Run:
    """One call of :func:`fit`: the live objects, where the run stands, and its steps."""

    def __init__(self, objects: RunObjects, batches: Batches, limits: _Limits,
                 events: ScheduledEvents, *, clip_value: float | None, clip_norm: float | None,
                 smoothing: float, callbacks: list, epoch_callbacks: list) -> None:
        _check_trainable(objects.model)
        if clip_value is not None and clip_norm is not None:
            raise ValueError("give clip_value or clip_norm, not both")
        if not 0.0 <= smoothing < 1.0:
            raise ValueError(f"smoothing must be in [0, 1), got {smoothing!r}")
        self.objects, self.model, self.optimizer = objects, objects.model, objects.optimizer
        self.history, self.generators = objects.history, objects.generators
        self.batches, self.limits, self.events = batches, limits, events
        self.clip_value, self.clip_norm = clip_value, clip_norm
        self.clipping = clip_value is not None or clip_norm is not None
        self.fused_step = getattr(self.optimizer, "step_clipped", None)
        # A model that writes fresh gradients needs no zero_grad: a pass over all of them.
        self.zero_grads = not getattr(self.model, "overwrites_grads", False)
        self.smoothing = smoothing
        self.callbacks, self.epoch_callbacks = callbacks, epoch_callbacks
        self.state = LoopState()
        self.resuming = False
        self.stop_reason: str | None = None
        self.guard = InterruptGuard()
        # Only a model that carries a state between batches pays for a copy per iteration.
        self.has_carried = callable(getattr(self.model, "carried_state", None))
        self.progress = ProgressLine(False, 0.0)
        self.latest = (math.nan, math.nan)  # the last update's loss and smoothed loss
        self.next_event = 1  # the next iteration at which an event is due (see after_step)

    # -- the core loop ----------------------------------------------------------------------
    def train(self) -> History:
        """Epochs of batches until a limit, the data, a callback or Ctrl-C ends the run."""
        self.mark_iteration_start()
        self.next_event = self.state.iteration + 1  # the first progress line is shown at once
        self.reported = self.state.iteration  # the last iteration the progress line was given
        self.guard.install()
        try:
            while not self.done() and self.stop_reason is None:
                batch_iter = self.start_epoch()
                produced = self.state.batch_in_epoch
                batch = None
                while not self.done():
                    self.mark_iteration_start()
                    batch = next(batch_iter, _END)
                    if batch is _END:
                        break
                    produced += 1
                    info = self.step(batch)
                    if info is not None and info.stop:
                        self.stop_reason = "callback"
                        break
                if self.stop_reason is None and batch is _END:
                    self.end_epoch(produced)
        except KeyboardInterrupt:
            self.save_interrupted()
            return self.history
        finally:
            self.guard.uninstall()
            self.progress.close()
        return self.finish()

    def step(self, batch: Any) -> TrainInfo | None:
        """One update: loss and gradients, the NaN check, clipping, the optimizer's step."""
        model, state = self.model, self.state
        if self.zero_grads:
            model.zero_grad()
        loss = float(model.forward_backward(batch))
        iteration = state.iteration + 1
        norm = global_grad_norm(model)
        check_finite(model, loss, norm, iteration, self.history)
        # the rate this update uses (a scheduler changes it after the step)
        lr = float(getattr(self.optimizer, "lr", _NO_LR))
        self.guard.hold()  # a Ctrl-C arriving during the update waits until release()
        clipped = self.clip_and_step(norm)
        if self.objects.scheduler is not None:
            self.objects.scheduler.step()
        state.iteration = iteration
        state.batch_in_epoch += 1
        smooth = state.smooth(loss, self.smoothing)
        self.history.record_step(iteration, loss, smooth, norm, clipped, lr)
        self.latest = (loss, smooth)
        self.updated = True
        self.guard.release()
        return self.after_step(loss, smooth, norm, clipped, lr)

    # -- around the updates -----------------------------------------------------------------
    def clip_and_step(self, norm: float) -> bool:
        """Clip the gradients as asked, then the optimizer's step; True if clipping fired.

        An optimizer with ``step_clipped`` (Adagrad) clips by value inside its update, with
        the same numbers in fewer passes over the arrays.
        """
        if self.clip_value is not None and self.fused_step is not None:
            return self.fused_step(self.clip_value)
        clipped = self.clip(norm)
        self.optimizer.step()
        return clipped

    def clip(self, norm: float) -> bool:
        """Clip the gradients as asked; True if that changed them."""
        if self.clip_value is not None:
            # with the global norm within the bound, so is every entry: nothing to clip
            return norm > self.clip_value and clip_grad_value(self.model, self.clip_value)
        if self.clip_norm is not None:
            return clip_grad_norm(self.model, self.clip_norm)[1]
        return False

    def done(self) -> bool:
        return self.limits.reached(self.state)

    def mark_iteration_start(self) -> None:
        """Remember the generators (and carried state) as an iteration begins, for Ctrl-C.

        Only a checkpoint written on Ctrl-C needs them: without ``checkpoint_path`` this
        costs nothing.
        """
        if self.events.checkpoint_path is None:
            return
        self.boundary_states = generator_states(self.generators)
        if self.has_carried or not hasattr(self, "boundary_carried"):
            self.boundary_carried = carried_state_of(self.model)
        self.updated = False

    def start_epoch(self) -> Iterator[Any]:
        """A fresh iterator for the epoch; after a resume, re-entered at the saved batch."""
        state = self.state
        if not self.resuming:
            state.batch_in_epoch = 0
            state.epoch_start_states = generator_states(self.generators)
            return fresh_iterator(self.batches)
        resume_states = generator_states(self.generators)
        set_generator_states(self.generators, state.epoch_start_states)
        batch_iter = fresh_iterator(self.batches)
        for _ in range(state.batch_in_epoch):
            next(batch_iter, None)
        set_generator_states(self.generators, resume_states)
        self.resuming = False
        return batch_iter

    def after_step(self, loss: float, smooth: float, norm: float, clipped: bool,
                   lr: float) -> TrainInfo | None:
        """The events due at this iteration, the progress line and the callbacks."""
        it = self.state.iteration
        if it < self.next_event and not self.callbacks and not self.progress.due():
            return None  # most iterations: nothing is due (one comparison, one clock read)
        events, done = self.events, self.done()
        val_loss = val_ppl = sample = None
        if events.validation_due(it, done):
            val_loss, val_ppl = events.validate(self.model, self.history, it, self.progress)
        if events.sample_due(it):
            sample = events.sample(self.model, self.history, it, self.progress)
        if events.checkpoint_due(it):
            self.save()
        self.next_event = min(events.next_due(it), self.limits.iterations or math.inf)
        elapsed = self.show_progress(force=done or it == self.progress.start_iteration + 1)
        if not self.callbacks:
            return None
        info = TrainInfo(
            iteration=it, epoch=self.state.epoch, loss=loss, smooth_loss=smooth,
            grad_norm=norm, clipped=clipped, lr=lr, elapsed=elapsed,
            total_iterations=self.limits.total(self.state),
            val_loss=val_loss, val_perplexity=val_ppl, sample=sample, model=self.model,
            optimizer=self.optimizer, history=self.history,
        )
        for callback in self.callbacks:
            callback(info)
        return info

    def show_progress(self, force: bool = False) -> float:
        """Hand the latest numbers to the progress line (printed when due); the elapsed time."""
        state = self.state
        self.reported = state.iteration
        clip_rate = self.history.clip_rate() if self.clipping else None
        return self.progress.step(state.iteration, self.limits.total(state), state.epoch,
                                  *self.latest, clip_rate, force=force)

    def catch_up_progress(self) -> None:
        """Give the progress line the numbers of the last update, if after_step skipped it."""
        if self.reported != self.state.iteration:
            self.show_progress()

    def end_epoch(self, produced: int) -> None:
        """The epoch's iterator is exhausted: validate, record, call back, count the epoch."""
        state = self.state
        self.catch_up_progress()  # while the line still shows this epoch
        if produced == 0:
            if self.limits.one_shot or state.epoch > 0:
                self.stop_reason = "data exhausted"
                return
            raise ValueError("batches produced no batch in the first epoch")
        state.batches_per_epoch = produced
        val_loss = None
        if self.events.val_every is None:
            val_loss = self.events.validate_unless_done(
                self.model, self.history, state.iteration, self.progress)
        # the mean of the epoch's batch losses, added in order as a hand-written loop would
        total = 0.0
        for loss in self.history.last_losses(state.batch_in_epoch):
            total += loss
        epoch_loss = total / state.batch_in_epoch
        self.history.record_epoch(state.iteration, epoch_loss)
        self.call_epoch_callbacks(epoch_loss, val_loss)
        state.epoch += 1
        state.batch_in_epoch = 0
        if self.limits.one_shot and not self.done():
            self.stop_reason = "data exhausted"

    def call_epoch_callbacks(self, epoch_loss: float, val_loss: float | None) -> None:
        if not self.epoch_callbacks:
            return
        # Leave the epoch's last progress line on screen: a callback may print a report.
        self.progress.finish()
        info = EpochInfo(epoch=self.state.epoch, iteration=self.state.iteration,
                         loss=epoch_loss, val_loss=val_loss, model=self.model,
                         optimizer=self.optimizer, history=self.history)
        for callback in self.epoch_callbacks:
            callback(info)
        if info.stop and self.stop_reason is None:
            self.stop_reason = "callback"

    # -- saving, resuming, ending -----------------------------------------------------------
    def save(self, rng_states: Mapping | None = None,
             carried: Mapping[str, np.ndarray] | None = None) -> Path:
        """A checkpoint of the run now (or with the given generator and carried states)."""
        if rng_states is None:
            rng_states = generator_states(self.generators)
        if carried is None:
            carried = carried_state_of(self.model)
        # A failed write (full disk, vanished directory) puts the weights in a fallback file
        # and ends the run with a message saying where, instead of losing them.
        return save_with_fallback(
            lambda path: save_run(path, self.objects, self.state, rng_states, carried),
            self.events.checkpoint_path, "checkpoint",
        )

    def restore(self, resume: str | Path | Checkpoint) -> None:
        """Continue a run saved by ``fit``: objects, history, position, generators."""
        history, self.state = restore_run(resume, self.objects)
        self.history = self.objects.history = history
        if len(history.val_iteration):
            self.events.last_validated = int(history.val_iteration[-1])
        self.resuming = True

    def save_interrupted(self) -> None:
        """Ctrl-C: save a checkpoint a resumed run can continue from exactly, and say where."""
        self.progress.close()
        self.history.stop_reason = "interrupted"
        where = f"interrupted at iteration {self.state.iteration}"
        if self.events.checkpoint_path is None:
            self.progress.message(f"{where}; no checkpoint_path given, nothing saved",
                                  always=True)
            return
        # An iteration cut short left the weights untouched: save the generators as they
        # were when it began, so a resumed run replays it exactly.
        path = self.save() if self.updated else self.save(self.boundary_states,
                                                           self.boundary_carried)
        hint = f"continue with fit(..., resume={str(path)!r})"
        self.progress.message(f"{where}; checkpoint saved to {path} ({hint})", always=True)

    def finish(self) -> History:
        """The run ended normally: final progress, validation and checkpoint."""
        self.catch_up_progress()
        self.progress.finish()
        if self.history.stop_reason is None:
            self.history.stop_reason = self.stop_reason or self.limits.reason(self.state)
        if self.state.iteration > 0:
            self.events.validate_unless_done(self.model, self.history, self.state.iteration,
                                             self.progress)
        if self.events.checkpoint_path is not None:
            path = self.save()
            self.progress.message(f"checkpoint saved to {path}")
        return self.history
