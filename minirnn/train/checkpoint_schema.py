"""The written schema of a checkpoint's JSON metadata, and the checks that enforce it.

A checkpoint is validated, not trusted: :func:`validate_metadata` runs before anything is
built from the file. It checks

* the keys and the type of every value (:data:`SCHEMA`; nested parts below);
* that every array the metadata lists is in the file, with the listed shape and dtype, and
  that parameters are floating-point;
* that every size in the configuration (``vocab_size``, ``hidden_size``, ``num_layers``,
  ... anywhere in ``config``, see :data:`SIZE_KEYS`) is a positive integer no larger than
  the arrays actually stored allow, so a crafted config cannot make a loader allocate a
  model larger than the file;
* that a saved vocabulary is a dict (its content is checked by ``Vocab.from_dict`` when a
  loader rebuilds it).

Every failure is a :class:`~minirnn.train.checkpoint.CheckpointError` naming the file, the
key and what was wrong.

=====================  ==========================  =========================================
key                    type                        meaning
=====================  ==========================  =========================================
``format``             str                         always ``"minirnn-checkpoint"``
``format_version``     int >= 1                    layout version
``minirnn_version``    str (optional)              the writer's version
``iteration``          int >= 0                    completed updates
``config``             dict                        free-form settings (sizes checked)
``vocab``              dict or null                ``Vocab.to_dict()``
``rng_states``         dict of str -> dict         ``bit_generator.state`` by name
``legacy_rng_state``   dict or null                ``np.random.get_state(legacy=False)``
``params``             list of [str, [int], str]   name, shape, dtype of each parameter
``optimizer``          dict or null                ``{"class", "scalars", "arrays"}``
``trainer_state``      dict (optional)             resume bookkeeping
``extra``              list of str (optional)      names of ``extra/`` arrays
``carried_state``      list of str (optional)      names of ``carried/`` arrays
``kind``               str (optional)              which command wrote it (``"lm"``, ...)
=====================  ==========================  =========================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

#: key -> (allowed JSON types, required)
SCHEMA: dict[str, tuple[tuple[type, ...], bool]] = {
    "format": ((str,), True),
    "format_version": ((int,), True),
    "minirnn_version": ((str,), False),
    "iteration": ((int,), True),
    "config": ((dict,), True),
    "vocab": ((dict, type(None)), False),
    "rng_states": ((dict,), True),
    "legacy_rng_state": ((dict, type(None)), False),
    "params": ((list,), True),
    "optimizer": ((dict, type(None)), False),
    "trainer_state": ((dict,), False),
    "extra": ((list,), False),
    "carried_state": ((list,), False),
    "kind": ((str,), False),
}
#: config keys (at any depth) that are sizes of the model, bounded by the stored arrays
SIZE_KEYS = frozenset({
    "vocab_size", "hidden_size", "embed_dim", "embedding_dim", "input_size", "num_classes",
    "attention_size", "hidden", "embed", "bits",
})
#: config keys (at any depth) that count layers, bounded by the number of stored arrays
COUNT_KEYS = frozenset({"num_layers", "layers"})

_TYPE_NAMES = {str: "a string", int: "an integer", dict: "an object", list: "a list",
               type(None): "null"}


def validate_metadata(
    path: Path, metadata: Mapping[str, Any], entries: Mapping[str, np.ndarray],
    error: Callable[[str], Exception],
) -> None:
    """Raise ``error(message)`` unless the metadata follows the schema and fits the arrays."""

    def fail(message: str) -> None:
        raise error(f"{path}: {message}")

    for key, (types, required) in SCHEMA.items():
        if key not in metadata:
            if required:
                fail(f"the metadata is missing the key {key!r}; the file is not a complete "
                     "minirnn checkpoint")
            continue
        _require_type(fail, key, metadata[key], types)
    if metadata["iteration"] < 0:
        fail(f"'iteration' must be >= 0, got {metadata['iteration']}")
    _check_params(fail, metadata["params"], entries)
    _check_optimizer(fail, metadata.get("optimizer"), entries)
    for key, prefix in (("extra", "extra/"), ("carried_state", "carried/")):
        for name in metadata.get(key, []):
            _require_type(fail, f"an entry of {key!r}", name, (str,))
            _require_array(fail, prefix + name, entries)
    for name, state in metadata["rng_states"].items():
        _require_type(fail, f"rng_states[{name!r}]", state, (dict,))
        _require_type(fail, f"rng_states[{name!r}]['bit_generator']",
                      state.get("bit_generator"), (str,))
    _check_sizes(fail, metadata["config"], metadata["params"])


def _require_type(fail, key: str, value: Any, types: tuple[type, ...]) -> None:
    # bool is an int in Python; a JSON true is never a valid size or count here.
    if isinstance(value, bool) or not isinstance(value, types):
        wanted = " or ".join(_TYPE_NAMES[t] for t in types)
        fail(f"{key} must be {wanted}, got {type(value).__name__} {str(value)[:40]!r}")


def _require_array(fail, key: str, entries: Mapping[str, np.ndarray]) -> np.ndarray:
    if key not in entries:
        fail(f"missing array {key!r} listed in the metadata")
    return entries[key]


def _check_params(fail, params: list, entries: Mapping[str, np.ndarray]) -> None:
    """Each item is [name, shape, dtype] and matches a floating-point ``param/`` array."""
    if not params:
        fail("'params' is empty: the checkpoint holds no model")
    for item in params:
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], str)
                and isinstance(item[1], list) and isinstance(item[2], str)
                and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                        for n in item[1])):
            fail(f"each 'params' item must be [name, shape, dtype], got {str(item)[:60]}")
        name, shape, dtype = item
        array = _require_array(fail, "param/" + name, entries)
        if list(array.shape) != shape or str(array.dtype) != dtype:
            fail(f"parameter {name!r} is listed as {tuple(shape)} {dtype} but stored as "
                 f"{array.shape} {array.dtype}")
        if not np.issubdtype(array.dtype, np.floating):
            fail(f"parameter {name!r} has dtype {array.dtype}; parameters are floating-point")


def _check_optimizer(fail, optimizer: dict | None, entries: Mapping[str, np.ndarray]) -> None:
    if optimizer is None:
        return
    _require_type(fail, "optimizer['class']", optimizer.get("class"), (str,))
    _require_type(fail, "optimizer['scalars']", optimizer.get("scalars"), (dict,))
    _require_type(fail, "optimizer['arrays']", optimizer.get("arrays"), (list,))
    for key, value in optimizer["scalars"].items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            fail(f"optimizer scalar {key!r} must be a number, got {str(value)[:40]!r}")
    for key in optimizer["arrays"]:
        _require_type(fail, "an entry of optimizer['arrays']", key, (str,))
        _require_array(fail, "optim/" + key, entries)


def _check_sizes(fail, config: dict, params: list) -> None:
    """Every size in ``config`` is a positive int no larger than the stored arrays allow."""
    largest = max((max(shape, default=1) for _, shape, _ in params), default=0)
    for key, value in _walk(config):
        if key in SIZE_KEYS or key in COUNT_KEYS:
            if value is None and key in ("embed_dim", "embedding_dim", "embed"):
                continue  # one-hot input: no embedding
            _require_type(fail, f"config size {key!r}", value, (int,))
            bound = len(params) if key in COUNT_KEYS else largest
            if not 0 <= value <= bound:
                fail(f"config size {key!r} is {value}, but the arrays in the file allow at "
                     f"most {bound}; the configuration does not describe these weights")


def _walk(config: Any, depth: int = 0):
    """``(key, value)`` of every dict entry in a nested config, a few levels deep."""
    if depth > 8 or not isinstance(config, dict):
        return
    for key, value in config.items():
        yield key, value
        yield from _walk(value, depth + 1)
