"""The progress bar appears on a terminal once work has taken more than a second, and never elsewhere."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

SCRIPT = """
import time
from modelwatch.console import progress_bar
with progress_bar("profiling") as update:
    update(0, 4)
    update(1, 4)
    time.sleep({pause})
    update(2, 4)
    time.sleep(0.2)
    update(4, 4)
print("done")
"""


def run_on_terminal(pause: float) -> str:
    main, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT.format(pause=pause)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=terminal,
        env={**os.environ, "TERM": "xterm", "COLUMNS": "100"},
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            data = os.read(main, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    stdout, _ = process.communicate(timeout=60)
    os.close(main)
    assert stdout.decode().strip() == "done"
    return b"".join(chunks).decode(errors="replace")


def test_progress_bar_after_a_second_on_a_terminal() -> None:
    shown = run_on_terminal(pause=1.2)
    assert "profiling" in shown
    assert "2/4 chunks" in shown or "4/4 chunks" in shown


def test_no_progress_bar_for_quick_work() -> None:
    assert "chunks" not in run_on_terminal(pause=0.0)


def test_no_progress_bar_when_not_a_terminal() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(pause=1.2)], capture_output=True, text=True, check=True
    )
    assert "chunks" not in result.stderr
    assert result.stdout.strip() == "done"
