"""Tang poem generator (seed 004): validation loss per character, and how often generated
lines have the requested form (5 or 7 characters, then "，" after an odd line and "。？！"
after an even one).

The model is trained as ``minirnn poems train`` trains it (2-layer LSTM, embedding 64, Adam
5e-3, clipping at 5, float32), on a subset of the shipped poems. Then ``--samples`` poems are
written freely (only the start character and the number of lines given: the form is the
model's own) and as many with the form enforced by constrained sampling (100% by
construction; measured as a check).

    python benchmarks/poems.py --out benchmarks/results/poems.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from minirnn.data.corpora import tang_poems
from minirnn.experiments.poems import train_poem_model
from minirnn.models.poem_writer import PoemWriter
from minirnn.tasks.poems import form_share, poem_vocab, split_poems

STARTS = "春日红山夜湖海月风花雪云江秋人白"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--form", type=int, default=5, choices=(5, 7))
    parser.add_argument("--lines", type=int, default=4, choices=(4, 8))
    parser.add_argument("--poems", type=int, default=2000, help="poems used (0: all)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--samples", type=int, default=96, help="poems generated per mode")
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the results as JSON")
    args = parser.parse_args()

    poems = tang_poems(args.form, args.lines)
    poems = poems[: args.poems] if args.poems else poems
    split = split_poems(poems, 0.1, seed=args.seed)
    vocab = poem_vocab(split.train, min_freq=2)
    print(f"{len(split.train)} training / {len(split.val)} validation poems "
          f"({args.form} characters, {args.lines} lines); {len(vocab)} tokens; "
          f"H={args.hidden}, {args.epochs} epochs")
    start = time.perf_counter()
    model, history = train_poem_model(split, vocab, hidden_size=args.hidden,
                                      epochs=args.epochs, seed=args.seed, verbose=False)
    seconds = time.perf_counter() - start
    val_losses = [round(float(v), 4) for v in history.val_loss]
    print(f"trained in {seconds:.0f} s; validation loss per epoch (nats/char): {val_losses}")
    writer = PoemWriter(model, vocab)
    starts = [ch for ch in STARTS if ch in vocab]
    free = [writer.poem(starts[i % len(starts)], args.lines, temperature=args.temperature,
                        seed=i) for i in range(args.samples)]
    fixed = [writer.poem(starts[i % len(starts)], args.lines, chars_per_line=args.form,
                         temperature=args.temperature, seed=i) for i in range(args.samples)]
    free_share, free_lines = form_share(free, args.form)
    fixed_share, fixed_lines = form_share(fixed, args.form)
    print(f"free generation:  {100 * free_share:.1f}% of {free_lines} lines in form")
    print(f"form enforced:    {100 * fixed_share:.1f}% of {fixed_lines} lines in form")
    heads = "春夏秋冬"[: args.lines]
    if not all(ch in vocab for ch in heads):  # a small vocabulary may lack some seasons
        heads = "".join(starts[: args.lines])
    for poem in free[:4] + [writer.acrostic(heads, args.form, seed=0)]:
        print("  " + poem)
    if args.out is not None:
        args.out.write_text(json.dumps({
            "settings": vars(args) | {"out": str(args.out)}, "train_poems": len(split.train),
            "val_poems": len(split.val), "vocab": len(vocab), "seconds": seconds,
            "val_loss_per_char": val_losses, "free_form_share": free_share,
            "free_lines": free_lines, "fixed_form_share": fixed_share,
            "free_samples": free[:8]}, ensure_ascii=False, indent=1) + "\n")
        print(f"written to {args.out}")


if __name__ == "__main__":
    main()
