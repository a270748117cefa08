r"""Images read as sequences: one row (or one column) of pixels per time step.

Seed 002 classifies MNIST by feeding a recurrent network one 28-pixel row per step. The same
experiment at NumPy size uses the UCI handwritten digits: 8x8 images, so a sequence of 8 steps
of 8 features. Reading by columns instead turns each image by a quarter: the same pixels in
another order, a different task for the network.

The images come from :func:`minirnn.data.corpora.digits` (pixels already in [0, 1]). Nothing
here is random except the split, which takes an explicit seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minirnn._checks import check_choice, make_rng

__all__ = ["ImageSequences", "image_sequences", "split_images", "READS"]

#: the two ways of turning an image into a sequence
READS = ("rows", "columns")


def image_sequences(images: np.ndarray, read: str = "rows") -> np.ndarray:
    """Turn images (N, H, W) into sequences of float vectors.

    Parameters
    ----------
    images : ndarray
        Pixel values, shape (N, H, W).
    read : {"rows", "columns"}
        ``"rows"``: step ``t`` is row ``t`` (shape (N, H, W)); ``"columns"``: step ``t`` is
        column ``t`` (shape (N, W, H)).

    Returns
    -------
    ndarray
        float64 sequences, (N, T, D).
    """
    check_choice(read, READS, "read")
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (N, H, W), got {images.shape}")
    x = images.astype(np.float64)
    return np.ascontiguousarray(x if read == "rows" else x.transpose(0, 2, 1))


@dataclass
class ImageSequences:
    """A train/held-out split of images with their labels (images kept for plotting)."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray

    def sequences(self, read: str = "rows") -> tuple[np.ndarray, np.ndarray]:
        """Training and held-out sequences, read by ``read``."""
        return image_sequences(self.train_images, read), image_sequences(self.test_images, read)


def split_images(
    images: np.ndarray,
    labels: np.ndarray,
    test_fraction: float = 0.2,
    seed: int | np.random.Generator | None = 0,
) -> ImageSequences:
    """Shuffle with ``seed`` and hold out ``test_fraction`` of the images.

    The split is stratified: every class gives the same share to the held-out set, so a
    class is never missing from the evaluation.
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if len(images) != len(labels):
        raise ValueError(f"labels must hold one label per image ({len(images)}), got "
                         f"{len(labels)}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    rng = make_rng(seed)
    test = []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        test.extend(members[: int(round(test_fraction * len(members)))])
    is_test = np.zeros(len(labels), dtype=bool)
    is_test[test] = True
    train_order = rng.permutation(np.flatnonzero(~is_test))
    test_order = np.flatnonzero(is_test)
    return ImageSequences(images[train_order], labels[train_order],
                          images[test_order], labels[test_order])
