"""Save and restore a training run in one ``.npz`` file, without pickle.

File layout (format version 1). Every entry of the ``.npz`` is a plain numeric or byte array:

``__metadata__``
    UTF-8 JSON, stored as a ``uint8`` array: the format name and version, the iteration, the
    config, the vocabulary, RNG states, the optimizer's class and scalar state, and the names,
    shapes and dtypes of every parameter.
``param/<dotted name>``
    One entry per model parameter, named as :meth:`Layer.named_parameters` names it.
``optim/<key>``
    The array entries of ``optimizer.state_dict()`` (scalars live in the JSON).
``carried/<key>``
    The model's carried state: arrays that are not parameters but that the next batch starts
    from, such as a language model's hidden state under sequential partitioning. A model
    opts in with two methods, ``carried_state() -> dict[str, ndarray]`` and
    ``load_carried_state(state)``; models without them save nothing here.
``extra/<key>``
    Any further arrays the caller passes in ``arrays`` (the trainer keeps its history here).

The file is written to a temporary file in the same directory and then renamed over the
target, so a crash in the middle of saving never leaves a half-written checkpoint behind.
It is read with ``np.load(..., allow_pickle=False)``: loading a checkpoint never runs code.

A checkpoint is validated, not trusted. Before NumPy reads an array, :func:`minirnn._npz.read_npz`
checks that the file is a zip of plain ``.npy`` arrays whose headers match the bytes stored;
before anything is built from it, the metadata is checked against the schema in
:mod:`minirnn.train.checkpoint_schema` (keys, types, sizes bounded by the stored arrays).
A loader that expects one kind of model checks :func:`checkpoint_kind` with
:func:`require_kind`, which names the command that reads the file instead. Every failure is
a :class:`CheckpointError` naming the file and the problem.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from minirnn import __version__
from minirnn._files import atomic_write
from minirnn._npz import read_npz
from minirnn.errors import FileFormatError
from minirnn.train.checkpoint_schema import validate_metadata

#: bump when the layout changes; files with a larger number are refused with a clear error
FORMAT_VERSION = 1
FORMAT_NAME = "minirnn-checkpoint"

_METADATA_KEY = "__metadata__"
_PARAM = "param/"
_OPTIM = "optim/"
_EXTRA = "extra/"
_CARRIED = "carried/"


class CheckpointError(FileFormatError):
    """A checkpoint file is unreadable, incomplete, too new, or does not fit the model.

    A :class:`~minirnn.errors.FileFormatError`, and so a ``ValueError`` and a
    :class:`~minirnn.errors.MinirnnError` (the command line reports it in one line).
    """


#: checkpoint kind -> the command that reads it
KIND_COMMANDS = {
    "char-rnn": "minirnn char-rnn sample",
    "lm": "minirnn lm generate",
    "names": "minirnn names generate",
    "seq2seq-attention": "minirnn seq2seq (it does not load checkpoints yet)",
}


@dataclass
class Checkpoint:
    """Everything read back from a checkpoint file.

    Attributes
    ----------
    path : Path
        The file that was read.
    params : dict of str to ndarray
        Model parameters by dotted name.
    optimizer_state : dict or None
        What ``optimizer.state_dict()`` returned when saving (arrays and scalars).
    optimizer_class : str or None
        The optimizer's class name when saving.
    vocab : dict or None
        The vocabulary as a JSON dict (see :func:`save_checkpoint`).
    rng_states : dict
        ``bit_generator.state`` of each saved generator, by name (``"rng"`` for a single one).
    legacy_rng_state : dict or None
        ``np.random.get_state(legacy=False)`` when it was saved.
    iteration : int
        Number of completed updates.
    config : dict
        Free-form JSON settings (model sizes, learning rate, ...).
    trainer_state : dict
        Bookkeeping used by :func:`minirnn.train.fit` to resume (empty otherwise).
    arrays : dict of str to ndarray
        Extra arrays saved with ``arrays=``.
    carried_state : dict of str to ndarray
        What the model's ``carried_state()`` returned when saving (empty if nothing).
    metadata : dict
        The whole JSON metadata, for inspection.
    """

    path: Path
    params: dict[str, np.ndarray]
    optimizer_state: dict[str, Any] | None
    optimizer_class: str | None
    vocab: dict[str, Any] | None
    rng_states: dict[str, dict]
    legacy_rng_state: dict | None
    iteration: int
    config: dict[str, Any]
    trainer_state: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    carried_state: dict[str, np.ndarray] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    def restore_rng(self, name: str = "rng") -> np.random.Generator:
        """Return a new ``np.random.Generator`` in the saved state of generator ``name``."""
        if name not in self.rng_states:
            raise CheckpointError(
                f"{self.path}: no saved RNG state named {name!r}; saved: {sorted(self.rng_states)}"
            )
        try:
            return generator_from_state(self.rng_states[name])
        except CheckpointError as err:
            raise CheckpointError(f"{self.path}: {err}") from None


# -- JSON helpers -------------------------------------------------------------------------
def to_json(value: Any) -> Any:
    """Turn NumPy scalars and small arrays (as in RNG states) into JSON-able values.

    Arrays become ``{"__ndarray__": list, "dtype": str}``; :func:`from_json` turns them back.
    """
    if isinstance(value, np.ndarray):
        # MT19937 keeps its key as a uint32 array; a tagged list restores dtype and shape.
        return {"__ndarray__": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def from_json(value: Any) -> Any:
    """Inverse of :func:`to_json` for the tagged arrays."""
    if isinstance(value, dict):
        if set(value) == {"__ndarray__", "dtype"}:
            return np.asarray(value["__ndarray__"], dtype=value["dtype"])
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


#: the bit generators a saved RNG state may name
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


def generator_from_state(state: Mapping[str, Any]) -> np.random.Generator:
    """Build a ``np.random.Generator`` whose bit generator is in ``state``."""
    name = state.get("bit_generator")
    if name not in BIT_GENERATORS:
        raise CheckpointError(f"unknown bit generator {name!r} in saved RNG state; expected "
                              f"one of {', '.join(BIT_GENERATORS)}")
    bit_generator = getattr(np.random, name)()
    try:
        bit_generator.state = from_json(dict(state))
    except (TypeError, ValueError, KeyError, OverflowError) as err:
        raise CheckpointError(f"the saved {name} RNG state is not valid ({err})") from None
    return np.random.Generator(bit_generator)


def _vocab_to_json(vocab: Any) -> dict[str, Any] | None:
    """The vocabulary as a JSON dict: its own ``to_dict()``, or ``save()`` output, or a dict."""
    if vocab is None:
        return None
    if isinstance(vocab, Mapping):
        data = dict(vocab)
    elif hasattr(vocab, "to_dict"):
        data = vocab.to_dict()
    elif hasattr(vocab, "save"):
        # Fall back on the vocabulary's own JSON file format, read back as a dict.
        with tempfile.TemporaryDirectory() as tmp:
            tmp_path = Path(tmp) / "vocab.json"
            vocab.save(tmp_path)
            data = json.loads(tmp_path.read_text(encoding="utf-8"))
    else:
        raise TypeError(
            "vocab must be a dict or have to_dict() or save(path), "
            f"got {type(vocab).__name__}"
        )
    try:
        json.dumps(data)
    except TypeError as err:
        raise TypeError(f"vocab is not JSON-serialisable: {err}") from None
    return data


def _rng_states(rng: Any) -> dict[str, dict]:
    if rng is None:
        return {}
    if isinstance(rng, np.random.Generator):
        rng = {"rng": rng}
    if not isinstance(rng, Mapping):
        raise TypeError(
            "rng must be a np.random.Generator or a dict of them, "
            f"got {type(rng).__name__}"
        )
    states = {}
    for name, gen in rng.items():
        if not isinstance(gen, np.random.Generator):
            raise TypeError(
                f"rng[{name!r}] must be a np.random.Generator, got {type(gen).__name__}"
            )
        states[str(name)] = to_json(gen.bit_generator.state)
    return states


def carried_state_of(model: Any) -> dict[str, np.ndarray]:
    """``model.carried_state()`` as a dict, or an empty dict for a model without it."""
    get = getattr(model, "carried_state", None)
    return dict(get()) if callable(get) else {}


# -- saving -------------------------------------------------------------------------------
def save_checkpoint(
    path: str | os.PathLike,
    model: Any,
    optimizer: Any = None,
    vocab: Any = None,
    rng: np.random.Generator | Mapping[str, np.random.Generator] | None = None,
    iteration: int = 0,
    config: Mapping[str, Any] | None = None,
    *,
    legacy_rng: bool = False,
    trainer_state: Mapping[str, Any] | None = None,
    arrays: Mapping[str, np.ndarray] | None = None,
    carried_state: Mapping[str, np.ndarray] | None = None,
) -> Path:
    """Write a checkpoint atomically and return its path.

    Parameters
    ----------
    path : str or PathLike
        Target file, used exactly as given (``.npz`` is the natural suffix).
    model : Layer
        Its ``named_parameters()`` are saved.
    optimizer : optional
        Anything with ``state_dict()`` returning a flat dict of str to array or number.
    vocab : optional
        A dict, or an object with ``to_dict()`` or ``save(path)`` (JSON); stored as JSON.
    rng : np.random.Generator or dict of them, optional
        Generators whose ``bit_generator.state`` is saved (restored by :func:`load_checkpoint`).
    iteration : int
        Number of completed updates.
    config : dict, optional
        JSON-able settings to keep with the weights.
    legacy_rng : bool
        Also save NumPy's global legacy stream (``np.random.seed``), for classic scripts.
    trainer_state : dict, optional
        JSON-able bookkeeping for resuming a training loop.
    arrays : dict of str to ndarray, optional
        Extra numeric arrays (no object dtype).
    carried_state : dict of str to ndarray, optional
        The model's state carried between batches; by default ``model.carried_state()``
        when the model has that method (a trainer passes the state of an earlier moment
        when it saves after an interrupted iteration).

    Returns
    -------
    Path
        The written file.
    """
    path = Path(path)
    if isinstance(iteration, bool) or not isinstance(iteration, (int, np.integer)) or iteration < 0:
        raise ValueError(f"iteration must be a non-negative integer, got {iteration!r}")
    if carried_state is None:
        carried_state = carried_state_of(model)
    entries, param_info = _param_entries(model)
    optimizer_meta = _add_optimizer_entries(entries, optimizer)
    entries.update({_EXTRA + key: np.asarray(v) for key, v in (arrays or {}).items()})
    entries.update({_CARRIED + key: np.asarray(v) for key, v in carried_state.items()})
    for key, value in entries.items():
        if value.dtype.hasobject:
            raise TypeError(f"cannot save {key!r}: object arrays would need pickle")
    metadata = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "minirnn_version": __version__,
        "iteration": int(iteration),
        "config": to_json(dict(config or {})),
        "vocab": _vocab_to_json(vocab),
        "rng_states": _rng_states(rng),
        # The legacy global stream is saved on request only, for classic reproductions.
        "legacy_rng_state": (
            to_json(np.random.get_state(legacy=False)) if legacy_rng else None  # noqa: NPY002
        ),
        "params": param_info,
        "optimizer": optimizer_meta,
        "trainer_state": to_json(dict(trainer_state or {})),
        "extra": sorted(arrays or {}),
        "carried_state": sorted(carried_state),
    }
    text = json.dumps(metadata, ensure_ascii=False, sort_keys=True)
    entries[_METADATA_KEY] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as handle:  # a crash leaves the old checkpoint, never half a new one
        np.savez(handle, **entries)
    return path


def _param_entries(model: Any) -> tuple[dict[str, np.ndarray], list]:
    """One ``param/<name>`` entry per parameter, and ``[name, shape, dtype]`` for each."""
    entries: dict[str, np.ndarray] = {}
    param_info = []
    for name, value, _ in model.named_parameters():
        entries[_PARAM + name] = np.asarray(value)
        param_info.append([name, list(value.shape), str(value.dtype)])
    return entries, param_info


def _add_optimizer_entries(entries: dict[str, np.ndarray], optimizer: Any) -> dict | None:
    """Put the optimizer's arrays into ``entries``; return its class and scalars for the JSON."""
    if optimizer is None:
        return None
    scalars: dict[str, Any] = {}
    array_keys = []
    for key, value in optimizer.state_dict().items():
        if isinstance(value, np.ndarray) and value.ndim > 0:
            entries[_OPTIM + key] = value
            array_keys.append(key)
        else:
            scalars[key] = to_json(value)
    return {"class": type(optimizer).__name__, "scalars": scalars, "arrays": array_keys}


