"""Bearer tokens: none configured means open; then read tokens may GET and only admin tokens may write."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from .conftest import ADMIN, READER, Api

WRITES = [  # in an order the admin can run one after another
    ("POST", "/endpoints", {"name": "e2", "capture_uri": "/tmp"}),
    ("PUT", "/endpoints/ep", {"capture_uri": "/var/tmp"}),
    ("POST", "/baselines", {"name": "b2", "dataset_uri": "/d"}),
    ("POST", "/schedules", {"name": "s", "endpoint": "ep", "baseline": "base", "cron_expression": "@daily"}),
    ("PUT", "/schedules/s", {"endpoint": "ep", "baseline": "base", "cron_expression": "@daily"}),
    ("POST", "/schedules/s/stop", None),
    ("POST", "/schedules/s/start", None),
    ("DELETE", "/schedules/s", None),
    ("DELETE", "/endpoints/ep", None),
    ("DELETE", "/baselines/base", None),
]
READS = ["/endpoints", "/endpoints/ep", "/baselines", "/schedules", "/executions", "/executions/1"]


@pytest.fixture
def secured(serve: Callable[..., Api]) -> Api:
    api = serve(admin=frozenset({ADMIN}), read=frozenset({READER}))
    admin = {"Authorization": f"Bearer {ADMIN}"}
    api.client.post(
        "/endpoints", json={"name": "ep", "capture_uri": "/tmp"}, headers=admin
    ).raise_for_status()
    api.client.post(
        "/baselines", json={"name": "base", "dataset_uri": "/d"}, headers=admin
    ).raise_for_status()
    return api


def _call(client: httpx.Client, method: str, path: str, body: object, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.request(method, path, json=body, headers=headers)


def test_reads_need_a_known_token(secured: Api) -> None:
    for path in READS:
        for token in (None, "wrong"):
            response = _call(secured.client, "GET", path, None, token)
            assert response.status_code == 401, (path, token)
            assert response.headers["WWW-Authenticate"] == "Bearer"
            expected = "a bearer token is required" if token is None else "unknown bearer token"
            assert response.json() == {"error": {"message": expected, "field": None}}


def test_writes_refuse_no_token_bad_token_and_read_token(secured: Api) -> None:
    for method, path, body in WRITES:
        assert _call(secured.client, method, path, body, None).status_code == 401, (method, path)
        assert _call(secured.client, method, path, body, "wrong").status_code == 401, (method, path)
        forbidden = _call(secured.client, method, path, body, READER)
        assert forbidden.status_code == 403, (method, path)
        assert "admin token" in forbidden.json()["error"]["message"]
    state = {path: _call(secured.client, "GET", path, None, READER).json() for path in READS[:4]}
    assert [endpoint["name"] for endpoint in state["/endpoints"]] == ["ep"]
    assert state["/endpoints/ep"]["capture_uri"] == "/tmp"
    assert [baseline["name"] for baseline in state["/baselines"]] == ["base"]
    assert state["/schedules"] == []


def test_read_token_reads(secured: Api) -> None:
    for path in READS[:-1]:
        assert _call(secured.client, "GET", path, None, READER).status_code == 200
    assert _call(secured.client, "GET", "/executions/1", None, READER).status_code == 404


def test_admin_token_does_everything(secured: Api) -> None:
    for method, path, body in WRITES:
        response = _call(secured.client, method, path, body, ADMIN)
        assert response.status_code in {200, 201, 204}, (method, path, response.text)
    assert _call(secured.client, "GET", "/endpoints", None, ADMIN).status_code == 200


def test_auth_is_checked_before_the_body_is_read(secured: Api) -> None:
    response = secured.client.post(
        "/endpoints", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401


def test_other_schemes_are_not_tokens(secured: Api) -> None:
    response = secured.client.get("/endpoints", headers={"Authorization": f"Basic {ADMIN}"})
    assert response.status_code == 401


def test_openapi_stays_open_with_auth(secured: Api) -> None:
    assert httpx.get(f"{secured.base_url}/openapi.json").status_code == 200


def test_without_tokens_everything_is_open(api: Api) -> None:
    assert api.client.get("/endpoints").status_code == 200
    assert api.client.post("/endpoints", json={"name": "e", "capture_uri": "/tmp"}).status_code == 201
