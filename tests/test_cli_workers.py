"""The worker processes `modelwatch baseline` and `analyze` start ahead of their work end with the command,
however it ends: done, a user error, an input too small for workers, Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from modelwatch.baseline import suggest_baseline
from modelwatch.demo import churn_training_data

CHURN = churn_training_data()


def marked_processes(mark: str) -> list[int]:
    """The processes whose environment holds `mark`: the command's, workers included, even orphaned."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environment = (entry / "environ").read_bytes()
        except OSError:
            continue
        if mark.encode() in environment:
            found.append(int(entry.name))
    return found


def command(*arguments: str) -> tuple[list[str], dict[str, str]]:
    """The command line of `modelwatch ARGUMENTS` on two processes, and an environment that marks it."""
    mark = f"MODELWATCH_TEST_RUN={uuid.uuid4()}"
    key, value = mark.split("=")
    return [sys.executable, "-m", "modelwatch", *arguments, "--workers", "2"], {**os.environ, key: value}


def run_marked(*arguments: str) -> tuple[subprocess.CompletedProcess[str], list[int]]:
    """Run the command; its result and the processes it left behind."""
    line, environment = command(*arguments)
    result = subprocess.run(line, capture_output=True, text=True, env=environment, check=False)
    return result, marked_processes(f"MODELWATCH_TEST_RUN={environment['MODELWATCH_TEST_RUN']}")


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("baseline")
    suggest_baseline(str(CHURN), str(directory))
    return directory


def test_a_baseline_leaves_no_process_behind(tmp_path: Path) -> None:
    """A folder may hold more than one chunk, so the command starts a worker (one chunk: unused)."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(CHURN, folder)
    result, left = run_marked("baseline", str(folder), "--output", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "statistics.json").exists()
    assert left == []


def test_a_user_error_is_one_line_and_leaves_no_process_behind(tmp_path: Path) -> None:
    result, left = run_marked("baseline", str(tmp_path / "missing.csv"), "--output", str(tmp_path / "out"))
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert left == []


def test_an_empty_input_leaves_no_process_behind(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("a,b\n")
    result, left = run_marked("baseline", str(tmp_path), "--output", str(tmp_path / "out"))
    assert result.returncode == 1
    assert result.stderr == f"error: {tmp_path}: no data rows to build a baseline from\n"
    assert left == []


def test_a_failed_analysis_leaves_no_process_behind(tmp_path: Path, baseline: Path) -> None:
    window = ["--start", "2026-11-29T10:00:00Z", "--end", "2026-11-29T11:00:00Z"]
    arguments = ["--input", str(tmp_path / "nothing"), "--baseline", str(baseline), *window]
    result, left = run_marked("analyze", *arguments, "--output", str(tmp_path / "out"))
    assert result.returncode == 1
    assert result.stderr.startswith("error: Failed: no captured data")
    assert left == []


def test_ctrl_c_ends_the_command_and_its_workers_without_a_traceback(tmp_path: Path, baseline: Path) -> None:
    """Ctrl-C reaches every process of the terminal's foreground group, the workers too."""
    marker = tmp_path / "postprocessing"
    script = tmp_path / "post.py"
    script.write_text(
        f"import pathlib, time\n\ndef postprocess_handler():\n"
        f"    pathlib.Path({str(marker)!r}).touch()\n    time.sleep(600)\n"
    )
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(CHURN, folder)
    line, environment = command(
        "analyze", "--input", str(folder), "--baseline", str(baseline), "--output", str(tmp_path / "out"),
        "--postprocessor", str(script),
    )  # fmt: skip
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    process = subprocess.Popen(line, env=environment, text=True, start_new_session=True, **pipes)
    deadline = time.monotonic() + 120
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), process.communicate()
    mark = f"MODELWATCH_TEST_RUN={environment['MODELWATCH_TEST_RUN']}"
    assert len(marked_processes(mark)) >= 2  # the command, its worker (and multiprocessing's tracker)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode != 0
    assert "Traceback" not in stderr
    assert marked_processes(mark) == []
