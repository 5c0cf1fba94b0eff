"""What the command line shows people: a progress bar for slow inputs and one-screen summaries."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from modelwatch.baseline import BaselineResult
from modelwatch.engines.local import Progress as ProgressCallback

if TYPE_CHECKING:
    from modelwatch.analysis import AnalysisResult

PROGRESS_DELAY_SECONDS = 1.0

console = Console()


@contextmanager
def progress_bar(description: str) -> Iterator[ProgressCallback]:
    """A callback that draws a progress bar on a terminal, once the work has taken over a second."""
    started = time.monotonic()
    bar: Progress | None = None
    task = None

    def update(done: int, total: int) -> None:
        nonlocal bar, task
        if bar is None:
            if not sys.stderr.isatty() or time.monotonic() - started < PROGRESS_DELAY_SECONDS:
                return
            bar = Progress(
                TextColumn(description),
                BarColumn(),
                TextColumn("{task.completed}/{task.total} chunks"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            bar.start()
            task = bar.add_task(description, total=total)
        assert task is not None
        bar.update(task, completed=done, total=total)

    try:
        yield update
    finally:
        if bar is not None:
            bar.stop()


def print_baseline_summary(result: BaselineResult) -> None:
    profile = result.profile
    types = Counter(column.inferred_type for column in profile.columns.values())
    incomplete = [name for name, column in profile.columns.items() if column.missing]
    domains = [feature.name for feature in result.constraints.features if feature.domains is not None]
    table = Table(title="Baseline", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("rows", f"{profile.item_count:,}")
    table.add_row("columns", f"{len(profile.columns):,}")
    table.add_row("types", ", ".join(f"{kind} {count}" for kind, count in types.most_common()))
    table.add_row("with missing values", _names(incomplete))
    table.add_row("string domains", _names(domains))
    table.add_row("time", f"{result.seconds:.2f} s")
    console.print(table)
    console.print(f"statistics:  {result.statistics_uri}", soft_wrap=True, highlight=False)
    console.print(f"constraints: {result.constraints_uri}", soft_wrap=True, highlight=False)


def _names(names: list[str], shown: int = 6) -> str:
    if not names:
        return "none"
    more = f", … ({len(names) - shown} more)" if len(names) > shown else ""
    return f"{len(names)}: " + ", ".join(names[:shown]) + more


def print_analysis_summary(result: AnalysisResult) -> None:
    """The exit message, the violations (one line each) and where the report is."""
    console.print(result.message, soft_wrap=True, highlight=False)
    for violation in result.violations:
        console.print(
            f"  {violation.feature_name} · {violation.constraint_check_type}: {violation.description}",
            soft_wrap=True,
            highlight=False,
        )
    for note in result.notes:
        console.print(f"note: {note}", soft_wrap=True, highlight=False)
    console.print(f"rows analyzed: {result.item_count:,} in {result.seconds:.2f} s", highlight=False)
    for name, uri in result.files.items():
        console.print(f"{name + ':':<28} {uri}", soft_wrap=True, highlight=False)