# -- loading ------------------------------------------------------------------------------
def _read_entries(path: Path) -> dict[str, np.ndarray]:
    """Read every array, turning the many ways a damaged file fails into CheckpointError."""
    if not path.exists():
        raise FileNotFoundError(2, "no checkpoint at this path", str(path))
    return read_npz(path, "a minirnn checkpoint", CheckpointError)


def _parse_metadata(path: Path, entries: Mapping[str, np.ndarray]) -> dict[str, Any]:
    if _METADATA_KEY not in entries:
        raise CheckpointError(f"{path} has no {_METADATA_KEY!r} entry: not a minirnn checkpoint")
    raw = entries[_METADATA_KEY]
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise CheckpointError(f"{path}: the metadata entry must be UTF-8 bytes (uint8, 1-D), "
                              f"got {raw.dtype} of shape {raw.shape}")
    try:
        metadata = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise CheckpointError(f"{path}: metadata is not valid JSON ({err})") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
        raise CheckpointError(f"{path}: metadata does not describe a {FORMAT_NAME} file")
    version = metadata.get("format_version")
    if not isinstance(version, int):
        raise CheckpointError(f"{path}: missing or invalid format_version {version!r}")
    if version > FORMAT_VERSION:
        raise CheckpointError(
            f"{path} has format version {version}, newer than this minirnn "
            f"({__version__}) can read (version {FORMAT_VERSION}); upgrade minirnn"
        )
    validate_metadata(path, metadata, entries, CheckpointError)
    return metadata


