"""The proxy's HTTP/1.1 client: pooled keep-alive connections to the one upstream.

Callback-driven, like the proxy's server side: a request is one `writelines` (one system call),
the response is parsed with httptools (llhttp, the parser of Node.js) and every parser event goes
straight to the exchange's `ResponseHandler`, with no task, future or timer per request (one
periodic sweep times out stalled exchanges). A general client (aiohttp, httpx) spends about 100 µs
of CPU per request on features a reverse proxy does not use (cookies, redirects, encodings, URL
handling).

Sending, taking and releasing pooled connections, and passing on a plain response (whole in one
read, or its head whole and its body in later reads) are the C base types' of
`modelwatch._httpkernels` (see `_proxyconnections.c`); the rest is here.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Protocol
from urllib.parse import urlsplit

import httptools

from modelwatch._httpkernels import PoolBase, UpstreamBase

CHUNKED = b"chunked"
_FRAMING_HEADERS = frozenset({b"content-length", b"transfer-encoding", b"content-type", b"connection"})


class UpstreamError(Exception):
    """The upstream could not be reached, or broke the exchange."""


class UpstreamTimeoutError(UpstreamError):
    """The upstream sent nothing for longer than the read timeout."""


class ResponseHandler(Protocol):
    """Where an upstream connection reports the response of the exchange it carries (a plain response
    sent with `whole` to the proxy's client connection is passed on by C calls instead)."""

    def response_head(
        self, status: int, reason: bytes, headers: list[tuple[bytes, bytes, bytes]], framing: ResponseFraming
    ) -> None:
        """`headers`: (lower-cased name, name as sent, value)."""

    def response_body(self, chunk: bytes) -> None: ...

    def response_flush(self) -> None:
        """The end of one read from the upstream: a chance to write what it brought in one go."""

    def response_end(self) -> None: ...

    def response_failed(self, error: UpstreamError, retry: bool) -> None:
        """`retry`: a reused connection turned out closed before any response byte (the upstream
        dropped it while idle), so the request can be sent again on a new connection."""


def combined(previous: bytes | None, value: bytes) -> bytes:
    """A header sent several times, as one comma-separated value (RFC 9110, 5.3)."""
    return value if previous is None else previous + b"," + value


class ResponseFraming:
    """How the response body is delimited, read from the headers as they go by."""

    __slots__ = ("chunked", "connection", "content_length", "content_type")

    def __init__(self) -> None:
        self.content_length: int | None = None
        self.chunked = False
        self.content_type = ""
        self.connection: bytes | None = None  # the `Connection` header, whose tokens are hop-by-hop


class UpstreamPool(PoolBase):
    """`take_idle()` gives the most recently used idle connection still worth reusing, if any (no
    waiting); `release(connection)` takes it back after a complete exchange, or closes it when it
    cannot carry another one."""

    def __init__(
        self,
        origin: str,
        *,
        read_timeout: float,
        connect_timeout: float = 10.0,
        hop_by_hop: tuple[bytes, ...],
        max_idle: int = 128,
        idle_seconds: float = 4.0,
    ) -> None:
        """`idle_seconds` stays below common server keep-alive timeouts (uvicorn's is 5 s), so a
        connection is not reused just as the upstream closes it. A response with a header named in
        `hop_by_hop` (lower case) is never handed on whole."""
        super().__init__(max_idle, idle_seconds)
        parts = urlsplit(origin)
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.ssl = ssl.create_default_context() if parts.scheme == "https" else None
        self.read_timeout = read_timeout
        self.connect_timeout = connect_timeout
        self.hop_by_hop = hop_by_hop

    @property
    def sweep_seconds(self) -> float:
        """How often `expire_stalled` should run: a timeout fires at most a quarter late."""
        return min(1.0, self.read_timeout / 4)

    def expire_stalled(self, now: float) -> None:
        """Fail the exchanges whose upstream sent nothing for the read timeout (`now`: loop time).

        One sweep for all connections instead of a timer per request: creating and cancelling a
        timer cost about a twentieth of the proxy's CPU per request.
        """
        for connection in [item for item in self._busy if now - item.last_activity >= self.read_timeout]:
            connection.time_out()

    async def connect(self) -> UpstreamConnection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, connection = await loop.create_connection(
                    lambda: UpstreamConnection(loop, self._busy, self.hop_by_hop),
                    self.host,
                    self.port,
                    ssl=self.ssl,
                )
        except TimeoutError as error:
            raise UpstreamTimeoutError(f"connecting to {self.host}:{self.port} timed out") from error
        except OSError as error:
            raise UpstreamError(
                f"cannot connect to {self.host}:{self.port}: {error.strerror or error}"
            ) from error
        return connection

    def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()


class UpstreamConnection(UpstreamBase, asyncio.Protocol):
    """One keep-alive connection; one exchange at a time (the pool never shares a busy one).

    `send(request, head_request, handler, whole=False)` writes a request given in parts; the response
    goes to `handler` (a `ResponseHandler`). The state the C base type reads (`transport`, `closed`,
    `_complete`, `_handler`, ...) lives in its members.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        busy: set[UpstreamConnection],
        hop_by_hop: tuple[bytes, ...],
    ) -> None:
        super().__init__(loop.time, busy, hop_by_hop)
        self.loop = loop
        self._nothing_received = True
        self._parser = httptools.HttpResponseParser(self)
        # fresh for each response: on_headers_complete leaves them so
        self._framing = ResponseFraming()
        self._reason = b""
        self._headers: list[tuple[bytes, bytes, bytes]] = []  # (lower-cased name, name, value)

    def _renew_parser(self) -> None:
        """After a response to HEAD the parser would wait for a body: the next response gets a new one."""
        self._parser = httptools.HttpResponseParser(self)

    def _send_failed(self) -> None:
        self._fail(UpstreamError("the upstream closed the connection"))

    def pause(self) -> None:
        if self.transport is not None and not self.closed and not self._paused:
            self._paused = True
            self.transport.pause_reading()

    def resume(self) -> None:
        if self.transport is not None and not self.closed and self._paused:
            self._paused = False
            self.transport.resume_reading()

    def abandon(self) -> None:
        """The client left mid-exchange: nobody wants the rest, and the connection is half used."""
        self._handler = None
        self.close()

    def time_out(self) -> None:
        self._fail(UpstreamTimeoutError("the upstream sent nothing in time"))

    def close(self) -> None:
        self.closed = True
        self.busy.discard(self)
        if self.transport is not None:
            self.transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def _parse(self, data: bytes) -> None:
        """A read that is not a plain response whole (`data_received`, in C, took those)."""
        handler = self._handler
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(UpstreamError(f"invalid response from the upstream: {error}"))
            return
        if self._head_request and self._head_seen and not self._complete:
            self._finish()  # the parser cannot know that a response to HEAD has no body
        elif handler is not None and not self._complete:  # a complete response was flushed at its end
            handler.response_flush()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._complete:
            return
        if self._head_seen and self._framing.content_length is None and not self._framing.chunked:
            self._finish()  # a body delimited by the end of the connection
        else:
            self._fail(UpstreamError("the upstream closed the connection"))

    def on_status(self, reason: bytes) -> None:
        self._reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.lower(), name, value))

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # an interim response (103 Early Hints, ...): wait for the real one
            self._headers = []
            self._reason = b""
            self._interim = True
            return
        self._keep_alive = self._parser.should_keep_alive()  # the parser forgets it once the message ends
        framing = self._framing = ResponseFraming()
        headers, self._headers, reason, self._reason = self._headers, [], self._reason, b""
        for lower, _, value in headers:
            if lower not in _FRAMING_HEADERS:
                continue
            if lower == b"content-length" and value.strip().isdigit():
                framing.content_length = int(value)
            elif lower == b"transfer-encoding" and CHUNKED in value.lower():
                framing.chunked = True
            elif lower == b"content-type":
                framing.content_type = value.decode("latin-1")
            elif lower == b"connection":
                framing.connection = combined(framing.connection, value)
        self._head_seen = True
        handler = self._handler
        if handler is not None:
            handler.response_head(status, reason, headers, framing)

    def on_body(self, body: bytes) -> None:
        if not self._complete and self._handler is not None:
            self._handler.response_body(body)

    def on_message_complete(self) -> None:
        if self._interim:
            self._interim = False
        elif not self._complete:
            self._finish()

    def _finish(self) -> None:
        self._complete = True
        self.busy.discard(self)
        handler, self._handler = self._handler, None
        if handler is not None:
            handler.response_end()

    def _fail(self, error: UpstreamError) -> None:
        retry = self.reused and self._nothing_received and not isinstance(error, UpstreamTimeoutError)
        self._complete = True
        handler, self._handler = self._handler, None
        self.close()
        if handler is not None:
            handler.response_failed(error, retry)
