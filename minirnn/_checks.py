"""Input validation shared by every layer.

Each helper raises a ``ValueError`` or ``TypeError`` that names what was expected and what
was given, so a user never has to decode a NumPy broadcasting error.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _given(x: object, arr: np.ndarray) -> str:
    """How to name what was given: the dtype of an array, the type of anything else."""
    if isinstance(x, np.ndarray):
        return f"dtype {arr.dtype}"
    if arr.dtype == object or arr.dtype.kind in "US":
        return f"{type(x).__name__} {x!r:.60}"
    return f"{type(x).__name__} of dtype {arr.dtype}"


def as_float_array(x: object, name: str) -> np.ndarray:
    """Return ``x`` as a floating-point array, refusing integers, booleans and objects."""
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return x  # the common case, kept cheap: the step functions call this every step
    try:
        arr = np.asarray(x)
    except ValueError:  # ragged nested lists
        raise TypeError(f"{name} must be a floating-point array, got a ragged "
                        f"{type(x).__name__}") from None
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(f"{name} must be a floating-point array, got {_given(x, arr)}")
    return arr


def as_real_array(x: object, name: str) -> np.ndarray:
    """Return ``x`` as an array of real numbers (integers or floats), refusing booleans,
    complex numbers, strings and objects: the input of an elementwise function."""
    if isinstance(x, np.ndarray) and x.dtype.kind in "iuf":
        return x  # the common case, kept cheap: the gates call this every step
    try:
        arr = np.asarray(x)
    except ValueError:
        raise TypeError(f"{name} must be an array of real numbers, got a ragged "
                        f"{type(x).__name__}") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be an array of real numbers, got {_given(x, arr)}")
    return arr


def as_int_array(x: object, name: str) -> np.ndarray:
    """Return ``x`` as an integer array (token ids, targets), refusing floats and objects.

    Floats are refused even when they hold whole numbers: a float id is usually a mistake
    (a probability or an embedding passed where an id belongs) and truncating it would
    silently pick another token.
    """
    try:
        arr = np.asarray(x)
    except ValueError:
        raise TypeError(f"{name} must be an integer array, got a ragged "
                        f"{type(x).__name__}") from None
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must be an integer array, got {_given(x, arr)}")
    return arr


def check_float_dtype(dtype: object, name: str = "dtype") -> np.dtype:
    """Return ``dtype`` as a NumPy floating dtype; refuse integers, booleans and nonsense.

    Integer parameters would be drawn as zeros and never learn, so they are refused.
    """
    try:
        result = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be a floating-point dtype such as np.float32 or "
                        f"np.float64, got {dtype!r}") from None
    if not np.issubdtype(result, np.floating):
        raise TypeError(f"{name} must be a floating-point dtype such as np.float32 or "
                        f"np.float64, got {result}")
    return result


def check_ndim(x: np.ndarray, ndim: int, name: str, layout: str) -> None:
    """Raise unless ``x`` has ``ndim`` axes; ``layout`` names them, e.g. ``"(N, T, D)"``."""
    if x.ndim != ndim:
        raise ValueError(
            f"{name} must have {ndim} dimension{'' if ndim == 1 else 's'} {layout}, "
            f"got shape {tuple(x.shape)}"
        )


def check_shape(x: np.ndarray, expected: Sequence[int | None], name: str) -> None:
    """Raise unless ``x.shape`` matches ``expected``; ``None`` in ``expected`` matches any size."""
    shape = tuple(x.shape)
    matches = len(shape) == len(expected) and all(
        want is None or want == got for want, got in zip(expected, shape, strict=True)
    )
    if not matches:
        sizes = ["*" if s is None else str(s) for s in expected]
        # one axis is written "(4,)", as Python prints a 1-tuple
        shown = f"({sizes[0]},)" if len(sizes) == 1 else "(" + ", ".join(sizes) + ")"
        raise ValueError(f"{name} must have shape {shown}, got {shape}")


def square_with_labels(matrix: object, labels: Sequence[str] | None) -> tuple[np.ndarray, list]:
    """A (C, C) array (a confusion matrix) and its C labels (``"0"``, ``"1"``, ... when None),
    checked: the matrix is square and there is one label per class."""
    matrix = as_real_array(matrix, "matrix")
    check_ndim(matrix, 2, "matrix", "(C, C)")
    check_shape(matrix, (len(matrix), len(matrix)), "matrix")
    labels = [str(i) for i in range(len(matrix))] if labels is None else list(labels)
    if len(labels) != len(matrix):
        raise ValueError(f"labels must name the {len(matrix)} classes of matrix, got "
                         f"{len(labels)} labels")
    return matrix, [str(label) for label in labels]


def check_choice(value: str, choices: Sequence[str], name: str) -> None:
    """Raise unless ``value`` is one of ``choices``."""
    if value not in choices:
        allowed = ", ".join(map(repr, choices))
        raise ValueError(f"unknown {name} {value!r}; expected one of {allowed}")


def check_positive_int(value: object, name: str) -> int:
    """Return ``value`` as an int, raising unless it is a positive integer."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_instance(value: object, kind: type | tuple[type, ...], name: str) -> None:
    """Raise a TypeError unless ``value`` is a ``kind`` (a class or a tuple of classes), naming
    both: the data objects and models the experiments take (``data must be a NameGenderData,
    got str``), instead of an AttributeError deep inside."""
    if not isinstance(value, kind):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        wanted = " or ".join(k.__name__ for k in kinds)
        article = "an" if wanted[0] in "AEIOUaeiou" else "a"
        raise TypeError(f"{name} must be {article} {wanted}, got {type(value).__name__} "
                        f"{value!r:.40}")


