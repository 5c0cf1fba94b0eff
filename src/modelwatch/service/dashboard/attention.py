"""What the overview lists first: schedules whose latest run failed, features violating now, failed
baselining jobs."""

from __future__ import annotations

from collections import defaultdict

from modelwatch.service.dashboard.reports import Reports
from modelwatch.service.store import Baseline, Execution, ExecutionStatus, JobStatus
from modelwatch.ui.feature import feature_link
from modelwatch.ui.pages.common import execution_href
from modelwatch.ui.pages.records import Attention


def attention(latest: dict[str, Execution], baselines: list[Baseline], reports: Reports) -> list[Attention]:
    """`latest`: each schedule's latest execution. Failures first, then each violating feature."""
    failed, features = [], []
    for schedule, execution in latest.items():
        href = execution_href(execution.id)
        if execution.status == ExecutionStatus.FAILED:
            reason = execution.failure_reason or execution.exit_message or "no reason recorded"
            failed.append(Attention(href, f"{schedule}: the latest execution failed", reason, "failed"))
        elif execution.status == ExecutionStatus.COMPLETED_WITH_VIOLATIONS:
            checks: defaultdict[str, list[str]] = defaultdict(list)
            for violation in reports.violations(execution) or []:
                checks[violation.feature_name].append(violation.constraint_check_type)
            features += [
                Attention(
                    href + feature_link(name),
                    f"{name} in {schedule}",
                    ", ".join(dict.fromkeys(found)),
                    "feature",
                )
                for name, found in checks.items()
            ]
    jobs = [
        Attention(
            f"/baselines/{baseline.name}",
            f"baseline {baseline.name}: its baselining job failed",
            baseline.failure_reason or "",
            "failed",
        )
        for baseline in baselines
        if baseline.job_status == JobStatus.FAILED
    ]
    return failed + jobs + features