def _entry(path: Path, entries: Mapping[str, np.ndarray], key: str) -> np.ndarray:
    if key not in entries:
        raise CheckpointError(f"{path}: missing array {key!r} listed in the metadata")
    return entries[key]


def load_params_into(
    model: Any, params: Mapping[str, np.ndarray], source: str = "checkpoint"
) -> None:
    """Copy ``params`` into ``model``'s parameter arrays in place, checking names and shapes.

    The arrays keep their identity, so anything holding a reference to them (an optimizer)
    sees the new values.
    """
    targets = {name: value for name, value, _ in model.named_parameters()}
    missing = sorted(set(targets) - set(params))
    unexpected = sorted(set(params) - set(targets))
    if missing or unexpected:
        raise CheckpointError(
            f"{source} does not match the model's parameters: "
            f"missing from the file {missing}, not in the model {unexpected}"
        )
    for name, target in targets.items():
        saved = params[name]
        if saved.shape != target.shape:
            raise CheckpointError(
                f"{source}: parameter {name!r} has shape {saved.shape} in the file "
                f"but {target.shape} in the model"
            )
    for name, target in targets.items():
        np.copyto(target, params[name], casting="same_kind")


def load_checkpoint(
    path: str | os.PathLike,
    model: Any = None,
    optimizer: Any = None,
    rng: np.random.Generator | Mapping[str, np.random.Generator] | None = None,
    *,
    legacy_rng: bool = False,
) -> Checkpoint:
    """Read a checkpoint and optionally restore it into live objects.

    Parameters
    ----------
    path : str or PathLike
        A file written by :func:`save_checkpoint`.
    model : Layer, optional
        Its parameters are overwritten in place; names and shapes must match exactly. A
        model with ``load_carried_state(state)`` also gets the saved carried state (an
        empty dict when the file has none).
    optimizer : optional
        Gets ``load_state_dict`` with the saved state; its class must match the saved one.
    rng : np.random.Generator or dict of them, optional
        Each generator is put back into its saved state (matched by name; a single generator
        takes the state saved as ``"rng"``).
    legacy_rng : bool
        Also restore NumPy's global legacy stream if it was saved.

    Returns
    -------
    Checkpoint

    Raises
    ------
    CheckpointError
        Truncated or corrupted file, missing entry, newer format version, or a parameter
        name/shape or optimizer class that does not match.
    """
    path = Path(path)
    entries = _read_entries(path)
    metadata = _parse_metadata(path, entries)
    checkpoint = _build_checkpoint(path, entries, metadata)
    generators = _check_restorable(checkpoint, model, optimizer, rng, legacy_rng)
    _restore(checkpoint, model, optimizer, generators, legacy_rng)
    return checkpoint


