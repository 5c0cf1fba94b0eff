"""Real servers on loopback for the capture tests: a model-like upstream and uvicorn in a thread."""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs

import uvicorn

from modelwatch.capture.proxy import CaptureProxy
from modelwatch.capture.server import event_loop_factory

BINARY_BODY = random.Random(7).randbytes(50_000)


class Upstream:
    """A raw ASGI model server: echo, CSV, binary, chunked streaming, chosen status codes."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {name.decode(): value.decode() for name, value in scope["headers"]}
        query = {key: values[0] for key, values in parse_qs(scope["query_string"].decode()).items()}
        self.seen.append(
            {"path": scope["path"], "headers": headers, "body": body, "client_port": scope["client"][1]}
        )
        status = int(query.get("status", 200))
        path = scope["path"]
        if path == "/stream":
            await send(
                {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/csv")]}
            )
            for index in range(int(query.get("chunks", 5))):
                await send(
                    {"type": "http.response.body", "body": f"{index},a,b\n".encode(), "more_body": True}
                )
                await asyncio.sleep(float(query.get("gap", 0.01)))
            await send({"type": "http.response.body", "body": b""})
            return
        if path == "/binary":
            content_type, payload = b"application/octet-stream", BINARY_BODY
        elif path == "/headers":
            content_type = b"application/json"
            payload = json.dumps(
                {
                    "method": scope["method"],
                    "path": path,
                    "query": scope["query_string"].decode(),
                    "headers": headers,
                }
            ).encode()
        elif path == "/slow":
            await asyncio.sleep(float(query.get("seconds", 1)))
            content_type, payload = b"application/json", b'{"slow":true}'
        else:
            content_type = headers.get("content-type", "application/json").encode()
            payload = body
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(payload)).encode()),
                    (b"x-model", b"demo"),
                    (b"set-cookie", b"a=1"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


def serve_in_thread(app: Any) -> Any:
    """Run `app` under uvicorn on a free loopback port; yields its base URL. The app sees its real
    peers (no X-Forwarded-For rewriting), so tests can tell connections apart."""
    return serve_config_in_thread(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", proxy_headers=False)
    )


@contextmanager
def serve_config_in_thread(config: uvicorn.Config) -> Iterator[str]:
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def serve_proxy_in_thread(proxy: CaptureProxy) -> Iterator[str]:
    """Run the capture proxy on its own event loop (uvloop, as the command does) on a free port."""
    factory = event_loop_factory()
    loop = factory() if factory is not None else asyncio.new_event_loop()
    port = loop.run_until_complete(proxy.start("127.0.0.1", 0))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(proxy.stop(grace_seconds=5.0), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
