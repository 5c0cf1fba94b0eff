"""`modelwatch.client.Client` against a real server: every method, and its one-line errors."""

from __future__ import annotations

from datetime import timedelta

import pytest

from client.conftest import ADMIN_TOKEN, HOUR, Server, wait_until_finished
from modelwatch.client import Client, ClientError
from modelwatch.demo import churn_training_data
from server_process import free_port


def test_endpoints_are_created_listed_read_replaced_and_deleted(admin: Client, server: Server) -> None:
    created = admin.endpoints.create("ep", server.capture_uri, {"anon": True})
    assert created["name"] == "ep"
    assert created["storage_options"] == {"anon": True}
    assert "ep" in [endpoint["name"] for endpoint in admin.endpoints.list()]
    assert admin.endpoints.get("ep")["capture_uri"] == server.capture_uri
    replaced = admin.endpoints.update("ep", "s3://bucket/elsewhere")
    assert (replaced["capture_uri"], replaced["storage_options"]) == ("s3://bucket/elsewhere", {})
    admin.endpoints.delete("ep")
    with pytest.raises(ClientError) as raised:
        admin.endpoints.get("ep")
    assert (raised.value.status, str(raised.value)) == (404, "404: endpoint 'ep' not found")


def test_baselines_of_documents_or_of_a_dataset(admin: Client, server: Server) -> None:
    documents = admin.baselines.create(
        "docs",
        statistics_uri=str(server.baseline / "statistics.json"),
        constraints_uri=str(server.baseline / "constraints.json"),
    )
    assert documents["job_status"] is None
    dataset = admin.baselines.create("from-data", dataset_uri=str(churn_training_data()))
    assert dataset["dataset_uri"] == str(churn_training_data())
    assert dataset["job_status"] is not None
    assert {"docs", "from-data"} <= {baseline["name"] for baseline in admin.baselines.list()}
    assert admin.baselines.get("docs")["statistics_uri"] == str(server.baseline / "statistics.json")
    admin.baselines.delete("docs")
    assert "docs" not in {baseline["name"] for baseline in admin.baselines.list()}


def test_a_schedule_from_creation_to_a_completed_run_and_its_report(admin: Client, server: Server) -> None:
    admin.endpoints.create("churn", server.capture_uri)
    admin.baselines.create(
        "training",
        statistics_uri=str(server.baseline / "statistics.json"),
        constraints_uri=str(server.baseline / "constraints.json"),
    )
    created = admin.schedules.create(
        "hourly", endpoint="churn", baseline="training", cron_expression="0 * * * *"
    )
    assert (created["status"], created["start_offset"], created["max_runtime_seconds"]) == (
        "Scheduled",
        "PT0S",
        3600,
    )
    assert admin.schedules.stop("hourly")["status"] == "Stopped"  # no window of its own during the test
    updated = admin.schedules.update(
        "hourly",
        endpoint="churn",
        baseline="training",
        cron_expression="0 */2 * * *",
        max_runtime_seconds=600,
    )
    assert (updated["cron_expression"], updated["max_runtime_seconds"], updated["status"]) == (
        "0 */2 * * *",
        600,
        "Stopped",
    )
    assert admin.schedules.get("hourly")["cron_expression"] == "0 */2 * * *"
    assert [schedule["name"] for schedule in admin.schedules.list()] == ["hourly"]

    accepted = admin.schedules.run("hourly", HOUR, (HOUR + timedelta(hours=1)).replace(tzinfo=None))
    assert accepted["schedule"] == "hourly"
    execution_id = wait_until_finished(admin, "hourly")
    detail = admin.executions.get(execution_id)
    assert (detail["status"], detail["violations"]) == ("Completed", [])
    assert "report.html" in detail["files"]
    assert b"Completed" in admin.executions.file(execution_id, "report.html")
    with pytest.raises(ClientError, match=f"^409: execution {execution_id} is Completed"):
        admin.executions.stop(execution_id)

    page = admin.executions.list(
        schedule="hourly", status=["Completed", "Failed"], start=HOUR, limit=1, offset=0
    )
    assert (page["total"], page["limit"], [item["id"] for item in page["items"]]) == (1, 1, [execution_id])
    assert admin.executions.list(schedule="hourly", status="Failed")["total"] == 0
    assert admin.executions.list(schedule="hourly", end=HOUR)["items"] == []
    assert admin.executions.list(schedule="hourly", offset=1)["items"] == []
    assert admin.schedules.start("hourly")["status"] == "Scheduled"

    with pytest.raises(ClientError, match=r"^409: endpoint 'churn' is used by schedule 'hourly'$"):
        admin.endpoints.delete("churn")
    admin.schedules.delete("hourly")
    with pytest.raises(ClientError, match=f"^404: execution {execution_id} not found$"):
        admin.executions.get(execution_id)


def test_server_errors_keep_status_message_and_field(admin: Client, server: Server) -> None:
    admin.endpoints.create("taken", server.capture_uri)
    with pytest.raises(ClientError) as raised:
        admin.endpoints.create("taken", server.capture_uri)
    error = raised.value
    assert (error.status, error.message, error.field) == (409, "endpoint 'taken' already exists", "name")
    assert str(error) == "409: endpoint 'taken' already exists"
    with pytest.raises(ClientError) as raised:
        admin.schedules.create("bad", endpoint="taken", baseline="none", cron_expression="0 * * * *")
    assert (raised.value.status, raised.value.field) == (422, "baseline")
    with pytest.raises(ClientError, match=r"^404: no such report file"):
        admin.executions.file(1, "secrets.txt")
    with pytest.raises(ClientError, match=r"^404: Not Found$"):  # not another route
        admin.schedules.get("a/b")


def test_a_read_token_reads_and_may_not_write(reader: Client, server: Server) -> None:
    assert isinstance(reader.schedules.list(), list)
    assert reader.executions.list(limit=5)["limit"] == 5
    with pytest.raises(ClientError) as raised:
        reader.endpoints.create("nope", server.capture_uri)
    assert raised.value.status == 403
    assert str(raised.value) == "403: this token may only read; writing needs an admin token"


def test_a_wrong_token_is_401_and_no_server_names_the_url(server: Server) -> None:
    with (
        Client(server.url, "wrong") as client,
        pytest.raises(ClientError, match=r"^401: unknown bearer token$"),
    ):
        client.endpoints.list()
    with Client(server.url) as client, pytest.raises(ClientError, match=r"^401: a bearer token is required$"):
        client.endpoints.list()
    url = f"http://127.0.0.1:{free_port()}"
    with Client(url + "/", ADMIN_TOKEN, timeout=5) as client:
        assert client.url == url
        with pytest.raises(ClientError, match=f"^cannot reach the server at {url}: ") as raised:
            client.schedules.list()
    assert raised.value.status is None
