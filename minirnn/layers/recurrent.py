"""The machinery shared by :class:`RNN`, :class:`LSTM` and :class:`GRU`: stacking, directions,
dropout between layers, state shapes and input checks.

Two kinds of object live here:

* a :class:`RecurrentCore` is one layer running in one direction. It owns ``Wx``, ``Wh``,
  ``b`` (and whatever else its cell needs) and runs one functional sequence pair
  (``rnn_forward``/``rnn_backward``, ...). Subclasses only say which pair, how many gates and
  which states (``state_names``).
* a :class:`RecurrentLayer` arranges cores the way PyTorch does: ``num_layers`` layers, each
  with a forward core and, if bidirectional, a reverse core that reads the sequence from the
  end. The outputs of the two directions are concatenated per step and, in training mode,
  passed through dropout before the next layer. Its ``forward(x, state=None)`` returns
  ``(hs, state)`` and its ``backward(dhs, dstate=None)`` returns ``dx`` and leaves the
  initial state's gradient in ``dstate``, whatever the cell: ``state`` is ``h`` for a cell
  with one state and the tuple ``(h, c)`` (in ``state_names`` order) for the LSTM.

A new cell needs its functional pair, its core and one line in
:mod:`minirnn.layers.registry`: ``RecurrentLayer.for_core(MyCore)`` is a complete layer.

A single-layer unidirectional layer has exactly one core and shares its ``params``/``grads``
dicts, so its parameters appear at the top level (``Wx``, ``Wh``, ``b``). Otherwise each core is
a sub-layer named ``l0``, ``l0_reverse``, ``l1``, ... (dotted names such as ``l1_reverse.Wx``),
the same names PyTorch uses as suffixes (``weight_ih_l1_reverse``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from minirnn._checks import (
    as_float_array,
    check_float_dtype,
    check_ndim,
    check_positive_int,
    check_shape,
    make_rng,
)
from minirnn._memory import aligned
from minirnn.functional.fast.workspace import Workspace
from minirnn.layers.base import Layer
from minirnn.layers.dropout import Dropout, check_dropout_probability
from minirnn.layers.state import join_state, split_state


def init_recurrent_params(
    layer: Layer,
    input_size: int,
    hidden_size: int,
    gates: int,
    rng: np.random.Generator,
    dtype: type,
) -> None:
    r"""Give ``layer`` parameters ``Wx`` (D, G*H), ``Wh`` (H, G*H) and ``b`` (G*H,).

    Every entry is drawn from :math:`U(-1/\sqrt{H}, 1/\sqrt{H})`, PyTorch's default for
    recurrent layers, in the order Wx, Wh, b. ``Wh`` starts on a 64-byte boundary: the
    batch-one LSTM backward pass reads it there as it is, and copies it on every call where
    it is not (:func:`minirnn.functional.fast.lstm_one.backward_steps`).
    """
    dtype = check_float_dtype(dtype)
    bound = 1.0 / np.sqrt(hidden_size)
    width = gates * hidden_size
    layer.add_param("Wx", rng.uniform(-bound, bound, (input_size, width)).astype(dtype))
    layer.add_param("Wh", aligned(rng.uniform(-bound, bound, (hidden_size, width)), dtype))
    layer.add_param("b", rng.uniform(-bound, bound, width).astype(dtype))


class RecurrentCore(Layer):
    """One recurrent layer running forwards over a sequence (the reversal happens outside).

    Subclasses set ``num_gates``, ``gates`` and ``state_names`` and implement :meth:`run`
    and :meth:`run_backward` with one functional sequence pair. Constructor options beyond
    the four below (``nonlinearity``, ``reset_after``) are keyword arguments the layer passes
    through.
    """

    #: how many H-wide blocks Wx, Wh and b have (LSTM 4, GRU 3, RNN 1)
    num_gates: int = 1
    #: names of those blocks, in order (gradient-check reports split Wx, Wh, b by them)
    gates: tuple[str, ...] | None = None
    #: the recurrent states, in the order forward takes and returns them
    state_names: tuple[str, ...] = ("h",)

    def __init__(
        self, input_size: int, hidden_size: int, rng: np.random.Generator, dtype: type
    ) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        init_recurrent_params(self, input_size, hidden_size, self.num_gates, rng, dtype)
        #: buffers the fast passes reuse across calls when no cache still holds them
        self.workspace = Workspace()

    def run(
        self, x: np.ndarray, states: Sequence[np.ndarray]
    ) -> tuple[np.ndarray, list[np.ndarray], tuple]:
        """Return ``(hs (N, T, H), final states, cache)`` for ``x`` (N, T, D)."""
        raise NotImplementedError  # pragma: no cover

    def run_backward(
        self, dhs: np.ndarray, cache: tuple, dfinals: Sequence[np.ndarray | None]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Add the parameter gradients into ``grads``; return ``(dx, initial-state grads)``.

        ``dx`` must be a new array (the layer adds the two directions' into one in place).
        """
        raise NotImplementedError  # pragma: no cover

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size})"


