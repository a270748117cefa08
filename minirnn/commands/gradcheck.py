"""``minirnn gradcheck KIND``: check a small random layer's backward pass and print the report.

Each kind is an entry in :data:`KINDS`: a :class:`Kind` that adds its own options to its
parser and builds ``(layer, inputs)`` from the parsed arguments. Every cell of
:mod:`minirnn.layers.registry` is a kind, with the options in :data:`CELL_OPTIONS`.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from minirnn.commands.arguments import non_negative_int, positive_int
from minirnn.functional.activations import ACTIVATIONS
from minirnn.gradcheck import check_layer
from minirnn.layers.base import Layer
from minirnn.layers.registry import CELLS, layer_class

Builder = Callable[[argparse.Namespace, np.random.Generator], tuple[Layer, dict]]


@dataclass(frozen=True)
class Kind:
    """One checkable layer: help text, a builder and (optionally) extra options."""

    help: str
    build: Builder
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None


def recurrent_kwargs(args: argparse.Namespace) -> dict:
    """``num_layers``/``bidirectional`` for the layer, given only when not the default."""
    kwargs: dict = {}
    if args.layers != 1:
        kwargs["num_layers"] = args.layers
    if args.bidirectional:
        kwargs["bidirectional"] = True
    return kwargs


def random_state(args: argparse.Namespace, rng: np.random.Generator) -> np.ndarray:
    """A random initial state: (N, H), or (layers * directions, N, H) when stacked."""
    directions = 2 if args.bidirectional else 1
    if args.layers == 1 and directions == 1:
        return rng.standard_normal((args.batch_size, args.hidden_size))
    return rng.standard_normal((args.layers * directions, args.batch_size, args.hidden_size))


def random_sequence(args: argparse.Namespace, rng: np.random.Generator) -> np.ndarray:
    """A random input of shape (N, T, D)."""
    return rng.standard_normal((args.batch_size, args.steps, args.input_size))


def _rnn_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--nonlinearity", choices=tuple(ACTIVATIONS), default="tanh", help="default: tanh"
    )


def _gru_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reset-after",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="PyTorch form (default); --no-reset-after is the Cho et al. 2014 form",
    )
    parser.add_argument(
        "--reset-before", dest="reset_after", action="store_false", help="same as --no-reset-after"
    )


#: options some cells take beyond the common ones: registered name -> (add them to the
#: parser, read them back as the layer's keyword arguments)
CELL_OPTIONS: dict[str, tuple[Callable, Callable[[argparse.Namespace], dict]]] = {
    "rnn": (_rnn_arguments, lambda args: {"nonlinearity": args.nonlinearity}),
    "gru": (_gru_arguments, lambda args: {"reset_after": args.reset_after}),
}

#: descriptions kept from before the registry; other cells are described by their class
DESCRIPTIONS = {"rnn": "simple (Elman) RNN"}


def recurrent_kind(cell: str) -> Kind:
    """The gradient check of the registered cell ``cell``: random input and initial state."""
    layer_cls = layer_class(cell)
    add_arguments, read_options = CELL_OPTIONS.get(cell, (None, lambda args: {}))

    def build(args: argparse.Namespace, rng: np.random.Generator) -> tuple[Layer, dict]:
        options = {**read_options(args), **recurrent_kwargs(args)}
        layer = layer_cls(args.input_size, args.hidden_size, seed=rng, **options)
        x = random_sequence(args, rng)
        states = [random_state(args, rng) for _ in layer.state_names]
        return layer, {"x": x, "state": layer.join_state(states)}

    gates = f", per-gate rows {', '.join(layer_cls.gates)}" if layer_cls.gates else ""
    return Kind(DESCRIPTIONS.get(cell, layer_cls.__name__) + gates, build, add_arguments)


#: kind name -> how to build and configure it: every registered cell
KINDS: dict[str, Kind] = {cell: recurrent_kind(cell) for cell in CELLS}


def _common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input-size", type=positive_int, default=3, help="D (default: 3)")
    parser.add_argument("--hidden-size", type=positive_int, default=4, help="H (default: 4)")
    parser.add_argument("--batch-size", type=positive_int, default=2, help="N (default: 2)")
    parser.add_argument("--steps", type=positive_int, default=5, help="T (default: 5)")
    parser.add_argument(
        "--layers", type=positive_int, default=1, help="stacked layers (default: 1)"
    )
    parser.add_argument("--bidirectional", action="store_true", help="check both directions")
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="weights and inputs (default: 0)")
    parser.add_argument(
        "--max-entries",
        type=positive_int,
        default=None,
        help="check only this many random entries per array (default: all)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 on suspicious rows too, not only wrong"
    )


def kind_options_help() -> str:
    """The options every KIND takes, listed in ``minirnn gradcheck --help`` itself."""
    probe = argparse.ArgumentParser(prog="minirnn gradcheck KIND", add_help=False)
    _common_arguments(probe)
    options = probe.format_help().split("\n\n", 1)[1].split("\n", 1)[1]  # drop usage, title
    head = textwrap.fill("options of every KIND, given after it (e.g. minirnn gradcheck lstm "
                         "--layers 2 --bidirectional):")
    tail = textwrap.fill("rnn also takes --nonlinearity, gru --reset-after/--no-reset-after; "
                         "minirnn gradcheck KIND --help shows them.")
    return f"{head}\n{options.rstrip()}\n\n{tail}"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``gradcheck`` and one sub-command per entry of :data:`KINDS`."""
    parser = subparsers.add_parser(
        "gradcheck",
        help="check a layer's backward pass against finite differences",
        description=textwrap.fill(
            "Build a small random layer, compare its hand-written gradients with centred "
            "differences and print the report. Exit status 1 when a gradient is wrong."
        ),
        epilog=kind_options_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    for name, kind in KINDS.items():
        sub = kinds.add_parser(name, help=kind.help, description=f"Gradient check: {kind.help}.")
        _common_arguments(sub)
        if kind.add_arguments is not None:
            kind.add_arguments(sub)
        sub.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the layer, check it, print the table; 0 when it passes, 1 otherwise."""
    rng = np.random.default_rng(args.seed)
    layer, inputs = KINDS[args.kind].build(args, rng)
    report = check_layer(layer, inputs, seed=rng, max_entries=args.max_entries)
    report.title = (
        f"minirnn gradcheck {args.kind}: {layer!r} on N={args.batch_size}, T={args.steps}, "
        f"seed={args.seed}; finite-difference step 1e-5"
    )
    print(report)
    passed = report.all_good if args.strict else report.ok
    return 0 if passed else 1
