r"""Gradient checking: prove a hand-written backward pass against finite differences.

Every backward pass in minirnn is checked with centred differences

.. math:: \hat g_i = \frac{f(\theta + h e_i) - f(\theta - h e_i)}{2h}, \qquad h = 10^{-5},

and compared entry by entry with the analytic gradient :math:`g_i` through the relative error

.. math:: r_i = \frac{|g_i - \hat g_i|}{\max(|g_i| + |\hat g_i|, \varepsilon)} .

The floor :math:`\varepsilon` (``REL_ERROR_FLOOR = 1e-8`` by default) keeps exact zeros, such
as the rows of ``Wx`` that meet a zero in a one-hot input, from giving ``0/0``: both gradients
are exactly zero there and the error is 0. Checks run in float64 only; in float32 the
rounding error of :math:`f` divided by :math:`2h` is larger than the errors a check must find.

**The verdict is noise-aware.** A finite difference is itself off by its truncation error
(about :math:`h^2 f^{(3)}/6`) and its rounding error (about :math:`\epsilon |f| / h`, with
:math:`\epsilon` the float64 machine epsilon). For an entry whose :math:`r_i` is not already
below ``GOOD = 1e-7``, the checker estimates that noise from a second difference with step
:math:`2h` (whose distance from the first is three times the truncation error at :math:`h`)
and from the magnitude :math:`S_i` of the terms whose difference was taken,

.. math:: \nu_i = |\hat g_i(2h) - \hat g_i(h)| + \epsilon\, S_i / 2h,

and judges only the excess over it:

.. math:: e_i = \frac{\max(|g_i - \hat g_i| - \nu_i,\ 0)}{\max(|g_i| + |\hat g_i|, \varepsilon)} .

A row takes the largest :math:`e_i` of its array: *good* below ``1e-7``, *suspicious* below
``1e-4``, *wrong* above. Noise excuses at most one step: an entry whose raw :math:`r_i` is
``1e-4`` or more is never better than suspicious, so a step far too large cannot make a
broken gradient look good. A NaN or infinity in either gradient gets the verdict *nan*.
The noise estimate never looks at the analytic gradient, so it cannot excuse a wrong one; it
stops entries of size ~1e-6, whose finite difference is only good to a few 1e-12, from being
held against a fixed relative threshold. The table shows the raw :math:`\max_i r_i`.

Entry points
------------
:func:`check_layer`
    A :class:`~minirnn.layers.base.Layer`: every parameter, the first input and every other
    input (read from ``layer.d<name>``), fused gate matrices split per gate.
:func:`check_function`
    A pure forward/backward pair from :mod:`minirnn.functional`.
:func:`check_loss`
    A loss returning ``(loss, dinput)``.
:func:`check_model`
    A whole model through a ``loss_fn()``: a random-direction check plus ``k`` random
    entries per parameter, cheap enough for large models.
:func:`numerical_gradient`
    The bare finite-difference gradient of a scalar function.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from minirnn._checks import (
    as_real_array,
    check_non_negative_int,
    check_number,
    check_positive_int,
    make_rng,
)
from minirnn.layers.base import Layer

#: finite-difference step
STEP = 1e-5
#: denominator floor of the relative error, so that two exact zeros compare as equal
REL_ERROR_FLOOR = 1e-8
#: a row is "good" below this error ...
GOOD = 1e-7
#: ... "suspicious" below this one, and "wrong" above
SUSPICIOUS = 1e-4
#: factor on the rounding bound eps * S / 2h; S adds the terms' magnitudes, whose rounding
#: errors do not all share a sign, so the bound alone already exceeds the observed noise
ROUNDING_SAFETY = 1.0
#: the verdicts, best first; "nan" is a gradient (analytic or numeric) that is not finite
VERDICTS = ("good", "suspicious", "wrong", "nan")
#: the verdicts of a failed check
FAILED = ("wrong", "nan")
#: weight matrices that a layer with ``gates`` fuses along their last axis
GATED_PARAMS = ("Wx", "Wh", "b")


def verdict(error: float) -> str:
    """Return ``"good"``, ``"suspicious"``, ``"wrong"`` or ``"nan"`` for a relative error."""
    if not np.isfinite(error):
        return "nan"
    if error >= SUSPICIOUS:
        return "wrong"
    return "good" if error < GOOD else "suspicious"


def judged_errors(
    analytic: np.ndarray, numeric: np.ndarray, noise: np.ndarray, floor: float = REL_ERROR_FLOOR
) -> np.ndarray:
    r"""Entry-wise error beyond the finite-difference noise, :math:`e_i` of the module doc.

    Noise excuses at most one verdict step: an entry whose raw error is ``SUSPICIOUS`` or
    more is judged at least ``GOOD`` (suspicious), whatever the noise.
    """
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    raw = relative_error(analytic, numeric, floor)
    scale = np.maximum(np.abs(analytic) + np.abs(numeric), floor)
    with np.errstate(invalid="ignore"):
        excess = np.maximum(np.abs(analytic - numeric) - noise, 0.0) / scale
        excess = np.where(raw >= SUSPICIOUS, np.maximum(excess, GOOD), excess)
    return np.where(np.isnan(raw), np.nan, np.minimum(excess, raw))


def check_step(h: object) -> float:
    """Return the finite-difference step ``h`` as a float, refusing ``h <= 0``."""
    return check_number(h, "h", 0.0, low_open=True)


def check_floor(floor: object) -> float:
    """Return the relative-error floor as a float, refusing ``floor <= 0`` (0/0 would follow)."""
    return check_number(floor, "floor", 0.0, low_open=True)


def check_max_entries(max_entries: object) -> int | None:
    """None (check every entry) or a positive int: ``max_entries=0`` would compare nothing."""
    return None if max_entries is None else check_positive_int(max_entries, "max_entries")


def relative_error(
    analytic: np.ndarray, numeric: np.ndarray, floor: float = REL_ERROR_FLOOR
) -> np.ndarray:
    r"""Entry-wise :math:`|a - n| / \max(|a| + |n|, \text{floor})`."""
    analytic = as_real_array(analytic, "analytic").astype(np.float64, copy=False)
    numeric = as_real_array(numeric, "numeric").astype(np.float64, copy=False)
    try:
        np.broadcast_shapes(analytic.shape, numeric.shape)
    except ValueError:
        raise ValueError(f"analytic and numeric must have the same shape, got "
                         f"{analytic.shape} and {numeric.shape}") from None
    floor = check_floor(floor)
    return np.abs(analytic - numeric) / np.maximum(np.abs(analytic) + np.abs(numeric), floor)


def require_float64(value: np.ndarray, name: str) -> None:
    """Raise a TypeError unless ``value`` is a float64 array."""
    dtype = getattr(value, "dtype", None)
    if dtype != np.float64:
        raise TypeError(
            f"gradient checks need float64, but {name} has dtype {dtype}; cast it with "
            ".astype(np.float64) (a layer: layer.astype(np.float64)) - in lower precision the "
            "rounding error of a finite difference hides real mistakes"
        )


# -- the report ------------------------------------------------------------------------------
@dataclass(frozen=True)
class GradcheckRow:
    """One checked array (or one gate block of it).

    ``checked`` is how many entries were compared (``0`` for a random-direction check, which
    sets ``directional``), ``size`` how many the array has; ``worst`` is the index of the
    largest raw error ``max_error``, where the analytic and numeric values were ``analytic``
    and ``numeric``. ``judged_error`` is the largest error beyond the finite-difference noise
    (see the module docstring), the one the verdict reads; None means ``max_error``.
    """

    name: str
    shape: tuple[int, ...]
    max_error: float
    checked: int
    size: int
    worst: tuple[int, ...]
    analytic: float
    numeric: float
    judged_error: float | None = None
    directional: bool = False

    @property
    def compared(self) -> int:
        """How many comparisons the row rests on (a direction counts as one)."""
        return 1 if self.directional else self.checked

    @property
    def verdict(self) -> str:
        """``"good"``, ``"suspicious"``, ``"wrong"`` or ``"nan"`` (a non-finite gradient).

        A row that compared nothing is ``"wrong"``: it proves nothing.
        """
        if not np.isfinite(self.max_error):
            return "nan"
        if self.compared == 0:
            return "wrong"
        return verdict(self.max_error if self.judged_error is None else self.judged_error)

    @property
    def passed(self) -> bool:
        """True for ``"good"`` and ``"suspicious"`` rows."""
        return self.verdict not in FAILED

    @property
    def block_shape(self) -> tuple[int, ...]:
        """The shape of what the row covers: the array's, or one gate's block of a fused one.

        A gate's block is the array cut along its last axis (``Wx[i]`` of an LSTM with
        ``Wx`` of shape (D, 4H) is (D, H)); ``shape`` stays the whole array's, the frame of
        ``worst``.
        """
        lead = int(np.prod(self.shape[:-1], dtype=np.int64)) if self.shape else 0
        if lead == 0 or self.size == int(np.prod(self.shape, dtype=np.int64)):
            return self.shape
        return (*self.shape[:-1], self.size // lead)

    @property
    def coverage(self) -> str:
        """How much of the array was compared, for the table."""
        if self.directional:
            return "direction"
        return "all" if self.checked == self.size else f"{self.checked}/{self.size}"


_COLUMNS = ("name", "shape", "checked", "max rel error", "verdict")
#: printed under a table with a suspicious row: what the word means and when to worry
SUSPICIOUS_NOTE = (
    f"suspicious = an error of {GOOD:.0e} to {SUSPICIOUS:.0e} beyond the finite-difference "
    "noise; the check passes.\n"
    "Usual causes: a kink (relu at 0), a saturated unit, rounding over a long chain. Worry if\n"
    "it stays with another seed or smaller inputs, or one entry stands out (row.worst); a\n"
    "wrong backward pass gives errors near 1. More on the gradient-check page of the docs."
)
_COLOURS = {"good": "#1a7f37", "suspicious": "#9a6700", "wrong": "#cf222e", "nan": "#cf222e"}


class GradcheckReport:
    """The result of a gradient check: a table of :class:`GradcheckRow`.

    Print it in a terminal, or leave it as the last expression of a Jupyter cell for an
    HTML table. ``ok`` is true when something was compared and no row is wrong or nan;
    ``assert_ok()`` raises with the table.
    """

    def __init__(self, rows: Sequence[GradcheckRow], title: str = "gradient check") -> None:
        self.rows = list(rows)
        self.title = title

    @property
    def compared(self) -> int:
        """How many entries (and directions) were compared in all."""
        return sum(row.compared for row in self.rows)

    @property
    def ok(self) -> bool:
        """True when something was compared and every row passed (suspicious is allowed)."""
        return self.compared > 0 and all(row.passed for row in self.rows)

    @property
    def all_good(self) -> bool:
        """True when something was compared and every row is ``"good"``."""
        return self.compared > 0 and all(row.verdict == "good" for row in self.rows)

    @property
    def max_error(self) -> float:
        """The largest relative error of any row (NaN if one is NaN, 0.0 for no rows)."""
        errors = [row.max_error for row in self.rows]
        return float("nan") if any(np.isnan(errors)) else max(errors, default=0.0)

    def assert_ok(self, strict: bool = False) -> None:
        """Raise AssertionError with the table if a row is wrong (or, with ``strict``, not good)."""
        if not (self.all_good if strict else self.ok):
            raise AssertionError(f"gradient check failed\n{self}")

    def __getitem__(self, name: str) -> GradcheckRow:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no row named {name!r}; rows are {[row.name for row in self.rows]}")

    def __iter__(self) -> Iterator[GradcheckRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def _cells(self) -> list[tuple[str, ...]]:
        return [
            (r.name, str(r.block_shape), r.coverage, f"{r.max_error:.2e}", r.verdict)
            for r in self.rows
        ]

    def summary(self) -> str:
        """One line: how many rows of each verdict and the largest error."""
        if self.compared == 0:
            return "nothing compared: the check proves nothing"
        verdicts = [row.verdict for row in self.rows]
        counts = {v: verdicts.count(v) for v in VERDICTS}
        parts = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
        return f"{parts}; max rel error {self.max_error:.2e}"

    def __str__(self) -> str:
        cells = [_COLUMNS, *self._cells()]
        widths = [max(len(row[i]) for row in cells) for i in range(len(_COLUMNS))]
        lines = [self.title]
        for i, row in enumerate(cells):
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
            if i == 0:
                lines.append("  ".join("-" * w for w in widths))
        if any(row.verdict == "suspicious" for row in self.rows):
            lines.append(SUSPICIOUS_NOTE)
        lines.append(self.summary())  # last, so scripts can read it as the final line
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<GradcheckReport {self.title!r}: {self.summary()}>"

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in _COLUMNS)
        body = []
        for cells, row in zip(self._cells(), self.rows, strict=True):
            tds = "".join(f"<td>{html.escape(c)}</td>" for c in cells[:-1])
            colour = _COLOURS[row.verdict]
            tds += f'<td style="color:{colour};font-weight:bold">{row.verdict}</td>'
            body.append(f"<tr>{tds}</tr>")
        return (
            f"<div><p><b>{html.escape(self.title)}</b></p><table>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"<p>{html.escape(self.summary())}</p></div>"
        )


# -- finite differences ----------------------------------------------------------------------
def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = STEP
) -> np.ndarray:
    r"""Centred-difference gradient of the scalar function ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        Called as ``f(x)`` with ``x`` perturbed *in place*, so a closure that reads the same
        array (a layer's parameter, say) and ignores its argument works too.
    x : ndarray of float64
        The point; restored exactly before returning.
    h : float
        The step.

    Returns
    -------
    ndarray
        :math:`(f(x + h e_i) - f(x - h e_i)) / 2h` for every entry, shaped like ``x``.
    """
    require_float64(x, "x")
    h = check_step(h)
    grad = np.empty_like(x)
    flat_grad = grad.reshape(-1)
    for i, idx in enumerate(np.ndindex(x.shape)):
        old = x[idx]
        x[idx] = old + h
        plus = float(f(x))
        x[idx] = old - h
        minus = float(f(x))
        x[idx] = old
        flat_grad[i] = (plus - minus) / (2.0 * h)
    return grad


def _projected_differences(
    evaluate: Callable[[], list[np.ndarray]],
    weights: list[np.ndarray],
    x: np.ndarray,
    flat_indices: np.ndarray,
    h: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Numerical gradient of ``sum_k <w_k, out_k>`` at the chosen entries of ``x``.

    The outputs are subtracted before they are projected, which loses less precision than
    subtracting two projected sums. Also returns each entry's rounding noise,
    ``ROUNDING_SAFETY * eps * S / 2h`` with ``S`` the size of the projected terms
    ``sum_k |w_k| (|out_k(+h)| + |out_k(-h)|) / 2``.
    """
    numeric = np.empty(len(flat_indices))
    rounding = np.empty(len(flat_indices))
    eps = np.finfo(np.float64).eps
    for j, flat in enumerate(flat_indices):
        idx = np.unravel_index(flat, x.shape)
        old = x[idx]
        x[idx] = old + h
        plus = evaluate()
        x[idx] = old - h
        minus = evaluate()
        x[idx] = old
        pairs = [(w, p, m) for w, p, m in zip(weights, plus, minus, strict=True) if w is not None]
        change = sum(np.sum(w * (p - m)) for w, p, m in pairs)
        size = sum(np.sum(np.abs(w) * (np.abs(p) + np.abs(m))) for w, p, m in pairs) / 2
        numeric[j] = change / (2 * h)
        rounding[j] = ROUNDING_SAFETY * eps * size / (2 * h)
    return numeric, rounding


def _noise(
    recompute: Callable[[np.ndarray, float], tuple[np.ndarray, np.ndarray]],
    analytic: np.ndarray,
    numeric: np.ndarray,
    rounding: np.ndarray,
    h: float,
    floor: float,
) -> np.ndarray:
    """Finite-difference noise of every entry that is not already good (0 for the others).

    ``recompute(positions, step)`` gives the numeric gradient (and rounding) at those
    positions of ``numeric`` with another step; the second step is ``2h``.
    """
    noise = np.zeros(len(numeric))
    unsure = np.flatnonzero(~(relative_error(analytic, numeric, floor) < GOOD))
    if unsure.size:
        again, _ = recompute(unsure, 2 * h)
        noise[unsure] = np.abs(again - numeric[unsure]) + rounding[unsure]
    return noise


def _row(
    name: str,
    shape: tuple[int, ...],
    analytic: np.ndarray,
    numeric: np.ndarray,
    flat_indices: np.ndarray,
    size: int,
    floor: float,
    noise: np.ndarray | None = None,
) -> GradcheckRow:
    """Build a row from the analytic and numeric values at ``flat_indices`` of ``shape``.

    With ``noise`` (each entry's finite-difference noise) the row also gets its
    ``judged_error``; an empty row compared nothing, and its verdict says so.
    """
    if len(flat_indices) == 0:
        return GradcheckRow(name, shape, 0.0, 0, size, (), 0.0, 0.0)
    errors = relative_error(analytic, numeric, floor)
    judged = None if noise is None else judged_errors(analytic, numeric, noise, floor)
    # NaN must win the "worst entry" contest, since it means the backward is broken.
    worst = int(np.argmax(np.where(np.isnan(errors), np.inf, errors)))
    full_shape = shape if len(shape) else ()
    index = tuple(int(i) for i in np.unravel_index(flat_indices[worst], full_shape))
    return GradcheckRow(
        name,
        shape,
        float(errors[worst]),
        len(flat_indices),
        size,
        index,
        float(analytic[worst]),
        float(numeric[worst]),
        None if judged is None else float(np.max(judged)),
    )


def _blocks(
    name: str, shape: tuple[int, ...], gates: Sequence[str] | None
) -> list[tuple[str, np.ndarray]]:
    """Split an array's flat indices into per-gate blocks along its last axis (or not)."""
    indices = np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)
    base = name.rsplit(".", 1)[-1]
    if not gates or base not in GATED_PARAMS or not shape or shape[-1] % len(gates):
        return [(name, indices.reshape(-1))]
    width = shape[-1] // len(gates)
    return [
        (f"{name}[{gate}]", indices[..., g * width : (g + 1) * width].reshape(-1))
        for g, gate in enumerate(gates)
    ]


