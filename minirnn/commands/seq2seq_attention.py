"""``minirnn seq2seq dates|addition|reverse``: an encoder-decoder with attention, trained by fit.

Prints the progress of :func:`minirnn.train.fit` (stderr), the held-out exact match after
every epoch, a few decoded test examples, and as its last line
``held-out exact match: NN.N% (N test sequences)``. ``--figure FILE`` draws the attention
maps of a few test examples. The defaults finish in about a minute on two cores; ``--full``
is the benchmark setting (see ``benchmarks/seq2seq_attention.py``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from minirnn.commands.arguments import check_output_path, output_path, positive_int
from minirnn.errors import UsageError

#: task -> (quick default, --full) settings; --full is what benchmarks/seq2seq_attention.py
#: runs (the reversal benchmark adds --max-length 40)
#: ("anneal_to": the rate falls in a straight line to that fraction of lr over the run)
SETTINGS = {
    "dates": ({"examples": 8_000, "epochs": 5, "hidden": 64, "lr": 3e-3, "batch": 64},
              {"examples": 50_000, "epochs": 3, "hidden": 128, "lr": 3e-3, "batch": 64,
               "anneal_to": 0.1}),
    # addition's encoder is always bidirectional: a one-directional state at a digit cannot
    # yet know the digit's place, and attention then does not help (benchmarks/results)
    "addition": ({"examples": 50_000, "epochs": 4, "hidden": 64, "lr": 3e-3, "batch": 64,
                  "bidirectional": True},
                 {"examples": 50_000, "epochs": 16, "hidden": 128, "lr": 3e-3, "batch": 64,
                  "bidirectional": True, "anneal_to": 0.1}),
    "reverse": ({"examples": 8_000, "epochs": 5, "hidden": 64, "lr": 3e-3, "batch": 64},
                {"examples": 10_000, "epochs": 8, "hidden": 64, "lr": 3e-3, "batch": 64,
                 "anneal_to": 0.1}),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the attention tasks (added to ``minirnn seq2seq``)."""
    group = parser.add_argument_group("attention (tasks dates, reverse; addition with "
                                      "--attention)")
    group.add_argument("--attention", choices=("dot", "general", "additive", "none"),
                       help="score function (dates/reverse: dot; 'none' is the plain model)")
    group.add_argument("--input-feeding", action="store_true",
                       help="feed each step's context into the next decoder step")
    group.add_argument("--bidirectional", action="store_true",
                       help="bidirectional encoder (always for addition)")
    group.add_argument("--layers", type=positive_int, default=1, help="encoder layers (1)")
    group.add_argument("--examples", type=positive_int,
                       help="pairs, 10%% held out (dates 8000, addition 50000, reverse 8000)")
    group.add_argument("--batch-size", type=positive_int, help="(64)")
    group.add_argument("--min-length", type=positive_int, default=5,
                       help="reverse: shortest string (5)")
    group.add_argument("--max-length", type=positive_int, default=15,
                       help="reverse: longest string (15)")
    group.add_argument("--beam", type=positive_int, default=1,
                       help="beam width for the held-out decoding (1: greedy)")
    group.add_argument("--full", action="store_true",
                       help="the benchmark setting: more data, epochs and units")
    group.add_argument("--figure", type=output_path, help="write attention maps (PNG/PDF)")
    group.add_argument("--checkpoint", type=output_path,
                       help="save the trained model here, at the end: weights, vocabulary and "
                       "configuration only (no optimizer or data order, so a run cannot be "
                       "resumed from it; a run is short, repeat it with the same --seed)")


def _data(task: str, args: argparse.Namespace, examples: int):
    from minirnn.tasks import seq2seq as tasks
    from minirnn.tasks.dates import dates_data
    from minirnn.tasks.reversal import reversal_data

    if examples < 20:
        raise UsageError(f"--examples must be at least 20, got {examples}")
    if task == "dates":
        return dates_data(examples, seed=args.seed)
    if task == "addition":
        return tasks.addition_data(examples, reverse=args.reverse, seed=args.seed)
    if args.max_length < args.min_length:
        raise UsageError(f"--max-length ({args.max_length}) must be at least --min-length "
                         f"({args.min_length})")
    return reversal_data(examples, args.min_length, args.max_length, seed=args.seed)


def _exact_match(model, test, beam: int) -> float:
    from minirnn.tasks.seq2seq import exact_match

    if beam == 1:
        return exact_match(model, test)
    return exact_match(_Beam(model, beam), test)


class _Beam:
    """Looks like a model to ``exact_match`` but decodes with beam search."""

    def __init__(self, model, width: int) -> None:
        self.model, self.width = model, width

    def generate(self, source, max_length):
        return self.model.beam_search(source, beam_width=self.width, max_length=max_length)


