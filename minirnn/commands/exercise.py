"""``minirnn exercise``: list exercises, write a student template, check a solution.

    minirnn exercise list
    minirnn exercise new lstm_step_backward --out my_lstm.py
    minirnn exercise check my_lstm.py [lstm_step_backward]

``check`` exits with 0 when every gradient is right and 1 otherwise, so a grading script
can use it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from minirnn.exercises.checker import check
from minirnn.exercises.guard import StudentError
from minirnn.exercises.loader import load_student_file
from minirnn.exercises.registry import EXERCISES, get_exercise
from minirnn.exercises.template import write_template


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``exercise`` with its ``list``, ``new`` and ``check`` actions."""
    parser = subparsers.add_parser(
        "exercise",
        help="course exercises: write a backward pass, check it against finite differences",
        description="Course exercises: list them, write a student template, check a solution.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="list the exercises")
    listing.set_defaults(func=_list)

    new = actions.add_parser("new", help="write a student template .py file")
    new.add_argument("name", choices=list(EXERCISES), metavar="NAME",
                     help=f"the exercise: {', '.join(EXERCISES)}")
    new.add_argument("--out", help="file to write (default: NAME.py); never overwritten")
    new.set_defaults(func=_new)

    checking = actions.add_parser("check", help="check a student's file; exit 0 if all right")
    checking.add_argument("file", help="the student's .py file")
    checking.add_argument("name", nargs="?", metavar="NAME",
                          help="the exercise (default: the one whose function the file defines)")
    checking.set_defaults(func=_check)


def _list(args: argparse.Namespace) -> int:
    width = max(len(exercise.signature) for exercise in EXERCISES.values())
    for exercise in EXERCISES.values():
        print(f"{exercise.signature.ljust(width)}  pairs with {exercise.pairs_with}")
    return 0


def _new(args: argparse.Namespace) -> int:
    exercise = get_exercise(args.name)
    out = Path(args.out or f"{exercise.name}.py")
    if out.exists():
        print(f"error: {out} exists; not overwriting a student's work (choose --out)",
              file=sys.stderr)
        return 1
    out.write_text(write_template(exercise, str(out)), encoding="utf-8")
    print(f"wrote {out}: implement {exercise.signature}, then run "
          f"`minirnn exercise check {out}`")
    return 0


def _check(args: argparse.Namespace) -> int:
    try:
        module = load_student_file(args.file)
        name = args.name or _guess_exercise(module, args.file)
        get_exercise(name)
        student = getattr(module, name, None)
        if not callable(student):
            raise StudentError(f"{args.file} defines no function {name}(...)")
    except (StudentError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    report = check(student, name)
    print(report)
    return 0 if report.ok else 1


def _guess_exercise(module: object, filename: str) -> str:
    """The one exercise whose function the file defines."""
    found = [name for name in EXERCISES if callable(getattr(module, name, None))]
    if len(found) == 1:
        return found[0]
    if not found:
        raise StudentError(
            f"{filename} defines none of the exercise functions ({', '.join(EXERCISES)})"
        )
    raise StudentError(
        f"{filename} defines several exercise functions ({', '.join(found)}); name the one "
        "to check: minirnn exercise check FILE NAME"
    )
