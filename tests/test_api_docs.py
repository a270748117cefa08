"""Every public name of every minirnn module is in the API documentation.

A module's public names are its ``__all__``. A name counts as documented when a page under
``docs/`` runs ``automodule`` on the module that defines it (autodoc then documents its
``__all__``), or names it in an ``autoclass``/``autofunction``/``autodata`` directive. The
CLI's command modules are the command line's implementation and are documented by
``minirnn --help`` and the pages' command sections instead.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import minirnn

DOCS = Path(__file__).resolve().parents[1] / "docs"
DIRECTIVE = re.compile(r"^\.\. (automodule|autoclass|autofunction|autodata|automethod):: (\S+)",
                       re.M)
NOT_API = ("minirnn.commands",)


def public_modules() -> list[str]:
    names = ["minirnn"]
    for info in pkgutil.walk_packages(minirnn.__path__, "minirnn."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts) or info.name.startswith(NOT_API):
            continue
        names.append(info.name)
    return names


def resolve(dotted: str) -> object:
    """The object a directive names: a module, or an attribute of one."""
    try:
        return importlib.import_module(dotted)
    except ImportError:
        module, _, name = dotted.rpartition(".")
        return getattr(resolve(module), name)


def module_members(module) -> list[object]:
    """What ``automodule`` with ``:members:`` shows: ``__all__``, else the public functions
    and classes defined in the module itself."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n, obj in vars(module).items() if not n.startswith("_")
                 and (inspect.isfunction(obj) or inspect.isclass(obj))
                 and obj.__module__ == module.__name__]
    return [getattr(module, n) for n in names]


def documented() -> tuple[set[str], set[int]]:
    """(modules given to automodule, ids of every object some directive documents)."""
    modules, objects = set(), set()
    for page in DOCS.glob("*.md"):
        for kind, target in DIRECTIVE.findall(page.read_text(encoding="utf-8")):
            found = resolve(target)
            if kind == "automodule":
                modules.add(target)
                objects.update(id(member) for member in module_members(found))
            else:
                objects.add(id(found))
    return modules, objects


def test_every_public_name_is_in_the_api_pages():
    _, objects = documented()
    missing = []
    for module_name in public_modules():
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            if id(getattr(module, name)) not in objects:
                missing.append(f"{module_name}.{name}")
    assert not missing, "not in any docs page: " + ", ".join(missing)


def test_every_module_of_models_layers_tasks_and_experiments_is_documented():
    # with or without __all__: automodule, or each of its members by name
    modules, objects = documented()
    wanted = [name for name in public_modules()
              if name.startswith(("minirnn.models.", "minirnn.layers.", "minirnn.tasks.",
                                  "minirnn.experiments.", "minirnn.data."))]
    assert wanted
    missing = [
        name for name in wanted if name not in modules and not all(
            id(m) in objects for m in module_members(importlib.import_module(name)))
    ]
    assert not missing, "no automodule for: " + ", ".join(missing)


def test_the_check_can_fail():
    from minirnn.layers import RNN
    from minirnn.layers.dropout import Dropout

    assert id(RNN) in documented()[1]  # autoclass minirnn.layers.RNN
    assert id(Dropout) in {id(m) for m in module_members(importlib.import_module(
        "minirnn.layers.dropout"))}
    assert id(public_modules) not in documented()[1]  # not everything counts as documented
    assert resolve("minirnn.optim.Adam").__name__ == "Adam"


def test_no_module_is_documented_twice():
    # Sphinx -W fails on a second description of the same object: find it here, quickly
    seen: dict[str, str] = {}
    twice = []
    for page in sorted(DOCS.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for block in re.split(r"\n(?=\.\. )", text):
            match = DIRECTIVE.match(block)
            if match and ":no-index:" not in block:
                if match.group(2) in seen:
                    twice.append(f"{match.group(2)} ({seen[match.group(2)]}, {page.name})")
                seen[match.group(2)] = page.name
    assert not twice, "documented twice: " + ", ".join(twice)
