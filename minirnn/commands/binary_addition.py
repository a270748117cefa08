"""``minirnn binary-addition``: an RNN learns to add binary numbers, classic or modern.

``--classic`` reruns the famous NumPy script exactly (seed 0 prints ``Error:[[3.45638663]]``
for ``9 + 60`` first); without it a batched, biased, Adam-trained network is trained with
:func:`minirnn.train.fit` on ``--bits``-bit sums. Both end with a length-generalisation
table: the accuracy on sums of 16, 32 and 64 bits of a network that only ever saw ``--bits``.
"""

from __future__ import annotations

import argparse

from minirnn.commands.arguments import add_shared_options, positive_float, positive_int


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "binary-addition",
        help="train the binary-addition RNN (--classic: the original script, exactly)",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("--classic", action="store_true",
                        help="the original: 8 bits, 16 sigmoid units, no biases, one example "
                        "per update, learning rate 0.1, legacy np.random stream")
    parser.add_argument("--iters", type=positive_int,
                        help="updates (default 10000 classic, 2000 modern)")
    parser.add_argument("--bits", type=positive_int, default=8,
                        help="width of the training sums (8)")
    add_shared_options(parser, {"hidden": 16, "seed": 0}, seed="random seed")
    parser.add_argument("--batch-size", type=positive_int, default=32,
                        help="modern: sums per update (32)")
    parser.add_argument("--lr", type=positive_float,
                        help="learning rate (default 0.1 classic, 0.01 modern Adam)")
    parser.add_argument("--optimizer", choices=("adam", "sgd"), default="adam",
                        help="modern: optimizer (adam)")
    parser.add_argument("--nonlinearity", choices=("sigmoid", "tanh"), default="sigmoid",
                        help="modern: hidden activation (sigmoid)")
    parser.add_argument("--test-bits", type=positive_int, nargs="*", default=[16, 32, 64],
                        help="widths of the length-generalisation test (16 32 64)")
    parser.set_defaults(func=run)


def train_modern(args: argparse.Namespace) -> object:
    """The modern network, trained with fit; held-out accuracy printed at each validation."""
    import numpy as np

    from minirnn.data import Batch
    from minirnn.models.binary_adder import BinaryAdder
    from minirnn.optim import SGD, Adam
    from minirnn.tasks.binary_addition import addition_batch, addition_batches
    from minirnn.train import fit

    model = BinaryAdder(bits=args.bits, hidden_size=args.hidden,
                        nonlinearity=args.nonlinearity, seed=args.seed)
    iters = args.iters or 2000
    lr = 0.01 if args.lr is None else args.lr
    optimizer = Adam(model, lr=lr) if args.optimizer == "adam" else SGD(model, lr=lr)
    rng = np.random.default_rng(args.seed)
    held_out = Batch(*addition_batch(500, args.bits, np.random.default_rng(args.seed + 1)))

    def report(info: object) -> None:
        if info.val_loss is not None:
            right = model.predict(held_out.inputs) == held_out.targets[:, :, 0]
            print(f"iter {info.iteration:5d}  loss {info.loss:.4f} nats/bit  held-out "
                  f"accuracy {right.all(axis=1).mean():.3f} (sums with every bit right)")

    fit(model, optimizer, lambda: addition_batches(args.batch_size, args.bits, rng),
        iterations=iters, val_batches=[held_out], val_every=max(1, iters // 10),
        callbacks=report, rng=rng)
    return model


def run(args: argparse.Namespace) -> int:
    from minirnn.errors import UsageError
    from minirnn.models.binary_adder import BinaryAdder
    from minirnn.train.classics import binary_adder_classic

    if args.bits < 2:
        raise UsageError(f"--bits must be at least 2 (one bit is kept free for the carry), "
                         f"got {args.bits}")
    if args.classic:
        model = BinaryAdder(bits=args.bits, hidden_size=args.hidden, classic=True,
                            seed=args.seed)
        binary_adder_classic(model, iterations=args.iters or 10000,
                             alpha=0.1 if args.lr is None else args.lr)
    else:
        model = train_modern(args)
    print("length generalisation (1000 random sums each, operands below 2**(bits-1)):")
    for bits in [args.bits, *args.test_bits]:
        whole, per_bit = model.accuracy(bits, n=1000, seed=args.seed + 12345)
        print(f"  {bits:4d}-bit sums: {whole:7.1%} exactly right, {per_bit:7.2%} of bits")
    return 0
