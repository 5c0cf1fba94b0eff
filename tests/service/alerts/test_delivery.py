"""Webhook deliveries to a real HTTP receiver: bodies, retries, giving up, and never a duplicate."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from modelwatch.service.alerts import AlertSender
from modelwatch.service.store import AlertDelivery, DeliveryStatus, ExecutionStatus, Store, open_store

from .conftest import NOW, MakeExecution, Receiver, Sleeps
from .ports import closed_port_url

REPORT_URL = "https://modelwatch.example.com/api/v1/executions/{execution}/files/report.html"

BASE = "https://modelwatch.example.com/"


def sender(store: Store, sleeps: Sleeps, *, attempts: int = 5, base: str | None = BASE) -> AlertSender:
    return AlertSender(
        store, base, attempts=attempts, base_delay=timedelta(seconds=1), timeout=5, sleep=sleeps
    )


def rows(store: Store) -> list[AlertDelivery]:
    with store.session() as session:
        return list(session.query(AlertDelivery).order_by(AlertDelivery.id))


def test_json_body_with_violations_and_headers(
    store: Store, receiver: Receiver, make_execution: MakeExecution, report: Path
) -> None:
    hook = {"url": f"{receiver.url}/hook", "headers": {"Authorization": "Bearer s3cret"}}
    execution = make_execution({"webhooks": [hook]}, report=report)

    [delivery] = sender(store, Sleeps()).deliver(execution)

    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.DELIVERED, 1, None)
    assert delivery.delivered_at == NOW
    assert delivery.target == f"{receiver.url}/hook"
    [request] = receiver.received
    assert request.path == "/hook"
    assert request.headers["Authorization"] == "Bearer s3cret"
    assert request.headers["Content-Type"] == "application/json"
    body = dict(request.body)
    violations = body.pop("violations")
    assert len(violations) == 20
    assert body == {
        "version": 1,
        "execution_id": execution,
        "schedule": "hourly-0",
        "endpoint": "churn-0",
        "status": "CompletedWithViolations",
        "window_start": "2026-11-29T11:00:00Z",
        "window_end": "2026-11-29T12:00:00Z",
        "exit_message": "CompletedWithViolations: Job completed successfully with 25 violations.",
        "failure_reason": None,
        "violation_count": 25,
        "violations_omitted": 5,
        "report_url": REPORT_URL.format(execution=execution),
        "report_uri": str(report),
    }
    assert violations[0] == {
        "feature_name": "feature 0",
        "constraint_check_type": "baseline_drift_check",
        "description": "Numerical distance: 0.10 exceeds numerical threshold: 0.1",
    }


def test_failed_execution_body_without_public_url(
    store: Store, receiver: Receiver, make_execution: MakeExecution
) -> None:
    execution = make_execution({"webhooks": [{"url": receiver.url}]}, ExecutionStatus.FAILED)

    sender(store, Sleeps(), base=None).deliver(execution)

    body = receiver.received[0].body
    assert body["status"] == "Failed"
    assert body["failure_reason"].startswith("no captured data between 2026-11-29T11:00:00Z")
    assert (body["violation_count"], body["violations"], body["violations_omitted"]) == (None, [], 0)
    assert (body["report_url"], body["report_uri"]) == (None, None)


def test_slack_body(store: Store, receiver: Receiver, make_execution: MakeExecution, report: Path) -> None:
    execution = make_execution({"webhooks": [{"url": receiver.url, "format": "slack"}]}, report=report)

    sender(store, Sleeps()).deliver(execution)

    body = receiver.received[0].body
    assert set(body) == {"text", "blocks"}
    assert body["text"] == "modelwatch: churn-0 / hourly-0: CompletedWithViolations (25 violations)"
    header, facts, message, violations, link = body["blocks"]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": body["text"]}}
    assert [field["text"] for field in facts["fields"]] == [
        "*Endpoint*\nchurn-0",
        "*Schedule*\nhourly-0",
        "*Status*\nCompletedWithViolations",
        "*Window*\n2026-11-29T11:00:00Z – 2026-11-29T12:00:00Z",
    ]
    assert message["text"]["text"].startswith("CompletedWithViolations: Job completed")
    lines = violations["text"]["text"].splitlines()
    assert len(lines) == 21
    assert (
        lines[0]
        == "• *feature 0* `baseline_drift_check`: Numerical distance: 0.10 exceeds numerical threshold: 0.1"
    )
    assert lines[-1] == "… and 5 more in the report"
    assert link["text"] == {
        "type": "mrkdwn",
        "text": f"<{REPORT_URL.format(execution=execution)}|Open the report>",
    }


def test_server_errors_are_retried_with_backoff(
    store: Store, receiver: Receiver, make_execution: MakeExecution
) -> None:
    receiver.script += [500, 500]
    sleeps = Sleeps()
    execution = make_execution({"webhooks": [{"url": receiver.url}]}, ExecutionStatus.FAILED)

    [delivery] = sender(store, sleeps).deliver(execution)

    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 3)
    assert delivery.last_error == "HTTP 500: nope not today"
    assert len(receiver.received) == 3
    assert sleeps == [1.0, 2.0]
    assert rows(store)[0].status == DeliveryStatus.DELIVERED


def test_rate_limits_are_retried_and_other_client_errors_give_up(
    store: Store, receiver: Receiver, make_execution: MakeExecution
) -> None:
    receiver.script += [429, 400]
    sleeps = Sleeps()
    execution = make_execution({"webhooks": [{"url": receiver.url}]}, ExecutionStatus.FAILED)

    [delivery] = sender(store, sleeps).deliver(execution)

    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.FAILED,
        2,
        "HTTP 400: nope not today",
    )
    assert delivery.delivered_at is None
    assert sleeps == [1.0]
    assert len(receiver.received) == 2


def test_connection_refused_is_retried_then_failed(store: Store, make_execution: MakeExecution) -> None:
    url = closed_port_url()
    sleeps = Sleeps()
    execution = make_execution({"webhooks": [{"url": url}]}, ExecutionStatus.FAILED)

    [delivery] = sender(store, sleeps, attempts=3).deliver(execution)

    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
    assert delivery.last_error is not None
    assert delivery.last_error.startswith("ConnectError")
    assert sleeps == [1.0, 2.0]
    [row] = rows(store)
    assert (row.status, row.attempts, row.last_error) == (delivery.status, 3, delivery.last_error)


def test_each_target_is_sent_once(store: Store, receiver: Receiver, make_execution: MakeExecution) -> None:
    hooks = [{"url": f"{receiver.url}/a"}, {"url": f"{receiver.url}/b", "format": "slack"}]
    execution = make_execution({"webhooks": hooks}, ExecutionStatus.FAILED)
    alerts = sender(store, Sleeps())

    assert [delivery.target for delivery in alerts.deliver(execution)] == [hook["url"] for hook in hooks]
    assert alerts.deliver(execution) == []
    assert sorted(request.path for request in receiver.received) == ["/a", "/b"]
    assert [row.status for row in rows(store)] == [DeliveryStatus.DELIVERED] * 2


def test_concurrent_senders_on_two_servers_post_once(
    store: Store, store_url: str | None, receiver: Receiver, make_execution: MakeExecution, tmp_path: Path
) -> None:
    execution = make_execution({"webhooks": [{"url": receiver.url}]}, ExecutionStatus.FAILED)
    other_server = open_store(store_url, tmp_path / "data", clock=lambda: NOW)
    start = threading.Barrier(4)
    results: list[int] = []

    def deliver(server: Store) -> None:
        alerts = sender(server, Sleeps())
        start.wait()
        results.append(len(alerts.deliver(execution)))

    threads = [threading.Thread(target=deliver, args=(server,)) for server in [store, other_server] * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other_server.close()

    assert sorted(results) == [0, 0, 0, 1]
    assert len(receiver.received) == 1
    assert len(rows(store)) == 1


def test_only_the_configured_statuses_alert(
    store: Store, receiver: Receiver, make_execution: MakeExecution
) -> None:
    hook = {"url": receiver.url}
    alerts = sender(store, Sleeps())
    assert alerts.deliver(make_execution({"webhooks": [hook]}, ExecutionStatus.COMPLETED)) == []
    assert alerts.deliver(make_execution({"on": ["Failed"], "webhooks": [hook]})) == []
    assert alerts.deliver(make_execution({}, ExecutionStatus.FAILED)) == []
    assert receiver.received == []

    [delivery] = alerts.deliver(
        make_execution({"on": ["Completed"], "webhooks": [hook]}, ExecutionStatus.COMPLETED)
    )

    assert delivery.status == DeliveryStatus.DELIVERED
    assert receiver.received[0].body["status"] == "Completed"


def test_a_client_error_gives_up_at_once(
    store: Store, receiver: Receiver, make_execution: MakeExecution
) -> None:
    receiver.script.append(400)
    sleeps = Sleeps()
    execution = make_execution({"webhooks": [{"url": receiver.url}]}, ExecutionStatus.FAILED)

    [delivery] = sender(store, sleeps).deliver(execution)

    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert (sleeps, len(receiver.received)) == ([], 1)


def test_an_unreadable_report_still_alerts(
    store: Store, receiver: Receiver, make_execution: MakeExecution, tmp_path: Path
) -> None:
    execution = make_execution({"webhooks": [{"url": receiver.url}]}, report=tmp_path / "gone")

    [delivery] = sender(store, Sleeps()).deliver(execution)

    assert delivery.status == DeliveryStatus.DELIVERED
    body = receiver.received[0].body
    assert (body["violation_count"], body["violations"]) == (25, [])