def _sample(indices: np.ndarray, max_entries: int | None, rng: np.random.Generator) -> np.ndarray:
    if max_entries is None or len(indices) <= max_entries:
        return indices
    return np.sort(rng.choice(indices, size=max_entries, replace=False))


def _check_array(
    name: str,
    x: np.ndarray,
    analytic: np.ndarray,
    evaluate: Callable[[], list[np.ndarray]],
    weights: list[np.ndarray],
    gates: Sequence[str] | None,
    max_entries: int | None,
    rng: np.random.Generator,
    h: float,
    floor: float,
) -> list[GradcheckRow]:
    """Rows for one array: every (or ``max_entries`` random) entry, per gate if gated."""
    if analytic is None:
        raise ValueError(f"the backward pass gave no gradient for {name}")
    analytic = np.asarray(analytic)
    if analytic.shape != x.shape:
        raise ValueError(
            f"the gradient of {name} has shape {analytic.shape}, expected {x.shape}"
        )
    rows = []
    for row_name, block in _blocks(name, x.shape, gates):
        chosen = _sample(block, max_entries, rng)
        numeric, rounding = _projected_differences(evaluate, weights, x, chosen, h)
        picked = analytic.reshape(-1)[chosen]

        def recompute(positions, step, chosen=chosen):
            return _projected_differences(evaluate, weights, x, chosen[positions], step)

        noise = _noise(recompute, picked, numeric, rounding, h, floor)
        rows.append(_row(row_name, x.shape, picked, numeric, chosen, block.size, floor, noise))
    return rows


