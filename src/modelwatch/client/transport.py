"""HTTP to a modelwatch server: the bearer token, and every failure turned into a one-line `ClientError`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from modelwatch.errors import ModelwatchError, one_line

API_PREFIX = "/api/v1"


class ClientError(ModelwatchError):
    """A request that failed: the HTTP `status` with the server's `message` and the `field` at fault.

    `status` is None when no answer came (server down, timeout); the message then names the URL, since
    the likely fix is ``--url`` or starting the server.
    """

    def __init__(self, status: int | None, message: str, field: str | None = None) -> None:
        super().__init__(message if status is None else f"{status}: {message}")
        self.status = status
        self.message = message
        self.field = field


class Transport:
    """One connection pool to `url`, with the token sent on every request."""

    def __init__(self, url: str, token: str | None, timeout: float) -> None:
        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """The response to `method` on ``/api/v1{path}``; a `ClientError` unless its status is 2xx."""
        try:
            response = self._http.request(method, API_PREFIX + path, json=json, params=params)
        except httpx.TimeoutException:
            raise ClientError(None, f"no answer from {self.url} in time") from None
        except httpx.ConnectError as error:
            raise ClientError(None, f"cannot reach the server at {self.url}: {one_line(error)}") from None
        except httpx.TransportError as error:
            raise ClientError(None, f"request to {self.url} failed: {one_line(error)}") from None
        if response.is_success:
            return response
        message, field = _error_of(response)
        raise ClientError(response.status_code, message, field)

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.request(method, path, **kwargs).json()


def _error_of(response: httpx.Response) -> tuple[str, str | None]:
    """The server's ``{"error": {"message", "field"}}``, or the reason phrase of another answer (a proxy)."""
    try:
        error = response.json()["error"]
        return one_line(error["message"]), error.get("field")
    except (ValueError, KeyError, TypeError):
        return response.reason_phrase or "request failed", None