def check_seed(seed: object, name: str = "seed") -> None:
    """Raise unless ``seed`` is None, a ``np.random.Generator`` or an integer >= 0."""
    if seed is None or isinstance(seed, np.random.Generator):
        return
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{name} must be an int >= 0, a numpy.random.Generator or None, "
                        f"got {type(seed).__name__} {seed!r:.60}")
    if seed < 0:
        raise ValueError(f"{name} must be an int >= 0, a numpy.random.Generator or None, "
                         f"got {seed}")


def check_non_negative_int(value: object, name: str) -> int:
    """Return ``value`` as an int, raising unless it is an integer >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    return int(value)


def make_rng(seed: int | np.random.Generator | None, name: str = "seed") -> np.random.Generator:
    """Turn ``seed`` (an int >= 0, a Generator or None) into a ``np.random.Generator``.

    A Generator is returned as it is (so several layers can share one stream); anything
    else but an int or None is refused with a message naming ``name``.
    """
    check_seed(seed, name)
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def check_number(value: object, name: str, low: float | None = None,
                 high: float | None = None, *, low_open: bool = False,
                 high_open: bool = False) -> float:
    """Return ``value`` as a float, raising unless it is a finite real number in range.

    ``low``/``high`` are the bounds (None for none); ``low_open``/``high_open`` exclude
    them. The message states the interval: ``lr must be a number in [0, inf), got -1``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} "
                        f"{value!r:.60}")
    number = float(value)
    too_low = low is not None and (number <= low if low_open else number < low)
    too_high = high is not None and (number >= high if high_open else number > high)
    if not np.isfinite(number) or too_low or too_high:
        left = "(" if low_open or low is None else "["
        right = ")" if high_open or high is None else "]"
        span = f"{left}{'-inf' if low is None else f'{low:g}'}, " \
            f"{'inf' if high is None else f'{high:g}'}{right}"
        raise ValueError(f"{name} must be a number in {span}, got {value!r}")
    return number


def check_step_input(x: object, input_size: int) -> np.ndarray:
    """Return ``x`` as a float array of shape (N, input_size), the input of one cell step."""
    x = as_float_array(x, "x")
    check_ndim(x, 2, "x", "(N, D)")
    check_shape(x, (None, input_size), "x")
    return x


def state_or_zeros(state: object, name: str, x: np.ndarray, hidden_size: int) -> np.ndarray:
    """Return ``state`` checked to be (N, hidden_size), or zeros of that shape if it is None."""
    if state is None:
        return np.zeros((x.shape[0], hidden_size), dtype=x.dtype)
    state = as_float_array(state, name)
    check_shape(state, (x.shape[0], hidden_size), name)
    return state


