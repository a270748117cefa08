"""Imports flow one way: functional <- layers <- models <- train <- experiments <- commands <- cli.

Every ``import minirnn...`` in the package (at the top of a module or inside a function) is
checked against :data:`MAY_IMPORT`, the table of ``docs/architecture.md``. A new top-level
module or package must be placed in the table before it can be imported from anywhere.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "minirnn"

#: modules every part may import: the package's private top-level helpers (argument checks,
#: atomic files, .npz reading, ...), its errors and its version
FOUNDATION = {"errors", "minirnn"} | {
    path.stem for path in PACKAGE.glob("_*.py") if path.stem != "__main__"
}

#: part of the package -> the parts it may import (besides itself and FOUNDATION)
_BASICS = {"functional", "data", "optim", "clip", "metrics", "plot"}
_LAYERED = _BASICS | {"layers", "losses"}
_TOOLS = _LAYERED | {"gradcheck", "diagnostics", "interop"}
MAY_IMPORT: dict[str, set[str]] = {
    # pure functions, data and the small self-contained tools
    "functional": set(),
    "data": set(),
    "optim": {"clip"},  # Adagrad.step_clipped clips each array as clip_grad_value does
    "clip": set(),
    "metrics": set(),
    "plot": set(),
    # stateful layers and the losses
    "layers": {"functional"},
    "losses": {"functional"},
    # tools that work on layers
    "gradcheck": {"functional", "layers"},
    "diagnostics": {"functional", "layers"},
    "interop": {"functional", "layers"},
    # generated task data: data only, never models
    "tasks": {"data"},
    # models: built from layers (a task's encoding may serve a convenience method); never
    # trained here
    "models": _TOOLS | {"tasks"},
    # the training loop: generic, above the models (the classic replicas' loops use both)
    "train": _TOOLS | {"tasks", "models"},
    # a model, a task and fit put together; student exercises
    "experiments": _TOOLS | {"tasks", "models", "train"},
    "exercises": _TOOLS | {"tasks", "models", "train"},
    # the `minirnn` subcommands and the entry point
    "commands": _TOOLS | {"tasks", "models", "train", "experiments", "exercises"},
    "cli": {"commands"},
    "__main__": {"cli"},
}


#: files allowed to break the table for now, with the reason; keep this empty
NOT_YET: dict[str, str] = {
    # the checkpoint helpers of the classic trainer; the CharRNN restructuring of issue 10
    # moves this training code into minirnn/train and deletes the file
    "models/char_rnn_trainer.py": "training code in models/, moving to minirnn/train",
}


def _part(module: str) -> str:
    """``minirnn.layers.lstm`` -> ``layers``; ``minirnn.clip`` -> ``clip``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every absolute ``minirnn`` import in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name.split(".")[0] == "minirnn"]


def import_violations(package: Path = PACKAGE) -> list[str]:
    """Every import that goes against :data:`MAY_IMPORT`, as ``file:line part -> part``."""
    problems = []
    for path in sorted(package.rglob("*.py")):
        source = _part(_module_name(path, package))
        # the foundation stands on nothing but itself
        allowed = set() if source in FOUNDATION else MAY_IMPORT.get(source)
        if allowed is None:
            problems.append(f"{path.relative_to(package)}: part {source!r} is not in MAY_IMPORT")
            continue
        for line, name in _imports(path):
            target = _part(name)
            if target != source and target not in FOUNDATION and target not in allowed:
                problems.append(f"{path.relative_to(package)}:{line} {source} -> {target}")
    return problems


def test_imports_flow_one_way():
    problems = [p for p in import_violations() if p.split(":")[0] not in NOT_YET]
    assert problems == []


def test_the_table_has_no_circles():
    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for part in MAY_IMPORT.get(start, ()):
            if part == goal or (part not in seen and reaches(part, goal, seen | {part})):
                return True
        return False

    assert [part for part in MAY_IMPORT if reaches(part, part, set())] == []


@pytest.mark.parametrize(
    ("source", "code", "expected"),
    [("functional/x.py", "from minirnn.layers import LSTM\n", "functional -> layers"),
     ("models/x.py", "def f():\n    from minirnn.train import fit\n", "models -> train"),
     ("tasks/x.py", "import minirnn.models.seq2seq\n", "tasks -> models")],
)
def test_a_wrong_import_is_found(tmp_path, source, code, expected):
    package = tmp_path / "minirnn"
    (package / source).parent.mkdir(parents=True)
    (package / source).write_text(code, encoding="utf-8")
    (problem,) = import_violations(package)
    assert problem.endswith(expected)


def test_one_generate_text_signature():
    import inspect

    from minirnn.models import char_rnn, language_model

    def shape(function):
        parameters = inspect.signature(function).parameters.values()
        return [(p.name, p.kind, p.default) for p in parameters]

    assert shape(char_rnn.generate_text) == shape(language_model.generate_text)


def test_no_private_name_is_imported_from_another_module():
    """A helper used in two modules is public (or moves): ``from m import _helper`` is refused.

    Private *modules* (``minirnn._checks``) hold public names for the package's own use.
    """
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("minirnn"):
                found += [f"{path.relative_to(PACKAGE)}:{node.lineno} {node.module}.{a.name}"
                          for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")]
    assert found == []