def _build_checkpoint(
    path: Path, entries: Mapping[str, np.ndarray], metadata: Mapping[str, Any]
) -> Checkpoint:
    """Gather the arrays the metadata lists into a :class:`Checkpoint`."""
    params = {item[0]: _entry(path, entries, _PARAM + item[0]) for item in metadata["params"]}
    optimizer_state = optimizer_class = None
    optimizer_meta = metadata.get("optimizer")
    if optimizer_meta is not None:
        optimizer_class = optimizer_meta["class"]
        optimizer_state = {k: from_json(v) for k, v in optimizer_meta["scalars"].items()}
        for key in optimizer_meta["arrays"]:
            optimizer_state[key] = _entry(path, entries, _OPTIM + key)
    return Checkpoint(
        path=path,
        params=params,
        optimizer_state=optimizer_state,
        optimizer_class=optimizer_class,
        vocab=metadata.get("vocab"),
        rng_states=metadata["rng_states"],
        legacy_rng_state=metadata.get("legacy_rng_state"),
        iteration=int(metadata["iteration"]),
        config=metadata["config"],
        trainer_state=from_json(metadata.get("trainer_state", {})),
        arrays={key: _entry(path, entries, _EXTRA + key) for key in metadata.get("extra", [])},
        carried_state={
            key: _entry(path, entries, _CARRIED + key)
            for key in metadata.get("carried_state", [])
        },
        metadata=dict(metadata),
    )


