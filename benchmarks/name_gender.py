"""Name gender (female/male from the letters of a first name): unidirectional vs bidirectional.

Same cell, same hidden size per direction, same embedding, same data and seed; the held-out
accuracy is printed per epoch next to the majority baseline. Then the leak of seed 000's
bidirectional "generator": next-character models, unidirectional and bidirectional, trained
on the female names; their teacher-forced loss (what training sees) against the loss when
every prediction sees only the prefix (what generation sees), and a few generated names.

    python benchmarks/name_gender.py
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from minirnn.experiments.name_gender import (
    generate_name,
    prefix_only_loss,
    teacher_forced_loss,
    train_name_gender,
    train_next_char,
)
from minirnn.tasks.name_gender import load_name_lists, majority_baseline, name_gender_data
from minirnn.tasks.names import names_vocab


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="directory with names/female.txt and names/male.txt")
    parser.add_argument("--cell", default="lstm")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    args = parser.parse_args()

    results: dict = {"classification": [], "leak": {}}
    for seed in args.seeds:
        data = name_gender_data(cache_dir=args.data_dir, seed=seed)
        print(f"seed {seed}: {len(data.train_names)} train / {len(data.test_names)} held-out "
              f"names, {len(data.dropped)} on both lists dropped, majority baseline "
              f"{100 * majority_baseline(data):.1f}%")
        for bidirectional in (False, True):
            start = time.perf_counter()
            model, accuracies = train_name_gender(
                data, cell=args.cell, bidirectional=bidirectional, hidden_size=args.hidden,
                epochs=args.epochs, seed=seed, dtype=np.float32)
            kind = "bidirectional " if bidirectional else "unidirectional"
            print(f"  {kind} {args.cell}: held-out accuracy per epoch "
                  + " ".join(f"{100 * a:.1f}" for a in accuracies)
                  + f"  ({time.perf_counter() - start:.0f} s, {model.num_parameters()} params)",
                  flush=True)
            results["classification"].append({
                "seed": seed, "bidirectional": bidirectional, "accuracy": accuracies,
                "majority": majority_baseline(data), "parameters": model.num_parameters()})

    female, _ = load_name_lists(args.data_dir)
    rng = np.random.default_rng(0)
    held = [female[i] for i in rng.choice(len(female), 200, replace=False)]
    train = sorted(set(female) - set(held))
    vocab = names_vocab(female)
    print("\nnext-character models on the female names (nats per character; uniform would "
          f"be {np.log(len(vocab) - 2):.2f}):")
    for bidirectional in (False, True):
        model, losses = train_next_char(train, vocab, bidirectional=bidirectional, epochs=3)
        forced = teacher_forced_loss(model, held, vocab)
        honest = prefix_only_loss(model, held, vocab)
        samples = [generate_name(model, vocab, p, seed=i, min_length=3)
                   for i, p in enumerate(["", "", "r", "ar", "m"])]
        greedy = [generate_name(model, vocab, p, greedy=True) for p in ["r", "ar"]]
        kind = "bidirectional " if bidirectional else "unidirectional"
        print(f"  {kind}: training loss {losses[-1]:.3f}, held-out teacher-forced {forced:.3f}, "
              f"held-out prefix-only {honest:.3f}")
        print(f"    sampled (at least 3 letters): {samples}; greedy from r, ar: {greedy}")
        results["leak"][kind.strip()] = {"train_loss": losses, "teacher_forced": forced,
                                         "prefix_only": honest, "samples": samples,
                                         "greedy": greedy}
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
