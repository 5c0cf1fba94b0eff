"""Bearer tokens with two roles: read tokens may GET, admin tokens may do everything.

Enforced by an ASGI middleware rather than a route dependency so it runs before anything reads the request:
FastAPI parses a JSON body before route dependencies, and an unauthenticated client must get 401, not a
report on its JSON. The route-level `bearer_scheme` only documents the scheme in OpenAPI.
"""

from __future__ import annotations

import hmac

from fastapi.security import HTTPBearer
from starlette.types import ASGIApp, Receive, Scope, Send

from modelwatch.service.api.errors import error_response
from modelwatch.service.api.settings import ApiSettings

API_PREFIX = "/api"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
bearer_scheme = HTTPBearer(auto_error=False, description="An admin token, or a read token for GET routes")


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
        token = _bearer_token(scope)
        is_admin = token is not None and _known(token, self.settings.admin_tokens)
        is_reader = token is not None and _known(token, self.settings.read_tokens)
        if not (is_admin or is_reader):
            message = "a bearer token is required" if token is None else "unknown bearer token"
            response = error_response(401, message, headers={"WWW-Authenticate": "Bearer"})
        elif not is_admin and scope["method"] not in READ_METHODS:
            response = error_response(403, "this token may only read; writing needs an admin token")
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


def _bearer_token(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            return token if scheme.lower() == "bearer" and token else None
    return None


def _known(token: str, tokens: frozenset[str]) -> bool:
    """Whether `token` is one of `tokens`, comparing every one in constant time so timing tells nothing."""
    found = False
    for candidate in tokens:
        found |= hmac.compare_digest(token.encode(), candidate.encode())
    return found
