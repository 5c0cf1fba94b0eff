"""Endpoints and baselines over HTTP: create, list, read, replace, delete, duplicates and references."""

from __future__ import annotations

from pathlib import Path

from .conftest import Api, create_schedule


def test_endpoint_lifecycle(api: Api) -> None:
    body = {"name": "fraud", "capture_uri": "s3://bucket/capture", "storage_options": {"anon": True}}
    created = api.client.post("/endpoints", json=body)
    assert created.status_code == 201
    assert created.json() == {**body, "created_at": created.json()["created_at"]}
    assert created.json()["created_at"].endswith("Z")
    api.client.post("/endpoints", json={"name": "churn", "capture_uri": "/tmp"}).raise_for_status()

    listed = api.client.get("/endpoints").json()
    assert [endpoint["name"] for endpoint in listed] == ["churn", "fraud"]
    assert api.client.get("/endpoints/fraud").json()["storage_options"] == {"anon": True}

    replaced = api.client.put("/endpoints/fraud", json={"capture_uri": "/var/tmp"})
    assert replaced.status_code == 200
    assert replaced.json()["capture_uri"] == "/var/tmp"
    assert replaced.json()["storage_options"] == {}
    assert api.client.get("/endpoints/fraud").json()["capture_uri"] == "/var/tmp"

    assert api.client.delete("/endpoints/fraud").status_code == 204
    missing = api.client.get("/endpoints/fraud")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"message": "endpoint 'fraud' not found", "field": None}}


def test_a_local_capture_location_must_exist(api: Api, tmp_path: Path) -> None:
    missing = tmp_path / "not-yet"
    response = api.client.post("/endpoints", json={"name": "e", "capture_uri": str(missing)})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "capture_uri"
    assert f"no such folder: {missing}" in response.json()["error"]["message"]
    missing.mkdir()
    assert api.client.post("/endpoints", json={"name": "e", "capture_uri": str(missing)}).status_code == 201


def test_unknown_endpoint_is_404_on_every_verb(api: Api) -> None:
    assert api.client.get("/endpoints/nope").status_code == 404
    assert api.client.put("/endpoints/nope", json={"capture_uri": "/tmp"}).status_code == 404
    assert api.client.delete("/endpoints/nope").status_code == 404


def test_duplicate_endpoint_is_409(api: Api) -> None:
    body = {"name": "fraud", "capture_uri": "/tmp"}
    api.client.post("/endpoints", json=body).raise_for_status()
    duplicate = api.client.post("/endpoints", json=body)
    assert duplicate.status_code == 409
    assert duplicate.json()["error"] == {"message": "endpoint 'fraud' already exists", "field": "name"}


def test_endpoint_name_cannot_hold_a_slash(api: Api) -> None:
    response = api.client.post("/endpoints", json={"name": "a/b", "capture_uri": "/tmp"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "name"


def test_put_cannot_rename(api: Api) -> None:
    api.client.post("/endpoints", json={"name": "fraud", "capture_uri": "/tmp"}).raise_for_status()
    response = api.client.put("/endpoints/fraud", json={"name": "other", "capture_uri": "/tmp"})
    assert response.status_code == 422
    assert response.json()["error"] == {"message": "name: unknown field", "field": "name"}


def test_baseline_from_documents(api: Api) -> None:
    body = {"name": "b1", "statistics_uri": "/s.json", "constraints_uri": "/c.json"}
    created = api.client.post("/baselines", json=body)
    assert created.status_code == 201
    assert created.json()["job_status"] is None
    assert created.json()["dataset_uri"] is None
    assert api.client.get("/baselines/b1").json()["statistics_uri"] == "/s.json"


def test_baseline_from_a_dataset_waits_for_its_job(api: Api) -> None:
    body = {"name": "b2", "dataset_uri": "/train.csv", "dataset_options": {"header": True}}
    created = api.client.post("/baselines", json=body)
    assert created.status_code == 201
    assert created.json()["job_status"] == "Pending"
    assert created.json()["dataset_options"] == {"header": True}
    assert [baseline["name"] for baseline in api.client.get("/baselines").json()] == ["b2"]


def test_baseline_needs_documents_or_a_dataset(api: Api) -> None:
    half = api.client.post("/baselines", json={"name": "b", "statistics_uri": "/s.json"})
    assert half.status_code == 422
    assert "constraints_uri" in half.json()["error"]["message"]
    both = api.client.post(
        "/baselines",
        json={"name": "b", "statistics_uri": "/s", "constraints_uri": "/c", "dataset_uri": "/d"},
    )
    assert both.status_code == 422
    assert "dataset_uri" in both.json()["error"]["message"]


def test_duplicate_and_unknown_baseline(api: Api) -> None:
    body = {"name": "b", "dataset_uri": "/d"}
    api.client.post("/baselines", json=body).raise_for_status()
    assert api.client.post("/baselines", json=body).status_code == 409
    assert api.client.get("/baselines/zzz").status_code == 404
    assert api.client.delete("/baselines/zzz").status_code == 404
    assert api.client.delete("/baselines/b").status_code == 204
    assert api.client.get("/baselines").json() == []


def test_endpoint_and_baseline_in_use_cannot_be_deleted(api: Api) -> None:
    create_schedule(api.client).raise_for_status()
    for path in ("/endpoints/ep", "/baselines/base"):
        refused = api.client.delete(path)
        assert refused.status_code == 409
        assert "used by schedule 'hourly'" in refused.json()["error"]["message"]
    assert api.client.delete("/schedules/hourly").status_code == 204
    assert api.client.delete("/endpoints/ep").status_code == 204
    assert api.client.delete("/baselines/base").status_code == 204
