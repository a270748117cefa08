"""Encoder-decoders with attention: dates, addition, and long inputs (reversal).

Three experiments, each a subcommand; every model is an LSTM encoder-decoder trained
through :func:`minirnn.train.fit` (Adam 3e-3 lowered in a straight line to a tenth of that
over the run, ``--anneal-to 0.1``; global-norm clipping at 5, batch 64, float32; the
reference's constant Adam 1e-3 with batches of 128 is ``--lr 1e-3 --batch-size 128
--anneal-to 1``) and scored by greedy held-out exact match after every epoch:

``dates``
    50,000 date-format pairs (``minirnn.tasks.dates``, 10% held out), one run per score
    function: accuracy and wall time per epoch. Target: >= 99.9% by the end of epoch 3.
``addition``
    ``"57+368" -> "425"`` with attention (plain source order, bidirectional encoder),
    16 epochs or until >= 99.5%,
    beside the reversed + peeky model's epochs to 98.4% read from
    ``results/seq2seq_addition.json`` (measured earlier by ``seq2seq_addition.py``).
``reversal``
    Random strings of 5 to 40 letters reversed (10,000, 64 units, 8 epochs), plain Seq2Seq
    against each score function: held-out exact match per source length after every
    epoch; the table shows the last epoch's.

    python benchmarks/seq2seq_attention.py dates --out benchmarks/results/attention_dates.json
    python benchmarks/seq2seq_attention.py addition --scores additive
    python benchmarks/seq2seq_attention.py reversal --scores none,dot,general,additive

Timings depend on the machine's load: the recorded runs shared two cores with other jobs;
each model's lines end with the load average (1 minute) when its training ended.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from minirnn.experiments.seq2seq import train_seq2seq
from minirnn.models.seq2seq import Seq2Seq
from minirnn.tasks.dates import dates_data
from minirnn.tasks.reversal import reversal_data
from minirnn.tasks.seq2seq import Seq2SeqBatch, addition_data, exact_match

RESULTS = Path(__file__).resolve().parent / "results"


def build(vocab_size: int, args: argparse.Namespace, score: str) -> Seq2Seq:
    attention = None if score == "none" else score
    return Seq2Seq(vocab_size, args.hidden, args.embedding, "lstm", start_id=0, end_id=1,
                   pad_id=2, seed=args.seed, dtype=np.float32, attention=attention,
                   attention_size=args.attention_size, bidirectional=args.bidirectional)


def run(name: str, model: Seq2Seq, train, test, args, stop_at: float | None = None,
        by_length=None) -> dict:
    """Train for ``args.epochs`` (or until ``stop_at`` accuracy); one row per epoch.

    ``by_length(model)``, if given, adds the accuracy per source length to every row.
    """
    rows = []
    clock = {"start": time.perf_counter()}  # moved forward past each evaluation

    def on_epoch_end(info) -> None:
        epoch, loss = info.epoch + 1, info.loss
        trained = time.perf_counter()
        accuracy = exact_match(model, test)
        rows.append({"epoch": epoch, "loss": loss, "accuracy": accuracy,
                     "seconds": trained - clock["start"]})
        if by_length is not None:
            rows[-1]["by_length"] = by_length(model)
        load = os.getloadavg()[0]
        rows[-1]["load_average"] = load
        print(f"{name:10s} epoch {epoch:3d}  loss {loss:.4f} nats/token  held-out exact match "
              f"{100 * accuracy:6.2f}%  ({trained - clock['start']:6.1f} s training, load "
              f"{load:.1f})", flush=True)
        clock["start"] += time.perf_counter() - trained  # the clock counts training only
        info.stop = stop_at is not None and accuracy >= stop_at

    train_seq2seq(model, train, args.epochs, batch_size=args.batch_size, lr=args.lr,
                  seed=args.seed, on_epoch_end=on_epoch_end, verbose=False,
                  anneal_to=None if args.anneal_to == 1 else args.anneal_to)
    return {"name": name, "epochs": rows}


def dates(args: argparse.Namespace) -> dict:
    train, test, vocab = dates_data(args.n, seed=args.seed)
    results = []
    for score in args.scores:
        model = build(len(vocab), args, score)
        results.append(run(score, model, train, test, args))
    print("\nheld-out exact match (%) per epoch, and training seconds per epoch:")
    for result in results:
        rows = result["epochs"]
        accs = "  ".join(f"{100 * r['accuracy']:6.2f}" for r in rows)
        per_epoch = np.diff([0.0] + [r["seconds"] for r in rows])
        secs = "  ".join(f"{s:5.0f}" for s in per_epoch)
        print(f"  {result['name']:9s} {accs}   |  s/epoch {secs}")
    return {"test_size": len(test.inputs), "results": results}


def addition(args: argparse.Namespace) -> dict:
    train, test, vocab = addition_data(args.n, seed=args.seed)
    results = []
    for score in args.scores:
        results.append(run(score, build(len(vocab), args, score), train, test, args,
                           stop_at=0.995))
    reference = json.loads((RESULTS / "seq2seq_addition.json").read_text())
    peeky = next(r for r in reference["results"] if r["variant"] == "peeky")
    first = lambda rows, bar: next((r["epoch"] for r in rows if r["accuracy"] >= bar), None)  # noqa: E731
    print("\nmodel                         epochs to 98.4%  epochs to 99.5%  best accuracy")
    print(f"  reversed + peeky (no attn)  {first(peeky['epochs'], 0.984)!s:>15}  "
          f"{first(peeky['epochs'], 0.995)!s:>15}  "
          f"{100 * max(r['accuracy'] for r in peeky['epochs']):12.2f}%")
    for result in results:
        rows = result["epochs"]
        print(f"  attention {result['name']:18s}{first(rows, 0.984)!s:>15}  "
              f"{first(rows, 0.995)!s:>15}  {100 * max(r['accuracy'] for r in rows):12.2f}%")
    return {"test_size": len(test.inputs), "results": results,
            "reference_peeky": peeky["epochs"]}


def by_length(model: Seq2Seq, test: Seq2SeqBatch, pad_id: int) -> dict[int, float]:
    """Exact match per source length."""
    lengths = (test.inputs != pad_id).sum(axis=1)
    out = {}
    for length in np.unique(lengths).tolist():
        rows = lengths == length
        out[length] = exact_match(model, Seq2SeqBatch(test.inputs[rows], test.targets[rows],
                                                      test.mask[rows]))
    return out


def reversal(args: argparse.Namespace) -> dict:
    train, test, vocab = reversal_data(args.n, args.min_length, args.max_length,
                                       seed=args.seed)
    results = []
    for score in args.scores:
        model = build(len(vocab), args, score)
        result = run(score, model, train, test, args,
                     by_length=lambda m: by_length(m, test, vocab["?"]))
        result["by_length"] = result["epochs"][-1]["by_length"]
        results.append(result)
    lengths = (test.inputs != vocab["?"]).sum(axis=1)
    buckets = [[low, min(low + 4, args.max_length)]
               for low in range(args.min_length, args.max_length + 1, 5)]
    if len(buckets) > 1 and buckets[-1][1] - buckets[-1][0] < 4:
        last = buckets.pop()
        buckets[-1][1] = last[1]  # a short last bucket joins the one before
    print("\nheld-out exact match (%) by source length after the last epoch:")
    print("  length   count" + "".join(f"{r['name']:>10s}" for r in results))
    for low, high in buckets:
        inside = [n for n in range(low, high + 1) if n in results[0]["by_length"]]
        counts = np.array([(lengths == n).sum() for n in inside], dtype=float)
        cells = ""
        for result in results:
            accs = np.array([result["by_length"][n] for n in inside])
            cells += f"{100 * float(counts @ accs / counts.sum()):10.1f}"
        print(f"  {low:2d}-{high:2d}   {int(counts.sum()):5d}{cells}")
    return {"test_size": len(test.inputs), "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", choices=("dates", "addition", "reversal"))
    parser.add_argument("--scores", default=None,
                        help="comma-separated of none, dot, general, additive "
                        "(dates: dot,general,additive; addition: additive; reversal: none,dot,"
                        "general,additive)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="dates 3, addition 16, reversal 8")
    parser.add_argument("--n", type=int, default=None,
                        help="pairs (dates 50000, addition 50000, reversal 10000)")
    parser.add_argument("--hidden", type=int, default=None,
                        help="dates 128, addition 128, reversal 64")
    parser.add_argument("--embedding", type=int, default=16)
    parser.add_argument("--attention-size", type=int, default=64,
                        help="A of the additive score (64)")
    parser.add_argument("--bidirectional", action="store_true", help="(always for addition)")
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate (3e-3)")
    parser.add_argument("--anneal-to", type=float, default=0.1,
                        help="lower the rate in a straight line to this fraction of --lr over "
                        "the run (0.1; 1: constant)")
    parser.add_argument("--batch-size", type=int, default=64, help="(64)")
    parser.add_argument("--min-length", type=int, default=5)
    parser.add_argument("--max-length", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    args = parser.parse_args()
    defaults = {"dates": (3, 50_000, "dot,general,additive", 128),
                "addition": (16, 50_000, "additive", 128),
                "reversal": (8, 10_000, "none,dot,general,additive", 64)}[args.experiment]
    args.epochs = args.epochs or defaults[0]
    args.n = args.n or defaults[1]
    args.scores = [s.strip() for s in (args.scores or defaults[2]).split(",") if s.strip()]
    args.hidden = args.hidden or defaults[3]
    # a one-directional state at a digit cannot know the digit's place yet (docs/attention.md)
    args.bidirectional = args.bidirectional or args.experiment == "addition"
    bad = [s for s in args.scores if s not in ("none", "dot", "general", "additive")]
    if bad:
        parser.error(f"unknown scores {bad}")
    print(f"{args.experiment}: {vars(args)}", flush=True)
    result = {"dates": dates, "addition": addition, "reversal": reversal}[args.experiment](args)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
        args.out.write_text(json.dumps({"settings": settings, **result}, indent=1))


if __name__ == "__main__":
    main()
