"""Run every ``minirnn`` subcommand with nonsense arguments and report what a user would see.

    python tools/nonsense_cli.py            # a Markdown table on stdout
    python tools/nonsense_cli.py --check    # exit 1 if any case shows a traceback, exits 0
                                            # or gives more than one error line

Each case runs ``python -m minirnn ...`` in a subprocess from a scratch directory (so nothing
is written into the repository) with a time limit. The table lists the arguments, the exit
status and the last line of stderr. Every case is expected to be refused: status 1 or 2, no
"Traceback", and the ``minirnn <command>: error: ...`` line. The files the cases need (a
checkpoint of another kind, random bytes, a truncated checkpoint, a directory) are made in
the scratch directory first. ``tests/test_bad_inputs_cli.py`` runs the same list.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: (arguments, what is wrong with them); {dir} is the scratch directory
CASES: list[tuple[list[str], str]] = [
    (["gradcheck", "lstm", "--hidden-size", "0"], "size 0"),
    (["gradcheck", "rnn", "--steps", "-3"], "negative steps"),
    (["gradcheck", "gru", "--max-entries", "0"], "compares nothing"),
    (["gradcheck", "rnn", "--seed", "-1"], "negative seed"),
    (["gradcheck", "rnn", "--nonlinearity", "gelu"], "unknown choice"),
    (["gradcheck", "transformer"], "unknown kind"),
    (["char-rnn", "train", "--seq-length", "0"], "zero chunk"),
    (["char-rnn", "train", "--lr", "-1"], "negative learning rate"),
    (["char-rnn", "train", "--iters", "-5"], "negative iterations"),
    (["char-rnn", "train", "--data", "{dir}/missing.txt"], "missing data"),
    (["char-rnn", "train", "--out", "{dir}"], "output is a directory"),
    (["char-rnn", "train", "--out", "{dir}/plain.txt/x.npz"], "output below a file"),
    (["char-rnn", "sample", "{dir}/random.npz"], "random bytes"),
    (["char-rnn", "sample", "{dir}/lm.npz"], "a language-model checkpoint"),
    (["char-rnn", "sample", "{dir}/char.npz", "--temperature", "0"], "temperature 0"),
    (["char-rnn", "sample", "{dir}/char.npz", "--top-k", "0"], "top-k 0"),
    (["binary-addition", "--classic", "--lr", "-1"], "negative learning rate"),
    (["binary-addition", "--bits", "1"], "one bit"),
    (["binary-addition", "--hidden", "0"], "no hidden units"),
    (["binary-addition", "--test-bits", "0"], "zero test width"),
    (["lm", "train", "--seq-len", "0"], "zero chunk"),
    (["lm", "train", "--iters", "-5"], "negative iterations"),
    (["lm", "train", "--lr", "-1"], "negative learning rate"),
    (["lm", "train", "--clip", "-1"], "negative clip"),
    (["lm", "train", "--epochs", "0"], "zero epochs"),
    (["lm", "train", "--batch-size", "0"], "zero batch"),
    (["lm", "train", "--dropout", "1.5"], "dropout above 1"),
    (["lm", "train", "--val-fraction", "1"], "nothing left to train on"),
    (["lm", "train", "--val-fraction", "0"], "nothing to validate on"),
    (["lm", "train", "--seq-len", "100000", "--iters", "1"], "chunk longer than the text"),
    (["lm", "train", "--data", "{dir}/binary.bin"], "not text"),
    (["lm", "train", "--out", "{dir}"], "output is a directory"),
    (["lm", "train", "--out", "{dir}/plain.txt/lm.npz"], "output below a file"),
    (["lm", "train", "--resume", "{dir}/missing.npz"], "missing checkpoint"),
    (["lm", "train", "--resume", "{dir}/char.npz"], "a char-rnn checkpoint"),
    (["lm", "train", "--resume", "{dir}/lm.npz", "--hidden", "64", "--lr", "0.5"],
     "options that contradict the checkpoint"),
    (["lm", "generate", "{dir}/char.npz"], "a char-rnn checkpoint"),
    (["lm", "generate", "{dir}/random.npz"], "random bytes"),
    (["lm", "generate", "{dir}/truncated.npz"], "a truncated checkpoint"),
    (["lm", "generate", "{dir}/lm.npz", "--length", "0"], "zero length"),
    (["lm", "generate", "{dir}/lm.npz", "--prefix", "§§"], "characters the model never saw"),
    (["names", "train", "--kind", "{dir}/missing.txt"], "missing names file"),
    (["names", "train", "--kind", "klingon"], "unknown list"),
    (["names", "train", "--batch-size", "0"], "zero batch"),
    (["names", "train", "--dropout", "-0.5"], "negative dropout"),
    (["names", "train", "--resume", "{dir}/lm.npz"], "an lm checkpoint"),
    (["names", "train", "--resume", "{dir}/random.npz"], "random bytes"),
    (["names", "train", "--resume", "{dir}/missing.npz"], "missing checkpoint"),
    (["names", "train", "--resume", "{dir}/names.npz", "--hidden", "64", "--kind", "male"],
     "options that contradict the checkpoint"),
    (["names", "train", "--resume", "{dir}/names.npz", "--out", "{dir}"],
     "output is a directory"),
    (["names", "generate", "{dir}/char.npz"], "a char-rnn checkpoint"),
    (["names", "generate", "{dir}/lm.npz", "--count", "0"], "zero names"),
    (["names", "generate", "{dir}/lm.npz", "--figure", "{dir}"], "figure is a directory"),
    (["seq2seq", "--epochs", "0"], "zero epochs"),
    (["seq2seq", "--lr", "nan"], "learning rate NaN"),
    (["seq2seq", "--translate", "Man"], "capital letter"),
    (["seq2seq", "addition", "--problems", "5"], "too few problems"),
    (["seq2seq", "dates", "--beam", "0"], "zero beam"),
    (["seq2seq", "dates", "--checkpoint", "{dir}"], "checkpoint is a directory"),
    (["classify", "names", "--hidden", "0"], "no hidden units"),
    (["classify", "digit-sum", "--length", "1"], "too short to remember"),
    (["classify", "digit-sum", "--plot", "{dir}/plain.txt/a.png"], "plot below a file"),
    (["classify", "digits", "--lr", "-1"], "negative learning rate"),
    (["learn2carry", "--width", "0"], "zero width"),
    (["learn2carry", "--cells", "transformer"], "unknown cell"),
    (["poems", "train", "--form", "6"], "no such form"),
    (["poems", "train", "--resume", "{dir}/lm.npz"], "an lm checkpoint, not a poems one"),
    (["poems", "train", "--resume", "{dir}/names.npz", "--epochs", "5"], "a names checkpoint"),
    (["poems", "generate", "{dir}/random.npz"], "random bytes"),
    (["poems", "generate", "{dir}/lm.npz", "--temperature", "-1"], "negative temperature"),
    (["exercise", "new", "no_such_exercise"], "unknown exercise"),
    (["exercise", "check", "{dir}/missing.py"], "missing file"),
    (["exercise", "check", "{dir}/random.npz"], "not Python"),
    (["exercise", "grade", "{dir}/missing"], "missing folder"),
    (["--bogus"], "unknown option"),
    ([], "no command"),
]


def make_files(folder: Path) -> None:
    """The files the cases point at: checkpoints of three kinds, garbage, a plain file."""
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from minirnn.data import Vocab
    from minirnn.models import CharRNN, LanguageModel
    from minirnn.tasks.names import names_vocab
    from minirnn.train import save_checkpoint

    vocab = Vocab.from_text("hello world")
    lm = LanguageModel(len(vocab), 8, embedding_dim=4, seed=0)
    save_checkpoint(folder / "lm.npz", lm, vocab=vocab,
                    config={"model": lm.config(), "level": "char"})
    names = names_vocab(["Anna", "Bob"])
    namer = LanguageModel(len(names), 8, embedding_dim=4, seed=0)
    save_checkpoint(folder / "names.npz", namer, vocab=names,
                    config={"model": namer.config(), "level": "char", "task": "names",
                            "run": {"kind": "female", "hidden": 8, "embed": 4}})
    char = CharRNN(len(vocab), 8, seed=0)
    save_checkpoint(folder / "char.npz", char, vocab=vocab,
                    config={"model": "CharRNN", "vocab_size": len(vocab), "hidden_size": 8})
    (folder / "random.npz").write_bytes(np.random.default_rng(0).bytes(4000))
    (folder / "truncated.npz").write_bytes((folder / "lm.npz").read_bytes()[:300])
    (folder / "binary.bin").write_bytes(bytes(range(256)) * 8)
    (folder / "plain.txt").write_text("a plain file\n")


def run_case(argv: list[str], folder: Path, timeout: float) -> dict:
    args = [a.replace("{dir}", str(folder)) for a in argv]
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
    env.pop("MINIRNN_DEBUG", None)
    try:
        done = subprocess.run([sys.executable, "-m", "minirnn", *args], capture_output=True,
                              text=True, env=env, cwd=folder, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "last": "(still running: the arguments were accepted)",
                "traceback": False, "lines": 0}
    errors = [line for line in done.stderr.splitlines() if ": error: " in line]
    last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    return {"status": done.returncode, "last": last, "traceback": "Traceback" in done.stderr,
            "lines": len(errors)}


def acceptable(argv: list[str], result: dict) -> bool:
    """Refused as promised: status 1 or 2, one error line, no traceback."""
    if not argv:  # no command: the help on stderr and status 2
        return result["status"] == 2 and not result["traceback"]
    return result["status"] in (1, 2) and result["lines"] == 1 and not result["traceback"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a case misbehaves")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per case")
    options = parser.parse_args()
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_files(folder)
        print("| arguments | what is wrong | status | what the user sees |")
        print("|---|---|---|---|")
        for argv, wrong in CASES:
            result = run_case(argv, folder, options.timeout)
            ok = acceptable(argv, result)
            bad += not ok
            shown = " ".join(argv).replace(str(folder), "DIR") or "(nothing)"
            last = result["last"].replace(str(folder), "DIR").replace("|", "\\|")
            flag = "" if ok else " **NOT OK**"
            print(f"| `{shown}` | {wrong} | {result['status']}{flag} | {last} |", flush=True)
    print(f"\n{len(CASES) - bad} of {len(CASES)} cases refused cleanly")
    return 1 if options.check and bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
