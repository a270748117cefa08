"""The exceptions minirnn raises on purpose, and how the ``minirnn`` command reports them.

Every error a user can cause is a :class:`MinirnnError` (or a plain ``ValueError``/
``TypeError`` from a library function checking its arguments). The command line catches them
in one place, :func:`minirnn.cli.main`, and prints one line::

    minirnn <command>: error: <what was wrong and what to do>

:class:`UsageError` (something the user typed) exits with status 2; every other failure at
run time exits with status 1. A traceback is shown only with ``--debug`` or
``MINIRNN_DEBUG=1``.
"""

from __future__ import annotations

__all__ = ["FileFormatError", "MinirnnError", "UsageError"]


class MinirnnError(Exception):
    """Base of the errors minirnn reports to a user; the CLI exits with ``exit_status``."""

    #: the exit status the command line gives this error
    exit_status: int = 1


class UsageError(MinirnnError, ValueError):
    """A command-line argument or option that cannot work (exit status 2)."""

    exit_status = 2


class FileFormatError(MinirnnError, ValueError):
    """A file minirnn was asked to read is not what it should be (exit status 1).

    The message names the file and the problem. Raised by every loader (checkpoints,
    histories, vocabularies) instead of the error of the library that tripped over the file;
    none of them ever suggests loading a file "unsafely" with pickle.
    """
