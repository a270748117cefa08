"""Sphinx configuration: the course book.

MyST Markdown pages, the walkthrough notebooks rendered from their committed outputs (myst-nb,
never re-executed here), MathJax served from the built site itself (so the maths renders
offline), numpydoc docstrings and autodoc.

Built in CI with ``sphinx-build -W -b html docs docs/_build/html`` (warnings are errors).
Every ``docs/*.md`` page is picked up by the globbing toctree in ``index.md``; the notebooks
are copied from ``notebooks/`` into ``docs/notebooks/`` (a build artefact, ignored by git) when
this file is read, because Sphinx only reads sources below its own folder.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Document the source tree next to this folder, installed or not.
sys.path.insert(0, str(ROOT))


def _copy_notebooks(source: Path, target: Path) -> None:
    """Mirror ``source/*.ipynb`` into ``target`` (stale copies removed first)."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    for notebook in sorted(source.glob("*.ipynb")):
        shutil.copyfile(notebook, target / notebook.name)


_copy_notebooks(ROOT / "notebooks", ROOT / "docs" / "notebooks")

import minirnn  # noqa: E402

project = "minirnn"
author = "the minirnn authors"
copyright = "the minirnn authors, MIT License"  # noqa: A001
release = minirnn.__version__
version = release

extensions = [
    "myst_nb",  # MyST Markdown and notebooks (it loads myst_parser itself)
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax copied into _static: no CDN needed to read the maths
    "numpydoc",
]

source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# MyST: $...$ and $$...$$ maths, ```{math} blocks and amsmath environments.
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# Notebooks show the outputs they were committed with (the full setting their text describes,
# see notebooks/README.md); the docs build never runs them.
nb_execution_mode = "off"

# Autodoc/numpydoc: members in source order; numpydoc renders the Parameters/Returns/Notes
# sections, and its autosummary member tables are off (they would need generated stubs).
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "none"  # numpydoc's Parameters section already states the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "alabaster"
html_title = "minirnn"
# No static files of our own; an absent html_static_path folder would be a warning.
html_static_path: list[str] = []
