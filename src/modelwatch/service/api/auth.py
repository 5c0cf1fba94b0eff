"""Bearer tokens with two roles: read tokens may GET, admin tokens may do everything.

Enforced by an ASGI middleware rather than a route dependency so it runs before anything reads the request:
FastAPI parses a JSON body before route dependencies, and an unauthenticated client must get 401, not a
report on its JSON. The route-level `bearer_scheme` only documents the scheme in OpenAPI.

The dashboard's login keeps the token in an HttpOnly, SameSite=Strict cookie, which the API accepts in
place of the header. A browser sends cookies with requests other sites make, so a write authenticated by
the cookie must also carry the `CSRF_HEADER`: a page on another origin cannot add a custom header without
a CORS preflight, which this server never grants.
"""

from __future__ import annotations

import hmac
from enum import StrEnum
from http.cookies import CookieError, SimpleCookie

from fastapi.security import HTTPBearer
from starlette.types import ASGIApp, Receive, Scope, Send

from modelwatch.service.api.errors import error_response
from modelwatch.service.api.settings import ApiSettings

API_PREFIX = "/api"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_COOKIE = "modelwatch_session"
CSRF_HEADER = "X-Modelwatch-CSRF"
bearer_scheme = HTTPBearer(auto_error=False, description="An admin token, or a read token for GET routes")


class Role(StrEnum):
    ADMIN = "admin"
    READ = "read"


def role_of(token: str | None, settings: ApiSettings) -> Role | None:
    """The role a token grants; None for no token or an unknown one."""
    if token is None:
        return None
    if _known(token, settings.admin_tokens):
        return Role.ADMIN
    if _known(token, settings.read_tokens):
        return Role.READ
    return None


def credentials(scope: Scope) -> tuple[str | None, bool]:
    """The request's token, from the bearer header or else the session cookie; whether it is the cookie."""
    token = _bearer_token(scope)
    if token is not None:
        return token, False
    cookie = _session_cookie(scope)
    return cookie, cookie is not None


class BearerAuth:
    """Refuse requests under `prefix` without a known token (401) or with a read token on a write (403)."""

    def __init__(self, app: ASGIApp, settings: ApiSettings, prefix: str = API_PREFIX) -> None:
        self.app = app
        self.settings = settings
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.settings.auth_enabled or not _is_under(scope, self.prefix):
            await self.app(scope, receive, send)
            return
        token, from_cookie = credentials(scope)
        role = role_of(token, self.settings)
        writes = scope["method"] not in READ_METHODS
        if role is None:
            message = "a bearer token is required" if token is None else "unknown bearer token"
            response = error_response(401, message, headers={"WWW-Authenticate": "Bearer"})
        elif role is not Role.ADMIN and writes:
            response = error_response(403, "this token may only read; writing needs an admin token")
        elif from_cookie and writes and _header(scope, CSRF_HEADER.lower().encode()) is None:
            response = error_response(
                403, f"a write signed in by the dashboard's cookie needs the {CSRF_HEADER} header"
            )
        else:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)


def _is_under(scope: Scope, prefix: str) -> bool:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path == prefix or path.startswith(prefix + "/")


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope["headers"]:
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


def _bearer_token(scope: Scope) -> str | None:
    value = _header(scope, b"authorization")
    if value is None:
        return None
    scheme, _, token = value.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _session_cookie(scope: Scope) -> str | None:
    value = _header(scope, b"cookie")
    if value is None:
        return None
    try:
        morsel = SimpleCookie(value).get(SESSION_COOKIE)
    except CookieError:
        return None
    return morsel.value if morsel is not None and morsel.value else None


def _known(token: str, tokens: frozenset[str]) -> bool:
    """Whether `token` is one of `tokens`, comparing every one in constant time so timing tells nothing."""
    found = False
    for candidate in tokens:
        found |= hmac.compare_digest(token.encode(), candidate.encode())
    return found
