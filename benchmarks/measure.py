"""Run a command and measure its wall time and the peak RSS of its largest process.

The command runs under a small Python wrapper that reports its children's peak RSS: measured from the
benchmark process itself, the figure would include the benchmark's own memory, which a child shares
between fork and exec.
"""

from __future__ import annotations

import subprocess
import sys
import time

_WRAPPER = (
    "import resource, subprocess, sys;"
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL);"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def run_measured(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB of the largest process the command started)."""
    started = time.perf_counter()
    finished = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command], check=True, capture_output=True, text=True
    )
    return time.perf_counter() - started, int(finished.stdout.strip()) / 1024