def _leaves(value: object) -> list:
    """The items of a result, nested tuples flattened: ``(hs, (h, c)) -> [hs, h, c]``."""
    if isinstance(value, tuple):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def _like(structure: object, leaves: Iterator) -> object:
    """Rebuild ``structure``'s nesting of tuples from the flat ``leaves`` (inverse of _leaves)."""
    if isinstance(structure, tuple):
        return tuple(_like(item, leaves) for item in structure)
    return next(leaves)


def _as_outputs(result: object) -> list[np.ndarray | None]:
    """Forward results as a flat list (a state tuple such as ``(h, c)`` is two outputs).

    Arrays (and float scalars) are copied, since a later forward may reuse its buffers;
    anything else becomes ``None`` and is not differentiated.
    """
    items = list(result) if isinstance(result, list) else _leaves(result)
    return [
        np.array(item, copy=True) if isinstance(item, (np.ndarray, float, np.floating)) else None
        for item in items
    ]


def _projection_weights(
    outputs: list[np.ndarray | None], rng: np.random.Generator
) -> list[np.ndarray | None]:
    return [None if out is None else rng.standard_normal(out.shape) for out in outputs]


def _is_float_array(value: object) -> bool:
    return isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating)


def _differentiable(inputs: Mapping[str, object]) -> dict[str, np.ndarray]:
    """The floating-point array inputs (refusing anything but float64) as private copies."""
    chosen = {}
    for name, value in inputs.items():
        if _is_float_array(value):
            require_float64(value, name)
            chosen[name] = value.copy()
    return chosen


