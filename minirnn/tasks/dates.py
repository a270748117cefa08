"""Date-format translation: dates written the many ways people write them -> ISO ``1994-09-27``.

Every date between 1950-01-01 and 2049-12-31 can be drawn, so a two-digit year is never
ambiguous (``94`` is 1994, ``27`` is 2027). The formats are this module's own
(:data:`DATE_FORMATS`): American month-first with slashes, European day-first with dots,
month names in full, abbreviated and upper case, weekdays, ordinals. The target is always the
ten characters ``YYYY-MM-DD``. Pairs are made offline from a seed, with Python's ``datetime``
and ``calendar`` and nothing else.

Sources and targets share one character vocabulary whose special tokens are ``<bos>``,
``<eos>`` and ``<pad>`` (upper-case ``S`` and ``E`` occur in month names, so the single
letters the addition task uses as specials cannot serve here).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable

import numpy as np

from minirnn._checks import check_positive_int, make_rng
from minirnn.data.vocab import BOS, EOS, PAD, Vocab
from minirnn.tasks.seq2seq import Seq2SeqBatch, encode_pairs, split_held_out

__all__ = ["DATE_FORMATS", "FIRST_DAY", "LAST_DAY", "date_pairs", "dates_data", "dates_vocab",
           "format_date"]

#: the longest text any format gives ("Wednesday, September 27, 1994" and the like)
DATE_SOURCE_LENGTH = 29
DATE_TARGET_LENGTH = 10

FIRST_DAY = dt.date(1950, 1, 1)
LAST_DAY = dt.date(2049, 12, 31)


def _ordinal(day: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd'."""
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _month(d: dt.date) -> str:
    return calendar.month_name[d.month]


def _mon(d: dt.date) -> str:
    return calendar.month_abbr[d.month]


def _weekday(d: dt.date) -> str:
    return calendar.day_name[d.weekday()]


def _yy(d: dt.date) -> str:
    return f"{d.year % 100:02d}"


#: name -> function from a date to its text; the name is an example (1994-09-27)
DATE_FORMATS: dict[str, Callable[[dt.date], str]] = {
    "september 27, 1994": lambda d: f"{_month(d).lower()} {d.day}, {d.year}",
    "September 27, 1994": lambda d: f"{_month(d)} {d.day}, {d.year}",
    "SEPTEMBER 27, 1994": lambda d: f"{_month(d).upper()} {d.day}, {d.year}",
    "27 Sep 1994": lambda d: f"{d.day} {_mon(d)} {d.year}",
    "27 september 1994": lambda d: f"{d.day} {_month(d).lower()} {d.year}",
    "Sep 27, 1994": lambda d: f"{_mon(d)} {d.day}, {d.year}",
    "sep 27 94": lambda d: f"{_mon(d).lower()} {d.day} {_yy(d)}",
    "9/27/94": lambda d: f"{d.month}/{d.day}/{_yy(d)}",
    "09/27/1994": lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}",
    "27.09.1994": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    "27.9.94": lambda d: f"{d.day}.{d.month}.{_yy(d)}",
    "27-SEP-1994": lambda d: f"{d.day:02d}-{_mon(d).upper()}-{d.year}",
    "1994/09/27": lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",
    "19940927": lambda d: f"{d.year}{d.month:02d}{d.day:02d}",
    "Tuesday, September 27, 1994": lambda d: f"{_weekday(d)}, {_month(d)} {d.day}, {d.year}",
    "tuesday, 27 september 1994": lambda d: f"{_weekday(d).lower()}, {d.day} "
                                            f"{_month(d).lower()} {d.year}",
    "Tue, 27 Sep 1994": lambda d: f"{_weekday(d)[:3]}, {d.day} {_mon(d)} {d.year}",
    "the 27th of september 1994": lambda d: f"the {_ordinal(d.day)} of {_month(d).lower()} "
                                            f"{d.year}",
    "September 27th, 1994": lambda d: f"{_month(d)} {_ordinal(d.day)}, {d.year}",
    "27th sep 94": lambda d: f"{_ordinal(d.day)} {_mon(d).lower()} {_yy(d)}",
}


def format_date(date: dt.date, form: str) -> str:
    """Write ``date`` in the format named ``form`` (a key of :data:`DATE_FORMATS`)."""
    if form not in DATE_FORMATS:
        raise ValueError(f"unknown date format {form!r}; expected one of {list(DATE_FORMATS)}")
    return DATE_FORMATS[form](date)


def date_pairs(
    n: int = 50_000, seed: int | np.random.Generator | None = 0
) -> list[tuple[str, str]]:
    """``n`` distinct pairs ``(human text, "YYYY-MM-DD")``: a uniform (date, format) choice.

    The (date, format) combinations are drawn without replacement and a text two formats
    share (``May 27, 1994`` is both ``Sep 27, 1994`` and ``September 27, 1994``) is kept once,
    so no source occurs twice and a held-out split never repeats a training pair (a date
    may recur in another format).
    """
    n = check_positive_int(n, "n")
    span = (LAST_DAY - FIRST_DAY).days + 1
    if n > span * len(DATE_FORMATS):
        raise ValueError(f"n must be at most {span * len(DATE_FORMATS)}, got {n}")
    total = span * len(DATE_FORMATS)
    # a few spare draws replace the texts that two formats share
    codes = make_rng(seed).choice(total, size=min(total, n + n // 20 + 10), replace=False)
    days, forms = np.divmod(codes, len(DATE_FORMATS))
    makers = list(DATE_FORMATS.values())
    pairs: dict[str, str] = {}
    for offset, form in zip(days.tolist(), forms.tolist(), strict=True):
        date = FIRST_DAY + dt.timedelta(days=offset)
        pairs.setdefault(makers[form](date), date.isoformat())
        if len(pairs) == n:
            break
    if len(pairs) < n:
        raise ValueError(f"n must be at most the {len(pairs)} distinct date texts there are, "
                         f"got {n}")
    return list(pairs.items())


def dates_vocab() -> Vocab:
    """``<bos>``, ``<eos>``, ``<pad>`` (ids 0, 1, 2), then every character any format uses."""
    sample = [FIRST_DAY + dt.timedelta(days=d) for d in range(0, 366 * 8, 3)]
    chars = {c for d in sample for make in DATE_FORMATS.values() for c in make(d)}
    return Vocab(sorted(chars | set("0123456789-")), specials=[BOS, EOS, PAD])


def dates_data(
    n: int = 50_000, test_fraction: float = 0.1, seed: int | np.random.Generator | None = 0
) -> tuple[Seq2SeqBatch, Seq2SeqBatch, Vocab]:
    """Train and held-out batches of :func:`date_pairs` (the last ``test_fraction`` held out).

    Sources are right-padded with ``<pad>`` to 29 characters; targets are the ten ISO
    characters and ``<eos>``.
    """
    vocab = dates_vocab()
    data = encode_pairs(date_pairs(n, seed=seed), vocab, DATE_SOURCE_LENGTH,
                        DATE_TARGET_LENGTH, end=EOS, pad=PAD)
    return (*split_held_out(data, test_fraction), vocab)
