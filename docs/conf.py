"""Sphinx configuration: MyST Markdown pages, MathJax, numpydoc docstrings, autodoc.

Built in CI with ``sphinx-build -W -b html docs docs/_build/html`` (warnings are errors).
Every ``docs/*.md`` page is picked up by the globbing toctree in ``index.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Document the source tree next to this folder, installed or not.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import minirnn  # noqa: E402

project = "minirnn"
author = "the minirnn authors"
copyright = "the minirnn authors, MIT License"  # noqa: A001
release = minirnn.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# MyST: $...$ and $$...$$ maths, ```{math} blocks and amsmath environments.
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

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