def _show(vocab, ids, pad: str) -> str:
    return vocab.decode(ids).replace(pad, "")


def run_attention_task(task: str, args: argparse.Namespace) -> int:
    """Build, train and score the model of ``task``; see the module docstring."""
    from minirnn.experiments.seq2seq import train_seq2seq
    from minirnn.models.seq2seq import Seq2Seq

    quick, full = SETTINGS[task]
    setting = full if args.full else quick
    attention = args.attention or ("none" if task == "addition" else "dot")
    attention = None if attention == "none" else attention
    if args.peeky and attention:
        raise UsageError("--peeky and --attention are alternatives; choose one")
    if args.input_feeding and not attention:
        raise UsageError("--input-feeding needs --attention dot, general or additive")
    hidden = args.hidden or setting["hidden"]
    args.bidirectional = args.bidirectional or setting.get("bidirectional", False)
    if args.bidirectional and hidden % 2:
        raise UsageError(f"--bidirectional needs an even --hidden, got {hidden}")
    for option in ("hidden", "epochs", "lr", "embed"):
        value = getattr(args, option)
        if value is not None and value <= (-1 if option == "embed" else 0):
            raise UsageError(f"--{option} must be positive, got {value}")
    if args.figure is not None:
        check_output_path(args.figure, "--figure")
    train, test, vocab = _data(task, args, args.examples or setting["examples"])
    pad, end, start = vocab.itos[2], vocab.itos[1], vocab.itos[0]
    model = Seq2Seq(len(vocab), hidden, args.embed or 16, args.cell or "lstm",
                    peeky=args.peeky, start_id=0, end_id=1, pad_id=2, seed=args.seed,
                    dtype=np.float32, attention=attention, input_feeding=args.input_feeding,
                    bidirectional=args.bidirectional, num_layers=args.layers)
    epochs = args.epochs or setting["epochs"]
    print(f"{task}: {len(train.inputs)} training, {len(test.inputs)} held-out pairs; "
          f"{model.cell}, hidden {hidden}, attention {attention or 'none'}"
          f"{', input feeding' if args.input_feeding else ''}"
          f"{', bidirectional' if args.bidirectional else ''}; {epochs} epochs", flush=True)
    begin = time.perf_counter()

    def report(info) -> None:
        accuracy = _exact_match(model, test, 1)
        print(f"epoch {info.epoch + 1:3d}  loss {info.loss:.4f} nats/token  held-out exact match "
              f"{100 * accuracy:5.1f}%  ({time.perf_counter() - begin:.0f} s)", flush=True)

    train_seq2seq(model, train, epochs, batch_size=args.batch_size or setting["batch"],
                  lr=args.lr or setting["lr"], seed=args.seed, on_epoch_end=report,
                  anneal_to=setting.get("anneal_to"))
    sources = test.inputs[:3]
    for row, out in zip(sources, model.generate(sources, max_length=test.targets.shape[1]),
                        strict=True):
        print(f"{_show(vocab, row, pad)!r:34} -> {_show(vocab, out, pad)}")
    if args.figure is not None:
        _figure(model, test, vocab, Path(args.figure), (start, end, pad))
        print(f"attention maps written to {args.figure}")
    if args.checkpoint is not None:
        _save(model, vocab, args, task, attention)
    accuracy = _exact_match(model, test, args.beam)
    print(f"held-out exact match: {100 * accuracy:.1f}% ({len(test.inputs)} test sequences)")
    return 0


def _figure(model, test, vocab, path: Path, specials) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from minirnn.plot import plot_attention

    if model.attention is None:
        raise UsageError("--figure draws attention maps; it needs --attention")
    sources = test.inputs[:3]
    outputs, maps = model.generate(sources, max_length=test.targets.shape[1],
                                   return_attention=True)
    fig, axes = plt.subplots(1, len(sources), figsize=(5 * len(sources), 4))
    for ax, row, out, weights in zip(axes, sources, outputs, maps, strict=True):
        labels = [vocab.itos[i] for i in out + [model.end_id]][: len(weights)]
        source_labels = [vocab.itos[i] for i in row]
        plot_attention(weights, source_labels, labels, ax=ax)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _save(model, vocab, args, task: str, attention) -> None:
    from minirnn.train import save_checkpoint
    from minirnn.train.saving import save_with_fallback

    config = {"task": task, "attention": attention, "hidden": model.hidden_size,
              "cell": model.cell, "bidirectional": model.bidirectional,
              "num_layers": model.num_layers, "input_feeding": model.input_feeding}
    save_with_fallback(lambda p: save_checkpoint(p, model, vocab=vocab.to_dict(),
                                                 config=config), args.checkpoint)
    print(f"saved {args.checkpoint}")
