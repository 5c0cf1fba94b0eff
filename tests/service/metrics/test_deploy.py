"""The shipped Prometheus rules and Grafana dashboard parse and use only metrics the server exports."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from modelwatch.service.store import ExecutionStatus, Store

from .conftest import NOW, AddExecution, AddSchedule, Reports
from .test_collector import scrape

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
METRIC = re.compile(r"\bmodelwatch_[a-z_]+\b")


@pytest.fixture
def exported(
    store: Store, reports: Reports, add_schedule: AddSchedule, add_execution: AddExecution
) -> set[str]:
    """Every metric name the server exports, from a store where each family has samples."""
    end = NOW.replace(minute=0)
    hourly = add_schedule("hourly")
    add_execution(
        hourly,
        end,
        ExecutionStatus.COMPLETED_WITH_VIOLATIONS,
        report=reports.drifted,
        violations=3,
        duration=2,
    )
    add_execution(hourly, end + timedelta(hours=1), ExecutionStatus.IN_PROGRESS)
    names = {name for name, _labels in scrape(store)}
    assert len(names) == 12
    return names


def expressions(node: Any) -> list[str]:
    """Every PromQL string in a Grafana dashboard: panel targets and query variables."""
    if isinstance(node, dict):
        found = [node["expr"]] if isinstance(node.get("expr"), str) else []
        query = node.get("query")
        if node.get("type") == "query" and isinstance(query, dict):
            found.append(query["query"])
        return found + [text for value in node.values() for text in expressions(value)]
    if isinstance(node, list):
        return [text for item in node for text in expressions(item)]
    return []


def test_prometheus_rules_parse_and_use_exported_metrics(exported: set[str]) -> None:
    document = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    rules = [rule for group in document["groups"] for rule in group["rules"]]
    assert {rule["alert"] for rule in rules} == {
        "ModelwatchFeatureDrift",
        "ModelwatchExecutionFailed",
        "ModelwatchExecutionMissing",
        "ModelwatchSchedulerLagging",
    }
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}
        assert re.fullmatch(r"\d+[smh]", rule.get("for", "0s"))
        assert {"summary", "description"} <= set(rule["annotations"])
        assert rule["expr"].count("(") == rule["expr"].count(")")
        assert METRIC.findall(rule["expr"])
        assert set(METRIC.findall(rule["expr"])) <= exported
        assert set(METRIC.findall(rule["annotations"]["description"])) <= exported


def test_grafana_dashboard_is_valid_and_uses_exported_metrics(exported: set[str]) -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "modelwatch.json").read_text())
    panels = dashboard["panels"]
    assert len({panel["id"] for panel in panels}) == len(panels)
    assert {"Last execution status", "Violations per execution", "Baseline drift per feature"} <= {
        panel["title"] for panel in panels
    }
    for panel in panels:
        assert panel["targets"]
        assert set(panel["gridPos"]) == {"h", "w", "x", "y"}
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
    variables = {variable["name"] for variable in dashboard["templating"]["list"]}
    assert {"datasource", "endpoint", "schedule", "feature"} <= variables
    queries = expressions(dashboard)
    used = {name for query in queries for name in METRIC.findall(query)}
    assert used <= exported
    assert "modelwatch_feature_baseline_drift" in used
    for query in queries:
        assert query.count("(") == query.count(")")
        assert set(re.findall(r"\$(\w+)", query)) <= variables
