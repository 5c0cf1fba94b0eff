"""The capture proxy: a reverse proxy in front of any HTTP model server, at the protocol level.

Every request goes to the one configured upstream (the request target's path and query are
appended to the upstream URL, so neither an absolute URI nor a `Host` header can point elsewhere).
Method, path, query, headers and body are forwarded unchanged except for hop-by-hop headers; `Host`
is the upstream's, as with nginx's default, and the client's goes in `X-Forwarded-Host`. Request
bodies are read whole before forwarding (inference requests are small and the upstream gets an
exact Content-Length); responses stream back as they arrive while a tee keeps the capture prefix,
except that one with a Content-Length under 64 KiB leaves whole at its end, in one write (as nginx
postpones small output: a model server that writes the head and the body apart would otherwise
wake the client twice for one answer).

A request or response that is plain and arrives in one read (nearly all inference traffic) takes
the fast path of `modelwatch._httpkernels`: parsed, checked and rebuilt in one C call instead of a
Python callback per header; anything else is parsed by httptools, which the fast path must match
byte for byte. The connections' common path, from a plain request read to its plain response
written, counted and captured, is their C base types' (`_proxyconnections.c`): a request costs two
C calls from the event loop and no Python frame.

Why not an ASGI app under uvicorn: a proxy does the socket work of a server and of a client for
every request, and on the 2 cores it shares with its model server the ASGI layer (a task, message
dicts and two awaits per send, the response head and body in separate writes) cost more CPU than
forwarding itself. Here both sides are asyncio protocols driven by httptools callbacks: no task,
future or coroutine per request, and a response that arrives in one read leaves in one write.
"""

from __future__ import annotations

import asyncio
import time
from http import HTTPStatus
from urllib.parse import urlsplit

import httptools

from modelwatch._httpkernels import POSTPONE_BELOW, ClientBase, Request, now
from modelwatch.capture.addresses import parse_upstream
from modelwatch.capture.exchange import (
    CUSTOM_ATTRIBUTES_HEADERS,
    INFERENCE_ID_HEADERS,
    BodyTee,
    Exchange,
)
from modelwatch.capture.metrics import LATENCY_BUCKETS, ProxyMetrics
from modelwatch.capture.upstream import (
    ResponseFraming,
    UpstreamError,
    UpstreamPool,
    UpstreamTimeoutError,
    combined,
)
from modelwatch.capture.writer import CaptureWriter

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"expect",  # the proxy already holds the whole body: no 100-continue dance with the upstream
    }
)
HOP_BY_HOP_NAMES = tuple(sorted(HOP_BY_HOP))  # as the C fast path takes them
_NOT_FORWARDED = HOP_BY_HOP | {b"content-length"}  # the proxy sends the length of the body it holds
_METADATA_HEADERS = frozenset({*INFERENCE_ID_HEADERS, *CUSTOM_ATTRIBUTES_HEADERS})
_CONNECTION_AND_EXPECT = frozenset({b"connection", b"expect"})
_METHODS_WITH_BODY = frozenset({b"POST", b"PUT", b"PATCH"})
_ONE_WRITE_BELOW = 65536  # a larger body is written apart from the head, not copied behind it
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_CHUNKED = b"transfer-encoding: chunked\r\n"
_CLOSE = b"connection: close\r\n"
_KEEP_ALIVE = b"connection: keep-alive\r\n"
MAX_HEAD_BYTES = 65536  # request line and headers; beyond it 431, as with nginx's large buffers
_LAST_CHUNK = b"0\r\n\r\n"
_FORWARDED_PROTO = b"x-forwarded-proto: http\r\n"
_FAST_PATH_RULES = (
    tuple(sorted(HOP_BY_HOP - {b"host"})),  # a request with any of these takes the httptools path
    INFERENCE_ID_HEADERS,
    CUSTOM_ATTRIBUTES_HEADERS,
    tuple(sorted(_METHODS_WITH_BODY)),
    MAX_HEAD_BYTES,
    _ONE_WRITE_BELOW - 1,
)


