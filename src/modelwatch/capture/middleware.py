"""In-process capture: ASGI middleware (FastAPI, Starlette) and WSGI middleware (Flask).

Both see the bodies the app actually reads and writes, tee at most the capture limit of them, and
hand one exchange per sampled request to the shared `CaptureWriter` once the response is complete.
Nothing they do can fail the request: the writer's `submit` never raises and never blocks. The
ASGI middleware closes the writer (writing every record held) at the app's lifespan shutdown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from modelwatch.capture.asgi import ASGIApp, Message, Receive, Scope, Send
from modelwatch.capture.exchange import (
    CUSTOM_ATTRIBUTES_HEADERS,
    INFERENCE_ID_HEADERS,
    BodyTee,
    Exchange,
    header_value,
)
from modelwatch.capture.writer import CaptureWriter

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def capture_middleware(app: ASGIApp, writer: CaptureWriter) -> CaptureASGIMiddleware:
    """Wrap an ASGI app: `app = capture_middleware(app, CaptureWriter(...))`."""
    return CaptureASGIMiddleware(app, writer)


def capture_wsgi_middleware(app: WSGIApp, writer: CaptureWriter) -> CaptureWSGIMiddleware:
    """Wrap a WSGI app: `flask_app.wsgi_app = capture_wsgi_middleware(flask_app.wsgi_app, writer)`."""
    return CaptureWSGIMiddleware(app, writer)


class CaptureASGIMiddleware:
    def __init__(self, app: ASGIApp, writer: CaptureWriter) -> None:
        self.app = app
        self.writer = writer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, self._closing_send(send))
            return
        if scope["type"] != "http" or not self.writer.should_capture():
            await self.app(scope, receive, send)
            return
        writer = self.writer
        inference_time = writer.clock()
        request = BodyTee(writer.max_body_bytes)
        response = BodyTee(writer.max_body_bytes)
        output_content_type = ""
        complete = False

        async def tee_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request.add(message.get("body", b""))
            return message

        async def tee_send(message: Message) -> None:
            nonlocal output_content_type, complete
            if message["type"] == "http.response.start":
                output_content_type = header_value(message.get("headers", []), (b"content-type",)) or ""
            elif message["type"] == "http.response.body":
                response.add(message.get("body", b""))
                complete = not message.get("more_body", False)
            await send(message)

        await self.app(scope, tee_receive, tee_send)
        if complete:
            headers = scope.get("headers", [])
            writer.submit(
                Exchange(
                    inference_time=inference_time,
                    input_body=request.body(),
                    input_size=request.size,
                    input_content_type=header_value(headers, (b"content-type",)) or "",
                    output_body=response.body(),
                    output_size=response.size,
                    output_content_type=output_content_type,
                    inference_id=header_value(headers, INFERENCE_ID_HEADERS),
                    custom_attributes=header_value(headers, CUSTOM_ATTRIBUTES_HEADERS),
                )
            )

    def _closing_send(self, send: Send) -> Send:
        """Close the writer when the app has shut down: uvicorn re-raises SIGTERM right after, so
        the process dies without running `atexit` handlers."""

        async def lifespan_send(message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                await asyncio.to_thread(self.writer.close)
            await send(message)

        return lifespan_send


class CaptureWSGIMiddleware:
    def __init__(self, app: WSGIApp, writer: CaptureWriter) -> None:
        self.app = app
        self.writer = writer

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not self.writer.should_capture():
            return self.app(environ, start_response)
        inference_time = self.writer.clock()
        request = BodyTee(self.writer.max_body_bytes)
        environ["wsgi.input"] = _TeeInput(environ["wsgi.input"], request)
        output_content_type = [""]

        def tee_start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            output_content_type[0] = next(
                (value for name, value in headers if name.lower() == "content-type"), ""
            )
            return start_response(status, headers, exc_info)

        def submit(response: BodyTee) -> None:
            self.writer.submit(
                Exchange(
                    inference_time=inference_time,
                    input_body=request.body(),
                    input_size=request.size,
                    input_content_type=environ.get("CONTENT_TYPE", ""),
                    output_body=response.body(),
                    output_size=response.size,
                    output_content_type=output_content_type[0],
                    inference_id=_environ_header(environ, INFERENCE_ID_HEADERS),
                    custom_attributes=_environ_header(environ, CUSTOM_ATTRIBUTES_HEADERS),
                )
            )

        return _TeeResponse(
            self.app(environ, tee_start_response), BodyTee(self.writer.max_body_bytes), submit
        )


class _TeeInput:
    """`wsgi.input` that records what the app reads."""

    def __init__(self, stream: Any, tee: BodyTee) -> None:
        self._stream = stream
        self._tee = tee

    def read(self, *args: Any) -> bytes:
        return self._keep(self._stream.read(*args))

    def readline(self, *args: Any) -> bytes:
        return self._keep(self._stream.readline(*args))

    def readlines(self, *args: Any) -> list[bytes]:
        return [self._keep(line) for line in self._stream.readlines(*args)]

    def __iter__(self) -> Iterator[bytes]:
        return (self._keep(line) for line in self._stream)

    def _keep(self, data: bytes) -> bytes:
        self._tee.add(data)
        return data


class _TeeResponse:
    """The app's response iterable; the exchange is submitted when the server closes it."""

    def __init__(self, body: Iterable[bytes], tee: BodyTee, submit: Callable[[BodyTee], None]) -> None:
        self._body = body
        self._tee = tee
        self._submit = submit

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._body:
            self._tee.add(chunk)
            yield chunk

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._submit(self._tee)


def _environ_header(environ: dict[str, Any], names: tuple[bytes, ...]) -> str | None:
    for name in names:
        value = environ.get("HTTP_" + name.decode("ascii").upper().replace("-", "_"))
        if value is not None:
            return str(value)
    return None
