"""The examples run as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).parent.parent / "examples"


def test_baseline_churn_example(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "baseline_churn.py"), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "2,333 rows profiled" in result.stdout
    assert "Account Length" in result.stdout
    statistics = json.loads((tmp_path / "out" / "statistics.json").read_text())
    assert len(statistics["features"]) == 70
