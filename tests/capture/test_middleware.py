"""In-process capture: a Starlette app under uvicorn and a Flask app under werkzeug, on loopback."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from flask import Flask, Response, request
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route
from werkzeug.serving import make_server

from modelwatch import CaptureWriter, capture_middleware, capture_wsgi_middleware

from .conftest import read_records
from .servers import serve_in_thread


async def predict(request: Request) -> JSONResponse:
    rows = (await request.json())["instances"]
    return JSONResponse({"predictions": [sum(row) for row in rows]})


async def stream(request: Request) -> StreamingResponse:
    async def rows() -> AsyncIterator[bytes]:
        for index in range(3):
            yield f"{index},x\n".encode()

    return StreamingResponse(rows(), media_type="text/csv")


def test_asgi_middleware_captures_a_starlette_app(tmp_path: Path) -> None:
    writer = CaptureWriter(str(tmp_path), "starlette")
    app = capture_middleware(
        Starlette(routes=[Route("/predict", predict, methods=["POST"]), Route("/s", stream)]), writer
    )
    with serve_in_thread(app) as url:
        response = httpx.post(
            url + "/predict", json={"instances": [[1, 2], [3, 4]]}, headers={"x-inference-id": "r-1"}
        )
        streamed = httpx.get(url + "/s")
    assert not writer.alive  # the server's shutdown closed it, writing every record
    assert response.json() == {"predictions": [3, 7]}
    assert streamed.text == "0,x\n1,x\n2,x\n"
    first, second = read_records(tmp_path)
    assert first.endpoint_input is not None
    assert first.endpoint_output is not None
    assert first.endpoint_input.encoding == "JSON"
    assert first.endpoint_input.payload_bytes() == response.request.content
    assert first.endpoint_output.payload_bytes() == response.content
    assert first.event_metadata.inference_id == "r-1"
    assert second.endpoint_output is not None
    assert (second.endpoint_output.encoding, second.endpoint_output.data) == ("CSV", "0,x\n1,x\n2,x\n")


def test_wsgi_middleware_captures_a_flask_app(tmp_path: Path) -> None:
    flask_app = Flask("model")

    @flask_app.post("/invocations")
    def invocations() -> Response:
        rows = [line.split(",") for line in request.get_data(as_text=True).splitlines()]
        return Response("".join(f"{len(row)}\n" for row in rows), mimetype="text/csv")

    writer = CaptureWriter(str(tmp_path), "flask", sampling_percentage=100)
    flask_app.wsgi_app = capture_wsgi_middleware(flask_app.wsgi_app, writer)  # type: ignore[method-assign]
    server = make_server("127.0.0.1", 0, flask_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        response = httpx.post(
            f"http://127.0.0.1:{server.server_port}/invocations",
            content=b"1,2,3\n4,5\n",
            headers={"content-type": "text/csv", "X-Amzn-SageMaker-Custom-Attributes": "tenant=a"},
        )
    finally:
        server.shutdown()
        thread.join(10)
    writer.close()
    assert response.text == "3\n2\n"
    (record,) = read_records(tmp_path)
    assert record.endpoint_input is not None
    assert record.endpoint_output is not None
    assert (record.endpoint_input.encoding, record.endpoint_input.data) == ("CSV", "1,2,3\n4,5\n")
    assert record.endpoint_output.data == "3\n2\n"
    assert record.endpoint_output.observed_content_type == "text/csv; charset=utf-8"
    assert record.event_metadata.custom_attributes == "tenant=a"
