"""The execution page from an execution's report files: modelwatch_results.json when the folder has it,
the rebuild from SageMaker's files and the baseline constraints when it does not, and the rendered
report kept while none of those files changes."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path

import pytest

from modelwatch.formats.results import RESULTS_FILE
from modelwatch.service.dashboard.pages import _report
from modelwatch.service.dashboard.reports import Reports
from modelwatch.service.store import Execution, Schedule, open_store
from modelwatch.ui.pages.execution import execution_fragment

from .dom import parse
from .seeding import DRIFTING, Seeded


@pytest.fixture
def drifted(seeded: Seeded) -> tuple[Execution, Schedule]:
    """The drifted execution and its schedule, read from the seeded store as the pages read them."""
    store = open_store(None, seeded.data_dir)
    try:
        with store.session() as session:
            execution = session.get(Execution, seeded.drifted)
            schedule = execution.schedule if execution is not None else None
    finally:
        store.close()
    assert execution is not None
    assert schedule is not None
    return execution, schedule


def _copy(seeded: Seeded, execution: Execution) -> Path:
    """A copy of the execution's report folder below the data directory, which no record points to."""
    assert execution.report_uri is not None
    copy = seeded.data_dir / "reports" / f"copy-{uuid.uuid4().hex}"
    shutil.copytree(execution.report_uri, copy)
    return copy


def test_a_report_folder_written_before_modelwatch_results_still_shows(
    seeded: Seeded, drifted: tuple[Execution, Schedule]
) -> None:
    """Rebuilt from metrics.json and the constraints: the same numbers, but no notes on the input."""
    execution, schedule = drifted
    reports = Reports(seeded.data_dir)
    current = execution_fragment(schedule.name, _report(execution, schedule, reports))
    old = _copy(seeded, execution)
    (old / RESULTS_FILE).unlink()
    execution.report_uri = str(old)
    rebuilt = execution_fragment(schedule.name, _report(execution, schedule, reports))
    facts = re.compile(r'<dl class="mw-facts">.*?</dl>')
    assert facts.findall(rebuilt) == facts.findall(current)
    assert len(facts.findall(rebuilt)) == 70
    assert "mw-notes" in current
    assert "mw-notes" not in rebuilt
    violations = parse(rebuilt).one("table", data_testid="violations-table").one("tbody").all("tr")
    assert sorted({row.all("td")[0].text for row in violations}) == seeded.drifted_violations


def test_a_malformed_modelwatch_results_is_said_on_the_page(
    seeded: Seeded, drifted: tuple[Execution, Schedule]
) -> None:
    execution, schedule = drifted
    broken = _copy(seeded, execution)
    (broken / RESULTS_FILE).write_text('{"notes": "not a list"}')
    execution.report_uri = str(broken)
    report = _report(execution, schedule, Reports(seeded.data_dir))
    problem = f"{broken / RESULTS_FILE}: 'notes' should be a JSON list, found str"
    assert report.notes == [f"Part of the report cannot be read: {problem}"]
    assert report.current is not None


def test_the_rendered_report_is_kept_until_one_of_its_files_changes(
    seeded: Seeded, drifted: tuple[Execution, Schedule]
) -> None:
    execution, schedule = drifted
    folder = _copy(seeded, execution)
    execution.report_uri = str(folder)
    reports = Reports(seeded.data_dir)
    renders: list[str] = []

    def render() -> str:
        renders.append(execution_fragment(schedule.name, _report(execution, schedule, reports)))
        return renders[-1]

    first = reports.rendered(execution, schedule, render)
    assert reports.rendered(execution, schedule, render) is first
    assert len(renders) == 1
    for name in ("statistics.json", "constraint_violations.json", "metrics.json", RESULTS_FILE):
        status = (folder / name).stat()
        os.utime(folder / name, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))
        reports.rendered(execution, schedule, render)
    assert len(renders) == 5, "each rewritten file renders the report again"
    execution.exit_message = "a different message"
    reports.rendered(execution, schedule, render)
    assert len(renders) == 6, "so does a changed execution record"
    (folder / RESULTS_FILE).unlink()
    assert "mw-notes" not in reports.rendered(execution, schedule, render)
    assert len(renders) == 7


def test_a_summary_keeps_what_can_be_read_of_a_damaged_report(
    seeded: Seeded, drifted: tuple[Execution, Schedule]
) -> None:
    """A history point of a report whose statistics.json is damaged still has its drift and checks."""
    execution, _ = drifted
    damaged = _copy(seeded, execution)
    (damaged / "statistics.json").write_text('{"features": [{"nom": 1}]}')
    execution.report_uri = str(damaged)
    found = Reports(seeded.data_dir).summary(execution).get(DRIFTING)
    assert found is not None
    assert found.mean is None
    assert found.drift is not None
    assert found.drift > 0.1
    assert found.checks == ("baseline_drift_check",)
