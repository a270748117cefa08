"""The contract every layer and model follows.

A layer owns ``params`` and ``grads``, two dicts with the same keys. ``forward`` caches what
``backward`` needs; ``backward`` returns the gradient of its first input and *adds* into
``grads`` (so a layer used at several places sums its gradients, and ``zero_grad`` is called
once per update; :meth:`Layer.accumulate` does the adding). Gradients of further inputs, such
as the initial state of a recurrent layer, are left on the layer as attributes named ``d`` +
the input's name (``state`` -> ``dstate``).

Layers built from other layers register them in ``sublayers`` and are walked recursively by
``named_parameters``, which gives each array a dotted name such as ``"encoder.l0.Wx"``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from minirnn._checks import check_float_dtype, check_positive_int


class Layer:
    """Base class: parameters, gradients, sub-layers and the train/eval switch."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.sublayers: dict[str, Layer] = {}
        self.training = True

    # -- sizes and parameters ---------------------------------------------------------
    def set_sizes(self, **sizes: object) -> None:
        """Check that each size is a positive integer and keep it as the attribute of its name.

        ``self.set_sizes(input_size=input_size, hidden_size=hidden_size)`` sets
        ``self.input_size`` and ``self.hidden_size`` (as ints), or raises a ``ValueError``
        naming the first argument that is not a positive integer.
        """
        for name, value in sizes.items():
            setattr(self, name, check_positive_int(value, name))

    def add_param(self, name: str, value: np.ndarray) -> np.ndarray:
        """Register ``value`` as a parameter with a zero gradient of the same shape.

        Parameters must be floating-point arrays: integer weights cannot learn.
        """
        if not isinstance(value, np.ndarray) or not np.issubdtype(value.dtype, np.floating):
            given = value.dtype if isinstance(value, np.ndarray) else type(value).__name__
            raise TypeError(f"parameter {name} must be a floating-point array, got {given} "
                            "(give the layer a floating dtype=, such as np.float64)")
        self.params[name] = value
        self.grads[name] = np.zeros_like(value)
        return value

    def accumulate(self, **grads: np.ndarray) -> None:
        """Add each gradient into ``self.grads`` under its name: ``accumulate(Wx=dWx, b=db)``.

        Backward passes add rather than assign, so that a layer used at several places
        (or over several chunks) sums its gradients until ``zero_grad``.
        """
        for name, grad in grads.items():
            self.grads[name] += grad

    def add_sublayer(self, name: str, layer: Layer) -> Layer:
        """Register ``layer`` so that its parameters are reached by ``named_parameters``."""
        self.sublayers[name] = layer
        return layer

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
        """Yield ``(dotted_name, param, grad)`` for this layer and every sub-layer."""
        for name, value in self.params.items():
            yield prefix + name, value, self.grads[name]
        for child_name, child in self.sublayers.items():
            yield from child.named_parameters(prefix + child_name + ".")

    def parameters(self) -> dict[str, np.ndarray]:
        """Return every parameter by dotted name (the arrays themselves, not copies)."""
        return {name: value for name, value, _ in self.named_parameters()}

    def gradients(self) -> dict[str, np.ndarray]:
        """Return every gradient by dotted name (the arrays themselves, not copies)."""
        return {name: grad for name, _, grad in self.named_parameters()}

    def zero_grad(self) -> None:
        """Set every gradient, here and in sub-layers, to zero in place."""
        for _, _, grad in self.named_parameters():
            grad.fill(0.0)

    def num_parameters(self) -> int:
        """Total number of scalar parameters."""
        return sum(value.size for _, value, _ in self.named_parameters())

    # -- modes ------------------------------------------------------------------------
    def train(self, mode: bool = True) -> Layer:
        """Switch training behaviour (dropout) on or off, here and in sub-layers."""
        self.training = mode
        for child in self.sublayers.values():
            child.train(mode)
        return self

    def eval(self) -> Layer:
        """Switch to evaluation mode (no dropout)."""
        return self.train(False)

    @contextmanager
    def evaluating(self) -> Iterator[Layer]:
        """Run a block in evaluation mode, then restore the mode the layer had.

        ``with model.evaluating(): logits = model.forward(x)`` computes without dropout even
        in the middle of training, and leaves training mode on afterwards.
        """
        was_training = self.training
        self.eval()
        try:
            yield self
        finally:
            self.train(was_training)

    def astype(self, dtype: np.dtype | type) -> Layer:
        """Cast every parameter and gradient to ``dtype`` in place; returns the layer."""
        dtype = check_float_dtype(dtype)
        for layer in self._all_layers():
            for name in layer.params:
                layer.params[name] = layer.params[name].astype(dtype)
                layer.grads[name] = layer.grads[name].astype(dtype)
        return self

    def _all_layers(self) -> Iterator[Layer]:
        yield self
        for child in self.sublayers.values():
            yield from child._all_layers()

    # -- calling ----------------------------------------------------------------------
    def forward(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}{tuple(v.shape)}" for k, v in self.params.items())
        return f"{type(self).__name__}({shapes})"
