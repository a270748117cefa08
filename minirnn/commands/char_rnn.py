"""``minirnn char-rnn train|sample``: Karpathy's min-char-rnn, trained with fit, and sampled.

``train`` trains min-char-rnn (H=100, chunks of 25, Adagrad 0.1, clipping at 5) with
:func:`minirnn.train.fit` on a text file, or on the built-in offline corpus when no
``--data`` is given, for 25,000 iterations (``--full``: 50,000; ``--iters N``): a progress
line every half second and a 200-token sample every 100 iterations, a held-out loss the
original does not have, all in nats per character, then a checkpoint (resumable with
``--resume``) and a loss plot. By default the weights are the original's bit for bit;
``--fast`` trades that for speed. ``sample`` loads a checkpoint and writes text, optionally
primed, with temperature and top-k.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from minirnn.commands.arguments import (
    add_command_with_actions,
    add_resume_options,
    add_sampling_options,
    check_output_path,
    check_readable_file,
    checkpoint_to_write,
    non_negative_int,
    output_path,
    positive_float,
    positive_int,
    probability,
    readable_file,
    resolve_options,
)
from minirnn.data.tokenizers import TOKENIZERS
from minirnn.errors import UsageError
from minirnn.train.saving import save_with_fallback

#: iterations of the default run: about a minute on a quiet 2-core machine (README)
DEFAULT_ITERS = 25000
#: iterations of ``--full``, the length of the run the project reproduces the original with
FULL_ITERS = 50000


def register(subparsers: argparse._SubParsersAction) -> None:
    actions = add_command_with_actions(
        subparsers, "char-rnn", "train min-char-rnn on a text, or sample from a trained one",
        __doc__.splitlines()[0])

    train = actions.add_parser("train", help="train on a text file (default: built-in corpus)")
    train.add_argument("--data", type=readable_file, help="UTF-8 text file (default: the "
                       "built-in offline corpus, minirnn.data.builtin_corpus())")
    train.add_argument("--level", choices=("char", "word"),
                       help="tokens are characters (default) or whitespace-separated words")
    train.add_argument("--tokenizer", choices=TOKENIZERS,
                       help="char, whitespace or jieba (Chinese words, as seed 001 trains "
                       "min-char-rnn; needs pip install \"minirnn[zh]\"); overrides --level")
    train.add_argument("--encoding", help="encoding of --data, e.g. gb18030 (utf-8)")
    train.add_argument("--hidden", type=positive_int, help="hidden units H (100)")
    train.add_argument("--seq-length", type=positive_int, help="chunk length (25)")
    train.add_argument("--lr", type=positive_float, help="Adagrad learning rate (0.1)")
    length = train.add_mutually_exclusive_group()
    length.add_argument("--iters", type=positive_int,
                        help=f"iterations (updates) of the whole run ({DEFAULT_ITERS:,})")
    length.add_argument("--full", action="store_true",
                        help=f"the full run, {FULL_ITERS:,} iterations (about a minute and a "
                        "half on a quiet 2-core machine)")
    train.add_argument("--seed", type=non_negative_int, help="np.random.seed of the run (0)")
    add_resume_options(train, "char_rnn.npz", restored="the data, the model and the run's "
                       "options", changeable="--iters/--full and the reporting options (--iters "
                       "counts from the run's start)")
    train.add_argument("--plot", type=output_path,
                       help="loss plot PNG (default: the checkpoint name + _loss.png)")
    train.add_argument("--no-plot", action="store_true", help="do not draw the loss plot")
    train.add_argument("--sample-every", type=non_negative_int, default=100,
                       help="sample every this many iterations, 0 for never (100)")
    train.add_argument("--sample-length", type=positive_int, default=200,
                       help="tokens per sample (200)")
    train.add_argument("--val-fraction", type=probability,
                       help="hold out this final fraction of the text for a validation loss "
                       "(0.1; 0 trains on everything, as the original)")
    train.add_argument("--eval-every", type=positive_int, default=1000,
                       help="validation loss every this many iterations (1000)")
    train.add_argument("--val-tokens", type=positive_int,
                       help="evaluate on at most this many held-out tokens (20000)")
    train.add_argument("--fast", action="store_true",
                       help="whole-chunk matrix products (faster; not bit for bit the "
                       "original's weights, which the default computes)")
    train.set_defaults(func=run_train)

    sample = actions.add_parser("sample", help="generate text from a checkpoint")
    sample.add_argument("checkpoint", type=readable_file)
    sample.add_argument("--prime", default="", help="text to start from")
    sample.add_argument("--length", type=positive_int, default=500,
                        help="tokens to generate (500)")
    add_sampling_options(sample)
    sample.set_defaults(func=run_sample)


def _load_text(path: Path | None, encoding: str = "utf-8") -> tuple[str, str]:
    from minirnn.data import builtin_corpus, load_text

    if path is None:
        return builtin_corpus(), "the built-in corpus"
    return load_text(path, encoding), str(path)


def _split(run: dict) -> tuple[object, np.ndarray, np.ndarray, str]:
    """The vocabulary, the training ids and the held-out ids of the text, with a report."""
    from minirnn.data import Vocab

    text, source = _load_text(None if run["data"] is None else Path(run["data"]),
                              run["encoding"])
    vocab = Vocab.from_text(text, level=run["level"], tokenizer=run["tokenizer"])
    level = vocab.level
    ids = vocab.encode(text)
    if len(vocab) < 2:
        raise UsageError(f"--data: {source} has {len(vocab)} distinct {level} token(s); a "
                         "language model needs at least 2")
    n_val = int(len(ids) * run["val_fraction"])
    train_ids, val_ids = ids[:len(ids) - n_val], ids[len(ids) - n_val:][:run["val_tokens"]]
    print(f"data has {len(ids)} {level}s, {len(vocab)} unique ({source}); training on "
          f"{len(train_ids)}, holding out {n_val}")
    return vocab, train_ids, val_ids, source


#: char-rnn train options that shape the run, with their defaults; --resume takes them from
#: the checkpoint, and options given again must agree with it
RUN_OPTIONS: dict[str, object] = {
    "data": None, "level": "char", "tokenizer": None, "encoding": "utf-8", "hidden": 100,
    "seq_length": 25, "lr": 0.1, "seed": 0,
    "val_fraction": 0.1, "val_tokens": 20000,
}


def _run_options(args: argparse.Namespace) -> tuple[dict, Path]:
    """The run's options (from the checkpoint when resuming) and the checkpoint to write."""
    stored = None
    if args.resume is not None:
        from minirnn.train import load_checkpoint
        from minirnn.train.checkpoint import require_kind

        checkpoint = load_checkpoint(args.resume)
        require_kind(checkpoint, ("char-rnn",), "`minirnn char-rnn train --resume`")
        config = checkpoint.config
        stored = config.get("run") or {"hidden": config.get("hidden_size"),
                                       "seq_length": config.get("seq_length"),
                                       "lr": config.get("lr"), "level": config.get("level"),
                                       "seed": config.get("seed")}
    run = resolve_options(args, RUN_OPTIONS, stored, args.resume)
    if run["data"] is not None:
        check_readable_file(run["data"], "--data")
    out = checkpoint_to_write(args, "char_rnn.npz")
    if not args.no_plot:
        check_output_path(args.plot or out.with_name(out.stem + "_loss.png"), "--plot")
    return run, out