def _check_restorable(
    checkpoint: Checkpoint, model: Any, optimizer: Any, rng: Any, legacy_rng: bool
) -> dict[str, np.random.Generator]:
    """Check everything before changing anything, so a failed load leaves the objects intact.

    Returns the generators to restore, by saved name.
    """
    path = checkpoint.path
    if optimizer is not None:
        if checkpoint.optimizer_state is None:
            raise CheckpointError(f"{path} holds no optimizer state")
        if checkpoint.optimizer_class != type(optimizer).__name__:
            raise CheckpointError(
                f"{path} holds state of a {checkpoint.optimizer_class} optimizer, "
                f"not {type(optimizer).__name__}"
            )
    generators = _match_generators(checkpoint, rng)
    if legacy_rng and checkpoint.legacy_rng_state is None:
        raise CheckpointError(f"{path} holds no legacy np.random state (saved without legacy_rng)")
    carried = checkpoint.carried_state
    if model is not None and carried and not callable(getattr(model, "load_carried_state", None)):
        raise CheckpointError(
            f"{path} holds a carried state {sorted(carried)}, but {type(model).__name__} "
            "has no load_carried_state() to take it"
        )
    return generators


def _restore(
    checkpoint: Checkpoint, model: Any, optimizer: Any,
    generators: Mapping[str, np.random.Generator], legacy_rng: bool,
) -> None:
    """Put the checked checkpoint into the live objects."""
    if model is not None:
        load_params_into(model, checkpoint.params, source=str(checkpoint.path))
        load_carried = getattr(model, "load_carried_state", None)
        if callable(load_carried):
            # An empty dict (an older file, or nothing carried yet) means "start from zeros".
            load_carried(checkpoint.carried_state)
    if optimizer is not None:
        optimizer.load_state_dict(checkpoint.optimizer_state)
    for name, gen in generators.items():
        gen.bit_generator.state = from_json(checkpoint.rng_states[name])
    if legacy_rng:
        np.random.set_state(from_json(checkpoint.legacy_rng_state))  # noqa: NPY002