def _differentiable_tuples(
    inputs: dict[str, object], names: Sequence[str]
) -> dict[str, list[str]]:
    """Replace each tuple of float arrays in ``inputs`` (a state ``(h, c)``) by private copies.

    Returns, per such input, the names of its rows in the report: ``state.h``, ``state.c``
    when ``names`` (the layer's ``state_names``) has one per entry, ``state[0]``, ... else.
    """
    rows = {}
    for name, value in inputs.items():
        if isinstance(value, tuple) and value and all(_is_float_array(v) for v in value):
            for i, v in enumerate(value):
                require_float64(v, f"{name}[{i}]")
            inputs[name] = tuple(v.copy() for v in value)
            if len(names) == len(value):
                rows[name] = [f"{name}.{n}" for n in names]
            else:
                rows[name] = [f"{name}[{i}]" for i in range(len(value))]
    return rows


def _walk(layer: Layer, prefix: str = "", gates: Sequence[str] | None = None):
    """Yield ``(prefix, layer, gates)``; a sub-layer inherits its parent's ``gates``."""
    gates = getattr(type(layer), "gates", None) or gates
    yield prefix, layer, gates
    for child_name, child in layer.sublayers.items():
        yield from _walk(child, f"{prefix}{child_name}.", gates)


# -- checks ----------------------------------------------------------------------------------
def check_layer(
    layer: Layer,
    inputs: Mapping[str, object],
    seed: int | np.random.Generator | None = 0,
    max_entries: int | None = None,
    h: float = STEP,
    floor: float = REL_ERROR_FLOOR,
    per_gate: bool = True,
) -> GradcheckReport:
    r"""Check a layer's backward pass: every parameter, the first input and the other inputs.

    Parameters
    ----------
    layer : Layer
        Float64 parameters. Checked in eval mode (dropout off); its modes are restored.
    inputs : dict
        Keyword arguments of ``layer.forward``; the first entry is the input whose gradient
        ``backward`` returns, the gradient of every other float input ``name`` is read from
        ``layer.d<name>`` (for example ``dstate`` for ``state``). A tuple of arrays, such as
        an LSTM state ``(h, c)``, is checked array by array (rows ``state.h``, ``state.c``),
        and its gradient is the tuple in ``layer.d<name>``. ``None`` and integer inputs are
        passed through unchecked.
    seed : int or Generator
        Source of the projection weights (and of the sampled entries).
    max_entries : int, optional
        Check only this many random entries of each array (or gate block); all by default.
    h, floor : float
        Finite-difference step and relative-error floor.
    per_gate : bool
        Split ``Wx``, ``Wh``, ``b`` of layers whose class defines ``gates`` into one row
        per gate, such as ``Wx[f]``.

    Returns
    -------
    GradcheckReport

    Notes
    -----
    The outputs :math:`y_k` of ``forward`` are turned into one scalar with fixed random
    weights :math:`w_k`, :math:`L = \sum_k \langle w_k, y_k \rangle`, so ``backward`` is
    called with ``(w_1, w_2, ...)`` and every gradient is :math:`\partial L / \partial
    \theta`. An output that is a tuple (a state ``(h, c)``) gets a tuple of weights.
    """
    h, floor, max_entries = check_step(h), check_floor(floor), check_max_entries(max_entries)
    rng = make_rng(seed)
    params = list(_walk(layer))
    for prefix, sub, _ in params:
        for name, value in sub.params.items():
            require_float64(value, f"parameter {prefix}{name}")
    inputs = dict(inputs)
    floats = _differentiable(inputs)
    inputs.update(floats)
    tuple_rows = _differentiable_tuples(inputs, getattr(layer, "state_names", ()))
    for name, rows in tuple_rows.items():
        floats.update(zip(rows, inputs[name], strict=True))
    modes = [(sub, sub.training) for _, sub, _ in params]
    layer.eval()
    try:
        result = layer.forward(**inputs)
        outputs = _as_outputs(result)
        weights = _projection_weights(outputs, rng)
        layer.zero_grad()
        structured = _like(result, iter(weights)) if isinstance(result, tuple) else weights
        dfirst = layer.backward(*structured)
        analytic_inputs = {}
        for position, name in enumerate(inputs):
            if name in tuple_rows:
                grads = _input_grad(layer, name, len(tuple_rows[name]))
                analytic_inputs.update(zip(tuple_rows[name], grads, strict=True))
            elif name in floats:
                analytic_inputs[name] = dfirst if position == 0 else _input_grad(layer, name)
        analytic_params = {
            prefix + name: np.array(grad, copy=True)
            for prefix, sub, _ in params
            for name, grad in sub.grads.items()
        }

        def evaluate() -> list[np.ndarray]:
            return _as_outputs(layer.forward(**inputs))

        checks = [(name, floats[name], analytic_inputs[name], None) for name in analytic_inputs]
        checks += [
            (prefix + name, value, analytic_params[prefix + name], gates if per_gate else None)
            for prefix, sub, gates in params
            for name, value in sub.params.items()
        ]
        rows = []
        for name, array, analytic, gates in checks:
            rows += _check_array(
                name, array, analytic, evaluate, weights, gates, max_entries, rng, h, floor
            )
    finally:
        for sub, mode in modes:
            sub.training = mode
    return GradcheckReport(rows, f"{type(layer).__name__} gradient check (h={h:g})")


