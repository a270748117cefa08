"""``minirnn lm train|generate``: a recurrent language model on any text, saved and reloaded.

``train`` reads a text file (UTF-8, or ``--encoding gb18030`` and the like; by default the
built-in offline corpus), builds a vocabulary of characters, whitespace words or jieba's
Chinese words (``--tokenizer``), holds out the last part as validation text, trains a
(stacked) LSTM/GRU/RNN language model with Adam and global-norm clipping, reports validation
loss and perplexity, and writes a checkpoint (weights, optimizer, vocabulary, configuration).
``generate`` loads a checkpoint and continues a prefix (greedy, temperature, top-k), split and
joined the way the training text was. ``--prefixes`` prints d2l's per-epoch log: the training
perplexity and a continuation of each prefix.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from minirnn.commands.arguments import (
    add_resume_options,
    add_sampling_options,
    add_shared_options,
    add_train_and_generate,
    check_readable_file,
    checkpoint_to_write,
    non_negative_float,
    non_negative_int,
    positive_int,
    probability,
    readable_file,
    resolve_options,
    stored_run,
)
from minirnn.data.tokenizers import TOKENIZERS
from minirnn.errors import UsageError

#: lm train options that shape the run, with their defaults. ``--resume`` takes them from the
#: checkpoint ("run" in its config); options given again must agree with it.
RUN_OPTIONS: dict[str, object] = {
    "data": None, "level": "char", "tokenizer": None, "encoding": "utf-8", "cell": "lstm",
    "layers": 1, "hidden": 128, "embed": 64, "dropout": 0.0, "batch_size": 32, "seq_len": 64,
    "scheme": "sequential", "lr": 2e-3, "clip": 5.0, "val_fraction": 0.1, "dtype": "float32",
    "seed": 0,
}


def register(subparsers: argparse._SubParsersAction) -> None:
    train, gen = add_train_and_generate(
        subparsers, "lm", "train a recurrent language model on a text, or generate from one",
        __doc__, run_train, run_generate,
        train_help="train on a text file (default: built-in corpus)",
        generate_help="continue a prefix with a trained model")
    train.add_argument("--data", type=readable_file,
                       help="UTF-8 text file (default: minirnn.data.builtin_corpus())")
    train.add_argument("--level", choices=("char", "word"),
                       help="tokens are characters (default) or whitespace-separated words")
    train.add_argument("--tokenizer", choices=TOKENIZERS,
                       help="how text becomes tokens: char, whitespace (words) or jieba "
                       "(Chinese words; needs pip install \"minirnn[zh]\"); overrides --level")
    train.add_argument("--encoding",
                       help="encoding of --data, e.g. gbk or gb18030 (utf-8)")
    train.add_argument("--prefixes",
                       help="comma-separated prefixes; once per epoch print the training "
                       "perplexity and a greedy continuation of each, as d2l's log does "
                       "(e.g. \"分开,不分开\")")
    train.add_argument("--prefix-length", type=positive_int, default=50,
                       help="tokens generated after each of --prefixes (50)")
    add_shared_options(train, RUN_OPTIONS, "cell", "layers", "hidden", resolved_later=True,
                       hidden="hidden units H")
    train.add_argument("--embed", type=non_negative_int,
                       help="embedding size E; 0 feeds one-hot vectors instead (64)")
    add_shared_options(train, RUN_OPTIONS, "dropout", "batch_size", "lr", resolved_later=True,
                       dropout="dropout between layers and before the output",
                       batch_size="sequences per batch N")
    train.add_argument("--seq-len", type=positive_int,
                       help="steps per chunk T, the truncated-BPTT length (64)")
    train.add_argument("--scheme", choices=("sequential", "random"),
                       help="partitioning: sequential carries the state between batches "
                       "(default), random resets it")
    train.add_argument("--clip", type=non_negative_float,
                       help="global gradient-norm limit, 0 for none (5)")
    train.add_argument("--iters", type=positive_int, help="updates to run (default: one epoch)")
    train.add_argument("--epochs", type=positive_int,
                       help="passes over the training text (default: 1; with --iters, as many "
                       "as they take)")
    train.add_argument("--val-fraction", type=probability,
                       help="final fraction of the text held out for validation (0.1)")
    train.add_argument("--val-every", type=positive_int,
                       help="validate every this many updates (default: each epoch and at "
                       "the end)")
    train.add_argument("--dtype", choices=("float32", "float64"),
                       help="parameter precision; float32 is about twice as fast (float32)")
    add_shared_options(train, RUN_OPTIONS, "seed", resolved_later=True)
    add_resume_options(train, "lm.npz", "model, optimizer, data and schedule",
                       "--iters, --epochs and reporting options")
    train.add_argument("--sample-every", type=non_negative_int,
                       help="print a sample every this many updates (default: none)")
    train.add_argument("--quiet", action="store_true", help="no progress line")

    gen.add_argument("--prefix", default="",
                     help="text to warm up on (default: none; a line break for models "
                     "without a <bos> token)")
    gen.add_argument("--length", type=positive_int, default=200, help="tokens to generate (200)")
    gen.add_argument("--greedy", action="store_true", help="always take the likeliest token")
    add_sampling_options(gen)


def _val_batches(val_ids: np.ndarray, batch_size: int, seq_len: int):
    """Sequential validation batches, with fewer rows when the held-out text is short."""
    from minirnn.data import LMBatches

    rows = min(batch_size, (len(val_ids) - 1) // seq_len)
    if rows < 1:
        raise UsageError(
            f"the held-out text has {len(val_ids)} tokens, fewer than --seq-len + 1 = "
            f"{seq_len + 1}; use a larger --val-fraction or a shorter --seq-len"
        )
    return LMBatches(val_ids, rows, seq_len, scheme="sequential", seed=0)


def _tokenizer_name(run: dict) -> str:
    if run["tokenizer"] is not None:
        return str(run["tokenizer"])
    return "char" if run["level"] == "char" else "whitespace"


def _run_options(args: argparse.Namespace) -> tuple[dict, Path]:
    """The run's options (from the checkpoint when resuming) and the checkpoint to write."""
    stored = None if args.resume is None else stored_run(args.resume, "lm")
    run = resolve_options(args, RUN_OPTIONS, stored, args.resume)
    if not 0.0 < run["val_fraction"] < 1.0:
        raise UsageError(f"--val-fraction must be in (0, 1), got {run['val_fraction']}")
    if run["data"] is not None:
        check_readable_file(run["data"], "--data")
    return run, checkpoint_to_write(args, "lm.npz")