def check_token_id(value: object, vocab_size: int, name: str) -> int:
    """Return ``value`` as an int, raising unless it is an integer id in [0, vocab_size)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer token id, got {type(value).__name__} "
                        f"{value!r:.60}")
    if not 0 <= value < vocab_size:
        raise ValueError(f"{name} must be a token id in [0, {vocab_size}), got {value}")
    return int(value)


def check_token_ids(ids: object, vocab_size: int, name: str) -> np.ndarray:
    """``ids`` as a non-empty 1-D intp array of token ids in ``[0, vocab_size)``, or an error."""
    arr = np.asarray(ids)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of token ids, got shape "
                         f"{arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must hold integer token ids, got dtype {arr.dtype}")
    if arr.min() < 0 or arr.max() >= vocab_size:
        raise ValueError(f"{name} ids must lie in [0, {vocab_size}), got min {arr.min()} "
                         f"max {arr.max()}")
    return arr.astype(np.intp, copy=False)


def _arrays_fit(x: object, states: Sequence[tuple[str, object]], Wx: object, Wh: object,
                b: object, gates: int, x_ndim: int) -> bool:
    """True when every array is a floating-point ndarray of the right shape (no message)."""
    for value in (x, Wx, Wh, b):
        if type(value) is not np.ndarray or value.dtype.kind != "f":
            return False
    if x.ndim != x_ndim or Wh.ndim != 2:
        return False
    H = Wh.shape[0]
    width = gates * H
    if Wh.shape[1] != width or Wx.shape != (x.shape[-1], width) or b.shape != (width,):
        return False
    expected = (x.shape[0], H)
    for _, state in states:
        if type(state) is not np.ndarray or state.dtype.kind != "f" or state.shape != expected:
            return False
    return True


def check_sequence_arrays(
    x: object, states: Sequence[tuple[str, object]], Wx: object, Wh: object, b: object,
    gates: int, *, step: bool = False,
) -> None:
    """Raise unless the arrays of a whole-sequence pass (or of one step) fit together.

    ``x`` (N, T, D), or (N, D) when ``step`` is True, every named state (N, H), ``Wx``
    (D, G*H), ``Wh`` (H, G*H) and ``b`` (G*H,) with G = ``gates`` and H read from ``Wh``; all
    floating-point. Checked once per sequence (and once per step in the step functions, where
    well-shaped arrays pass after a few attribute reads), so that a mis-shaped weight is named
    instead of failing inside ``matmul``.
    """
    if _arrays_fit(x, states, Wx, Wh, b, gates, 2 if step else 3):
        return  # the common case in a few attribute reads: steps run this every time step
    arrays = {"x": x, "Wx": Wx, "Wh": Wh, "b": b, **dict(states)}
    arrays = {name: as_float_array(value, name) for name, value in arrays.items()}
    if step:
        check_ndim(arrays["x"], 2, "x", "(N, D)")
    else:
        check_ndim(arrays["x"], 3, "x", "(N, T, D)")
    check_ndim(arrays["Wh"], 2, "Wh", f"(H, {gates}H)")
    N, D = arrays["x"].shape[0], arrays["x"].shape[-1]
    H = arrays["Wh"].shape[0]
    width = gates * H
    for name, expected in (("Wh", (H, width)), ("Wx", (D, width)), ("b", (width,))):
        if arrays[name].shape != expected:
            raise ValueError(f"{name} must have shape {expected} for D={D}, H={H} and {gates} "
                             f"gate block(s), got {arrays[name].shape}")
    for name, _ in states:
        check_shape(arrays[name], (N, H), name)


def _looks_like(item: object, kind: object) -> bool:
    """Whether one cache item fits its description (see :func:`check_cache`)."""
    if kind is None:
        return True
    if kind is callable:
        return callable(item)
    if kind is bool:
        return isinstance(item, (bool, np.bool_))
    return isinstance(item, np.ndarray) and item.ndim == kind


def _axes(ndim: object) -> str:
    return f"an array with {ndim} {'axis' if ndim == 1 else 'axes'}"


def _describe(item: object) -> str:
    if isinstance(item, np.ndarray):
        return _axes(item.ndim)
    return f"a {type(item).__name__}"


def check_cache(cache: object, producer: str, layout: Sequence[object], name: str = "cache",
                *, steps: bool = False) -> None:
    """Raise unless ``cache`` is what ``producer`` returned for its backward pass.

    ``layout`` describes the tuple item by item: an int is an array with that many axes,
    ``callable`` a function, ``bool`` a flag, ``None`` anything. With ``steps`` the cache is
    the list of per-step tuples a reference sequence pass returns (its first step is
    checked; the step backward checks each). A cache from another cell or pass, or a
    non-tuple, is named here instead of failing in an unpacking or a matrix product. A few
    attribute reads when the cache is right: the step backward functions run this every step.
    """
    if steps:
        if not isinstance(cache, list) or not cache:
            raise TypeError(f"{name} must be the non-empty list of step caches that {producer} "
                            f"returned, got {_describe(cache)}"
                            + (" of length 0" if isinstance(cache, list) else ""))
        cache = cache[0]
        name = f"{name}[0]"
    if not isinstance(cache, tuple):
        raise TypeError(f"{name} must be the tuple that {producer} returned, got "
                        f"{_describe(cache)}")
    if len(cache) != len(layout):
        raise ValueError(f"{name} must be the tuple of {len(layout)} items that {producer} "
                         f"returned, got a tuple of {len(cache)} items (the cache of another "
                         "cell or pass?)")
    for k, (item, kind) in enumerate(zip(cache, layout, strict=True)):
        if not _looks_like(item, kind):
            wanted = {callable: "a function", bool: "a bool"}.get(kind) or _axes(kind)
            raise ValueError(f"{name} must be the tuple that {producer} returned: its item {k} "
                             f"should be {wanted}, got {_describe(item)} (the cache of another "
                             "cell or pass?)")


def check_upstream(dhs: object, shape: tuple[int, int, int], **finals: object) -> np.ndarray:
    """Return ``dhs`` checked to be a float array of ``shape`` (N, T, H); check each of
    ``finals`` (``dh_last=...``, ``dc_last=...``) to be None or (N, H). For the backward
    passes of whole sequences, once per call."""
    dhs = as_float_array(dhs, "dhs")
    check_shape(dhs, shape, "dhs")
    for name, value in finals.items():
        if value is not None:
            check_shape(as_float_array(value, name), (shape[0], shape[2]), name)
    return dhs