class RecurrentLayer(Layer):
    """Base of the sequence layers: stacked, optionally bidirectional cores with dropout.

    A layer is its ``core_class`` and nothing else: :meth:`for_core` makes one from a core,
    and :class:`~minirnn.layers.RNN`, :class:`~minirnn.layers.LSTM` and
    :class:`~minirnn.layers.GRU` are such layers with documented options. See
    :class:`minirnn.layers.RNN` for the parameters.

    ``forward(x, state=None)`` returns ``(hs, state)``: ``hs`` (N, T, H * num_directions)
    holds the top layer's hidden states, ``state`` the final states. ``backward(dhs,
    dstate=None)`` takes the gradients of both (``dstate`` may be None: no gradient reaches
    the final state), adds into ``grads``, returns ``dx`` and leaves the gradient of the
    initial state in the attribute ``dstate``. A state is ``h`` when ``state_names`` is
    ``("h",)`` and a tuple in ``state_names`` order otherwise (``(h, c)`` for the LSTM); each
    array is (N, H), or (num_layers * num_directions, N, H) when :attr:`stacked`.

    Attributes
    ----------
    fixed_dropout_masks : bool
        ``False`` (default): every training-mode forward draws new dropout masks. ``True``:
        the masks of the last forward are reused until :meth:`resample_dropout` is called, so
        that a gradient check sees one fixed function.
    cache : object
        What ``backward`` needs from the last ``forward``. Save it and put it back to
        backpropagate through an earlier chunk in truncated BPTT (see the docs page
        *Recurrent layers*).
    """

    core_class: type[RecurrentCore] = RecurrentCore
    #: the recurrent states, from the core (``("h",)``, or ``("h", "c")`` for the LSTM)
    state_names: tuple[str, ...] = RecurrentCore.state_names
    #: gate names, from the core (used by gradient-check reports)
    gates: tuple[str, ...] | None = None

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        # What a layer knows about its cell comes from its core, so a new cell is one core.
        cls.state_names = cls.core_class.state_names
        cls.gates = cls.core_class.gates

    @classmethod
    def for_core(cls, core_class: type[RecurrentCore], name: str | None = None) -> type:
        """A complete layer class running ``core_class``: stacking, directions, dropout, checks.

        ``name`` defaults to the core's class name without ``Core``. Options the core takes
        (beyond input size, hidden size, rng and dtype) are keyword arguments of the layer.
        """
        name = name or core_class.__name__.removesuffix("Core")
        doc = f"Sequence layer running :class:`{core_class.__name__}` (see RecurrentLayer)."
        namespace = {"core_class": core_class, "__doc__": doc, "__module__": cls.__module__}
        return type(name, (cls,), namespace)

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        seed: int | np.random.Generator | None = None,
        dtype: type = np.float64,
        **core_options: object,
    ) -> None:
        super().__init__()
        self.set_sizes(input_size=input_size, hidden_size=hidden_size)
        if isinstance(num_layers, str):
            raise TypeError(
                f"num_layers must be a positive integer, got {num_layers!r} "
                "(pass options such as nonlinearity= by keyword)"
            )
        self.num_layers = check_positive_int(num_layers, "num_layers")
        if not isinstance(bidirectional, (bool, np.bool_)):
            raise TypeError(f"bidirectional must be True or False, got {bidirectional!r}")
        self.bidirectional = bool(bidirectional)
        self.num_directions = 2 if self.bidirectional else 1
        self.dropout = check_dropout_probability(dropout, "dropout")
        if self.dropout > 0 and self.num_layers == 1:
            warnings.warn(
                "dropout is applied between stacked layers only; with num_layers=1 it has "
                "no effect (as in PyTorch)",
                UserWarning,
                stacklevel=3,
            )
        self.rng = make_rng(seed)
        # Cores in PyTorch's order (l0, l0_reverse, l1, ...) so that the same seed draws
        # the same numbers into the same places whatever the caller does later.
        self.cores: list[RecurrentCore] = []
        for layer_index in range(self.num_layers):
            width = self.input_size if layer_index == 0 else self.hidden_size * self.num_directions
            for _direction in range(self.num_directions):
                core = self.core_class(width, self.hidden_size, self.rng, dtype, **core_options)
                self.cores.append(core)
        if self.stacked:
            for index, core in enumerate(self.cores):
                self.add_sublayer(self.core_name(index), core)
        else:
            # One core: its parameters are ours, at the top level.
            self.params = self.cores[0].params
            self.grads = self.cores[0].grads
        self.dropouts = [Dropout(self.dropout, self.rng) for _ in range(self.num_layers - 1)]
        self._cache: tuple | None = None
        #: gradient of the initial state after backward (same structure as ``state``)
        self.dstate: np.ndarray | tuple[np.ndarray, ...] | None = None

    # -- naming ------------------------------------------------------------------------
    @property
    def stacked(self) -> bool:
        """True when states carry a leading (num_layers * num_directions) axis."""
        return self.num_layers > 1 or self.bidirectional

    def core_name(self, index: int) -> str:
        """PyTorch's suffix for core ``index``: ``l0``, ``l0_reverse``, ``l1``, ..."""
        layer_index, direction = divmod(index, self.num_directions)
        return f"l{layer_index}" + ("_reverse" if direction else "")

    def named_cores(self) -> list[tuple[str, RecurrentCore]]:
        """``(suffix, core)`` pairs in PyTorch's order, for single-layer layers too."""
        return [(self.core_name(i), core) for i, core in enumerate(self.cores)]

    # -- dropout -----------------------------------------------------------------------
    @property
    def fixed_dropout_masks(self) -> bool:
        return all(d.fixed_masks for d in self.dropouts) if self.dropouts else False

    @fixed_dropout_masks.setter
    def fixed_dropout_masks(self, fixed: bool) -> None:
        for d in self.dropouts:
            d.fixed_masks = bool(fixed)

    def resample_dropout(self) -> None:
        """Make the next training-mode forward draw new dropout masks."""
        for d in self.dropouts:
            d.resample()

    def train(self, mode: bool = True) -> RecurrentLayer:
        super().train(mode)
        for d in self.dropouts:
            d.train(mode)
        return self

    # -- truncated BPTT ------------------------------------------------------------------
    @property
    def cache(self) -> tuple | None:
        return self._cache

    @cache.setter
    def cache(self, value: tuple | None) -> None:
        self._cache = value

    # -- states --------------------------------------------------------------------------
    def split_state(self, state: object) -> list:
        """The arrays of a state in ``state_names`` order: ``h -> [h]``, ``(h, c) -> [h, c]``.

        ``None`` gives one ``None`` per state.
        """
        return split_state(state, self.state_names, type(self).__name__)

    def join_state(self, arrays: Sequence[np.ndarray]) -> np.ndarray | tuple[np.ndarray, ...]:
        """The inverse of :meth:`split_state`: ``[h] -> h``, ``[h, c] -> (h, c)``."""
        return join_state(arrays)

    def zero_state(
        self, batch: int, dtype: type | None = None
    ) -> np.ndarray | tuple[np.ndarray, ...]:
        """A zero state for ``batch`` sequences (parameter dtype unless ``dtype`` is given)."""
        dtype = dtype or next(iter(self.cores[0].params.values())).dtype
        return self.join_state(
            [np.zeros(self.state_shape(batch), dtype=dtype) for _ in self.state_names]
        )

    def forward(
        self, x: np.ndarray, state: np.ndarray | tuple[np.ndarray, ...] | None = None
    ) -> tuple[np.ndarray, np.ndarray | tuple[np.ndarray, ...]]:
        """Return the top layer's hidden states (N, T, H * num_directions) and the final state.

        ``state`` is the initial state (zeros when None), ``h`` or ``(h, c)`` as described in
        the class docstring; the final state has the same structure.
        """
        hs, finals = self._forward_states(x, self.split_state(state))
        return hs, self.join_state(finals)

    def backward(
        self, dhs: np.ndarray, dstate: np.ndarray | tuple[np.ndarray | None, ...] | None = None
    ) -> np.ndarray:
        """Backpropagate through time; add into ``grads``, set ``dstate``, return ``dx``.

        ``dstate`` is a gradient arriving at the final state from outside (a head on the last
        state, or the next chunk in truncated BPTT); without it none flows there. For the
        LSTM either part of the tuple may be None.
        """
        return self._backward_states(dhs, self.split_state(dstate))

    # -- checks --------------------------------------------------------------------------
    def state_shape(self, batch: int) -> tuple[int, ...]:
        """Shape of each state array (h, c) for a batch of ``batch`` sequences."""
        if self.stacked:
            return (self.num_layers * self.num_directions, batch, self.hidden_size)
        return (batch, self.hidden_size)

    def check_input(self, x: object) -> np.ndarray:
        """``x`` as a float array of shape (N, T, D) with T >= 1; else TypeError/ValueError."""
        x = as_float_array(x, "x")
        check_ndim(x, 3, "x", "(N, T, D)")
        check_shape(x, (None, None, self.input_size), "x")
        if x.shape[1] == 0:
            raise ValueError(f"x must have at least one time step, got shape {x.shape}")
        return x

    def _check_state(self, state: object, name: str, x: np.ndarray) -> np.ndarray:
        shape = self.state_shape(x.shape[0])
        if state is None:
            return np.zeros(shape, dtype=x.dtype)
        state = as_float_array(state, name)
        check_shape(state, shape, name)
        return state

    # -- the generic passes ----------------------------------------------------------------
    def _forward_states(
        self, x: object, states: Sequence[np.ndarray | None]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Run every core; return the top layer's hs and the final states (our shapes)."""
        x = self.check_input(x)
        # Drop the last forward's cache first: if nothing else holds it, the cores' workspaces
        # can reuse its memory (a cache saved for truncated BPTT keeps its own).
        self._cache = None
        names = self.state_names
        states = [self._check_state(s, _state_label(i, names), x) for i, s in enumerate(states)]
        if not self.stacked:
            hs, finals, cache = self.cores[0].run(x, states)
            self._cache = (x.shape, [cache], [])
            return hs, finals
        core_caches = []
        masks = []  # kept with the caches: a later forward may draw new ones
        finals: list[list[np.ndarray]] = [[] for _ in names]
        layer_input = x
        H = self.hidden_size
        for layer_index in range(self.num_layers):
            out = None
            for direction in range(self.num_directions):
                index = layer_index * self.num_directions + direction
                core_states = [s[index] for s in states]
                # The reverse core sees time flipped (a view: the core's pass copies its
                # input time-major anyway); flipping back lines its states up with the
                # forward core's, step by step.
                seq = layer_input[:, ::-1] if direction else layer_input
                hs, core_finals, cache = self.cores[index].run(seq, core_states)
                if not self.bidirectional:
                    out = hs
                else:
                    if out is None:
                        out = self._joined_output(hs)
                    out[:, :, direction * H : (direction + 1) * H] = (
                        hs[:, ::-1] if direction else hs
                    )
                core_caches.append(cache)
                for i, final in enumerate(core_finals):
                    finals[i].append(final)
            if layer_index < self.num_layers - 1:
                out = self.dropouts[layer_index].forward(out)
                masks.append(self.dropouts[layer_index].applied_mask)
            layer_input = out
        self._cache = (x.shape, core_caches, masks)
        return layer_input, [np.stack(f) for f in finals]

    @staticmethod
    def _joined_output(hs: np.ndarray) -> np.ndarray:
        """An empty (N, T, 2H) output for a bidirectional layer's two directions, side by side.

        Each direction writes its half instead of the two being joined by
        ``np.concatenate``. It is time-major underneath, like the cores' states, so that
        writing a half and the next layer's time-major copy of its input both go in memory
        order. A fresh array, not a workspace buffer: a buffer kept from call to call would
        still hold its memory during the backward pass and raise the peak.
        """
        N, T, H = hs.shape
        return np.empty((T, N, 2 * H), dtype=hs.dtype).transpose(1, 0, 2)

    def _backward_states(
        self, dhs: np.ndarray, dfinals: Sequence[np.ndarray | None]
    ) -> np.ndarray:
        """Backpropagate through every core; set ``dstate``; return dx."""
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        x_shape, core_caches, masks = self._cache
        N, T, _ = x_shape
        H = self.hidden_size
        dhs = as_float_array(dhs, "dhs")
        check_shape(dhs, (N, T, H * self.num_directions), "dhs")
        names = self.state_names
        shape = self.state_shape(N)
        for i, d in enumerate(dfinals):
            if d is not None:
                label = "d" + _state_label(i, names)
                check_shape(as_float_array(d, label), shape, label)
        if not self.stacked:
            dx, dinitials = self.cores[0].run_backward(dhs, core_caches[0], dfinals)
            self.dstate = self.join_state(dinitials)
            return dx
        dinitials: list[list[np.ndarray]] = [[None] * len(self.cores) for _ in names]
        dout = dhs
        for layer_index in range(self.num_layers - 1, -1, -1):
            if layer_index < self.num_layers - 1 and masks[layer_index] is not None:
                dout *= masks[layer_index]  # dout is the layer above's fresh dx: in place
            dinput = None
            for direction in range(self.num_directions):
                index = layer_index * self.num_directions + direction
                dhs_core = dout[:, :, direction * H : (direction + 1) * H]
                if direction:
                    dhs_core = dhs_core[:, ::-1]
                core_dfinals = [None if d is None else d[index] for d in dfinals]
                dx, core_dinitials = self.cores[index].run_backward(
                    dhs_core, core_caches[index], core_dfinals
                )
                if direction:
                    dx = dx[:, ::-1]
                if dinput is None:
                    dinput = dx
                else:
                    dinput += dx  # dx arrays are fresh from the core: add in place, no copy
                for i, d in enumerate(core_dinitials):
                    dinitials[i][index] = d
            dout = dinput
        self.dstate = self.join_state([np.stack(d) for d in dinitials])
        return dout

    def __repr__(self) -> str:
        extra = ""
        if self.num_layers > 1:
            extra += f", num_layers={self.num_layers}"
        if self.bidirectional:
            extra += ", bidirectional=True"
        if self.dropout:
            extra += f", dropout={self.dropout}"
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size}{extra})"


def _state_label(index: int, names: Sequence[str]) -> str:
    """How errors name state array ``index``: ``state``, or ``state[1] (c)`` for a tuple."""
    return "state" if len(names) == 1 else f"state[{index}] ({names[index]})"
