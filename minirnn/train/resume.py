"""Where a run stands, and how :func:`~minirnn.train.fit` saves and restores it exactly.

A checkpoint written by ``fit`` holds, besides the weights and the optimizer, a *trainer
state*: the position in the data (epoch and batch), the smoothed loss, and the states of every
random generator the run draws from, at the start of the current epoch and at the moment of
saving. A resumed run replays the epoch's batch iterator from the epoch-start states, skips the
batches already used, and then puts every generator into its saved state, so the rest of the
run is bit-identical to an uninterrupted one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from minirnn.train.checkpoint import (
    Checkpoint,
    from_json,
    generator_from_state,
    load_checkpoint,
    save_checkpoint,
)
from minirnn.train.history import History

#: name under which the global legacy stream (np.random.seed) is tracked
LEGACY = "np.random (legacy)"


class LegacyStream:
    """Looks like a Generator to the bookkeeping: ``.bit_generator.state`` reads and sets
    NumPy's global legacy stream, which classic scripts (min-char-rnn) draw from."""

    @property
    def bit_generator(self) -> LegacyStream:
        return self

    @property
    def state(self) -> dict:
        return np.random.get_state(legacy=False)  # noqa: NPY002 - the legacy stream on purpose

    @state.setter
    def state(self, value: dict) -> None:
        np.random.set_state(value)  # noqa: NPY002


def tracked_generators(rng: Any, legacy_rng: bool = False) -> dict[str, Any]:
    """``fit``'s ``rng`` argument as a dict name -> generator (plus the legacy stream)."""
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
        generators[LEGACY] = LegacyStream()
    return generators


def generator_states(generators: Mapping[str, Any]) -> dict[str, dict]:
    """Every generator's ``bit_generator.state``, by name."""
    return {name: gen.bit_generator.state for name, gen in generators.items()}


def set_generator_states(generators: Mapping[str, Any], states: Mapping) -> None:
    """Put every generator into the state saved under its name."""
    for name, gen in generators.items():
        gen.bit_generator.state = states[name]


def state_from_json(state: Mapping, legacy: bool = False) -> dict:
    """An RNG state read from JSON, usable as ``bit_generator.state`` (or the legacy one)."""
    if legacy:
        restored = from_json(dict(state))
        restored["state"]["key"] = np.asarray(restored["state"]["key"], dtype=np.uint32)
        return restored
    return generator_from_state(state).bit_generator.state


@dataclass
class LoopState:
    """The position of a run and its smoothed loss: what a resume needs besides the objects.

    ``ema``/``ema_count`` give the bias-corrected smoothed loss
    :math:`\\bar L_k = m_k / (1 - \\beta^k)` (see :meth:`smooth`).
    """

    iteration: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0
    ema: float = 0.0
    ema_count: int = 0
    epoch_start_states: dict = field(default_factory=dict)
    batches_per_epoch: int | None = None

    def smooth(self, loss: float, beta: float) -> float:
        """Add ``loss`` to the moving average and return the bias-corrected value."""
        self.ema = beta * self.ema + (1.0 - beta) * loss
        self.ema_count += 1
        return self.ema / (1.0 - beta**self.ema_count)

    def trainer_state(self, rng_states: Mapping, scheduler: Any) -> dict:
        """The JSON-able bookkeeping saved in a checkpoint (with the scheduler's state)."""
        out = {
            "epoch": self.epoch,
            "batch_in_epoch": self.batch_in_epoch,
            "ema": self.ema,
            "ema_count": self.ema_count,
            "epoch_start_states": self.epoch_start_states,
            "rng_states": rng_states,
            "batches_per_epoch": self.batches_per_epoch,
        }
        if scheduler is not None and hasattr(scheduler, "state_dict"):
            out["scheduler"] = scheduler.state_dict()
        return out

    @classmethod
    def from_checkpoint(cls, checkpoint: Checkpoint) -> LoopState:
        """Read the state back from a checkpoint written by ``fit``."""
        saved = checkpoint.trainer_state
        return cls(
            iteration=checkpoint.iteration,
            epoch=int(saved["epoch"]),
            batch_in_epoch=int(saved["batch_in_epoch"]),
            ema=float(saved["ema"]),
            ema_count=int(saved["ema_count"]),
            epoch_start_states={
                name: state_from_json(s, legacy=name == LEGACY)
                for name, s in saved["epoch_start_states"].items()
            },
            batches_per_epoch=saved.get("batches_per_epoch"),
        )


@dataclass
class RunObjects:
    """The live objects a checkpoint of ``fit`` saves and a resume restores."""

    model: Any
    optimizer: Any
    scheduler: Any
    generators: dict[str, Any]
    history: History
    vocab: Any = None
    config: Mapping[str, Any] | None = None


def save_run(path: Path, run: RunObjects, state: LoopState, rng_states: Mapping,
             carried: Mapping[str, np.ndarray]) -> Path:
    """Write a checkpoint of the run as it was when the generators had ``rng_states``.

    Generators are rebuilt from the given states, so a checkpoint taken in the middle of an
    iteration records the states as they were at its start. The legacy stream's state
    travels in the trainer state only.
    """
    gens = {name: generator_from_state(s) for name, s in rng_states.items() if name != LEGACY}
    arrays = {f"history.{k}": v for k, v in run.history.as_arrays().items()}
    return save_checkpoint(
        path, run.model, run.optimizer, vocab=run.vocab, rng=gens,
        iteration=state.iteration, config=run.config,
        trainer_state=state.trainer_state(rng_states, run.scheduler), arrays=arrays,
        carried_state=carried,
    )


def restore_run(resume: str | Path | Checkpoint, run: RunObjects) -> tuple[History, LoopState]:
    """Load a checkpoint written by ``fit`` into the live objects; return history and state."""
    path = resume.path if isinstance(resume, Checkpoint) else Path(resume)
    generators = run.generators
    real = {name: gen for name, gen in generators.items() if name != LEGACY}
    ckpt = load_checkpoint(path, run.model, run.optimizer, rng=real or None)
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
        generators[LEGACY].state = state_from_json(saved["rng_states"][LEGACY], legacy=True)
    if run.scheduler is not None and "scheduler" in saved:
        run.scheduler.load_state_dict(saved["scheduler"])
    prefix = "history."
    arrays = {k[len(prefix):]: v for k, v in ckpt.arrays.items() if k.startswith(prefix)}
    return History.from_arrays(arrays), LoopState.from_checkpoint(ckpt)