def _input_grad(layer: Layer, name: str, parts: int | None = None):
    """Copy of ``layer.d<name>``; with ``parts``, of each array of that tuple."""
    grad = getattr(layer, "d" + name, None)
    if grad is None:
        raise ValueError(
            f"{type(layer).__name__}.backward left no gradient for input {name!r}: expected "
            f"an attribute d{name}"
        )
    if parts is None:
        return np.array(grad, copy=True)
    if not isinstance(grad, tuple) or len(grad) != parts:
        raise ValueError(f"{type(layer).__name__}.d{name} must be a tuple of {parts} arrays")
    return [np.array(g, copy=True) for g in grad]


def check_function(
    forward: Callable[..., object],
    backward: Callable[..., object],
    inputs: Mapping[str, object],
    seed: int | np.random.Generator | None = 0,
    max_entries: int | None = None,
    h: float = STEP,
    floor: float = REL_ERROR_FLOOR,
    gates: Sequence[str] | None = None,
    title: str | None = None,
) -> GradcheckReport:
    """Check a pure forward/backward pair such as ``rnn_step_forward``/``rnn_step_backward``.

    Parameters
    ----------
    forward : callable
        Called as ``forward(**inputs)``. It returns an array, or a tuple of arrays followed by
        a cache (anything that is not an array) as the :mod:`minirnn.functional` pairs do.
    backward : callable
        Called as ``backward(*douts, cache)`` (without ``cache`` if forward returned none),
        with one gradient per output array. Returns the gradients in the order of
        ``inputs`` (a tuple; ``None`` for an input without one) or a dict by input name.
    inputs : dict
        The arguments; float arrays are checked (float64 only), anything else is passed
        through.
    seed, max_entries, h, floor
        As in :func:`check_layer`.
    gates : sequence of str, optional
        Split inputs named ``Wx``, ``Wh``, ``b`` into one row per gate.
    title : str, optional
        Report title; defaults to the forward function's name.
    """
    h, floor, max_entries = check_step(h), check_floor(floor), check_max_entries(max_entries)
    rng = make_rng(seed)
    inputs = dict(inputs)
    floats = _differentiable(inputs)
    inputs.update(floats)
    result = forward(**inputs)
    has_cache = isinstance(result, tuple) and not isinstance(result[-1], np.ndarray)
    outputs = _as_outputs(result[:-1] if has_cache else result)
    weights = _projection_weights(outputs, rng)
    grads = backward(*weights, result[-1]) if has_cache else backward(*weights)
    if isinstance(grads, np.ndarray):
        grads = (grads,)
    if not isinstance(grads, Mapping):
        grads = dict(zip(inputs, grads, strict=False))

    def evaluate() -> list[np.ndarray]:
        again = forward(**inputs)
        return _as_outputs(again[:-1] if has_cache else again)

    rows = []
    for name, array in floats.items():
        if grads.get(name) is None:
            continue
        rows += _check_array(
            name, array, grads[name], evaluate, weights, gates, max_entries, rng, h, floor
        )
    name = title or f"{getattr(forward, '__name__', 'function')} gradient check (h={h:g})"
    return GradcheckReport(rows, name)


