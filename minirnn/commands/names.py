"""``minirnn names train|generate``: the names generator with its per-step top-5 table.

``train`` fits a character model to one name per sequence (``<bos> name <eos>``, padded and
masked) from the CMU lists (female, male, pet; via the data cache or ``$MINIRNN_DATA``) or a
file with one name per line, holding out 10% of the names, and writes a checkpoint.
``generate`` writes names that start with ``--prefix``; ``--top5`` prints, for each, the
character chosen at every step and the five likeliest candidates with their probabilities,
and ``--figure`` draws that table.
"""

from __future__ import annotations

import argparse
import time

from minirnn.commands.arguments import (
    add_resume_options,
    add_sampling_options,
    add_shared_options,
    add_train_and_generate,
    checkpoint_to_write,
    output_path,
    positive_int,
    resolve_options,
    stored_run,
)
from minirnn.errors import UsageError
from minirnn.train.saving import save_with_fallback

#: names train options that shape the run, with their defaults; ``--resume`` takes them from
#: the checkpoint ("run" in its config), and options given again must agree with it
RUN_OPTIONS: dict[str, object] = {
    "kind": "female", "cell": "gru", "layers": 1, "hidden": 128, "embed": 32, "dropout": 0.0,
    "batch_size": 64, "lr": 5e-3, "seed": 0,
}


def register(subparsers: argparse._SubParsersAction) -> None:
    train, gen = add_train_and_generate(
        subparsers, "names", "train a names generator, or generate names with a top-5 table",
        __doc__, run_train, run_generate, train_help="train on a list of names",
        generate_help="generate names from a checkpoint")
    train.add_argument("--kind",
                       help="female, male, pet (CMU names corpus) or a file with one name a "
                       "line (female)")
    add_shared_options(train, RUN_OPTIONS, "cell", "layers", "hidden", "embed", "dropout",
                       resolved_later=True)
    train.add_argument("--epochs", type=positive_int, default=10, help="passes over the names (10)")
    train.add_argument("--iters", type=positive_int, help="stop after this many updates instead")
    add_shared_options(train, RUN_OPTIONS, "batch_size", "lr", "seed", resolved_later=True,
                       batch_size="names per batch", seed="seed of weights and order")
    add_resume_options(train, "names.npz", "names, model, optimizer and order",
                       "--epochs, --iters and --quiet")
    train.add_argument("--quiet", action="store_true", help="no progress line")

    gen.add_argument("--prefix", default="", help='first letters, e.g. "R" or "Ar" (none)')
    gen.add_argument("--count", type=positive_int, default=5,
                     help="names to generate (5; always 1 with --greedy)")
    gen.add_argument("--greedy", action="store_true",
                     help="always take the likeliest character (gives one name per prefix)")
    gen.add_argument("--top5", action="store_true",
                     help="print the per-step table of chosen characters and top-5 candidates")
    gen.add_argument("--figure", type=output_path,
                     help="save the table of the first name as a figure (PNG, SVG, ...)")
    gen.add_argument("--max-length", type=positive_int, default=20, help="longest name (20)")
    add_sampling_options(gen, top_k_help="sample only among the k likeliest characters")


def run_train(args: argparse.Namespace) -> int:
    from minirnn.experiments.names import train_names
    from minirnn.tasks.names import load_names

    start = time.perf_counter()
    stored = None if args.resume is None else stored_run(args.resume, "names")
    run = resolve_options(args, RUN_OPTIONS, stored, args.resume)
    out = checkpoint_to_write(args, "names.npz")
    try:
        names = load_names(run["kind"])
    except ValueError as error:  # neither a CMU list nor a file of names: what was typed
        raise UsageError(f"--kind: {error}") from None
    if len(names) < 10:
        raise UsageError(f"--kind: {run['kind']} has {len(names)} names; need at least 10 to "
                         "hold some out")
    print(f"{len(names)} names from {run['kind']}")
    result = train_names(
        names, hidden_size=run["hidden"], embedding_dim=run["embed"], cell=run["cell"],
        num_layers=run["layers"], dropout=run["dropout"], epochs=args.epochs,
        iterations=args.iters, batch_size=run["batch_size"], lr=run["lr"], seed=run["seed"],
        verbose=not args.quiet, checkpoint_path=out, resume=args.resume, run_options=run,
    )
    h = result.history
    print(f"training loss {h.smooth_loss[-1]:.4f}, validation loss {h.val_loss[-1]:.4f} "
          f"nats/char on {len(result.val_names)} held-out names")
    print(f"saved checkpoint {out}; done in {time.perf_counter() - start:.1f} s")
    return 0


def run_generate(args: argparse.Namespace) -> int:
    from minirnn.commands.lm import load_model_with_bos_eos
    from minirnn.experiments.names import name_table

    model, vocab = load_model_with_bos_eos(
        args.checkpoint, "`minirnn names generate`",
        "is not a names model (no <bos>/<eos>); use `minirnn lm generate`")
    try:
        vocab.encode(args.prefix)
    except ValueError as error:  # letters the model never saw: the user's input
        raise UsageError(f"--prefix: {error}") from None
    tables = [
        name_table(model, vocab, args.prefix, k=5, max_length=args.max_length,
                   greedy=args.greedy, temperature=args.temperature, top_k=args.top_k,
                   seed=args.seed + i)
        # greedy decoding is deterministic: a second name would repeat the first
        for i in range(1 if args.greedy else args.count)
    ]
    for table in tables:
        print(table.text() + "\n" if args.top5 else table.name)
    if args.figure is not None:
        from matplotlib.figure import Figure  # no pyplot: works without a display

        from minirnn.experiments.names import plot_name_table

        steps = len(tables[0].steps)
        fig = Figure(figsize=(1.1 * max(steps, 3) + 1.5, 3.6), layout="constrained")
        plot_name_table(tables[0], ax=fig.subplots())
        save_with_fallback(lambda path: fig.savefig(path, dpi=100), args.figure, "figure")
        print(f"saved figure {args.figure}")
    return 0
