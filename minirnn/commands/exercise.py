"""``minirnn exercise``: exercises for a course, a sandboxed grader, grades out.

    minirnn exercise list
    minirnn exercise new lstm_step_backward --out my_lstm.py
    minirnn exercise check my_lstm.py [lstm_step_backward] [--json out.json] [--gradescope]
    minirnn exercise check filled.ipynb --autograder release/autograder/rnn.ipynb
    minirnn exercise grade submissions/ --exercise lstm_step_backward --out grades.csv
    minirnn exercise notebook master.ipynb --out release/

``check`` and ``grade`` run every submission in a separate process with a time and a memory
limit and an import guard (``docs/course.md``). ``check`` exits with 0 when everything is
right and 1 otherwise.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from minirnn.commands.arguments import (
    check_output_path,
    non_negative_int,
    positive_float,
    positive_int,
)
from minirnn.errors import MinirnnError, UsageError
from minirnn.exercises import results
from minirnn.exercises.checker import grade_file
from minirnn.exercises.notebook import release
from minirnn.exercises.notebook_grade import NOTEBOOK_TIME_LIMIT, grade_notebook
from minirnn.exercises.registry import EXERCISES, get_exercise
from minirnn.exercises.sandbox import Limits
from minirnn.exercises.sandbox.runner import DEFAULT_MEMORY_LIMIT, DEFAULT_TIME_LIMIT
from minirnn.exercises.template import write_template


def _limit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--time-limit", type=positive_float, metavar="S",
                        help=f"wall-clock seconds per submission (default {DEFAULT_TIME_LIMIT:g}"
                             f", {NOTEBOOK_TIME_LIMIT:g} for a notebook)")
    parser.add_argument("--memory-limit", type=positive_int, metavar="MB",
                        default=DEFAULT_MEMORY_LIMIT,
                        help=f"address space per submission in MiB (default "
                             f"{DEFAULT_MEMORY_LIMIT}; at least 200)")
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="move the test cases' seeds (0: the published cases); a course "
                             "can keep its seed private so inputs cannot be looked up")
    parser.add_argument("--autograder", metavar="NOTEBOOK",
                        help="for .ipynb submissions: the autograder version of the notebook "
                             "(from `minirnn exercise notebook`)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``exercise`` with its ``list``, ``new``, ``check``, ``grade`` and ``notebook``."""
    parser = subparsers.add_parser(
        "exercise",
        help="course exercises: templates, a sandboxed autograder, grades out",
        description="Course exercises: list them, write a student template, grade "
                    "submissions in a sandbox, split a master notebook.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    actions.add_parser("list", help="list the exercises").set_defaults(func=_list)

    new = actions.add_parser("new", help="write a student template .py file")
    new.add_argument("name", choices=list(EXERCISES), metavar="NAME",
                     help=f"the exercise: {', '.join(EXERCISES)}")
    new.add_argument("--out", help="file to write (default: NAME.py); never overwritten")
    new.set_defaults(func=_new)

    checking = actions.add_parser("check", help="grade one file in the sandbox; exit 0 if right")
    checking.add_argument("file", help="the student's .py file or filled-in .ipynb notebook")
    checking.add_argument("name", nargs="?", metavar="NAME",
                          help="the exercise (default: the one whose function the file defines)")
    checking.add_argument("--json", metavar="FILE", help="also write the grade as JSON "
                          "(format minirnn-grade/1)")
    checking.add_argument("--gradescope", nargs="?", const="results.json", metavar="FILE",
                          help="also write Gradescope's results.json (default name: "
                               "results.json)")
    _limit_options(checking)
    checking.set_defaults(func=_check)

    grading = actions.add_parser("grade", help="grade every submission in a folder into a CSV")
    grading.add_argument("folder", help="folder of submissions (.py files or .ipynb notebooks)")
    grading.add_argument("--exercise", metavar="NAME", help="the exercise of the .py files "
                         "(default: guessed from each file)")
    grading.add_argument("--out", default="grades.csv", help="the CSV to write (default "
                         "grades.csv; the summary goes beside it as NAME_summary.txt)")
    grading.add_argument("--jobs", type=positive_int, default=1, metavar="N",
                         help="grade N submissions at once (default 1)")
    grading.add_argument("--results", metavar="DIR", help="also write one minirnn-grade/1 "
                         "JSON per submission into DIR")
    _limit_options(grading)
    grading.set_defaults(func=_grade)

    splitting = actions.add_parser("notebook", help="split a master notebook into student and "
                                   "autograder versions")
    splitting.add_argument("master", help="the master .ipynb (solutions and hidden tests)")
    splitting.add_argument("--out", default="release", help="folder for student/ and "
                           "autograder/ (default: release)")
    splitting.add_argument("--force", action="store_true", help="overwrite earlier versions")
    splitting.set_defaults(func=_notebook)


def _list(args: argparse.Namespace) -> int:
    width = max(len(exercise.signature) for exercise in EXERCISES.values())
    for exercise in EXERCISES.values():
        print(f"{exercise.signature.ljust(width)}  [{exercise.kind}] {exercise.pairs_with}")
        print(f"{'':{width}}  difficulty {exercise.difficulty}")
    return 0


def _new(args: argparse.Namespace) -> int:
    exercise = get_exercise(args.name)
    out = Path(args.out or f"{exercise.name}.py")
    if out.exists():
        raise UsageError(f"--out: {out} exists; not overwriting a student's work (choose "
                         "another --out)")
    check_output_path(out, "--out")
    out.write_text(write_template(exercise, str(out)), encoding="utf-8")
    print(f"wrote {out}: implement {exercise.signature}, then run "
          f"`minirnn exercise check {out}`")
    return 0


def _limits(args: argparse.Namespace, notebook: bool) -> Limits:
    default = NOTEBOOK_TIME_LIMIT if notebook else DEFAULT_TIME_LIMIT
    try:
        return Limits(args.time_limit or default, args.memory_limit)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _grade_one(path: Path, name: str | None, args: argparse.Namespace):
    """Grade a .py file or a notebook in the sandbox."""
    if path.suffix == ".ipynb":
        if not args.autograder:
            raise UsageError(f"file: {path} is a notebook: give --autograder NOTEBOOK (the "
                             "autograder version from `minirnn exercise notebook`)")
        return grade_notebook(path, args.autograder, _limits(args, notebook=True))
    if name is not None and name not in EXERCISES:
        raise UsageError(f"NAME: no exercise named {name!r}; the exercises are: "
                         f"{', '.join(EXERCISES)}")
    return grade_file(path, name, _limits(args, notebook=False), seed=args.seed)


def _check(args: argparse.Namespace) -> int:
    for option in ("json", "gradescope"):
        if getattr(args, option):
            check_output_path(getattr(args, option), f"--{option}")
    report = _grade_one(Path(args.file), args.name, args)
    print(report)
    if args.json:
        results.write_json(results.grade_document(report), args.json)
    if args.gradescope:
        results.write_json(results.gradescope_document(report), args.gradescope)
    return 0 if report.ok else 1


def _submissions(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise UsageError(f"folder: {folder} is not a folder of submissions")
    found = sorted(p for p in folder.iterdir() if p.suffix in (".py", ".ipynb") and p.is_file())
    if not found:
        raise UsageError(f"folder: {folder} holds no .py or .ipynb files to grade")
    return found


def _grade(args: argparse.Namespace) -> int:
    submissions = _submissions(Path(args.folder))
    out = check_output_path(args.out, "--out")
    if args.results:
        Path(args.results).mkdir(parents=True, exist_ok=True)
    documents: dict[Path, dict] = {}
    # each submission is its own child process, so threads are enough to run several at once
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        running = {pool.submit(_document, path, args): path for path in submissions}
        for number, done in enumerate(as_completed(running), 1):
            path, document = running[done], done.result()
            documents[path] = document
            print(f"[{number}/{len(submissions)}] {path.name}: {document['score']:g}/"
                  f"{document['max_score']:g} {'PASS' if document['passed'] else 'FAIL'}",
                  flush=True)
            if args.results:
                results.write_json(document, Path(args.results) / f"{path.stem}.json")
    documents = [documents[path] for path in submissions]
    results.write_csv(documents, out)
    text = results.summary(documents)
    summary_path = out.with_name(f"{out.stem}_summary.txt")
    summary_path.write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"wrote {out} and {summary_path}")
    return 0


def _document(path: Path, args: argparse.Namespace) -> dict:
    """The grade document of one submission; a broken file gets score 0, not an abort."""
    try:
        return results.grade_document(_grade_one(path, args.exercise, args))
    except UsageError:
        raise
    except MinirnnError as error:  # one broken file must not stop the class's grading
        return _ungradable(path, args.exercise, str(error))


def _ungradable(path: Path, exercise: str | None, message: str) -> dict:
    """The grade document of a file that could not be graded at all (score 0)."""
    return {"format": results.FORMAT, "exercise": exercise or "unknown",
            "submission": str(path), "score": 0, "max_score": 0, "passed": False,
            "verdict": f"FAIL: could not be graded: {message}", "violation": None,
            "seconds": None, "diagnoses": [],
            "tests": [{"name": "load", "score": 0, "max_score": 0, "verdict": "error",
                       "message": message, "diagnoses": []}]}


def _notebook(args: argparse.Namespace) -> int:
    student, autograder = release(args.master, args.out, force=args.force)
    print(f"wrote {student} (hand this out) and {autograder} (grade with it: minirnn exercise "
          f"check FILLED.ipynb --autograder {autograder})")
    return 0
