r"""Optimizers that update a model's parameters in place from its gradients.

Every optimizer walks ``model.named_parameters()`` on each :meth:`Optimizer.step`, so it sees
parameters by their dotted names (``"encoder.l0.Wx"``) and keeps its per-parameter state
(momentum, squared-gradient memory, ...) under the same names. Its state is a flat dict of
``str -> ndarray or number`` that can go straight into an ``.npz`` file or JSON: keys are the
hyper-parameters (``"lr"``, ``"momentum"``, ...), the step counter ``"t"`` and one
``"<slot>.<parameter name>"`` entry per state array, e.g. ``"mem.Wx"`` for Adagrad.

The update rules, with :math:`g` the gradient, :math:`\eta` the learning rate ``lr`` and
:math:`t` the step number (1 on the first step):

=========  =====================================================================================
SGD        :math:`w \leftarrow w - \eta g`
Momentum   :math:`v \leftarrow \mu v + g,\; w \leftarrow w - \eta v` (Nesterov:
           :math:`w \leftarrow w - \eta (g + \mu v)`)
Adagrad    :math:`m \leftarrow m + g^2,\; w \leftarrow w - \eta g / \sqrt{m + \epsilon}`
RMSProp    :math:`s \leftarrow \rho s + (1-\rho) g^2,\;`
           :math:`w \leftarrow w - \eta g / (\sqrt{s} + \epsilon)`
Adam       bias-corrected first and second moments, see :class:`Adam`
=========  =====================================================================================

Learning-rate schedules (:class:`StepDecay`, :class:`LambdaSchedule`) change ``optimizer.lr``
when their own ``step()`` is called.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from operator import is_

import numpy as np

from minirnn._checks import check_number, check_positive_int
from minirnn._memory import ALIGNMENT, aligned_empty, aligned_zeros
from minirnn.clip import clip_array_value

__all__ = [
    "SGD",
    "Momentum",
    "Adagrad",
    "RMSProp",
    "Adam",
    "Optimizer",
    "Schedule",
    "StepDecay",
    "LambdaSchedule",
    "LinearDecay",
]


def _check_lr(lr: object) -> float:
    return check_number(lr, "lr", 0.0)


def _check_fraction(value: object, name: str) -> float:
    """Decay rates must lie in [0, 1) or the running averages never forget (or blow up)."""
    return check_number(value, name, 0.0, 1.0, high_open=True)


def _check_eps(eps: object) -> float:
    return check_number(eps, "eps", 0.0, low_open=True)


class Optimizer:
    """Base class: walks the model's parameters and keeps named state.

    Subclasses list their per-parameter state arrays in ``slots`` and their numeric
    hyper-parameters in ``hyper``, and implement :meth:`update` for one parameter. One that
    can fold element-wise clipping into its update offers ``step_clipped(limit)`` too
    (:meth:`Adagrad.step_clipped`), which :func:`minirnn.train.fit` then uses.

    Parameters
    ----------
    model : Layer
        Anything with ``named_parameters()`` yielding ``(name, param, grad)``.
    lr : float
        Learning rate; the attribute ``lr`` may be changed between steps (schedules do).
    """

    #: names of the per-parameter state arrays, e.g. ("mem",) for Adagrad
    slots: tuple[str, ...] = ()
    #: names of the numeric attributes saved with the state, besides lr
    hyper: tuple[str, ...] = ()

    def __init__(self, model: object, lr: float) -> None:
        if not callable(getattr(model, "named_parameters", None)):
            raise TypeError(
                "model must be a Layer (an object with named_parameters()), "
                f"got {type(model).__name__}"
            )
        self.model = model
        self.lr = _check_lr(lr)
        self.t = 0  # number of steps taken; Adam's bias correction needs it
        # state[slot][parameter name] -> array shaped like the parameter, created lazily so
        # that a model cast with astype() after building the optimizer still matches
        self.state: dict[str, dict[str, np.ndarray]] = {slot: {} for slot in self.slots}

    # -- stepping ---------------------------------------------------------------------
    def _named_parameters(self) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
        return self.model.named_parameters()

    def step(self) -> None:
        """Update every parameter in place from its gradient."""
        self.t += 1
        for param, grad, slots in self._parameter_arrays():
            self.update(param, grad, **slots)

    def _parameter_arrays(self) -> list[tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]]:
        """``(parameter, gradient, {slot: state})`` for every parameter, or one flat triple."""
        flat = self._flat_arrays()
        if flat is not None:  # all parameters in one array: one update call (see below)
            return [flat]
        arrays = []
        for name, param, grad in self._named_parameters():
            if param.shape != grad.shape:
                raise ValueError(
                    f"gradient of {name} has shape {grad.shape}, parameter has {param.shape}"
                )
            slots = {}
            for slot in self.slots:
                state = self.state[slot]
                if name not in state:
                    state[name] = np.zeros_like(param)
                slots[slot] = state[name]
            arrays.append((param, grad, slots))
        return arrays

    def update(self, param: np.ndarray, grad: np.ndarray, **slots: np.ndarray) -> None:
        """Update one parameter in place; ``slots`` are its state arrays by slot name."""
        raise NotImplementedError

    def _flat_arrays(self) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]] | None:
        """``(parameters, gradients, {slot: state})`` as flat arrays, if the model has them.

        A model whose parameters and gradients are views into one flat array each says so
        with ``flat_arrays()`` (:class:`~minirnn.models.CharRNN` does). Every update rule is
        element-wise, so one call over the flat arrays gives the numbers of one call per
        parameter, without the per-call overhead that dominates a small model's step. The
        state is kept flat too, and the named state arrays are views into it, so
        :meth:`state_dict` and checkpoints are unchanged; after :meth:`load_state_dict`
        replaced them, their values are copied into a new flat state.
        """
        get = getattr(self.model, "flat_arrays", None)
        flat = get() if callable(get) else None
        if flat is None:
            return None
        params, grads = flat
        cached = getattr(self, "_flat_cache", None)
        # (asked on every step: the views are compared by identity in C, one slot at a time)
        if cached is not None and cached[0] is params and all(
            all(map(is_, views.values(), map(self.state[slot].get, views)))
            for slot, views in cached[2].items()
        ):
            return params, grads, cached[1]
        layout, start = [], 0
        for name, param, _ in self._named_parameters():
            offset = param.__array_interface__["data"][0] - params.__array_interface__["data"][0]
            if offset != start * params.itemsize or not param.flags.c_contiguous:
                return None  # not laid out as one flat array after all: the general path
            layout.append((name, param.shape, start, start + param.size))
            start += param.size
        if start != params.size:
            return None
        states, views = {}, {}
        for slot in self.slots:
            states[slot], views[slot] = aligned_zeros(params.size, params.dtype), {}
            for name, shape, begin, end in layout:
                view = states[slot][begin:end].reshape(shape)
                if name in self.state[slot]:
                    view[...] = self.state[slot][name]
                self.state[slot][name] = views[slot][name] = view
        self._flat_cache = (params, states, views)
        return params, grads, states

    # -- saving -----------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray | float | int]:
        """Return the state as a flat dict (copies), ready for ``np.savez`` or JSON.

        Keys: ``"lr"``, ``"t"``, each name in ``hyper``, and ``"<slot>.<param name>"``.
        """
        out: dict[str, np.ndarray | float | int] = {"lr": self.lr, "t": self.t}
        for key in self.hyper:
            out[key] = getattr(self, key)
        for slot in self.slots:
            for name, value in self.state[slot].items():
                out[f"{slot}.{name}"] = value.copy()
        return out

    def load_state_dict(self, state: dict[str, object]) -> None:
        """Restore a dict made by :meth:`state_dict`, checking names and shapes first.

        Raises
        ------
        ValueError
            When a key is missing or unknown, or an array's shape differs from its
            parameter's. Nothing is changed in that case.
        """
        if not isinstance(state, dict):
            raise TypeError(f"state must be a dict, got {type(state).__name__}")
        scalars = ("lr", "t", *self.hyper)
        missing = [key for key in scalars if key not in state]
        if missing:
            raise ValueError(
                f"{type(self).__name__} state is missing {', '.join(missing)}; "
                f"got keys {sorted(state)[:10]}"
            )
        params = {name: param for name, param, _ in self._named_parameters()}
        new_state: dict[str, dict[str, np.ndarray]] = {slot: {} for slot in self.slots}
        for key, value in state.items():
            if key in scalars:
                continue
            slot, _, name = key.partition(".")
            if slot not in new_state or not name:
                raise ValueError(
                    f"unexpected key {key!r} in {type(self).__name__} state; expected "
                    f"{', '.join(scalars)} and '<slot>.<parameter>' with slot in {self.slots}"
                )
            if name not in params:
                raise ValueError(
                    f"state {key!r} names parameter {name!r}, which the model does not have; "
                    f"model parameters: {', '.join(params)}"
                )
            array = np.asarray(value)
            if array.shape != params[name].shape:
                raise ValueError(
                    f"state {key!r} has shape {array.shape}, "
                    f"parameter {name!r} has shape {params[name].shape}"
                )
            new_state[slot][name] = array.astype(params[name].dtype, copy=True)
        for slot, arrays in new_state.items():
            # a state saved before the first step has no arrays; otherwise all must be there
            if arrays and set(arrays) != set(params):
                absent = [name for name in params if name not in arrays]
                raise ValueError(f"state has no {slot!r} entry for parameters {absent}")
        self.lr = _check_lr(float(np.asarray(state["lr"])))
        self.t = int(np.asarray(state["t"]))
        for key in self.hyper:
            setattr(self, key, type(getattr(self, key))(np.asarray(state[key]).item()))
        self.state = new_state

    def __repr__(self) -> str:
        extra = "".join(f", {key}={getattr(self, key)!r}" for key in self.hyper)
        return f"{type(self).__name__}(lr={self.lr!r}{extra})"


class SGD(Optimizer):
    r"""Plain gradient descent.

    Notes
    -----
    .. math:: w \leftarrow w - \eta\, g
    """

    def update(self, param: np.ndarray, grad: np.ndarray) -> None:
        param -= self.lr * grad


class Momentum(Optimizer):
    r"""Gradient descent with momentum (heavy ball), optionally Nesterov's form.

    Parameters
    ----------
    model : Layer
    lr : float
    momentum : float
        :math:`\mu` in [0, 1).
    nesterov : bool
        Use Nesterov's look-ahead form.

    Notes
    -----
    The velocity accumulates raw gradients and the learning rate multiplies it at the update
    (PyTorch's and d2l's form, so a schedule that changes :math:`\eta` acts at once):

    .. math::
        v \leftarrow \mu v + g, \qquad w \leftarrow w - \eta\, v

    Nesterov: :math:`v \leftarrow \mu v + g,\; w \leftarrow w - \eta (g + \mu v)`.
    """

    slots = ("velocity",)
    hyper = ("momentum", "nesterov")

    def __init__(
        self, model: object, lr: float, momentum: float = 0.9, nesterov: bool = False
    ) -> None:
        super().__init__(model, lr)
        self.momentum = _check_fraction(momentum, "momentum")
        self.nesterov = bool(nesterov)

    def update(self, param: np.ndarray, grad: np.ndarray, velocity: np.ndarray) -> None:
        velocity *= self.momentum
        velocity += grad
        if self.nesterov:
            param -= self.lr * (grad + self.momentum * velocity)
        else:
            param -= self.lr * velocity


class Adagrad(Optimizer):
    r"""Adagrad in min-char-rnn's form: the epsilon sits inside the square root.

    Parameters
    ----------
    model : Layer
    lr : float
        Karpathy's min-char-rnn uses 0.1.
    eps : float
        Added to the memory before the square root (1e-8 as in min-char-rnn).

    Notes
    -----
    .. math::
        m \leftarrow m + g \odot g, \qquad w \leftarrow w - \eta\, g / \sqrt{m + \epsilon}

    The operations are done in exactly min-char-rnn's order (memory first, then
    ``lr * g / sqrt(mem + eps)``), so a reproduction matches it bit for bit. PyTorch puts
    :math:`\epsilon` outside the root, which differs in the last digits.
    """

    slots = ("mem",)
    hyper = ("eps",)

    def __init__(self, model: object, lr: float, eps: float = 1e-8) -> None:
        super().__init__(model, lr)
        self.eps = _check_eps(eps)
        # two scratch buffers shared by all parameters (not state: they hold nothing between
        # steps); shared so that they stay in cache from one parameter to the next
        self._scratch = np.empty((2, 0))
        self._buffers_for: np.ndarray | None = None  # the state array _buffer_views fit
        self._buffer_views: tuple[np.ndarray, np.ndarray] = (self._scratch[0], self._scratch[1])
        self._checked_limit: float | None = None

    def update(self, param: np.ndarray, grad: np.ndarray, mem: np.ndarray) -> None:
        self._clip_and_update(param, grad, mem, None)

    def step_clipped(self, limit: float) -> bool:
        """Clip every gradient entry to ``[-limit, limit]``, then :meth:`step`, in fewer passes.

        The numbers of :func:`minirnn.clip.clip_grad_value` followed by :meth:`step`, bit for
        bit, the gradients left clipped as it leaves them. :func:`minirnn.train.fit` calls
        this instead of the two when it is given ``clip_value``.

        Returns
        -------
        bool
            True if clipping changed a gradient entry (one was outside the bound).
        """
        if limit != self._checked_limit:
            self._checked_limit = check_number(limit, "limit", 0.0, low_open=True)
        self.t += 1
        fired = False
        for param, grad, slots in self._parameter_arrays():
            fired |= self._clip_and_update(param, grad, slots["mem"], limit)
        return fired

    def _clip_and_update(self, param: np.ndarray, grad: np.ndarray, mem: np.ndarray,
                         limit: float | None) -> bool:
        """Clip ``grad`` (unless ``limit`` is None), then one Adagrad step; True if clipped.

        Whether to clip is decided on ``g*g``, which the update needs anyway: if
        ``max(g*g) < limit**2`` then every ``|g| < limit`` (rounding is monotonic) and
        clipping would change nothing. Otherwise (or on NaN) the entries are clipped as
        ``clip_grad_value`` clips them and ``g*g`` is formed again; when ``max(g*g) >
        limit**2`` some ``|g| > limit`` for certain, so :func:`clip_array_value` is told so
        and skips its own two reductions (min-char-rnn clips on most iterations). The update
        itself is ``m += g*g; w -= lr * g / sqrt(m + eps)`` in that order, written into two
        reused buffers instead of five temporaries (the same operations, so the same
        rounding).
        """
        if grad.dtype != mem.dtype or grad.shape != mem.shape:
            fired = limit is not None and clip_array_value(grad, limit)
            mem += grad * grad
            param -= self.lr * grad / np.sqrt(mem + self.eps)
            return fired
        root, step = self._buffers(mem)
        np.multiply(grad, grad, out=step)
        fired = False
        if limit is not None:
            bound = step.dtype.type(limit) ** 2  # rounded as g*g is, in the gradients' dtype
            largest = step.max()
            if not largest < bound:
                # fl(g*g) > fl(limit**2) only if |g| > limit: clip without looking again
                fired = clip_array_value(grad, limit, known_outside=largest > bound)
                np.multiply(grad, grad, out=step)
        mem += step
        np.add(mem, self.eps, out=root)
        np.sqrt(root, out=root)
        np.multiply(self.lr, grad, out=step)
        np.divide(step, root, out=step)
        param -= step
        return fired

    def _buffers(self, mem: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Two scratch arrays shaped like ``mem``, views into the shared scratch rows.

        Made again only when ``mem`` is another array than last time: with the parameters in
        one flat array (CharRNN) that is once, not once per step. Both rows start on a
        cache line, as the flat arrays do (measured about 10% faster than off it).
        """
        if mem is not self._buffers_for:
            if self._scratch.dtype != mem.dtype or self._scratch.shape[1] < mem.size:
                per_line = ALIGNMENT // mem.dtype.itemsize
                row = -(-mem.size // per_line) * per_line  # a whole number of cache lines
                self._scratch = aligned_empty((2, row), mem.dtype)
            self._buffer_views = (self._scratch[0, :mem.size].reshape(mem.shape),
                                  self._scratch[1, :mem.size].reshape(mem.shape))
            self._buffers_for = mem
        return self._buffer_views


class RMSProp(Optimizer):
    r"""RMSProp: Adagrad with a leaky (exponentially decaying) memory.

    Parameters
    ----------
    model : Layer
    lr : float
    rho : float
        Decay rate :math:`\rho` of the squared-gradient average (PyTorch's ``alpha``).
    eps : float
        Added to :math:`\sqrt{s}` (outside the root, as PyTorch does).

    Notes
    -----
    .. math::
        s \leftarrow \rho s + (1 - \rho)\, g \odot g, \qquad
        w \leftarrow w - \eta\, g / (\sqrt{s} + \epsilon)
    """

    slots = ("square_avg",)
    hyper = ("rho", "eps")

    def __init__(self, model: object, lr: float, rho: float = 0.99, eps: float = 1e-8) -> None:
        super().__init__(model, lr)
        self.rho = _check_fraction(rho, "rho")
        self.eps = _check_eps(eps)

    def update(self, param: np.ndarray, grad: np.ndarray, square_avg: np.ndarray) -> None:
        square_avg *= self.rho
        square_avg += (1.0 - self.rho) * grad * grad
        param -= self.lr * grad / (np.sqrt(square_avg) + self.eps)


class Adam(Optimizer):
    r"""Adam with bias-corrected moment estimates (Kingma & Ba, 2015).

    Parameters
    ----------
    model : Layer
    lr : float
    beta1, beta2 : float
        Decay rates of the first and second moment averages.
    eps : float
        Added to :math:`\sqrt{\hat v}`.

    Notes
    -----
    At step :math:`t = 1, 2, \dots`

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g, \qquad
        v \leftarrow \beta_2 v + (1-\beta_2) g \odot g,

        \hat m = m / (1 - \beta_1^t), \qquad \hat v = v / (1 - \beta_2^t), \qquad
        w \leftarrow w - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)

    The correction undoes the pull towards the zero start of :math:`m` and :math:`v`.
    """

    slots = ("m", "v")
    hyper = ("beta1", "beta2", "eps")

    def __init__(
        self,
        model: object,
        lr: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(model, lr)
        self.beta1 = _check_fraction(beta1, "beta1")
        self.beta2 = _check_fraction(beta2, "beta2")
        self.eps = _check_eps(eps)

    def update(self, param: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray) -> None:
        m *= self.beta1
        m += (1.0 - self.beta1) * grad
        v *= self.beta2
        v += (1.0 - self.beta2) * grad * grad
        m_hat = m / (1.0 - self.beta1**self.t)
        v_hat = v / (1.0 - self.beta2**self.t)
        param -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


# -- learning-rate schedules ------------------------------------------------------------


class Schedule:
    """Base class: sets ``optimizer.lr = base_lr * factor(count)`` on each :meth:`step`.

    Call ``step()`` once per iteration (or once per epoch, if that is your unit) after
    ``optimizer.step()``. The learning rate is recomputed from ``base_lr`` each time rather
    than multiplied in place, so it does not drift and a resumed run gets the same numbers.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer must be an Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.count = 0

    def factor(self, count: int) -> float:
        """Multiplier of ``base_lr`` after ``count`` schedule steps."""
        raise NotImplementedError

    def step(self) -> float:
        """Advance one unit and set the optimizer's learning rate; returns the new rate."""
        self.count += 1
        self.optimizer.lr = self.base_lr * float(self.factor(self.count))
        return self.optimizer.lr

    def state_dict(self) -> dict[str, float | int]:
        """``{"base_lr": ..., "count": ...}``."""
        return {"base_lr": self.base_lr, "count": self.count}

    def load_state_dict(self, state: dict[str, object]) -> None:
        """Restore what :meth:`state_dict` returned (the optimizer's lr is left as loaded)."""
        for key in ("base_lr", "count"):
            if key not in state:
                raise ValueError(f"schedule state is missing {key!r}; got keys {sorted(state)}")
        self.base_lr = _check_lr(float(np.asarray(state["base_lr"])))
        self.count = int(np.asarray(state["count"]))


class StepDecay(Schedule):
    r"""Multiply the learning rate by ``gamma`` every ``step_size`` schedule steps.

    Notes
    -----
    After :math:`k` calls of :meth:`step`:
    :math:`\eta_k = \eta_0\, \gamma^{\lfloor k / \text{step\_size} \rfloor}`.
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        if isinstance(step_size, bool) or not isinstance(step_size, (int, np.integer)):
            raise TypeError(f"step_size must be an int, got {type(step_size).__name__}")
        if step_size < 1:
            raise ValueError(f"step_size must be >= 1, got {step_size}")
        self.step_size = int(step_size)
        self.gamma = check_number(gamma, "gamma", 0.0, low_open=True)

    def factor(self, count: int) -> float:
        return self.gamma ** (count // self.step_size)


class LambdaSchedule(Schedule):
    """Learning rate ``base_lr * fn(count)`` for any function ``fn`` of the step count.

    Example: linear warm-up over 100 steps, ``LambdaSchedule(opt, lambda k: min(1, k / 100))``.
    """

    def __init__(self, optimizer: Optimizer, fn: Callable[[int], float]) -> None:
        super().__init__(optimizer)
        if not callable(fn):
            raise TypeError(f"fn must be callable, got {type(fn).__name__}")
        self.fn = fn

    def factor(self, count: int) -> float:
        return self.fn(count)


class LinearDecay(Schedule):
    r"""Take the learning rate linearly from ``lr`` down to ``final * lr`` over ``steps`` steps.

    Notes
    -----
    After :math:`k` calls of :meth:`step`:
    :math:`\eta_k = \eta_0 \left(1 - (1 - f)\, \min(k, K) / K\right)`, with :math:`f` =
    ``final`` and :math:`K` = ``steps``; the rate then stays at :math:`f \eta_0`.
    """

    def __init__(self, optimizer: Optimizer, steps: int, final: float) -> None:
        super().__init__(optimizer)
        self.steps = check_positive_int(steps, "steps")
        self.final = check_number(final, "final", 0.0, 1.0)

    def factor(self, count: int) -> float:
        return 1.0 - (1.0 - self.final) * min(count, self.steps) / self.steps
