"""The CLI's server commands as a user runs them: ``python -m modelwatch …`` against a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from typer.testing import CliRunner

from client.conftest import ADMIN_TOKEN, READ_TOKEN, Server, wait_until_finished
from modelwatch.cli import app
from modelwatch.client import Client
from server_process import free_port

COMMANDS = {
    "endpoints": ("create", "list", "describe", "delete"),
    "baselines": ("create", "list", "describe", "delete"),
    "schedules": ("create", "list", "describe", "start", "stop", "delete", "run"),
    "executions": ("list", "describe", "stop"),
}


def modelwatch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("MODELWATCH_")}
    environment["COLUMNS"] = "200"  # rich's tables at full width, so cells are not wrapped
    return subprocess.run(
        [sys.executable, "-m", "modelwatch", *args],
        capture_output=True,
        text=True,
        env=environment | (env or {}),
        timeout=60,
        check=False,
    )


def ok(server: Server, *args: str) -> str:
    done = modelwatch(*args, "--url", server.url, "--token", ADMIN_TOKEN)
    assert (done.returncode, done.stderr) == (0, ""), done
    return done.stdout


def as_json(server: Server, *args: str) -> Any:
    return json.loads(ok(server, *args, "--json"))


def failure(done: subprocess.CompletedProcess[str]) -> str:
    """The one line a failed command printed on stderr."""
    assert done.returncode == 1, done
    assert done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr.strip()


def test_endpoint_commands(server: Server) -> None:
    created = as_json(
        server,
        "endpoints",
        "create",
        "ep",
        "--capture-uri",
        server.capture_uri,
        "--storage-option",
        "anon=true",
    )
    assert (created["name"], created["storage_options"]) == ("ep", {"anon": True})
    assert "ep" in [endpoint["name"] for endpoint in as_json(server, "endpoints", "list")]
    assert server.capture_uri in ok(server, "endpoints", "list")
    assert as_json(server, "endpoints", "describe", "ep")["capture_uri"] == server.capture_uri
    assert '{"anon":true}' in ok(server, "endpoints", "describe", "ep")
    assert ok(server, "endpoints", "delete", "ep") == "Deleted endpoint 'ep'.\n"
    gone = modelwatch("endpoints", "describe", "ep", "--url", server.url, "--token", ADMIN_TOKEN)
    assert failure(gone) == "error: 404: endpoint 'ep' not found"


def test_baseline_commands(server: Server) -> None:
    statistics, constraints = (
        str(server.baseline / "statistics.json"),
        str(server.baseline / "constraints.json"),
    )
    created = as_json(
        server, "baselines", "create", "b1", "--statistics", statistics, "--constraints", constraints
    )
    assert (created["statistics_uri"], created["constraints_uri"]) == (statistics, constraints)
    assert as_json(server, "baselines", "describe", "b1")["name"] == "b1"
    assert "b1" in ok(server, "baselines", "list")
    assert "b1" in [baseline["name"] for baseline in as_json(server, "baselines", "list")]
    assert "constraints.json" in ok(server, "baselines", "describe", "b1")
    half = modelwatch("baselines", "create", "b2", "--statistics", statistics, "--url", server.url)
    assert failure(half) == "error: give --statistics and --constraints, or --dataset"
    assert ok(server, "baselines", "delete", "b1") == "Deleted baseline 'b1'.\n"
    assert as_json(server, "baselines", "list") == []


def test_schedule_commands_and_a_run_shown_by_the_execution_commands(server: Server, admin: Client) -> None:
    ok(server, "endpoints", "create", "churn", "--capture-uri", server.capture_uri)
    baseline = ("--statistics", str(server.baseline / "statistics.json"))
    ok(
        server,
        "baselines",
        "create",
        "training",
        *baseline,
        "--constraints",
        str(server.baseline / "constraints.json"),
    )
    options = ("--endpoint", "churn", "--baseline", "training", "--cron", "0 * * * *")
    limits = ("--start-offset", "-PT1H", "--end-offset", "PT0S", "--max-runtime", "600")
    created = as_json(server, "schedules", "create", "hourly", *options, *limits)
    assert (created["status"], created["start_offset"], created["max_runtime_seconds"]) == (
        "Scheduled",
        "-PT1H",
        600,
    )
    assert as_json(server, "schedules", "stop", "hourly")["status"] == "Stopped"
    assert "Stopped" in ok(server, "schedules", "describe", "hourly")
    assert as_json(server, "schedules", "describe", "hourly")["cron_expression"] == "0 * * * *"
    assert "0 * * * *" in ok(server, "schedules", "list")
    assert [schedule["name"] for schedule in as_json(server, "schedules", "list")] == ["hourly"]

    window = ("--start", "2026-11-29T10:00:00Z", "--end", "2026-11-29T11:00:00")
    assert "accepted" in ok(server, "schedules", "run", "hourly", *window)
    execution_id = wait_until_finished(admin, "hourly")
    page = as_json(
        server, "executions", "list", "--schedule", "hourly", "--status", "Completed", "--limit", "5"
    )
    assert ([item["id"] for item in page["items"]], page["total"], page["limit"]) == ([execution_id], 1, 5)
    filtered = ("--start", "2026-11-29T11:00:00Z", "--end", "2026-11-30T00:00:00Z", "--offset", "0")
    assert as_json(server, "executions", "list", "--schedule", "hourly", *filtered)["items"] == []
    assert as_json(server, "executions", "list", "--status", "Failed", "--status", "Stopped")["total"] == 0
    table = ok(server, "executions", "list", "--schedule", "hourly")
    assert "Completed" in table
    assert "2026-11-29T10:00:00Z" in table
    detail = as_json(server, "executions", "describe", str(execution_id))
    assert (detail["status"], detail["violations"]) == ("Completed", [])
    shown = ok(server, "executions", "describe", str(execution_id))
    assert "No violations." in shown
    assert f"/api/v1/executions/{execution_id}/files/report.html" in shown
    finished = modelwatch(
        "executions", "stop", str(execution_id), "--url", server.url, "--token", ADMIN_TOKEN
    )
    assert finished.returncode == 1
    assert (
        finished.stderr.strip()
        == f"error: 409: execution {execution_id} is Completed: only a running one can be stopped"
    )
    again = modelwatch(
        "schedules", "run", "hourly", *window, "--json", "--url", server.url, "--token", ADMIN_TOKEN
    )
    assert json.loads(again.stdout)["schedule"] == "hourly"

    assert ok(server, "schedules", "start", "hourly").count("Scheduled") == 1
    assert ok(server, "schedules", "delete", "hourly") == "Deleted schedule 'hourly'.\n"
    assert as_json(server, "schedules", "list") == []


def test_failures_are_one_line_with_the_servers_message(server: Server) -> None:
    admin = {"MODELWATCH_URL": server.url, "MODELWATCH_TOKEN": ADMIN_TOKEN}
    unknown = modelwatch("schedules", "describe", "nope", env=admin)
    assert failure(unknown) == "error: 404: schedule 'nope' not found"
    bad_cron = modelwatch(
        "schedules", "create", "x", "--endpoint", "a", "--baseline", "b", "--cron", "x", env=admin
    )
    assert failure(bad_cron).startswith("error: 422: cron_expression: ")
    wrong = modelwatch("schedules", "list", env=admin | {"MODELWATCH_TOKEN": "wrong"})
    assert failure(wrong) == "error: 401: unknown bearer token"
    reader = {"MODELWATCH_URL": server.url, "MODELWATCH_TOKEN": READ_TOKEN}
    assert modelwatch("schedules", "list", "--json", env=reader).returncode == 0
    refused = modelwatch("endpoints", "create", "e", "--capture-uri", "s3://b/c", env=reader)
    assert failure(refused) == "error: 403: this token may only read; writing needs an admin token"
    down = f"http://127.0.0.1:{free_port()}"
    unreachable = modelwatch("executions", "list", "--url", down)
    assert failure(unreachable).startswith(f"error: cannot reach the server at {down}: ")
    bad_time = modelwatch("schedules", "run", "x", "--start", "noon", "--end", "later", env=admin)
    assert failure(bad_time).startswith("error: 'noon' is not an ISO 8601 time")


@pytest.mark.parametrize(
    ("group", "command"), [(group, cmd) for group, cmds in COMMANDS.items() for cmd in cmds]
)
def test_every_command_has_help_with_an_example(group: str, command: str) -> None:
    result = CliRunner().invoke(app, [group, command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"Example: modelwatch {group} {command}" in result.output
    assert "--url" in result.output
    assert "MODELWATCH_TOKEN" in result.output
