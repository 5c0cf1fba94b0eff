"""One error shape for every failure: ``{"error": {"message": ..., "field": ...}}`` with the right status.

FastAPI's own shapes (``{"detail": [...]}``) are replaced so a client handles one format; the message of an
invalid body names the field, and a cron or offset error keeps the parser's own one-line explanation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from modelwatch.errors import one_line

_LOCATIONS = {"body", "query", "path", "header"}


class ApiError(Exception):
    """A failure the client caused: its status and message, and the `field` at fault when there is one."""

    def __init__(
        self, status: int, message: str, field: str | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = dict(headers or {})


def error_response(
    status: int, message: str, field: str | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "field": field}}, status_code=status, headers=headers)


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(Exception, _internal_error)


async def _api_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    return error_response(error.status, error.message, error.field, error.headers)


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    """The first problem of the request: 400 for a body that is not JSON, 422 for one that does not fit."""
    assert isinstance(error, RequestValidationError)
    problem = error.errors()[0]
    if problem.get("type") == "json_invalid":
        position = problem.get("loc", ())[1:]
        where = f" at character {position[0]}" if position else ""
        reason = (problem.get("ctx") or {}).get("error", "not JSON")
        return error_response(400, one_line(f"request body: malformed JSON{where}: {reason}"))
    field = _field(problem.get("loc", ()))
    message = _message(problem)
    return error_response(422, f"{field}: {message}" if field else f"request body: {message}", field)


async def _http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    return error_response(error.status_code, str(error.detail), headers=error.headers)


async def _integrity_error(_request: Request, _error: Exception) -> JSONResponse:
    """A race the route's own checks could not see: a name taken, or a record referenced, meanwhile."""
    return error_response(409, "conflict with another change: the name is taken or the record is in use")


async def _internal_error(_request: Request, _error: Exception) -> JSONResponse:
    """A bug: logged with its traceback by the server, answered without details (they may hold paths)."""
    return error_response(500, "internal error; the server log has the details")


def _field(location: Sequence[Any]) -> str | None:
    """Where the problem is, without the part of the request: ``("body", "a", "b")`` -> ``a.b``."""
    parts = location[1:] if location and location[0] in _LOCATIONS else location
    return ".".join(str(part) for part in parts) or None


def _message(problem: Mapping[str, Any]) -> str:
    """Pydantic's message, or the validator's own text without pydantic's ``Value error,`` prefix."""
    context = problem.get("ctx") or {}
    if problem.get("type") == "value_error" and "error" in context:
        return one_line(context["error"])
    if problem.get("type") == "extra_forbidden":
        return "unknown field"
    return one_line(problem.get("msg", "invalid"))
