"""``minirnn seq2seq``: train an encoder-decoder on the course's word pairs, addition, dates, ...

``minirnn seq2seq`` (task ``toy``, the default) trains on the seed's six pairs (man->women,
black->white, ...) and prints the translations of man, mans, king, black and up.
``minirnn seq2seq addition`` trains on "57+368" -> "425" problems and prints the held-out
exact-match accuracy after every epoch; ``--reverse`` reverses the source, ``--peeky`` feeds
the encoder's state to every decoder step. ``minirnn seq2seq dates``, ``minirnn seq2seq
reverse`` and ``minirnn seq2seq addition --attention dot`` train with attention
(:mod:`minirnn.commands.seq2seq_attention`).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from minirnn.commands import seq2seq_attention
from minirnn.commands.arguments import non_negative_int, positive_float, positive_int
from minirnn.errors import UsageError
from minirnn.layers.registry import CELLS

TOY_WORDS = ["man", "mans", "king", "black", "up"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "seq2seq", help="encoder-decoder: the course's word pairs, or addition as text",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("task", nargs="?", metavar="TASK", default="toy",
                        choices=("toy", "addition", "dates", "reverse"),
                        help="toy, addition, dates or reverse (toy)")
    parser.add_argument("--cell", choices=tuple(CELLS),
                        help="recurrent cell (rnn for toy, as in the course; lstm for addition)")
    parser.add_argument("--hidden", type=positive_int, help="hidden units (toy 64, addition 128)")
    parser.add_argument("--embed", type=non_negative_int,
                        help="embedding size; 0 means one-hot (toy 0, addition 16)")
    parser.add_argument("--reverse", action="store_true", help="reverse the source (addition)")
    parser.add_argument("--peeky", action="store_true", help="peeky decoder")
    parser.add_argument("--epochs", type=positive_int,
                        help="toy: full-batch steps (200); addition: epochs (10; --full 25)")
    parser.add_argument("--problems", type=positive_int,
                        help="addition problems, 10%% held out (10000; --full 50000)")
    parser.add_argument("--lr", type=positive_float,
                        help="Adam learning rate (toy 5e-3, addition 1e-3)")
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="seed of data, weights, order (0)")
    parser.add_argument("--translate", nargs="+", default=TOY_WORDS,
                        help="words to translate after the toy training")
    seq2seq_attention.add_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from minirnn.experiments.seq2seq import train_seq2seq, train_toy
    from minirnn.models.seq2seq import Seq2Seq
    from minirnn.tasks import seq2seq as tasks

    if args.task in ("dates", "reverse") or (args.task == "addition" and args.attention):
        return seq2seq_attention.run_attention_task(args.task, args)
    toy = args.task == "toy"
    cell = args.cell or ("rnn" if toy else "lstm")
    # the types of --hidden, --embed, --epochs and --lr refuse bad values; None: the default
    hidden = args.hidden or (64 if toy else 128)
    embed = (0 if toy else 16) if args.embed is None else args.embed
    # addition's defaults take about half a minute; --full is the course's run (minutes)
    epochs = args.epochs or (200 if toy else 25 if args.full else 10)
    problems = args.problems or (50_000 if args.full else 10_000)
    lr = args.lr or (5e-3 if toy else 1e-3)
    if toy:
        vocab = tasks.toy_vocab()
        bad = [w for w in args.translate if not w.isalpha() or not w.islower() or len(w) > 5]
        if bad:
            raise UsageError(f"--translate: words must be 1-5 lower-case letters, got {bad}")
    else:
        if problems < 20:
            raise UsageError(f"--problems must be at least 20, got {problems}")
        train, test, vocab = tasks.addition_data(problems, reverse=args.reverse,
                                                 seed=args.seed)
    dtype = np.float64 if toy else np.float32
    model = Seq2Seq(len(vocab), hidden, embed or None, cell, peeky=args.peeky,
                    start_id=vocab["S"], end_id=vocab["E"], pad_id=vocab["?"],
                    seed=args.seed, dtype=dtype)
    start = time.perf_counter()
    if toy:
        losses = train_toy(model, steps=epochs, lr=lr, verbose=True)
        print(f"trained {epochs} steps on {len(tasks.TOY_PAIRS)} pairs: loss {losses[0]:.4f} "
              f"-> {losses[-1]:.6f} nats/token ({time.perf_counter() - start:.1f} s)")
        for word, out in zip(args.translate, tasks.translate(model, args.translate, vocab),
                             strict=True):
            print(f"{word} -> {out}")
        return 0

    def report(info) -> None:
        accuracy = tasks.exact_match(model, test)
        print(f"epoch {info.epoch + 1:3d}  loss {info.loss:.4f} nats/token  held-out exact match "
              f"{100 * accuracy:6.2f}%  ({time.perf_counter() - start:.0f} s)", flush=True)

    variant = "reversed" if args.reverse else "plain"
    variant += " + peeky" if args.peeky else ""
    print(f"addition ({variant}): {len(train.inputs)} training, {len(test.inputs)} held-out "
          f"problems; {cell}, hidden {hidden}, embedding {embed or 'one-hot'}")
    train_seq2seq(model, train, epochs, batch_size=128, lr=lr, clip_norm=5.0,
                  seed=args.seed, on_epoch_end=report, decay_after=15)
    for row in test.inputs[:3]:
        question = vocab.decode(row[::-1] if args.reverse else row).replace("?", "")
        answer = vocab.decode(model.generate(row[None, :], max_length=5)[0])
        print(f"{question} = {answer}")
    return 0
