"""Ending a process that used Arrow's thread pools.

pyarrow (26) and polars (2.1) each start background threads; when the interpreter exits shortly after
Arrow's pools did work, a pool thread can be torn down mid-unwind and the C++ runtime aborts the
process ("terminate called without an active exception", exit status 134). Everything of ours is
flushed and closed by then, so our processes leave through `os._exit`, which skips the C++ static
destructors where that happens.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys


def exit_now(code: int) -> None:
    """Flush the standard streams and end the process at once with `code`."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def exit_quietly_at_interpreter_exit() -> None:
    """For worker processes: once Python's own exit handlers ran, end without C++ teardown.

    Registered first, so it runs last (atexit is last-in, first-out).
    """
    atexit.register(exit_now, 0)
