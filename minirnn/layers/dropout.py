"""Inverted dropout, with a switch that freezes the mask for gradient checks."""

from __future__ import annotations

import numpy as np

from minirnn._checks import as_float_array, check_number, make_rng
from minirnn.layers.base import Layer


def check_dropout_probability(p: object, name: str = "p") -> float:
    """Return ``p`` as a float, raising unless ``0 <= p < 1``."""
    return check_number(p, name, 0.0, 1.0, high_open=True)


class Dropout(Layer):
    r"""Zero each entry with probability ``p`` in training mode, scaling the rest by 1/(1-p).

    Parameters
    ----------
    p : float
        Probability of dropping an entry, ``0 <= p < 1``.
    seed : int or numpy.random.Generator, optional
        Source of the masks; the same seed gives the same masks.

    Attributes
    ----------
    fixed_masks : bool
        When ``True``, the mask drawn by the first training-mode ``forward`` is reused by
        every later call on an input of the same shape, until :meth:`resample` is called.
        Gradient checks need this: the loss must be the same function at every probe.

    Notes
    -----
    With a mask :math:`m_{ij} \sim \mathrm{Bernoulli}(1 - p)`,

    .. math:: y = \frac{m \odot x}{1 - p}, \qquad \frac{\partial L}{\partial x} =
        \frac{m \odot \partial L / \partial y}{1 - p}

    so the expected value of :math:`y` equals :math:`x` and evaluation mode needs no
    rescaling (it is the identity), as in PyTorch.
    """

    def __init__(self, p: float = 0.5, seed: int | np.random.Generator | None = None) -> None:
        super().__init__()
        self.p = check_dropout_probability(p)
        self.rng = make_rng(seed)
        self.fixed_masks = False
        self.mask: np.ndarray | None = None  # already scaled by 1/(1-p)
        self._applied = False  # did the last forward use the mask (training mode, p > 0)?

    @property
    def applied_mask(self) -> np.ndarray | None:
        """The mask the last ``forward`` multiplied by, or None if it passed ``x`` through."""
        return self.mask if self._applied else None

    def resample(self) -> None:
        """Forget the stored mask, so the next training-mode forward draws a new one."""
        self.mask = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return ``x`` with dropout applied (training mode) or unchanged (evaluation)."""
        x = as_float_array(x, "x")
        self._applied = self.training and self.p > 0.0
        if not self._applied:
            return x
        reuse = self.fixed_masks and self.mask is not None and self.mask.shape == x.shape
        if not reuse:
            keep = self.rng.random(x.shape) >= self.p
            self.mask = keep.astype(x.dtype) / np.asarray(1.0 - self.p, dtype=x.dtype)
        return x * self.mask.astype(x.dtype, copy=False)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Return the gradient of the input: ``dout`` through the same mask."""
        dout = as_float_array(dout, "dout")
        if not self._applied:
            return dout
        return dout * self.mask.astype(dout.dtype, copy=False)
