"""The one progress line of :func:`~minirnn.train.fit`, rewritten in place on stderr.

``iter 120/500 | epoch 2 | loss 1.8731 nats/token | smooth 1.9012 | 41.3 it/s | ETA 0:09 | clip 3%``

Losses are in the model's unit: nats per token (per character for character models).
Validation results and samples are printed as full lines below it (:meth:`message`).
"""

from __future__ import annotations

import math
import sys
import time

#: how many recent iterations the clip rate is measured over
CLIP_WINDOW = 100


def format_seconds(seconds: float) -> str:
    """``m:ss`` or ``h:mm:ss``; ``?`` for an unknown (infinite) duration."""
    if not math.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressLine:
    """The progress report: speed, ETA and clip rate measured since the run (re)started.

    Parameters
    ----------
    verbose : bool
        Print anything at all (``message(..., always=True)`` prints regardless).
    every : float
        Seconds between rewrites of the line.
    start_iteration : int
        The iteration the run starts from (non-zero after a resume), for the speed.
    clipping : bool
        Whether clipping is on, so the clip rate is worth showing.
    """

    def __init__(self, verbose: bool, every: float, start_iteration: int = 0,
                 clipping: bool = False) -> None:
        self.verbose = verbose
        self.every = every
        self.start_iteration = start_iteration
        self.start_time = time.perf_counter()
        self.recent_clips: list[bool] | None = [] if clipping else None
        self.last_print = -math.inf
        self.width = 0
        self.open_line = False
        self.latest: tuple | None = None
        self.printed: tuple | None = None

    def elapsed(self) -> float:
        """Seconds since the run (re)started."""
        return time.perf_counter() - self.start_time

    def record_clip(self, clipped: bool) -> None:
        """Count one update towards the clip rate (over the last :data:`CLIP_WINDOW`)."""
        if self.recent_clips is not None:
            self.recent_clips.append(clipped)
            del self.recent_clips[:-CLIP_WINDOW]

    def step(self, iteration: int, total: int | None, epoch: int, loss: float, smooth: float,
             force: bool = False) -> float:
        """Note one finished iteration; rewrite the line if due. Returns the elapsed time."""
        now = time.perf_counter()
        elapsed = now - self.start_time
        rate = (iteration - self.start_iteration) / elapsed if elapsed > 0 else 0.0
        clip_rate = (
            sum(self.recent_clips) / len(self.recent_clips) if self.recent_clips else None
        )
        self.update(now, (iteration, total, epoch, loss, smooth, rate, clip_rate), force)
        return elapsed

    @staticmethod
    def line(it: int, total: int | None, epoch: int, loss: float, smooth: float,
             rate: float, clip_rate: float | None) -> str:
        """The text of the line (``epoch`` counts from 0 here and from 1 on screen)."""
        parts = [f"iter {it}" + (f"/{total}" if total else ""), f"epoch {epoch + 1}",
                 f"loss {loss:.4f} nats/token", f"smooth {smooth:.4f}", f"{rate:.1f} it/s"]
        if total:
            remaining = (total - it) / rate if rate > 0 else math.inf
            parts.append(f"ETA {format_seconds(remaining)}")
        if clip_rate is not None:
            parts.append(f"clip {clip_rate:.0%}")
        return " | ".join(parts)

    def update(self, now: float, numbers: tuple, force: bool = False) -> None:
        """Rewrite the line from ``numbers`` (the arguments of :meth:`line`) when it is due.

        The text is only formatted when it is printed: formatting every iteration would cost
        a small model a noticeable share of its time.
        """
        self.latest = numbers
        if not self.verbose or (not force and now - self.last_print < self.every):
            return
        self.last_print = now
        text = self.line(*numbers)
        # Pad with spaces so a shorter line fully covers the previous one.
        sys.stderr.write("\r" + text.ljust(self.width))
        sys.stderr.flush()
        self.printed = numbers
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
        if self.latest is not None and self.latest is not self.printed:
            self.update(math.inf, self.latest, force=True)
        self.close()

    def close(self) -> None:
        """End the line (if one is open) so that what follows starts on a new one."""
        if self.open_line:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self.open_line = False
