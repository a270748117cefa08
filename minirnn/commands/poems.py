"""``minirnn poems train|generate``: seed 004's Tang poem generator (2-layer LSTM, embedding).

``train`` fits a character language model on Tang poems from the repository's ``datasets/``
(by default a small subset: 2,000 five-character quatrains, about a minute on 2 cores; the
whole collection with ``--full``), prints the validation loss in nats per character and a few
poems, and writes a checkpoint. ``generate`` writes poems from a start character, stopping
after ``--lines`` lines (the seed's ``max_sentences``), or acrostic poems (藏头诗) with
``--acrostic``, optionally in a fixed form of 5 or 7 characters per line (``--form``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from minirnn.commands.arguments import (
    add_resume_options,
    add_sampling_options,
    add_shared_options,
    add_train_and_generate,
    checkpoint_to_write,
    positive_int,
    readable_file,
    resolve_options,
    stored_run,
)
from minirnn.errors import UsageError

#: (characters per line, lines) of the default subset and of --full (None: any)
DEFAULT_SUBSET = {"form": 5, "lines": 4, "poems": 2000, "epochs": 3, "hidden": 128}
FULL = {"form": None, "lines": None, "poems": None, "epochs": 10, "hidden": 256}


#: poems train options that shape the run, with the defaults of the subset (``--full``
#: changes some, see :data:`FULL`); ``--resume`` takes them from the checkpoint
RUN_OPTIONS: dict[str, object] = {
    "full": False, "form": 5, "lines": 4, "poems": 2000, "hidden": 128, "embed": 64,
    "layers": 2, "lr": 5e-3, "min_freq": 2, "data": None, "seed": 0,
}


def register(subparsers: argparse._SubParsersAction) -> None:
    train, gen = add_train_and_generate(
        subparsers, "poems",
        "Tang poems: train a 2-layer LSTM, write poems and acrostics (seed 004)", __doc__,
        run_train, run_generate, train_help="train on the Tang poems of datasets/",
        generate_help="write poems with a trained model")
    train.add_argument("--full", action="store_true", default=None,
                       help="all 36,916 poems, 10 epochs, 256 hidden units (hours on 2 cores)")
    train.add_argument("--form", type=int, choices=(5, 7),
                       help="only poems with this many characters per line (5; all with --full)")
    train.add_argument("--lines", type=int, choices=(4, 8),
                       help="only quatrains (4) or regulated verse (8) (4; all with --full)")
    train.add_argument("--poems", type=positive_int,
                       help="use the first this many poems (2000; all with --full)")
    add_shared_options(train, DEFAULT_SUBSET, "epochs", resolved_later=True,
                       epochs="passes over the poems")
    add_shared_options(train, RUN_OPTIONS, "hidden", "embed", "layers", "lr",
                       resolved_later=True, hidden="hidden units per layer", layers="LSTM layers")
    train.add_argument("--min-freq", type=positive_int,
                       help="rarer characters become <unk> (2)")
    train.add_argument("--data", type=readable_file,
                       help="another file of poems, one per line (default: the shipped ones)")
    add_shared_options(train, RUN_OPTIONS, "seed", resolved_later=True,
                       seed="seed of split, weights, order")
    add_resume_options(train, "poems.npz", "poems, model, optimizer and order",
                       "--epochs and --quiet")
    train.add_argument("--quiet", action="store_true", help="no progress line")

    gen.add_argument("--start", default="春",
                     help="start of the poem; one poem per character with --each (春)")
    gen.add_argument("--each", action="store_true",
                     help="one poem for each character of --start (the seed's loop)")
    gen.add_argument("--acrostic", help="an acrostic poem: line i starts with character i")
    gen.add_argument("--lines", type=positive_int, default=4,
                     help="stop after this many lines, the seed's max_sentences (4)")
    gen.add_argument("--form", type=int, choices=(5, 7),
                     help="fixed form: this many characters per line, punctuation enforced")
    add_sampling_options(gen, 0.8, top_k_help="sample among the k likeliest only")


def _settings(args: argparse.Namespace) -> dict:
    """The run's options: given, stored by a resumed run, or the defaults of the subset or of
    --full (the number of epochs too, which may change on resume)."""
    stored = None if args.resume is None else stored_run(args.resume, "poems", "lm")
    full = bool(args.full if args.full is not None else (stored or {}).get("full", False))
    defaults = {**RUN_OPTIONS, **{k: v for k, v in FULL.items() if k in RUN_OPTIONS}} \
        if full else RUN_OPTIONS
    settings = resolve_options(args, defaults, stored, args.resume)
    settings["epochs"] = args.epochs or (FULL if settings["full"] else DEFAULT_SUBSET)["epochs"]
    return settings


def _load_poems(args: argparse.Namespace, settings: dict) -> list[str]:
    from minirnn.data.corpora import tang_poems

    data = None if settings["data"] is None else Path(settings["data"])
    poems = tang_poems(settings["form"], settings["lines"], path=data)
    if settings["poems"] is not None:
        poems = poems[: settings["poems"]]
    if len(poems) < 10:
        raise UsageError(f"only {len(poems)} poems match --form {settings['form']} --lines "
                         f"{settings['lines']}; need at least 10")
    return poems


def run_train(args: argparse.Namespace) -> int:
    from minirnn.experiments.poems import train_poem_model
    from minirnn.models.poem_writer import PoemWriter
    from minirnn.tasks.poems import form_share, poem_vocab, split_poems

    settings = _settings(args)
    out = checkpoint_to_write(args, "poems.npz")
    start = time.perf_counter()
    split = split_poems(_load_poems(args, settings), val_fraction=0.1, seed=settings["seed"])
    vocab = poem_vocab(split.train, min_freq=settings["min_freq"])
    print(f"{len(split.train)} training and {len(split.val)} validation poems; "
          f"{len(vocab)} characters and specials (seen at least {settings['min_freq']} times); "
          f"{settings['layers']}-layer LSTM, {settings['hidden']} hidden, embedding "
          f"{settings['embed']}")
    run = {k: settings[k] for k in RUN_OPTIONS}
    model, history = train_poem_model(
        split, vocab, hidden_size=settings["hidden"], embedding_dim=settings["embed"],
        num_layers=settings["layers"], epochs=settings["epochs"], lr=settings["lr"],
        seed=settings["seed"], checkpoint_path=out, verbose=not args.quiet,
        resume=args.resume, run_options=run)
    print(f"validation loss {float(history.val_loss[-1]):.4f} nats/char "
          f"(perplexity {float(history.val_perplexity[-1]):.1f}) after "
          f"{int(history.iteration[-1])} updates")
    writer = PoemWriter(model, vocab)
    chars = settings["form"] or 5
    samples = [writer.poem(ch, 4, seed=i) for i, ch in enumerate("春日山月") if ch in vocab]
    for poem in samples:
        print("  " + poem)
    share, count = form_share(samples, chars)
    print(f"free generation: {100 * share:.0f}% of {count} lines have {chars} characters and "
          "the right closing mark")
    print(f"saved checkpoint {out}; done in {time.perf_counter() - start:.1f} s")
    return 0


def run_generate(args: argparse.Namespace) -> int:
    from minirnn.commands.lm import load_model_with_bos_eos
    from minirnn.models.poem_writer import PoemWriter

    model, vocab = load_model_with_bos_eos(
        args.checkpoint, "`minirnn poems generate`",
        "was not trained on poems (no <bos>/<eos>); use a checkpoint written by "
        "`minirnn poems train`")
    writer = PoemWriter(model, vocab)
    sampling = {"temperature": args.temperature, "top_k": args.top_k}
    if args.acrostic:
        print(writer.acrostic(args.acrostic, args.form, seed=args.seed, **sampling))
        return 0
    starts = list(args.start) if args.each else [args.start]
    for i, start in enumerate(starts):
        if args.each:
            print(f"({start})")
        print(writer.poem(start, args.lines, args.form, seed=args.seed + i, **sampling))
    return 0