def check_loss(
    loss_fn: Callable[..., tuple[float, np.ndarray]],
    inputs: Mapping[str, object],
    seed: int | np.random.Generator | None = 0,
    max_entries: int | None = None,
    h: float = STEP,
    floor: float = REL_ERROR_FLOOR,
) -> GradcheckReport:
    """Check a loss ``loss_fn(**inputs) -> (loss, dfirst)`` with respect to its first input.

    Other inputs (targets, masks) are passed through unchanged.
    """
    h, floor, max_entries = check_step(h), check_floor(floor), check_max_entries(max_entries)
    inputs = dict(inputs)
    first = next(iter(inputs))
    require_float64(inputs[first], first)
    x = np.array(inputs[first], copy=True)
    inputs[first] = x
    _, analytic = loss_fn(**inputs)
    analytic = np.array(analytic, copy=True)
    weights = [np.ones(())]

    def evaluate() -> list[np.ndarray]:
        return [np.asarray(loss_fn(**inputs)[0], dtype=np.float64)]

    rows = _check_array(
        first, x, analytic, evaluate, weights, None, max_entries, make_rng(seed), h, floor
    )
    name = getattr(loss_fn, "__name__", "loss")
    return GradcheckReport(rows, f"{name} gradient check (h={h:g})")


def check_model(
    model: Layer,
    loss_fn: Callable[[], float],
    seed: int | np.random.Generator | None = 0,
    k: int = 10,
    directions: int = 1,
    h: float = STEP,
    floor: float = REL_ERROR_FLOOR,
) -> GradcheckReport:
    r"""Check a whole model through its loss: random directions plus ``k`` entries per array.

    Parameters
    ----------
    model : Layer
        Float64 parameters. Its gradients are restored to the analytic ones afterwards.
    loss_fn : callable
        ``loss_fn()`` computes the loss for the model's current parameters, accumulates the
        gradients into ``model.grads`` and returns the loss as a float. It must be
        deterministic: fix dropout masks or switch dropout off, and switch clipping off.
    seed : int or Generator
        Source of the directions and the sampled entries.
    k : int
        Random entries checked per parameter array (0 for none).
    directions : int
        Number of random directions through all parameters at once.
    h, floor : float
        Finite-difference step and relative-error floor.

    Notes
    -----
    For a unit direction :math:`u` across all parameters the analytic directional
    derivative :math:`\langle \nabla L, u \rangle` is compared with
    :math:`(L(\theta + h u) - L(\theta - h u)) / 2h`. One direction costs two forward
    passes whatever the model's size, and a wrong gradient anywhere shows up in it with
    probability one.
    """
    h, floor = check_step(h), check_floor(floor)
    k = check_non_negative_int(k, "k")
    directions = check_non_negative_int(directions, "directions")
    if k + directions == 0:
        raise ValueError("k and directions must not both be 0: the check would compare "
                         "nothing")
    rng = make_rng(seed)
    named = [(name, value) for name, value, _ in model.named_parameters()]
    for name, value in named:
        require_float64(value, f"parameter {name}")
    model.zero_grad()
    loss_fn()
    analytic = {name: np.array(grad, copy=True) for name, _, grad in model.named_parameters()}

    def evaluate() -> list[np.ndarray]:
        model.zero_grad()
        return [np.asarray(loss_fn(), dtype=np.float64)]

    rows = []
    for d in range(directions):
        rows.append(_directional_row(f"all parameters (direction {d + 1})", named, analytic,
                                     evaluate, rng, h, floor))
    one = [np.ones(())]
    for name, value in named if k > 0 else []:
        chosen = _sample(np.arange(value.size), k, rng)
        numeric, rounding = _projected_differences(evaluate, one, value, chosen, h)
        picked = analytic[name].reshape(-1)[chosen]

        def recompute(positions, step, value=value, chosen=chosen):
            return _projected_differences(evaluate, one, value, chosen[positions], step)

        noise = _noise(recompute, picked, numeric, rounding, h, floor)
        rows.append(_row(name, value.shape, picked, numeric, chosen, value.size, floor, noise))
    # Leave the model as loss_fn() would: analytic gradients in place.
    for name, _, grad in model.named_parameters():
        grad[...] = analytic[name]
    return GradcheckReport(rows, f"{type(model).__name__} model check (h={h:g}, k={k})")


