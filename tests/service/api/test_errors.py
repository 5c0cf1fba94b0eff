"""The one error format for bodies that are not JSON or do not fit, and the OpenAPI document."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from .conftest import Api


def test_malformed_json_is_400(api: Api) -> None:
    response = api.client.post(
        "/endpoints", content=b'{"name": "x", ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"] == {
        "message": "request body: malformed JSON at character 14: "
        "Expecting property name enclosed in double quotes",
        "field": None,
    }


def test_body_that_is_not_an_object(api: Api) -> None:
    response = api.client.post("/endpoints", json=["name", "x"])
    assert response.status_code == 422
    assert response.json()["error"]["field"] is None
    assert response.json()["error"]["message"].startswith("request body: ")


def test_unknown_field_is_named(api: Api) -> None:
    response = api.client.post("/endpoints", json={"name": "x", "capture_uri": "/tmp", "captureUri": "/tmp"})
    assert response.status_code == 422
    assert response.json() == {"error": {"message": "captureUri: unknown field", "field": "captureUri"}}


def test_nested_field_is_named_with_its_path(api: Api) -> None:
    response = api.client.post("/endpoints", json={"name": "x", "capture_uri": "/tmp", "storage_options": 3})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "storage_options"


def test_unknown_route_and_method(api: Api) -> None:
    missing = api.client.get("/nothing")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"message": "Not Found", "field": None}}
    wrong = api.client.patch("/endpoints")
    assert wrong.status_code == 405
    assert "error" in wrong.json()


def test_internal_errors_are_json_without_details(api: Api) -> None:
    cascade = "" if api.store.engine.dialect.name == "sqlite" else " CASCADE"
    with api.store.engine.begin() as connection:
        connection.execute(text(f"DROP TABLE schedules{cascade}"))
    response = api.client.get("/schedules")
    assert response.status_code == 500
    assert response.json() == {
        "error": {"message": "internal error; the server log has the details", "field": None}
    }
    assert str(api.data_dir) not in response.text


def test_openapi_document_and_docs_are_served(api: Api) -> None:
    document = httpx.get(f"{api.base_url}/openapi.json").json()
    paths = document["paths"]
    for path in (
        "/api/v1/endpoints",
        "/api/v1/endpoints/{name}",
        "/api/v1/baselines",
        "/api/v1/baselines/{name}",
        "/api/v1/schedules",
        "/api/v1/schedules/{name}",
        "/api/v1/schedules/{name}/start",
        "/api/v1/schedules/{name}/stop",
        "/api/v1/executions",
        "/api/v1/executions/{execution_id}",
        "/api/v1/executions/{execution_id}/files/{name}",
    ):
        assert path in paths
    assert set(paths["/api/v1/schedules/{name}"]) == {"get", "put", "delete"}
    assert "HTTPBearer" in document["components"]["securitySchemes"]
    docs = httpx.get(f"{api.base_url}/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
