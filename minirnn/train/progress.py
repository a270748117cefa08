"""The one progress line of :func:`~minirnn.train.fit`, rewritten in place on stderr.

``iter 120/500 | epoch 2 | loss 1.8731 nats/token | smooth 1.9012 | 41.3 it/s | ETA 0:09 | clip 3%``

Losses are in the model's unit: nats per token (per character for character models).
Validation results and samples are printed as full lines below it (:meth:`message`).
"""

from __future__ import annotations

import math
import numbers
import sys
import time


def format_seconds(seconds: float) -> str:
    """``m:ss`` or ``h:mm:ss``; ``?`` for an unknown (infinite or NaN) duration."""
    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real):
        raise TypeError(f"seconds must be a real number, got {type(seconds).__name__} "
                        f"{seconds!r:.40}")
    if not math.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressLine:
    """The progress report: speed and ETA measured since the run (re)started, the clip rate.

    Parameters
    ----------
    verbose : bool
        Print anything at all (``message(..., always=True)`` prints regardless).
    every : float
        Seconds between rewrites of the line.
    start_iteration : int
        The iteration the run starts from (non-zero after a resume), for the speed.
    clipping : bool
        Whether clipping is on (the clip rate is then given to :meth:`step`).
    unit : str
        What the losses are per: ``"token"``, or ``"char"`` for character models (the
        model's ``loss_unit``); shown as ``nats/<unit>``.
    """

    def __init__(self, verbose: bool, every: float, start_iteration: int = 0,
                 clipping: bool = False, unit: str = "token") -> None:
        self.verbose = verbose
        self.unit = unit
        self.every = every
        self.start_iteration = start_iteration
        self.start_time = time.perf_counter()
        self.clipping = clipping
        self.last_print = -math.inf
        self.width = 0
        self.open_line = False
        self.latest: tuple | None = None
        self.printed: tuple | None = None

    def elapsed(self) -> float:
        """Seconds since the run (re)started."""
        return time.perf_counter() - self.start_time

    def due(self) -> bool:
        """Whether the line is due for a rewrite (``every`` seconds since the last one).

        :func:`~minirnn.train.fit` asks this after every update and calls :meth:`step` only
        when it, or something else, is due: one clock read per update.
        """
        return self.verbose and time.perf_counter() - self.last_print >= self.every

    def step(self, iteration: int, total: int | None, epoch: int, loss: float, smooth: float,
             clip_rate: float | None = None, force: bool = False) -> float:
        """Note the latest numbers; rewrite the line if due. Returns the elapsed time.

        ``clip_rate`` is the share of recent updates where clipping fired (shown only when
        clipping is on). Only the numbers are stored: the speed and the text are worked out
        when the line is printed.
        """
        now = time.perf_counter()
        elapsed = now - self.start_time
        self.latest = (iteration, total, epoch, loss, smooth, elapsed,
                       clip_rate if self.clipping else None)
        if self.verbose and (force or now - self.last_print >= self.every):
            self.show(now)
        return elapsed

    def line(self, it: int, total: int | None, epoch: int, loss: float, smooth: float,
             rate: float, clip_rate: float | None) -> str:
        """The text of the line (``epoch`` counts from 0 here and from 1 on screen)."""
        parts = [f"iter {it}" + (f"/{total}" if total else ""), f"epoch {epoch + 1}",
                 f"loss {loss:.4f} nats/{self.unit}", f"smooth {smooth:.4f}", f"{rate:.1f} it/s"]
        if total:
            remaining = (total - it) / rate if rate > 0 else math.inf
            parts.append(f"ETA {format_seconds(remaining)}")
        if clip_rate is not None:
            parts.append(f"clip {clip_rate:.0%}")
        return " | ".join(parts)

    def show(self, now: float) -> None:
        """Rewrite the line from the latest numbers (see :meth:`step`)."""
        self.last_print = now
        it, total, epoch, loss, smooth, elapsed, clip_rate = self.latest
        rate = (it - self.start_iteration) / elapsed if elapsed > 0 else 0.0
        text = self.line(it, total, epoch, loss, smooth, rate, clip_rate)
        # Pad with spaces so a shorter line fully covers the previous one.
        sys.stderr.write("\r" + text.ljust(self.width))
        sys.stderr.flush()
        self.printed = self.latest
        self.width = len(text)
        self.open_line = True

    def message(self, text: str, always: bool = False) -> None:
        """Print a full line (validation, samples) below the progress line."""
        if not (self.verbose or always):
            return
        if self.open_line:
            sys.stderr.write("\n")
            self.open_line = False
            self.width = 0
        sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def finish(self) -> None:
        """Show the latest numbers, then end the line."""
        if self.verbose and self.latest is not None and self.latest is not self.printed:
            self.show(math.inf)
        self.close()

    def close(self) -> None:
        """End the line (if one is open) so that what follows starts on a new one."""
        if self.open_line:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self.open_line = False
