"""With tokens: pages need a login, the cookie it sets works for the API with a CSRF header, roles shape
what the pages allow."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from modelwatch.service.api.auth import CSRF_HEADER, SESSION_COOKIE

from .conftest import ADMIN, READER, page
from .dom import parse
from .seeding import HOURLY

READ_REFUSAL = "signed in with a read token: this needs an admin token"


def log_in(client: httpx.Client, token: str, next_path: str = "/") -> httpx.Response:
    return client.post("/login", data={"token": token, "next": next_path})


def test_pages_send_visitors_without_a_token_to_the_login(secured: Callable[[], httpx.Client]) -> None:
    client = secured()
    for path in ("/", f"/schedules/{HOURLY}?offset=0", "/baselines"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=/")
    login = page(client, "/login?next=/baselines").one("main", data_testid="page-login")
    assert login.one("input", name="next").get("value") == "/baselines"
    assert login.one("input", name="token").get("type") == "password"
    assert client.get("/assets/dashboard.js").status_code == 200, "assets need no login"


def test_a_wrong_token_is_refused_with_a_message(secured: Callable[[], httpx.Client]) -> None:
    client = secured()
    response = log_in(client, "guess")
    assert response.status_code == 401
    assert parse(response.text).one(data_testid="form-error").text.startswith("unknown token")
    assert SESSION_COOKIE not in response.cookies


def test_logging_in_sets_an_httponly_strict_cookie_and_returns_to_the_page(
    secured: Callable[[], httpx.Client],
) -> None:
    client = secured()
    response = log_in(client, ADMIN, f"/schedules/{HOURLY}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/schedules/{HOURLY}"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    main = page(client, f"/schedules/{HOURLY}").one("main", data_testid="page-schedule")
    assert main.one("button", data_testid="stop").get("disabled") is None
    assert "signed in · admin" in page(client, "/").one(data_testid="account").text
    assert client.get("/login").headers["location"] == "/", "already signed in"
    assert client.post("/logout").status_code == 303
    assert client.get("/").status_code == 303


def test_the_login_only_returns_to_pages_of_this_server(secured: Callable[[], httpx.Client]) -> None:
    for target in ("//evil.example/", "https://evil.example/", "\\\\evil"):
        assert log_in(secured(), ADMIN, target).headers["location"] == "/"


def test_a_read_token_sees_writes_disabled_with_the_reason(secured: Callable[[], httpx.Client]) -> None:
    client = secured()
    log_in(client, READER)
    main = page(client, f"/schedules/{HOURLY}").one("main", data_testid="page-schedule")
    for action in ("start", "stop", "run-now"):
        button = main.one("button", data_testid=action)
        assert button.get("disabled") == ""
        assert button.get("title")
    assert main.one("button", data_testid="start").get("title") == READ_REFUSAL
    form = page(client, "/schedules").one("form", data_testid="schedule-form")
    assert form.one("button").get("title") == READ_REFUSAL
    assert client.get(f"/api/v1/schedules/{HOURLY}").status_code == 200, "the cookie reads the API"
    refused = client.post(f"/api/v1/schedules/{HOURLY}/stop", headers={CSRF_HEADER: "1"})
    assert refused.status_code == 403
    assert "may only read" in refused.json()["error"]["message"]


def test_cookie_signed_writes_need_the_csrf_header(secured: Callable[[], httpx.Client]) -> None:
    client = secured()
    log_in(client, ADMIN)
    forged = client.post(f"/api/v1/schedules/{HOURLY}/start")
    assert forged.status_code == 403
    assert CSRF_HEADER in forged.json()["error"]["message"]
    allowed = client.post(f"/api/v1/schedules/{HOURLY}/start", headers={CSRF_HEADER: "1"})
    assert allowed.status_code == 200
    assert allowed.json()["status"] == "Scheduled"
    bearer = secured().post(f"/api/v1/schedules/{HOURLY}/start", headers={"Authorization": f"Bearer {ADMIN}"})
    assert bearer.status_code == 200, (
        "a bearer token needs no CSRF header: browsers never send it by themselves"
    )
    assert secured().get("/api/v1/schedules").status_code == 401
