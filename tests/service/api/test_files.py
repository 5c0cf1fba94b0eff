"""Report files over HTTP: the five names of a report are served from below the data directory, nothing else.

Traversal attempts are sent with `http.client`, which puts the path on the wire exactly as written (httpx
would normalise ``..`` away before sending).
"""

from __future__ import annotations

import http.client
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from modelwatch.service.store import ExecutionStatus

from .conftest import Api, create_schedule, seed_executions

SECRET = "top secret, outside the data dir"


@pytest.fixture
def report(api: Api, tmp_path: Path) -> tuple[int, Path]:
    """An execution whose report folder is below the data dir, beside a secret file outside it."""
    create_schedule(api.client).raise_for_status()
    (tmp_path / "secret.txt").write_text(SECRET)
    folder = api.data_dir / "reports" / "r0"
    folder.mkdir(parents=True)
    (folder / "statistics.json").write_text('{"version": 0.0}')
    (folder / "report.html").write_text("<html>report</html>")
    (folder / "notes.txt").write_text("not a report file")
    (execution_id,) = seed_executions(api.store, "hourly", [ExecutionStatus.COMPLETED], lambda _: str(folder))
    return execution_id, folder


def _raw_get(api: Api, path: str) -> tuple[int, str]:
    address = urlsplit(api.base_url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_report_files_are_served_with_their_type(api: Api, report: tuple[int, Path]) -> None:
    execution_id, _folder = report
    statistics = api.client.get(f"/executions/{execution_id}/files/statistics.json")
    assert statistics.status_code == 200
    assert statistics.headers["content-type"] == "application/json"
    assert statistics.json() == {"version": 0.0}
    page = api.client.get(f"/executions/{execution_id}/files/report.html")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.text == "<html>report</html>"


def test_missing_file_other_names_and_unknown_execution(api: Api, report: tuple[int, Path]) -> None:
    execution_id, _folder = report
    assert api.client.get(f"/executions/{execution_id}/files/metrics.json").status_code == 404
    other = api.client.get(f"/executions/{execution_id}/files/notes.txt")
    assert other.status_code == 404
    assert "not a report file" not in other.text
    assert api.client.get("/executions/424242/files/statistics.json").status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "../../../secret.txt",
        "..%2f..%2f..%2fsecret.txt",
        "%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret.txt",
        "%2e%2e/%2e%2e/%2e%2e/secret.txt",
        "..",
        "%2e%2e",
        "..%5c..%5c..%5csecret.txt",
        "/{secret}",
        "%2f{secret}",
        "statistics.json%00.txt",
    ],
)
def test_traversal_is_refused(api: Api, report: tuple[int, Path], tmp_path: Path, name: str) -> None:
    execution_id, _folder = report
    name = name.format(secret=tmp_path / "secret.txt")
    status, body = _raw_get(api, f"/api/v1/executions/{execution_id}/files/{name}")
    assert status in {400, 404}
    assert SECRET not in body
    assert str(tmp_path) not in body


def test_symlink_leading_outside_is_refused(api: Api, report: tuple[int, Path], tmp_path: Path) -> None:
    execution_id, folder = report
    (folder / "constraints.json").symlink_to(tmp_path / "secret.txt")
    response = api.client.get(f"/executions/{execution_id}/files/constraints.json")
    assert response.status_code == 404
    assert SECRET not in response.text
    assert str(tmp_path) not in response.text
    assert "constraints.json" not in api.client.get(f"/executions/{execution_id}").json()["files"]


def test_symlink_inside_the_data_dir_is_followed(api: Api, report: tuple[int, Path]) -> None:
    execution_id, folder = report
    (folder / "constraints.json").symlink_to(folder / "statistics.json")
    assert api.client.get(f"/executions/{execution_id}/files/constraints.json").json() == {"version": 0.0}


def test_report_folder_leading_outside_is_refused(api: Api, tmp_path: Path) -> None:
    create_schedule(api.client).raise_for_status()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "statistics.json").write_text(SECRET)
    (api.data_dir / "link").symlink_to(outside)
    locations = [str(api.data_dir / "link"), f"{api.data_dir}/../outside", str(outside)]
    ids = seed_executions(api.store, "hourly", [ExecutionStatus.COMPLETED] * 3, lambda hour: locations[hour])
    for execution_id in ids:
        response = api.client.get(f"/executions/{execution_id}/files/statistics.json")
        assert response.status_code == 404
        assert SECRET not in response.text
        detail = api.client.get(f"/executions/{execution_id}")
        assert str(outside) not in detail.text
        assert detail.json()["report_uri"] is None
        assert detail.json()["files"] == {}
