"""Watching an encoder-decoder's attention.

The model is trained by :func:`minirnn.experiments.seq2seq.train_seq2seq` (through
:func:`minirnn.train.fit`); :func:`attention_maps` decodes a few sources and returns what the
model attended to.
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import as_int_array

__all__ = ["attention_maps"]


def attention_maps(model, sources: np.ndarray, max_length: int) -> tuple[list, list]:
    """Greedy outputs and attention maps (output length x source length) of a few sources."""
    sources = as_int_array(sources, "sources")
    with model.evaluating():
        return model.generate(sources, max_length=max_length, return_attention=True)
