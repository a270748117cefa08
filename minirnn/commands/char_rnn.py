"""``minirnn char-rnn train|sample``: Karpathy's min-char-rnn, exact, fast, and saved.

``train`` runs the original loop (progress line and 200-token samples every 100 iterations)
on a text file, or on the built-in offline corpus when no ``--data`` is given, measures a
held-out loss the original does not have, and saves a checkpoint and a loss plot.
``sample`` loads a checkpoint and writes text, optionally primed, with temperature and top-k.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

DEFAULT_ITERS = 50000


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "char-rnn",
        help="train min-char-rnn on a text, or sample from a trained one",
        description=__doc__.splitlines()[0],
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    train = actions.add_parser("train", help="train on a text file (default: built-in corpus)")
    train.add_argument("--data", type=Path, help="UTF-8 text file (default: the built-in "
                       "offline corpus, minirnn.data.builtin_corpus())")
    train.add_argument("--level", choices=("char", "word"), default="char",
                       help="tokens are characters (default) or whitespace-separated words")
    train.add_argument("--hidden", type=int, default=100, help="hidden units H (100)")
    train.add_argument("--seq-length", type=int, default=25, help="chunk length (25)")
    train.add_argument("--lr", type=float, default=0.1, help="Adagrad learning rate (0.1)")
    train.add_argument("--iters", type=int, default=DEFAULT_ITERS,
                       help=f"iterations (updates) to run ({DEFAULT_ITERS})")
    train.add_argument("--seed", type=int, default=0, help="np.random.seed of the run (0)")
    train.add_argument("--out", type=Path, default=Path("char_rnn.npz"),
                       help="checkpoint file to write (char_rnn.npz)")
    train.add_argument("--plot", type=Path,
                       help="loss plot PNG (default: the checkpoint name + _loss.png)")
    train.add_argument("--no-plot", action="store_true", help="do not draw the loss plot")
    train.add_argument("--sample-every", type=int, default=100,
                       help="sample every this many iterations, 0 for never (100)")
    train.add_argument("--sample-length", type=int, default=200, help="tokens per sample (200)")
    train.add_argument("--print-every", type=int, default=100,
                       help="progress line every this many iterations (100)")
    train.add_argument("--val-fraction", type=float, default=0.1,
                       help="hold out this final fraction of the text for a validation loss "
                       "(0.1; 0 trains on everything, as the original)")
    train.add_argument("--eval-every", type=int, default=1000,
                       help="validation loss every this many iterations (1000)")
    train.add_argument("--val-tokens", type=int, default=20000,
                       help="evaluate on at most this many held-out tokens (20000)")
    train.add_argument("--fast", action="store_true",
                       help="whole-sequence matrix products (faster; not bit-exact with the "
                       "original)")
    train.add_argument("--resume", type=Path,
                       help="continue the run saved in this checkpoint (same data)")
    train.set_defaults(func=run_train)

    sample = actions.add_parser("sample", help="generate text from a checkpoint")
    sample.add_argument("checkpoint", type=Path)
    sample.add_argument("--prime", default="", help="text to start from")
    sample.add_argument("--length", type=int, default=500, help="tokens to generate (500)")
    sample.add_argument("--temperature", type=float, default=1.0,
                        help="<1 more conservative, >1 more surprising (1.0)")
    sample.add_argument("--top-k", type=int, help="sample only among the k likeliest tokens")
    sample.add_argument("--seed", type=int, default=0, help="seed of the sampling (0)")
    sample.set_defaults(func=run_sample)


def _fail(message: str) -> int:
    print(f"minirnn char-rnn: error: {message}", file=sys.stderr)
    return 2


def _load_text(path: Path | None) -> tuple[str, str]:
    from minirnn.data import builtin_corpus, load_text

    if path is None:
        return builtin_corpus(), "the built-in corpus"
    return load_text(path), str(path)


def run_train(args: argparse.Namespace) -> int:
    from minirnn.data import Vocab
    from minirnn.models.char_rnn import CharRNN
    from minirnn.models.char_rnn_trainer import CharRNNTrainer, resume_char_rnn, save_char_rnn

    start = time.perf_counter()
    try:
        text, source = _load_text(args.data)
        if not 0.0 <= args.val_fraction < 1.0:
            raise ValueError(f"--val-fraction must be in [0, 1), got {args.val_fraction}")
        vocab = Vocab.from_text(text, level=args.level)
        ids = vocab.encode(text)
        if len(vocab) < 2:
            raise ValueError(f"{source} has {len(vocab)} distinct {args.level} token(s); a "
                             "language model needs at least 2")
        n_val = int(len(ids) * args.val_fraction)
        train_ids, val_ids = ids[:len(ids) - n_val], ids[len(ids) - n_val:][:args.val_tokens]
        print(f"data has {len(ids)} {args.level}s, {len(vocab)} unique ({source}); training on "
              f"{len(train_ids)}, holding out {n_val}")
        options = dict(
            sample_every=args.sample_every, sample_length=args.sample_length,
            print_every=args.print_every, decode=vocab.decode,
            val_data=val_ids if len(val_ids) >= 2 else None, eval_every=args.eval_every,
        )
        if args.resume is not None:
            trainer = resume_char_rnn(args.resume, train_ids, vocab, **options)
            print(f"resumed {args.resume} at iteration {trainer.n}")
        else:
            model = CharRNN(len(vocab), args.hidden, seed=args.seed, exact=not args.fast)
            trainer = CharRNNTrainer(model, train_ids, seq_length=args.seq_length, lr=args.lr,
                                     **options)
        trainer.run(args.iters)
        if trainer.val_data is not None and trainer.val_iterations[-1:] != [trainer.n]:
            trainer.validate()
    except (ValueError, OSError) as error:
        return _fail(str(error))
    path = save_char_rnn(args.out, trainer, vocab, config={"level": args.level,
                                                            "seed": args.seed})
    print(f"saved checkpoint {path} (iteration {trainer.n})")
    if not args.no_plot:
        plot_path = args.plot or args.out.with_name(args.out.stem + "_loss.png")
        _save_plot(trainer, plot_path, source)
        print(f"saved loss plot {plot_path}")
    print(f"done in {time.perf_counter() - start:.1f} s")
    return 0


def _save_plot(trainer: object, path: Path, source: str) -> None:
    from matplotlib.figure import Figure  # no pyplot: works without a display

    from minirnn.plot import plot_loss

    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = plot_loss(trainer.history(), ax=fig.subplots())
    ax.set_ylabel("loss (nats per token)")
    ax.set_title(f"min-char-rnn on {source}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)


def run_sample(args: argparse.Namespace) -> int:
    from minirnn.models.char_rnn import generate_text
    from minirnn.models.char_rnn_trainer import load_char_rnn

    try:
        model, vocab, _ = load_char_rnn(args.checkpoint)
        text = generate_text(model, vocab, args.prime, args.length, args.temperature,
                             args.top_k, np.random.default_rng(args.seed))
    except (ValueError, OSError) as error:
        return _fail(str(error))
    print(args.prime + (vocab.sep if args.prime and vocab.level == "word" else "") + text)
    return 0
