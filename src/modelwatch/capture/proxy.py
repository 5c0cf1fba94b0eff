"""The capture proxy: an ASGI reverse proxy in front of any HTTP model server.

Every request goes to the one configured upstream (the request target's path and query are
appended to the upstream URL, so neither an absolute URI nor a `Host` header can point elsewhere).
Method, path, query, headers and body are forwarded unchanged except for hop-by-hop headers; `Host`
is the upstream's, as with nginx's default, and the client's goes in `X-Forwarded-Host`. Request
bodies are read whole before forwarding (inference requests are small and the upstream gets an
exact Content-Length); responses stream back chunk by chunk while a tee keeps the capture prefix.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

from modelwatch.capture.addresses import parse_upstream
from modelwatch.capture.asgi import Receive, Scope, Send
from modelwatch.capture.exchange import (
    CUSTOM_ATTRIBUTES_HEADERS,
    INFERENCE_ID_HEADERS,
    BodyTee,
    Exchange,
)
from modelwatch.capture.metrics import ProxyMetrics
from modelwatch.capture.upstream import UpstreamError, UpstreamPool, UpstreamTimeoutError
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


class CaptureProxy:
    """ASGI app forwarding to `upstream` and capturing sampled exchanges through `writer`.

    The server's shutdown (SIGTERM under uvicorn) closes the writer, which uploads every record it
    holds: uvicorn re-raises the signal once shut down, so code after `server.run()` may never run.
    """

    def __init__(
        self,
        upstream: str,
        writer: CaptureWriter,
        metrics: ProxyMetrics,
        *,
        timeout_seconds: float = 60.0,
    ) -> None:
        self.origin, self.base_path = parse_upstream(upstream)
        self.upstream_host = urlsplit(self.origin).netloc.encode("latin-1")
        self.writer = writer
        self.metrics = metrics
        self.pool = UpstreamPool(self.origin, read_timeout=timeout_seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._proxy(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1003})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.pool.close()
                await asyncio.to_thread(self.writer.close)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _proxy(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        if not raw_path.startswith(b"/") or scope["method"] == "CONNECT":
            await _plain_response(send, 400, b"this is a reverse proxy: only origin-form request targets\n")
            self.metrics.count_request(400)
            return
        sampled = self.writer.should_capture()
        headers, content_type, inference_id, custom_attributes = self._forward_headers(scope)
        body = await _read_body(receive)
        if body is None:
            return  # the client left before sending its whole request
        target = self.base_path + raw_path.decode("latin-1")
        if scope["query_string"]:
            target += "?" + scope["query_string"].decode("latin-1")
        inference_time = self.writer.clock() if sampled else 0.0
        upstream_started = time.perf_counter()
        try:
            response = await self.pool.request(scope["method"], target, headers, body)
        except UpstreamError as error:
            self.metrics.upstream_errors += 1
            await self._upstream_failed(send, error)
            return
        tee = BodyTee(self.writer.max_body_bytes) if sampled else None
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status,
                    "headers": _response_headers(response.headers),
                }
            )
            remaining = response.content_length
            finished = False
            async for chunk in response.body():
                if tee is not None:
                    tee.add(chunk)
                if remaining is not None:
                    remaining -= len(chunk)
                    finished = remaining <= 0
                await send({"type": "http.response.body", "body": chunk, "more_body": not finished})
            upstream_seconds = time.perf_counter() - upstream_started
            if not finished:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except UpstreamError:
            self.metrics.upstream_errors += 1
            raise  # the status is already sent: cutting the connection is the honest answer
        finally:
            response.release()
        self.metrics.count_request(response.status)
        self.metrics.upstream_latency.observe(upstream_seconds)
        self.metrics.added_latency.observe(max(0.0, time.perf_counter() - started - upstream_seconds))
        if tee is not None:
            self.writer.submit(
                Exchange(
                    inference_time=inference_time,
                    input_body=body[: self.writer.max_body_bytes + 1],
                    input_size=len(body),
                    input_content_type=content_type,
                    output_body=tee.body(),
                    output_size=tee.size,
                    output_content_type=response.content_type,
                    inference_id=inference_id,
                    custom_attributes=custom_attributes,
                )
            )

    def _forward_headers(self, scope: Scope) -> tuple[list[tuple[bytes, bytes]], str, str | None, str | None]:
        """Request headers to forward, plus the content type and the capture ids, in one pass.

        `Content-Length` is the upstream client's to set: the body is forwarded whole.
        """
        raw: list[tuple[bytes, bytes]] = scope["headers"]
        connection_tokens = {
            token.strip().lower()
            for name, value in raw
            if name == b"connection"
            for token in value.split(b",")
        }
        forwarded: list[tuple[bytes, bytes]] = [(b"host", self.upstream_host)]
        content_type = ""
        inference_id = custom_attributes = client_host = None
        for name, value in raw:
            if name == b"host":
                client_host = value
            if name in HOP_BY_HOP or name in connection_tokens or name == b"content-length":
                continue
            forwarded.append((name, value))
            if name == b"content-type":
                content_type = value.decode("latin-1")
            elif name in INFERENCE_ID_HEADERS and inference_id is None:
                inference_id = value.decode("latin-1")
            elif name in CUSTOM_ATTRIBUTES_HEADERS and custom_attributes is None:
                custom_attributes = value.decode("latin-1")
        if client_host is not None:
            forwarded.append((b"x-forwarded-host", client_host))
        client = scope.get("client")
        if client:
            forwarded.append((b"x-forwarded-for", str(client[0]).encode("latin-1")))
        forwarded.append((b"x-forwarded-proto", scope.get("scheme", "http").encode("latin-1")))
        return forwarded, content_type, inference_id, custom_attributes

    async def _upstream_failed(self, send: Send, error: UpstreamError) -> None:
        """No response from the upstream: 502, or 504 when it timed out."""
        status = 504 if isinstance(error, UpstreamTimeoutError) else 502
        self.metrics.count_request(status)
        reason = "timed out" if status == 504 else "unreachable"
        await _plain_response(send, status, f"upstream {reason}\n".encode())


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _response_headers(raw_headers: tuple[tuple[bytes, bytes], ...]) -> list[tuple[bytes, bytes]]:
    connection_tokens = {
        token.strip().lower()
        for name, value in raw_headers
        if name.lower() == b"connection"
        for token in value.split(b",")
    }
    kept = []
    for name, value in raw_headers:
        lower = name.lower()
        if lower not in HOP_BY_HOP and lower not in connection_tokens:
            kept.append((lower, value))
    return kept


async def _plain_response(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
