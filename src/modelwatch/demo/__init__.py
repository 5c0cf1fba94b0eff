"""`modelwatch demo`: the end-to-end tour on embedded defaults (local files, the churn dataset)."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

from modelwatch.baseline import BaselineResult, suggest_baseline
from modelwatch.engines.local import Progress


def churn_training_data() -> Path:
    """The churn training set shipped with the package (2,333 rows, 70 columns, header)."""
    with as_file(files("modelwatch.demo") / "data" / "churn-training.csv") as path:
        return Path(path)


def run_baseline(output: Path, progress: Progress | None = None) -> BaselineResult:
    return suggest_baseline(str(churn_training_data()), str(output / "baseline"), progress=progress)