def run_train(args: argparse.Namespace) -> int:
    from minirnn.data import Batch, CharChunks
    from minirnn.models.char_rnn import CharRNN
    from minirnn.optim import Adagrad
    from minirnn.train import fit

    start = time.perf_counter()
    run, out = _run_options(args)
    vocab, train_ids, val_ids, source = _split(run)
    if args.resume is not None:
        model, _, _ = load_char_rnn(args.resume, vocab)
    else:
        model = CharRNN(len(vocab), run["hidden"], seed=run["seed"], exact=not args.fast)
    seq_length, lr = run["seq_length"], run["lr"]
    try:
        chunks = CharChunks(train_ids, seq_length)
    except ValueError as error:  # a text too short for one chunk: the user's input
        raise UsageError(f"--data/--seq-length: {error}") from error
    sample_rng = np.random.default_rng(run["seed"])

    def sample(m: CharRNN) -> str:  # from the carried state, as min-char-rnn samples
        return vocab.decode(m.sample(m.h, m.last_token, args.sample_length, rng=sample_rng))

    val = [Batch(val_ids[:-1], val_ids[1:], reset_state=True)] if len(val_ids) >= 2 else None
    level = vocab.level
    config = {"model": "CharRNN", "vocab_size": len(vocab), "hidden_size": model.hidden_size,
              "exact": model.exact, "seq_length": seq_length, "lr": lr, "level": level,
              "seed": run["seed"], "run": run}
    print(f"losses in nats per {level} (mean over each {seq_length}-{level} chunk)")
    iterations = args.iters or (FULL_ITERS if args.full else DEFAULT_ITERS)
    history = fit(model, Adagrad(model, lr=lr, eps=1e-8), chunks, iterations=iterations,
                  clip_value=5.0, val_batches=val, val_every=args.eval_every if val else None,
                  sample_fn=sample if args.sample_every else None,
                  sample_every=args.sample_every or None, checkpoint_path=out,
                  resume=args.resume, rng={"sample": sample_rng}, vocab=vocab, config=config)
    if len(history.val_loss):
        print(f"held-out loss {history.val_loss[-1]:.4f} nats/{level}")
    if not args.no_plot:
        plot_path = args.plot or out.with_name(out.stem + "_loss.png")
        _save_plot(history, plot_path, source, level)
        print(f"saved loss plot {plot_path}")
    print(f"done in {time.perf_counter() - start:.1f} s")
    return 0


