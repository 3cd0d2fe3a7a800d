"""The ``roost`` entry point's last word: a known failure is one line, not a traceback.

What counts as known, and how each is put, is ``roost.runtime.failures``
(shared with the services' own commands, which must not import this package).
"""

from __future__ import annotations

from roost.runtime.failures import CommandFailed, describe

__all__ = ["one_line"]


def one_line(exc: BaseException) -> str | None:
    """The line to print for ``exc``, or None when it is a bug (keep the traceback)."""
    if isinstance(exc, CommandFailed):
        return str(exc)
    return describe(exc)