def _directional_row(
    name: str,
    named: list[tuple[str, np.ndarray]],
    analytic: dict[str, np.ndarray],
    evaluate: Callable[[], list[np.ndarray]],
    rng: np.random.Generator,
    h: float,
    floor: float,
) -> GradcheckRow:
    """Compare the derivative along one random unit direction through every parameter."""
    direction = [rng.standard_normal(value.shape) for _, value in named]
    norm = np.sqrt(sum(float(np.sum(u * u)) for u in direction)) or 1.0
    direction = [u / norm for u in direction]
    along = sum(float(np.sum(analytic[n] * u)) for (n, _), u in zip(named, direction, strict=True))
    originals = [value.copy() for _, value in named]

    def shifted(step: float) -> float:
        for (_, value), original, u in zip(named, originals, direction, strict=True):
            value[...] = original + step * u
        return float(evaluate()[0])

    def difference(positions: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray]:
        plus, minus = shifted(step), shifted(-step)
        size = (abs(plus) + abs(minus)) / 2
        eps = np.finfo(np.float64).eps
        return np.array([(plus - minus) / (2 * step)]), \
            np.array([ROUNDING_SAFETY * eps * size / (2 * step)])

    try:
        numeric, rounding = difference(np.arange(1), h)
        noise = _noise(difference, np.array([along]), numeric, rounding, h, floor)
    finally:
        for (_, value), original in zip(named, originals, strict=True):
            value[...] = original
    size = sum(value.size for _, value in named)
    error = float(relative_error(along, numeric[0], floor))
    judged = float(judged_errors(along, numeric, noise, floor)[0])
    return GradcheckRow(name, (size,), error, 0, size, (), along, float(numeric[0]), judged,
                        directional=True)
