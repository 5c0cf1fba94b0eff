"""`Client`: the REST API of ``modelwatch server`` as Python methods, grouped by collection."""

from __future__ import annotations

from types import TracebackType

from modelwatch.client.resources import Baselines, Endpoints, Executions, Schedules
from modelwatch.client.transport import Transport


class Client:
    """A client of the server at `url`, with a bearer `token` when the server has tokens configured.

    Methods raise `ClientError` (a `ModelwatchError`) with the server's status and one-line message.
    Use it as a context manager, or call `close`, to release its connections.

    Example::

        with Client("http://127.0.0.1:8700", token) as client:
            client.schedules.start("hourly")
            page = client.executions.list(schedule="hourly", status="Failed")
    """

    def __init__(self, url: str, token: str | None = None, timeout: float = 30) -> None:
        self._transport = Transport(url, token, timeout)
        self.endpoints = Endpoints(self._transport)
        self.baselines = Baselines(self._transport)
        self.schedules = Schedules(self._transport)
        self.executions = Executions(self._transport)

    @property
    def url(self) -> str:
        return self._transport.url

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