class CaptureProxy:
    """Forwards to `upstream` and captures sampled exchanges through `writer`.

    `start()` listens, `stop()` stops listening, lets requests in flight finish (up to a grace
    period) and closes the upstream connections; the writer stays open for its owner to close.
    """

    def __init__(
        self,
        upstream: str,
        writer: CaptureWriter,
        metrics: ProxyMetrics,
        *,
        timeout_seconds: float = 60.0,
        keep_alive_seconds: float = 5.0,
    ) -> None:
        origin, base_path = parse_upstream(upstream)
        self.base_path = base_path.encode("latin-1")
        self.upstream_host = urlsplit(origin).netloc.encode("latin-1")
        self.writer = writer
        self.metrics = metrics
        self.keep_alive_seconds = keep_alive_seconds
        self.pool = UpstreamPool(origin, read_timeout=timeout_seconds, hop_by_hop=HOP_BY_HOP_NAMES)
        self.connections: set[_ClientConnection] = set()
        self._server: asyncio.Server | None = None
        self._sweeper: asyncio.TimerHandle | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen on `host:port` (0: any free port); returns the port. OSError if it cannot."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _ClientConnection(self), host, port)
        self._sweeper = loop.call_later(self._sweep_seconds, self._sweep)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self, grace_seconds: float = 30.0) -> None:
        if self._server is None:
            return
        self._server.close()
        if self._sweeper is not None:
            self._sweeper.cancel()
        for connection in list(self.connections):
            connection.close_when_idle()
        deadline = time.monotonic() + grace_seconds
        while self.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        for connection in list(self.connections):
            connection.abort()
        self.pool.close()
        self._server = None

    @property
    def _sweep_seconds(self) -> float:
        return min(self.keep_alive_seconds, self.pool.sweep_seconds)

    def _sweep(self) -> None:
        """Time out stalled upstream exchanges and close client connections idle for longer than the
        keep-alive timeout: one timer for all, none per request."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        self.pool.expire_stalled(now)
        for connection in list(self.connections):
            if connection.idle_for(now) > self.keep_alive_seconds:
                connection.abort()
        self._sweeper = loop.call_later(self._sweep_seconds, self._sweep)


class _HeadTooLargeError(Exception):
    """Raised from a parser callback to stop parsing a request whose head is over the limit."""


def _dropped_headers(always: frozenset[bytes], connection_header: bytes | None) -> frozenset[bytes]:
    """`always`, and the headers a `Connection` header names: they are hop-by-hop too."""
    if connection_header is None:
        return always
    return always | {token.strip().lower() for token in connection_header.split(b",")}


class _ClientConnection(ClientBase, asyncio.Protocol):
    """One client connection: parses its requests, forwards each, writes the answers back in order.

    The state of the exchange in flight (`_queue`, `_upstream`, `_keep_alive`, `_capturing`, ...) is
    the C base type's; so are reading a plain request (`data_received`), forwarding it (`_forward`,
    `_send`), passing on a plain response, and what every answer needs: its capture
    record, queued before its last bytes are written (`_capture`), and what follows it
    (`_exchange_done`, `_answered`).
    """

    def __init__(self, proxy: CaptureProxy) -> None:
        writer, metrics = proxy.writer, proxy.metrics
        self.loop = asyncio.get_running_loop()
        super().__init__(
            proxy.pool,
            _FAST_PATH_RULES,
            proxy.base_path,
            proxy.upstream_host,
            self.loop.time,
            writer.should_capture,
            writer.clock,
            writer.put,
            writer.submit,
            Exchange,
            metrics.values,
            LATENCY_BUCKETS,
            writer.max_body_bytes,
        )
        self.proxy = proxy
        self.writer = writer
        self.metrics = metrics
        self.parser = httptools.HttpRequestParser(self)
        self.forwarded = _FORWARDED_PROTO
        # the request being parsed by httptools, reset by _take_request
        self._url = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._method = b""
        self._head_bytes = 0
        self._connection_header: bytes | None = None
        self._expect_continue = False
        self._request_keep_alive = True
        self._http_11 = True
        # the exchange in flight, on the httptools path
        self._connect_task: asyncio.Task[None] | None = None
        self._framing = ResponseFraming()
        self._chunked_out = False
        self._postponing = False  # a small response with a Content-Length: it leaves whole at its end
        self._tee: BodyTee | None = None  # the response body's capture prefix

    # -- the client side --------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        if peer:
            self.forwarded = b"x-forwarded-for: %s\r\n%s" % (str(peer[0]).encode("latin-1"), _FORWARDED_PROTO)
        self.proxy.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.gone = True
        self.proxy.connections.discard(self)
        if self._upstream is not None:
            self._upstream.abandon()  # the response has nowhere to go: no capture either
            self._upstream = None
        if self._connect_task is not None:
            self._connect_task.cancel()
        self._queue.clear()

    def _parse(self, data: bytes) -> None:
        """A read the fast path did not take (`data_received`, in C, takes a plain request whole)."""
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._stop_reading()  # `Upgrade` is hop-by-hop: the request went on as plain HTTP
        except httptools.HttpParserError:
            if self._head_bytes > MAX_HEAD_BYTES:  # httptools wraps what a callback raised
                self._refuse(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, b"request head too large\n")
            else:
                self._refuse(HTTPStatus.BAD_REQUEST, b"invalid HTTP request\n")

    def _refuse(self, status: HTTPStatus, body: bytes) -> None:
        """A request that cannot be forwarded: answer it (after those read before it), then close."""
        self._stop_reading()
        if not self._queue:
            self._write_error(status, body, keep_alive=False)

    def pause_writing(self) -> None:
        """The client reads slower than the upstream answers: stop reading the upstream."""
        if self._upstream is not None:
            self._upstream.pause()

    def resume_writing(self) -> None:
        if self._upstream is not None:
            self._upstream.resume()

    def on_message_begin(self) -> None:
        self._parser_idle = False

    # on_url and on_header count the head's bytes inline: a method call per header cost more than
    # the count

    def on_url(self, url: bytes) -> None:
        self._url += url
        self._head_bytes += len(url)
        if self._head_bytes > MAX_HEAD_BYTES:
            raise _HeadTooLargeError

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        self._headers.append((name, value))
        self._head_bytes += len(name) + len(value)
        if self._head_bytes > MAX_HEAD_BYTES:
            raise _HeadTooLargeError
        if name in _CONNECTION_AND_EXPECT:  # one set lookup for the common header
            if name == b"connection":
                self._connection_header = combined(self._connection_header, value)
            else:
                self._expect_continue = value.lower() == b"100-continue"

    def on_headers_complete(self) -> None:
        parser = self.parser  # read here: llhttp forgets keep-alive once the message ends
        self._method = parser.get_method()
        keep_alive = self._request_keep_alive = parser.should_keep_alive()
        # keep-alive with no Connection header is HTTP/1.1 (1.0 needs `keep-alive`, llhttp never
        # keeps a 2.0 request alive): no version string to format for the common request
        self._http_11 = (keep_alive and self._connection_header is None) or parser.get_http_version() == "1.1"
        if self._expect_continue and not self._queue and self.transport is not None:
            self.transport.write(_CONTINUE)

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        self._parser_idle = True
        request = self._take_request()
        if request is None:
            return
        self._queue.append(request)
        if len(self._queue) == 1:
            self._forward(request)
        elif not self._reading_paused and self.transport is not None:
            self._reading_paused = True  # pipelined requests wait their turn; read no more meanwhile
            self.transport.pause_reading()

    def _take_request(self) -> Request | None:
        """The parsed request, ready to forward (its head built in one pass over the headers), or None
        after a 400 for a target that is not a path; the parser's state is reset for the next one."""
        method, target, headers = self._method, self._url, self._headers
        connection_header = self._connection_header
        body = self._body[0] if len(self._body) == 1 else b"".join(self._body)
        self._url = b""
        self._headers = []
        self._body = []
        self._head_bytes = 0
        self._connection_header = None
        self._expect_continue = False
        if not target.startswith(b"/"):
            try:
                url = httptools.parse_url(target) if method != b"CONNECT" and target != b"*" else None
            except httptools.HttpParserInvalidURLError:
                url = None
            if url is None or not url.path:
                self._refuse(
                    HTTPStatus.BAD_REQUEST, b"this is a reverse proxy: only origin-form request targets\n"
                )
                return None
            target = url.path + (b"?" + url.query if url.query else b"")
        proxy = self.proxy
        head = [method, b" ", proxy.base_path, target, b" HTTP/1.1\r\nhost: ", proxy.upstream_host, b"\r\n"]
        dropped = _dropped_headers(_NOT_FORWARDED, connection_header)
        client_host = None
        content_type = ""
        inference_id = custom_attributes = None
        for name, value in headers:
            if name in dropped:
                if name == b"host":
                    client_host = value
                continue
            head += (name, b": ", value, b"\r\n")
            if name == b"content-type":
                content_type = value.decode("latin-1")
            elif name in _METADATA_HEADERS:  # one set lookup for the common header that is neither
                if name in INFERENCE_ID_HEADERS:
                    if inference_id is None:
                        inference_id = value.decode("latin-1")
                elif custom_attributes is None:
                    custom_attributes = value.decode("latin-1")
        if client_host is not None:
            head += (b"x-forwarded-host: ", client_host, b"\r\n")
        head.append(self.forwarded)
        if body or method in _METHODS_WITH_BODY:
            head.append(b"content-length: %d\r\n\r\n" % len(body))
        else:
            head.append(b"\r\n")
        if len(body) < _ONE_WRITE_BELOW:
            head.append(body)
            wire = [b"".join(head)]
        else:
            wire = [b"".join(head), body]
        return Request(
            wire,
            body,
            content_type,
            inference_id,
            custom_attributes,
            self._request_keep_alive,
            self._http_11,
            method == b"HEAD",
        )

    # -- the exchange with the upstream -----------------------------------------------------------

    def _connect(self, request: Request) -> None:
        """No idle pooled connection: connect a new one for `request` (the fast path's `_forward`)."""
        self._connect_task = self.loop.create_task(self._connect_and_send(request))

    async def _connect_and_send(self, request: Request) -> None:
        try:
            upstream = await self.pool.connect()
        except UpstreamError as error:
            self._connect_task = None
            self.response_failed(error, retry=False)
            return
        self._connect_task = None
        if self.gone:
            upstream.close()
        else:
            self._send(upstream, request)

    def response_head(
        self, status: int, reason: bytes, headers: list[tuple[bytes, bytes, bytes]], framing: ResponseFraming
    ) -> None:
        request = self._queue[0]
        self._responded = True
        self._status = status
        self._framing = framing
        self._tee = BodyTee(self.writer.max_body_bytes) if self._capturing else None
        has_body = not request.is_head and status not in (204, 304)
        delimited = framing.content_length is not None and not framing.chunked
        self._chunked_out = has_body and not delimited and request.http_11
        self._postponing = has_body and delimited and framing.content_length < POSTPONE_BELOW
        if has_body and not delimited and not request.http_11:
            self._keep_alive = False  # an HTTP/1.0 client: the end of the body is the end of the connection
        out = self._out  # empty: the previous response was flushed whole
        out.append(b"HTTP/1.1 %d %s\r\n" % (status, reason))
        dropped = _dropped_headers(HOP_BY_HOP, framing.connection)
        for lower, name, value in headers:
            if lower not in dropped:
                out += (name, b": ", value, b"\r\n")
        if self._chunked_out:
            out.append(_CHUNKED)
        if not self._keep_alive:
            out.append(_CLOSE)
        elif not request.http_11:
            out.append(_KEEP_ALIVE)  # an HTTP/1.0 client closes unless told otherwise
        out.append(b"\r\n")

    def response_body(self, chunk: bytes) -> None:
        if self._tee is not None:
            self._tee.add(chunk)
        if self._chunked_out:
            self._out.extend((b"%x\r\n" % len(chunk), chunk, b"\r\n"))
        else:
            self._out.append(chunk)

    def response_flush(self) -> None:
        """End of one read from the upstream: what it brought (the head and body pieces) leaves in one
        write, unless the response is a small one with a Content-Length, which leaves whole at its end
        as on the fast path."""
        if not self._postponing:
            self._write_out()

    def _write_out(self) -> None:
        out = self._out
        if out and self.transport is not None:
            self.transport.write(b"".join(out))
            out.clear()

    def response_end(self) -> None:
        finished = now()
        if self._chunked_out:
            self._out.append(_LAST_CHUNK)
        tee, self._tee = self._tee, None
        if tee is not None:  # before the last bytes go out, as on the fast path
            self._capture(self._framing.content_type, tee.body(), tee.size)
        upstream, self._upstream = self._upstream, None  # before the write: it may pause_writing()
        self._write_out()
        if upstream is not None:
            self.pool.release(upstream)
        self._exchange_done(finished)

    def response_failed(self, error: UpstreamError, retry: bool) -> None:
        self._upstream = None
        if self.gone:
            return
        if retry and not self._retried:
            self._retried = True
            self._connect(self._queue[0])
            return
        self.metrics.upstream_errors += 1
        if self._responded:  # the status is already on its way: cutting the connection is the honest answer
            self._write_out()
            self.abort(flush=True)
            return
        self._queue.pop(0)
        status = (
            HTTPStatus.GATEWAY_TIMEOUT if isinstance(error, UpstreamTimeoutError) else HTTPStatus.BAD_GATEWAY
        )
        reason = "timed out" if status == HTTPStatus.GATEWAY_TIMEOUT else "unreachable"
        self._write_error(status, f"upstream {reason}\n".encode(), keep_alive=self._keep_alive)
        if self._keep_alive:
            self._answered()

    # -- connection housekeeping ------------------------------------------------------------------

    def _after_answer(self) -> None:
        """What follows an answer but for the common case (the connection kept, nothing else to do),
        which `_answered` (in C) handles."""
        if not self._keep_alive or self.gone:
            self.abort(flush=True)
        elif self._queue:
            self.loop.call_soon(self._forward_next)  # not from inside the upstream's parser callbacks
        elif self._reading_paused and not self.closing and self.transport is not None:
            self._reading_paused = False
            self.transport.resume_reading()

    def _forward_next(self) -> None:
        if self._queue and not self.gone:
            self._forward(self._queue[0])

    def _write_error(self, status: HTTPStatus, body: bytes, *, keep_alive: bool) -> None:
        self.metrics.count_request(status.value)
        if self.transport is None:
            return
        self.transport.write(
            b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\n%s\r\n%s"
            % (status.value, status.phrase.encode(), len(body), b"" if keep_alive else _CLOSE, body)
        )
        if not keep_alive:
            self.abort(flush=True)

    def _stop_reading(self) -> None:
        """Read nothing more on this connection; it ends once the requests read so far are answered."""
        self._keep_alive = False
        self.closing = True
        if not self._reading_paused and self.transport is not None:
            self._reading_paused = True
            self.transport.pause_reading()

    def idle_for(self, now: float) -> float:
        """Seconds since the last byte in or the last answer out, while nothing is in flight."""
        return 0.0 if self._queue else now - self.quiet_since

    def close_when_idle(self) -> None:
        """Shutting down: an idle connection closes now, a busy one after its answer."""
        self._stop_reading()
        if not self._queue:
            self.abort(flush=True)

    def abort(self, flush: bool = False) -> None:
        """Close the connection; `flush` lets what is already written reach the client first."""
        if self.transport is not None and not self.transport.is_closing():
            if flush:
                self.transport.close()
            else:
                self.transport.abort()