def _match_generators(checkpoint: Checkpoint, rng: Any) -> dict[str, np.random.Generator]:
    if rng is None:
        return {}
    if isinstance(rng, np.random.Generator):
        rng = {"rng": rng}
    for name, gen in rng.items():
        if name not in checkpoint.rng_states:
            raise CheckpointError(
                f"{checkpoint.path}: no saved RNG state named {name!r}; "
                f"saved: {sorted(checkpoint.rng_states)}"
            )
        saved_kind = checkpoint.rng_states[name].get("bit_generator")
        checkpoint.restore_rng(name)  # an unrestorable state fails here, before any change
        if saved_kind != type(gen.bit_generator).__name__:
            raise CheckpointError(
                f"{checkpoint.path}: RNG {name!r} was a {saved_kind}, "
                f"cannot restore it into a {type(gen.bit_generator).__name__}"
            )
    return dict(rng)


# -- what kind of checkpoint ------------------------------------------------------------------
def checkpoint_kind(checkpoint: Checkpoint) -> str:
    """Which command wrote the file: ``"char-rnn"``, ``"lm"``, ``"names"``,
    ``"seq2seq-attention"``, or ``"unknown"``.

    Read from the metadata's ``kind`` when it has one, otherwise from the configuration each
    command writes (files written before ``kind`` existed).
    """
    kind = checkpoint.metadata.get("kind")
    if isinstance(kind, str):
        return kind
    config = checkpoint.config
    if config.get("model") == "CharRNN":
        return "char-rnn"
    if config.get("task") == "names":
        return "names"
    if isinstance(config.get("model"), dict):
        return "lm"
    if "attention" in config:
        return "seq2seq-attention"
    return "unknown"


def require_kind(checkpoint: Checkpoint, kinds: Sequence[str], reader: str) -> None:
    """Raise CheckpointError unless the file is one of ``kinds``, naming the right command.

    ``reader`` is the command (or function) trying to load it, for the message.
    """
    kind = checkpoint_kind(checkpoint)
    if kind in kinds:
        return
    if kind in KIND_COMMANDS:
        article = "an" if kind[0] in "aeiloy" else "a"  # "an lm", "a char-rnn"
        raise CheckpointError(f"{checkpoint.path} is {article} {kind} checkpoint, which {reader} "
                              f"cannot use; use `{KIND_COMMANDS[kind]}`")
    raise CheckpointError(f"{checkpoint.path} is not a checkpoint {reader} can use: it was "
                          f"not written by {' or '.join(kinds)} training")


def require_shapes(checkpoint: Checkpoint, expected: Mapping[str, tuple[int, ...]]) -> None:
    """Raise CheckpointError unless each named parameter has the shape the config implies.

    Called before a model is built from the configuration, so that a config that does not
    describe the stored weights (a crafted one, or a vocabulary of the wrong size) is refused
    instead of allocating or indexing out of range.
    """
    for name, shape in expected.items():
        stored = checkpoint.params.get(name)
        if stored is None:
            raise CheckpointError(f"{checkpoint.path}: the configuration needs a parameter "
                                  f"{name!r}, which the file does not hold")
        if tuple(stored.shape) != tuple(shape):
            raise CheckpointError(f"{checkpoint.path}: parameter {name!r} is stored as "
                                  f"{tuple(stored.shape)}, but the configuration and vocabulary "
                                  f"imply {tuple(shape)}")


def saved_vocab(checkpoint: Checkpoint) -> Any:
    """The checkpoint's vocabulary as a :class:`~minirnn.data.Vocab`, checked.

    Raises CheckpointError naming the file when there is none or it is not a valid
    vocabulary (wrong types, repeated tokens, an unknown format).
    """
    from minirnn.data.vocab import Vocab

    if checkpoint.vocab is None:
        raise CheckpointError(f"{checkpoint.path} holds no vocabulary; it cannot be used to "
                              "read or write text")
    try:
        return Vocab.from_dict(checkpoint.vocab)
    except (TypeError, ValueError, KeyError) as err:
        raise CheckpointError(f"{checkpoint.path}: the saved vocabulary is not valid "
                              f"({err})") from None


def require_vocab_size(checkpoint: Checkpoint, vocab: Any, model_size: int) -> None:
    """Raise CheckpointError unless the vocabulary has as many tokens as the model's input
    and output (otherwise sampling would index out of range, or decode to the wrong tokens)."""
    if len(vocab) != model_size:
        raise CheckpointError(f"{checkpoint.path}: the vocabulary has {len(vocab)} tokens but "
                              f"the model's input and output have {model_size}; the file is "
                              "inconsistent")
