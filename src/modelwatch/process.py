"""Ending a process that used Arrow's thread pools.

pyarrow (26) and polars (2.1) each start background threads; when the interpreter exits shortly after
Arrow's pools did work, a pool thread can be torn down mid-unwind and the C++ runtime aborts the
process ("terminate called without an active exception", exit status 134). So our processes run
Python's exit handlers themselves (capture writers flush there), then leave through `os._exit`,
which skips the C++ static destructors where the abort happens.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys


def exit_now(code: int) -> None:
    """Run the exit handlers, flush the standard streams and end the process with `code`."""
    atexit._run_exitfuncs()
    _flush_and_exit(code)


def exit_quietly_at_interpreter_exit() -> None:
    """For worker processes: once Python's own exit handlers ran, end without C++ teardown.

    Registered first, so it runs last (atexit is last-in, first-out).
    """
    atexit.register(_flush_and_exit, 0)


def _flush_and_exit(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
