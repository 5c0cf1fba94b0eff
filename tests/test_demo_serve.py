"""`modelwatch demo --serve` (what `make demo` runs) keeps its server up until Ctrl-C, then stops cleanly."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx


def test_demo_serves_until_interrupted(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "modelwatch", "demo", "--output", str(tmp_path / "demo"), "--serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 180
    while not any("The server runs until Ctrl-C." in line for line in lines):
        assert time.monotonic() < deadline, "".join(lines)
        line = process.stdout.readline()
        assert line or process.poll() is None, "".join(lines)
        lines.append(line)
    found = re.search(r"Prometheus metrics:\s+(http://\S+)/metrics", "".join(lines))
    assert found, "".join(lines)
    metrics = httpx.get(f"{found.group(1)}/metrics", timeout=30)
    assert metrics.status_code == 200
    assert 'modelwatch_execution_status{endpoint="churn",schedule="churn-hourly"' in metrics.text
    page = re.search(r"the execution's page:\s+(http://\S+)", "".join(lines))
    assert page, "".join(lines)
    execution = httpx.get(page.group(1), timeout=30)
    assert execution.status_code == 200
    assert 'data-testid="page-execution"' in execution.text
    assert 'data-feature="Day Mins" data-violating="true"' in execution.text
    process.send_signal(signal.SIGINT)
    rest = process.communicate(timeout=60)[0]
    assert process.returncode == 0, rest
    assert "stopped" in rest
    assert "Traceback" not in rest