def _save_plot(history: object, path: Path, source: str, level: str) -> None:
    from matplotlib.figure import Figure  # no pyplot: works without a display

    from minirnn.plot import plot_loss

    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = plot_loss(history, ax=fig.subplots())
    ax.set_ylabel(f"loss (nats per {level})")
    ax.set_title(f"min-char-rnn on {source}")
    save_with_fallback(lambda target: fig.savefig(target, dpi=100), path, "loss plot")


def load_char_rnn(path: str | Path, vocab: object = None) -> tuple[object, object, object]:
    """Rebuild a :class:`~minirnn.models.CharRNN` saved by ``char-rnn train``.

    Returns ``(model, vocab, checkpoint)``. ``vocab``, if given, must be the vocabulary the
    model was trained with (its ids would mean other tokens otherwise).

    Raises
    ------
    CheckpointError
        If the file is not a valid CharRNN checkpoint (another kind, a vocabulary that does
        not fit the weights, ...).
    UsageError
        If ``vocab`` is given and the model was trained on another vocabulary.
    """
    from minirnn.models.char_rnn import CharRNN
    from minirnn.train import load_checkpoint, load_params_into
    from minirnn.train.checkpoint import (
        CheckpointError,
        require_kind,
        require_shapes,
        require_vocab_size,
        saved_vocab,
    )

    checkpoint = load_checkpoint(path)
    require_kind(checkpoint, ("char-rnn",), "`minirnn char-rnn`")
    config = checkpoint.config
    saved = saved_vocab(checkpoint)
    V, H = config.get("vocab_size"), config.get("hidden_size")
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (V, H)):
        raise CheckpointError(f"{path}: the configuration needs integer vocab_size and "
                              f"hidden_size, got {V!r} and {H!r}")
    require_shapes(checkpoint, {"Wxh": (H, V), "Why": (V, H)})
    require_vocab_size(checkpoint, saved, V)
    if vocab is not None and vocab != saved:
        only_saved = sorted(set(saved.itos) - set(vocab.itos))[:5]
        only_given = sorted(set(vocab.itos) - set(saved.itos))[:5]
        raise UsageError(
            f"{path} was trained on another vocabulary: {len(saved)} {saved.level} tokens "
            f"there, {len(vocab)} {vocab.level} tokens here (only in the checkpoint: "
            f"{only_saved}; only here: {only_given}). Train a new model for this text."
        )
    model = CharRNN(int(config["vocab_size"]), int(config["hidden_size"]), seed=0,
                    classic=False, exact=bool(config.get("exact", True)))
    load_params_into(model, checkpoint.params, source=str(path))
    return model, saved, checkpoint


def run_sample(args: argparse.Namespace) -> int:
    from minirnn.models.char_rnn import generate_text

    model, vocab, _ = load_char_rnn(args.checkpoint)
    try:
        text = generate_text(model, vocab, args.prime, args.length,
                             temperature=args.temperature, top_k=args.top_k, seed=args.seed)
    except ValueError as error:  # a priming text with unknown characters: the user's input
        raise UsageError(f"--prime: {error}") from error
    print(text)
    return 0