def _load_corpus(run: dict) -> tuple[str, str]:
    from minirnn.data import builtin_corpus, load_text

    if run["data"] is None:
        return builtin_corpus(), "the built-in corpus"
    try:
        return load_text(Path(run["data"]), run["encoding"]), str(run["data"])
    except UnicodeDecodeError as error:
        raise UsageError(f"--data: {run['data']} is not {run['encoding']} text ({error.reason} "
                         f"at byte {error.start}); give its --encoding") from None


def run_train(args: argparse.Namespace) -> int:
    from minirnn.data import LMBatches, Vocab
    from minirnn.models.language_model import LanguageModel, generate_text
    from minirnn.optim import Adam
    from minirnn.train import fit

    start = time.perf_counter()
    run, out = _run_options(args)
    _epoch_log(args, None)  # check --prefixes and --prefix-length before any work
    text, source = _load_corpus(run)
    tokenizer = _tokenizer_name(run)
    unit = "char" if tokenizer == "char" else "word"
    vocab = Vocab.from_text(text, tokenizer=tokenizer)
    if len(vocab) < 2:
        raise UsageError(f"--data: {source} has {len(vocab)} distinct token(s); need at least 2")
    ids = vocab.encode(text)
    n_val = int(len(ids) * run["val_fraction"])
    train_ids, val_ids = ids[: len(ids) - n_val], ids[len(ids) - n_val :]
    val = _val_batches(val_ids, run["batch_size"], run["seq_len"])
    if len(train_ids) < run["batch_size"] * run["seq_len"] + 1:
        raise UsageError(f"the training text has {len(train_ids)} tokens, fewer than one batch "
                         f"(--batch-size x --seq-len + 1 = "
                         f"{run['batch_size'] * run['seq_len'] + 1}); use smaller values")
    data = LMBatches(train_ids, run["batch_size"], run["seq_len"], scheme=run["scheme"],
                     seed=run["seed"])
    dtype = np.float32 if run["dtype"] == "float32" else np.float64
    model = LanguageModel(len(vocab), run["hidden"], embedding_dim=run["embed"] or None,
                          cell=run["cell"], num_layers=run["layers"], dropout=run["dropout"],
                          seed=run["seed"], dtype=dtype)
    print(f"{source}: {len(ids)} {unit}s ({tokenizer}), {len(vocab)} distinct; training on "
          f"{len(train_ids)}, validating on {len(val_ids)}; {model.num_parameters()} parameters")
    optimizer = Adam(model, lr=run["lr"])

    def sample(m):
        return generate_text(m, vocab, "", 120, seed=0) if vocab.bos_id is not None else \
            vocab.decode(m.generate([int(train_ids[0])], 120, seed=0))

    history = fit(
        model, optimizer, data, epochs=args.epochs, iterations=args.iters, val_batches=val,
        val_every=args.val_every, clip_norm=run["clip"] or None,
        sample_fn=sample if args.sample_every else None, sample_every=args.sample_every,
        checkpoint_path=out, resume=args.resume,
        rng={"data": data.rng, "dropout": model.drop.rng}, vocab=vocab,
        config={"model": model.config(), "level": unit, "tokenizer": tokenizer, "run": run},
        verbose=not args.quiet, on_epoch_end=_epoch_log(args, vocab),
    )
    val_loss = float(history.val_loss[-1])
    print(f"validation loss {val_loss:.4f} nats/{unit}, perplexity {np.exp(val_loss):.3f}"
          f" after {int(history.iteration[-1])} updates ({history.stop_reason})")
    print(f"saved checkpoint {out}; done in {time.perf_counter() - start:.1f} s")
    return 0


