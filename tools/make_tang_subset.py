"""Rebuild ``datasets/poetry/tang_regular.txt.gz`` from the full Tang poems file.

The full file (45,064 regular-verse poems, 6.9 MB) is too big to ship in the repository. This
keeps the two classic forms that poem generation targets: quatrains (4 lines) and regulated
verse (8 lines), every line 5 characters or every line 7, each line ended by one of
``，。？！``. That is 36,916 poems in the original order. The gzip stream is written with a
zero timestamp so the same input always gives the same bytes (and SHA-256).

Usage::

    python tools/make_tang_subset.py path/to/tang_poems.txt datasets/poetry/tang_regular.txt.gz
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this clone's minirnn
from minirnn.data.corpora import poem_lines  # noqa: E402


def is_regular_form(poem: str) -> bool:
    """4 or 8 lines, all of 5 characters or all of 7 (punctuation not counted)."""
    lines = poem_lines(poem)
    widths = {len(line) - 1 for line in lines}
    return len(lines) in (4, 8) and widths in ({5}, {7})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="tang_poems.txt, one poem per line")
    parser.add_argument("target", type=Path, help="the .txt.gz to write")
    args = parser.parse_args()
    poems = args.source.read_text(encoding="utf-8").splitlines()
    kept = [poem for poem in poems if is_regular_form(poem)]
    data = ("\n".join(kept) + "\n").encode("utf-8")
    packed = gzip.compress(data, compresslevel=9, mtime=0)
    args.target.write_bytes(packed)
    print(f"kept {len(kept)} of {len(poems)} poems, {len(data)} bytes of text, "
          f"{len(packed)} bytes gzip, SHA-256 {hashlib.sha256(packed).hexdigest()}")


if __name__ == "__main__":
    main()
