"""Who looks at a page: the role of the request's token (bearer header or the login cookie), or a
redirect to `/login` when auth is enabled and there is none; and the login and logout routes."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from modelwatch.service.api.auth import SESSION_COOKIE, credentials, role_of
from modelwatch.service.api.settings import ApiSettings
from modelwatch.ui.layout import Viewer
from modelwatch.ui.pages.login import render_login

MAX_LOGIN_BODY = 16_384
SESSION_SECONDS = 8 * 3600

router = APIRouter()


class LoginRequiredError(Exception):
    """A page was asked for without a valid token: the visitor goes to `/login`, and back afterwards."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def _settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


def current_viewer(request: Request) -> Viewer:
    """The page's viewer; raises `LoginRequiredError` when auth is enabled and there is no valid token."""
    settings = _settings(request)
    can_run = request.app.state.runner is not None
    if not settings.auth_enabled:
        return Viewer(auth_enabled=False, role=None, can_run=can_run)
    role = role_of(credentials(request.scope)[0], settings)
    if role is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequiredError(target)
    return Viewer(auth_enabled=True, role=role.value, can_run=can_run)


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


async def login_redirect(_request: Request, error: Exception) -> Response:
    assert isinstance(error, LoginRequiredError)
    return RedirectResponse(f"/login?next={quote(error.next_path, safe='/')}", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    settings = _settings(request)
    target = _local_path(next)
    if not settings.auth_enabled or role_of(credentials(request.scope)[0], settings) is not None:
        return RedirectResponse(target, status_code=303)
    return HTMLResponse(render_login(target, None, _anonymous(request)))


@router.post("/login", response_class=HTMLResponse)
async def log_in(request: Request) -> Response:
    """Check the pasted token; keep it in an HttpOnly, SameSite=Strict cookie only when it is known."""
    settings = _settings(request)
    body = await request.body()
    fields = parse_qs(body[:MAX_LOGIN_BODY].decode("utf-8", "replace"))
    token = (fields.get("token") or [""])[0].strip()
    target = _local_path((fields.get("next") or ["/"])[0])
    if not settings.auth_enabled:
        return RedirectResponse(target, status_code=303)
    if role_of(token, settings) is None:
        message = "enter a token" if not token else "unknown token: ask the server's operator for one"
        return HTMLResponse(render_login(target, message, _anonymous(request)), status_code=401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_SECONDS,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def log_out() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


def _anonymous(request: Request) -> Viewer:
    return Viewer(auth_enabled=True, role=None, can_run=request.app.state.runner is not None)


def _local_path(target: str) -> str:
    """Only a path on this server, so the login cannot be used to send someone elsewhere."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