def _epoch_log(args: argparse.Namespace, vocab) -> list:
    """The d2l-style per-epoch log as a fit end-of-epoch event, when --prefixes asks for it."""
    if not args.prefixes:
        return []
    from minirnn.models.language_model import generate_text
    from minirnn.train.reports import EpochLog

    prefixes = [p for p in (piece.strip() for piece in args.prefixes.split(",")) if p]
    if not prefixes:
        raise UsageError(f"--prefixes has no prefix in it: {args.prefixes!r}")
    if vocab is None:  # called before the text is read: the option alone is checked
        return []
    for prefix in prefixes:
        try:
            vocab.encode(prefix)  # an unknown character fails now, not after the first epoch
        except ValueError as error:
            raise UsageError(f"--prefixes: {error}") from None

    def continuations(model) -> list[str]:
        return [generate_text(model, vocab, prefix, args.prefix_length, greedy=True)
                for prefix in prefixes]

    return [EpochLog(continuations)]


def load_language_model(path: Path, reader: str = "`minirnn lm generate`"):
    """Model and vocabulary from a checkpoint written by ``minirnn lm train`` (or ``names``).

    The file is validated before the model is built: its kind, the vocabulary, and the
    shapes the configuration implies for the embedding and output layers against the stored
    arrays (a crafted configuration cannot allocate a huge model). Every problem is a
    :class:`~minirnn.train.checkpoint.CheckpointError` naming the file; ``reader`` is the
    command loading it, for the message.
    """
    from minirnn.models.language_model import LanguageModel
    from minirnn.train.checkpoint import (
        CheckpointError,
        load_checkpoint,
        load_params_into,
        require_kind,
        require_shapes,
        require_vocab_size,
        saved_vocab,
    )

    ckpt = load_checkpoint(path)
    require_kind(ckpt, ("lm", "names"), reader)
    config = ckpt.config.get("model")
    vocab = saved_vocab(ckpt)
    sizes = [config.get(key) for key in ("vocab_size", "hidden_size")]
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in sizes):
        raise CheckpointError(f"{path}: the model configuration needs integer vocab_size and "
                              f"hidden_size, got {sizes}")
    V, H = sizes
    expected = {"out.W": (H, V), "out.b": (V,)}
    if config.get("embedding_dim") is not None:
        expected["embed.W"] = (V, config["embedding_dim"])
    require_shapes(ckpt, expected)
    require_vocab_size(ckpt, vocab, V)
    try:
        model = LanguageModel.from_config(config)
    except (TypeError, ValueError) as err:
        raise CheckpointError(f"{path}: the model configuration is not valid ({err})") from None
    load_params_into(model, ckpt.params, source=str(path))
    return model, vocab


def load_model_with_bos_eos(path: Path, reader: str, refusal: str):
    """:func:`load_language_model` for a model that writes whole items (names, poems).

    Such a model starts from ``<bos>`` and stops at ``<eos>``; a checkpoint whose vocabulary
    lacks them is refused with a :class:`~minirnn.errors.UsageError` ``f"{path} {refusal}"``.
    """
    model, vocab = load_language_model(path, reader)
    if vocab.bos_id is None or vocab.eos_id is None:
        raise UsageError(f"{path} {refusal}")
    return model, vocab


def run_generate(args: argparse.Namespace) -> int:
    from minirnn.models.language_model import generate_text

    model, vocab = load_language_model(args.checkpoint)
    prefix = args.prefix
    if prefix == "" and vocab.bos_id is None:
        # no start token to begin from: start after a line break, or on the first token
        prefix = "\n" if "\n" in vocab else [vocab.itos[len(vocab.specials)]]
    try:
        vocab.encode(prefix)
    except ValueError as error:  # characters the model never saw: the user's input
        raise UsageError(f"--prefix: {error}") from None
    text = generate_text(model, vocab, prefix, args.length, greedy=args.greedy,
                         temperature=args.temperature, top_k=args.top_k, seed=args.seed)
    print(text)
    return 0
