"""The proxy's HTTP/1.1 client: pooled keep-alive connections to the one upstream.

A general client (aiohttp, httpx) spends about 100 µs of CPU per request on features a reverse
proxy does not use (cookies, redirects, encodings, URL handling); this one writes each request
with a single `transport.write` and parses responses with httptools (llhttp, the parser of
Node.js), for about a fifth of that. Responses stream: body chunks are handed over as they arrive,
and reading from the upstream pauses while more than 1 MiB waits for a slow client.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httptools

_PAUSE_ABOVE = 1024 * 1024
_RESUME_BELOW = 256 * 1024
_METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


class UpstreamError(Exception):
    """The upstream could not be reached, or broke the exchange."""


class UpstreamTimeoutError(UpstreamError):
    """The upstream sent nothing for longer than the read timeout."""


class UpstreamResponse:
    """Status and headers of a response whose body is still arriving; `release()` when done."""

    def __init__(self, connection: _Connection, pool: UpstreamPool) -> None:
        self.status = connection.status
        self.headers = connection.headers
        self.content_length = connection.content_length
        self.content_type = connection.content_type
        self._connection = connection
        self._pool = pool

    def body(self) -> AsyncIterator[bytes]:
        return self._connection.body(self._pool.read_timeout)

    def release(self) -> None:
        self._pool.release(self._connection)


class UpstreamPool:
    def __init__(
        self,
        origin: str,
        *,
        read_timeout: float,
        connect_timeout: float = 10.0,
        max_idle: int = 128,
        idle_seconds: float = 4.0,
    ) -> None:
        """`idle_seconds` stays below common server keep-alive timeouts (uvicorn's is 5 s), so a
        connection is not reused just as the upstream closes it."""
        parts = urlsplit(origin)
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.ssl = ssl.create_default_context() if parts.scheme == "https" else None
        self.read_timeout = read_timeout
        self.connect_timeout = connect_timeout
        self.max_idle = max_idle
        self.idle_seconds = idle_seconds
        self._idle: list[_Connection] = []

    async def request(
        self, method: str, target: str, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> UpstreamResponse:
        """Send a request and wait for the response's headers.

        A reused connection that turns out closed before any response byte (the upstream dropped
        it while idle) is replaced by a new one, once.
        """
        head = _request_head(method, target, headers, body)
        connection, reused = await self._acquire()
        try:
            await connection.exchange(head, body, method == "HEAD", self.read_timeout)
        except UpstreamError as error:
            connection.close()
            if isinstance(error, UpstreamTimeoutError) or not (reused and connection.nothing_received):
                raise
            connection, _ = await self._acquire(fresh=True)
            try:
                await connection.exchange(head, body, method == "HEAD", self.read_timeout)
            except BaseException:
                connection.close()
                raise
        except BaseException:  # cancelled (the client left): the exchange is half done
            connection.close()
            raise
        return UpstreamResponse(connection, self)

    def release(self, connection: _Connection) -> None:
        if connection.reusable and len(self._idle) < self.max_idle:
            connection.idle_since = asyncio.get_running_loop().time()
            self._idle.append(connection)
        else:
            connection.close()

    def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()

    async def _acquire(self, fresh: bool = False) -> tuple[_Connection, bool]:
        loop = asyncio.get_running_loop()
        while self._idle and not fresh:
            connection = self._idle.pop()
            if not connection.closed and loop.time() - connection.idle_since < self.idle_seconds:
                return connection, True
            connection.close()
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, connection = await loop.create_connection(
                    lambda: _Connection(loop), self.host, self.port, ssl=self.ssl
                )
        except TimeoutError as error:
            raise UpstreamTimeoutError(f"connecting to {self.host}:{self.port} timed out") from error
        except OSError as error:
            raise UpstreamError(
                f"cannot connect to {self.host}:{self.port}: {error.strerror or error}"
            ) from error
        return connection, False


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one exchange at a time (the pool never shares a busy one)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._parser: httptools.HttpResponseParser | None = None

    async def exchange(self, head: bytes, body: bytes, head_request: bool, timeout: float) -> None:
        """Write the request and wait for the response's headers."""
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.content_length: int | None = None
        self.content_type = ""
        self.nothing_received = True
        self._head_request = head_request
        self._interim = False
        self._keep_alive = False
        self._complete = False
        self._error: UpstreamError | None = None
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._paused = False
        self._parser = httptools.HttpResponseParser(self)
        self._headers_ready: asyncio.Future[None] = self.loop.create_future()
        self._waiter: asyncio.Future[None] | None = None
        if self.closed or self.transport is None:
            raise UpstreamError("the upstream closed the connection")
        if len(body) < 65536:
            self.transport.write(head + body)  # one write, one packet: the common case
        else:
            self.transport.write(head)
            self.transport.write(body)
        await self._wait(self._headers_ready, timeout)

    async def body(self, timeout: float) -> AsyncIterator[bytes]:
        while True:
            if self._chunks:
                chunk = self._chunks.popleft()
                self._buffered -= len(chunk)
                if self._paused and self._buffered < _RESUME_BELOW and self.transport is not None:
                    self._paused = False
                    self.transport.resume_reading()
                yield chunk
            elif self._complete:
                return
            elif self._error is not None:
                raise self._error
            else:
                self._waiter = self.loop.create_future()
                await self._wait(self._waiter, timeout)

    @property
    def reusable(self) -> bool:
        return self._complete and self._error is None and not self.closed and self._keep_alive

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    async def _wait(self, future: asyncio.Future[None], timeout: float) -> None:
        timer = self.loop.call_later(timeout, _expire, future)
        try:
            await future
        finally:
            timer.cancel()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.nothing_received = False
        if self._parser is None or self._complete:
            self.close()  # bytes nobody asked for: the connection cannot be trusted any more
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(UpstreamError(f"invalid response from the upstream: {error}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._parser is None or self._complete:
            return
        if self._headers_ready.done() and self.content_length is None and not self._chunked():
            self._finish()  # a body delimited by the end of the connection
        else:
            self._fail(UpstreamError("the upstream closed the connection"))

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        assert self._parser is not None
        status = self._parser.get_status_code()
        if 100 <= status < 200:
            self.headers = []  # an interim response (103 Early Hints, ...): wait for the real one
            self._interim = True
            return
        self.status = status
        self._keep_alive = self._parser.should_keep_alive()  # the parser forgets it once the message ends
        for name, value in self.headers:
            lower = name.lower()
            if lower == b"content-length" and value.strip().isdigit():
                self.content_length = int(value)
            elif lower == b"content-type":
                self.content_type = value.decode("latin-1")
        if not self._headers_ready.done():
            self._headers_ready.set_result(None)
        if self._head_request or status in (204, 304):
            self._finish()

    def on_body(self, body: bytes) -> None:
        if self._complete:
            return
        self._chunks.append(body)
        self._buffered += len(body)
        if self._buffered > _PAUSE_ABOVE and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self._interim:
            self._interim = False
            return
        self._finish()

    def _chunked(self) -> bool:
        return any(
            name.lower() == b"transfer-encoding" and b"chunked" in value.lower()
            for name, value in self.headers
        )

    def _finish(self) -> None:
        self._complete = True
        self._wake()

    def _fail(self, error: UpstreamError) -> None:
        self._error = error
        if not self._headers_ready.done():
            self._headers_ready.set_exception(error)
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


def _expire(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_exception(UpstreamTimeoutError("the upstream sent nothing in time"))


def _request_head(method: str, target: str, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    lines = [f"{method} {target} HTTP/1.1\r\n".encode("latin-1")]
    lines.extend(name + b": " + value + b"\r\n" for name, value in headers)
    if body or method in _METHODS_WITH_BODY:
        lines.append(b"content-length: %d\r\n" % len(body))
    lines.append(b"\r\n")
    return b"".join(lines)
