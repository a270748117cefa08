"""The Sphinx documentation builds with warnings as errors, as in CI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_docs_build_without_warnings(tmp_path):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html",
               "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, f"sphinx-build failed:\n{done.stdout}\n{done.stderr}"
    built = {path.stem for path in (tmp_path / "html").glob("*.html")}
    assert {"index", "srn_bptt", "gradcheck", "api"} <= built
    # Every page is built (and -W fails on a page that no toctree reaches).
    assert {path.stem for path in DOCS.glob("*.md")} <= built
    # The book holds every walkthrough notebook, rendered from its committed outputs.
    notebooks = {path.stem for path in (DOCS.parent / "notebooks").glob("*.ipynb")}
    assert notebooks
    assert notebooks <= {path.stem for path in (tmp_path / "html" / "notebooks").glob("*.html")}
    # The maths renders offline: MathJax is served from the site, never from a CDN.
    assert (tmp_path / "html" / "_static" / "mathjax" / "tex-chtml.js").is_file()
    for page in [tmp_path / "html" / "srn_bptt.html", tmp_path / "html" / "notebooks" /
                 f"{sorted(notebooks)[0]}.html"]:
        scripts = re.findall(r'<script[^>]*src="([^"]*)"', page.read_text())
        assert any(src.endswith("_static/mathjax/tex-chtml.js") for src in scripts), scripts
        assert not [src for src in scripts if src.startswith(("http:", "https:", "//"))]


ROOT = DOCS.parent


def _bash_lines(markdown: str) -> list[str]:
    """Every line inside the ```bash blocks of a Markdown text."""
    return [line.strip() for block in re.findall(r"```bash\n(.*?)```", markdown, re.S)
            for line in block.splitlines() if line.strip()]


def test_ci_runs_the_readme_test_command_verbatim():
    script = (ROOT / ".ci" / "run").read_text()
    found = re.findall(r"^TEST_COMMAND='(.*)'$", script, re.M)
    assert len(found) == 1, "expected one TEST_COMMAND='...' line in .ci/run"
    assert 'bash -c "$TEST_COMMAND"' in script
    readme_lines = _bash_lines((ROOT / "README.md").read_text())
    assert found[0] in readme_lines
    assert "python -m pytest" in found[0]


def test_readme_quick_start_has_two_commands():
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = _bash_lines(quick)
    assert len(commands) == 2
    assert commands[0].startswith("pip install . && minirnn ")
    assert commands[1] == 'pip install ".[test]" && python -m pytest'


def test_ci_script_is_executable():
    assert os.access(ROOT / ".ci" / "run", os.X_OK)
