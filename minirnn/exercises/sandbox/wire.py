"""Values across the sandbox boundary as JSON plus one ``.npz`` of arrays: never pickle.

The grader writes the arguments of every call it wants made, the sandboxed child writes what
the student's function returned. Both sides use :func:`encode` and :func:`decode`. A value is
described by a small JSON tree; arrays sit in a dict by key and are saved with
``np.savez`` and loaded with ``allow_pickle=False``.

This module runs inside the sandbox before the import guard is up, so it imports only the
standard library and numpy.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

#: array dtypes that may cross (object arrays would need pickle)
_PLAIN_KINDS = "biuf"


class Unsupported:
    """A returned value that cannot cross the boundary; keeps its type name for the message."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name}>"


def tanh_grad(h: np.ndarray) -> np.ndarray:
    """:math:`1 - h^2`: the tanh derivative from its output (the RNN caches' ``f_grad``)."""
    return 1.0 - h * h


#: functions a cache may hold, rebuilt by name on the other side
FUNCTIONS = {"tanh_grad": tanh_grad}


def encode(value: object, arrays: dict[str, np.ndarray]) -> object:
    """The JSON description of ``value``; its arrays are added to ``arrays``."""
    if isinstance(value, Seeded):
        return {"kind": "rng", "seed": value.seed}
    if value is None or isinstance(value, (bool, str)):
        return {"kind": "plain", "value": value}
    if isinstance(value, (int, np.integer)):
        return {"kind": "plain", "value": int(value)}
    if isinstance(value, (float, np.floating)) and not isinstance(value, np.ndarray):
        return {"kind": "float", "value": repr(float(value))}
    if isinstance(value, np.random.Generator):
        return {"kind": "unsupported", "type": "Generator"}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _PLAIN_KINDS:
            return {"kind": "unsupported", "type": f"ndarray of dtype {value.dtype}"}
        key = f"a{len(arrays)}"
        arrays[key] = value
        return {"kind": "array", "key": key}
    if isinstance(value, (tuple, list)):
        return {"kind": type(value).__name__, "items": [encode(v, arrays) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"kind": "dict", "items": {k: encode(v, arrays) for k, v in value.items()}}
    name = getattr(value, "__name__", None)
    if callable(value) and FUNCTIONS.get(name) is value:
        return {"kind": "function", "name": name}
    return {"kind": "unsupported", "type": type(value).__name__}


def decode(tree: object, arrays: dict[str, np.ndarray]) -> object:
    """The value :func:`encode` described (arrays are fresh copies)."""
    kind = tree["kind"]
    if kind == "plain":
        return tree["value"]
    if kind == "float":
        return float(tree["value"])
    if kind == "array":
        return np.array(arrays[tree["key"]], copy=True)
    if kind in ("tuple", "list"):
        items = [decode(item, arrays) for item in tree["items"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {k: decode(v, arrays) for k, v in tree["items"].items()}
    if kind == "function":
        return FUNCTIONS[tree["name"]]
    if kind == "rng":
        return np.random.default_rng(int(tree["seed"]))
    return Unsupported(tree.get("type", "unknown"))


class Seeded:
    """An argument that reaches the student as ``np.random.default_rng(seed)``."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)


def materialise(value: object) -> object:
    """``value`` with every :class:`Seeded` replaced by its generator (for in-process calls)."""
    if isinstance(value, Seeded):
        return np.random.default_rng(value.seed)
    if isinstance(value, tuple):
        return tuple(materialise(item) for item in value)
    if isinstance(value, list):
        return [materialise(item) for item in value]
    if isinstance(value, dict):
        return {key: materialise(item) for key, item in value.items()}
    return value


def save(path: Path, document: dict, values: dict[str, object]) -> None:
    """Write ``document`` plus encoded ``values`` as ``path.json`` and ``path.npz``."""
    arrays: dict[str, np.ndarray] = {}
    trees = {key: encode(value, arrays) for key, value in values.items()}
    np.savez(str(path) + ".npz", **arrays)
    text = json.dumps({**document, "values": trees})
    Path(str(path) + ".json").write_text(text, encoding="utf-8")


def load(path: Path) -> tuple[dict, dict[str, object]]:
    """Read what :func:`save` wrote: the document and the decoded values."""
    document = json.loads(Path(str(path) + ".json").read_text(encoding="utf-8"))
    with np.load(str(path) + ".npz", allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    values = {k: decode(v, arrays) for k, v in document.pop("values").items()}
    return document, values
