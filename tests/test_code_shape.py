"""Short functions: no function in ``minirnn/`` has more than 80 lines of code.

Code lines are the lines of a function that hold code: blank lines, comment-only lines and
docstrings do not count. A nested function counts towards its parent too (it is read as part
of it). Run this file as a script to see the longest functions:

    python tests/test_code_shape.py [how many]
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "minirnn"
LIMIT = 80
#: functions allowed to be longer, each with the reason (hand-tuned loops where splitting
#: would cost measured speed); "module.py:function" relative to minirnn/
EXCEPTIONS: dict[str, str] = {}


def _code_line_numbers(source: str) -> set[int]:
    """Line numbers holding a token other than comments, newlines and indentation."""
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENCODING, tokenize.ENDMARKER}
    lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in skip:
            lines.update(range(token.start[0], token.end[0] + 1))
    return lines


def _docstring_lines(node: ast.AST) -> set[int]:
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    body = node.body if isinstance(node, kinds) else []
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return set(range(body[0].lineno, body[0].end_lineno + 1))
    return set()


def function_lengths(package: Path = PACKAGE) -> list[tuple[int, str]]:
    """``(code lines, "path:qualified name")`` for every function, longest first."""
    found = []
    for path in sorted(package.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        code = _code_line_numbers(source)
        tree = ast.parse(source)
        docstrings = set()
        for node in ast.walk(tree):
            docstrings |= _docstring_lines(node)
        code -= docstrings
        stack = [(tree, "")]
        while stack:
            parent, prefix = stack.pop()
            for node in ast.iter_child_nodes(parent):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    name = f"{prefix}{node.name}"
                    if not isinstance(node, ast.ClassDef):
                        # from the first decorator (or def) to the last line of the body
                        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                        count = len(code & set(range(first, node.end_lineno + 1)))
                        found.append((count, f"{path.relative_to(package)}:{name}"))
                    stack.append((node, name + "."))
                else:
                    stack.append((node, prefix))
    return sorted(found, reverse=True)


def test_no_function_is_longer_than_the_limit():
    too_long = [
        (count, where) for count, where in function_lengths()
        if count > LIMIT and where not in EXCEPTIONS
    ]
    assert not too_long, f"functions over {LIMIT} code lines: {too_long}"


def test_the_exceptions_are_still_needed():
    lengths = {where: count for count, where in function_lengths()}
    for where in EXCEPTIONS:
        assert lengths.get(where, 0) > LIMIT, f"{where} is no longer an exception; remove it"


def test_the_counter_skips_docstrings_comments_and_blank_lines(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "m.py").write_text(
        'def f(x):\n    """Doc\n\n    more doc.\n    """\n    # a comment\n\n'
        "    y = (x +\n         1)\n    return y\n",
        encoding="utf-8",
    )
    assert function_lengths(package) == [(4, "m.py:f")]


if __name__ == "__main__":
    for count, where in function_lengths()[: int(sys.argv[1]) if len(sys.argv) > 1 else 15]:
        print(f"{count:4d}  {where}")
