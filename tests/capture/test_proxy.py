"""The capture proxy through a real upstream on loopback."""

from __future__ import annotations

import json
import re
import socket
import socketserver
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from modelwatch._httpkernels import count_exchange

from modelwatch.capture import CaptureWriter
from modelwatch.capture.metrics import LATENCY_BUCKETS, ProxyMetrics
from modelwatch.capture.proxy import CaptureProxy

from .conftest import RunningProxy, read_records
from .servers import BINARY_BODY, Upstream, serve_config_in_thread, serve_in_thread, serve_proxy_in_thread

CASES = [
    ("POST", "/echo", b'{"instances": [[1, 2.5, "x"]]}', "application/json"),
    ("POST", "/echo", b"1,2.5,x\n3,4,y\n", "text/csv"),
    ("POST", "/echo", bytes(range(256)) * 10, "application/octet-stream"),
    ("GET", "/binary", b"", ""),
    ("HEAD", "/binary", b"", ""),
    ("POST", "/stream?chunks=8", b"1,2\n", "text/csv"),
    ("POST", "/echo?status=400", b'{"bad": "input"}', "application/json"),
    ("POST", "/echo?status=503", b"overloaded", "text/plain"),
    ("PUT", "/echo?a=1&a=2&b=%20x", b'{"b": 2}', "application/json"),
]


def _comparable(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers (but the Date, which may tick between the two requests) and the body bytes."""
    headers = sorted((name, value) for name, value in response.headers.multi_items() if name != "date")
    return response.status_code, headers, response.content


@pytest.mark.parametrize(("method", "path", "body", "content_type"), CASES)
def test_client_gets_the_same_bytes_with_and_without_the_proxy(
    proxy: RunningProxy, method: str, path: str, body: bytes, content_type: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    with httpx.Client() as client:
        direct = client.request(method, proxy.upstream_url + path, content=body, headers=headers)
        proxied = client.request(method, proxy.url + path, content=body, headers=headers)
    assert _comparable(proxied) == _comparable(direct)
    assert proxy.writer.flush()
    (record,) = read_records(proxy.destination)
    assert record.endpoint_input is not None
    assert record.endpoint_output is not None
    assert record.endpoint_input.payload_bytes() == body
    assert record.endpoint_output.payload_bytes() == direct.content
    assert record.endpoint_output.observed_content_type == direct.headers["content-type"]


def test_streamed_response_arrives_chunk_by_chunk(proxy: RunningProxy) -> None:
    with httpx.Client() as client, client.stream("GET", proxy.url + "/stream?chunks=5") as response:
        assert "content-length" not in response.headers
        chunks = list(response.iter_raw())
    assert b"".join(chunks) == b"".join(f"{index},a,b\n".encode() for index in range(5))
    assert len(chunks) > 1


def test_request_is_forwarded_unchanged_except_hop_by_hop_headers(proxy: RunningProxy) -> None:
    response = httpx.request(
        "PATCH",
        proxy.url + "/headers?q=a%2Fb&empty=",
        content=b"payload",
        headers={
            "x-custom": "kept",
            "connection": "keep-alive, x-drop-me",
            "x-drop-me": "1",
            "te": "trailers",
        },
    )
    seen = response.json()
    assert seen["method"] == "PATCH"
    assert seen["path"] == "/headers"
    assert seen["query"] == "q=a%2Fb&empty="
    assert seen["headers"]["x-custom"] == "kept"
    assert seen["headers"]["content-length"] == "7"
    assert "x-drop-me" not in seen["headers"]
    assert "te" not in seen["headers"]
    assert seen["headers"]["host"] == proxy.upstream_url.removeprefix("http://")
    assert seen["headers"]["x-forwarded-host"] == proxy.url.removeprefix("http://")
    assert proxy.upstream.seen[-1]["body"] == b"payload"


def test_connections_to_the_upstream_are_pooled(proxy: RunningProxy) -> None:
    for _ in range(20):
        assert httpx.post(proxy.url + "/echo", content=b"{}").status_code == 200
    assert len({hit["client_port"] for hit in proxy.upstream.seen}) == 1


def test_inference_id_and_custom_attributes_are_captured(proxy: RunningProxy) -> None:
    httpx.post(proxy.url + "/echo", content=b"{}", headers={"X-Inference-Id": "id-1"})
    httpx.post(
        proxy.url + "/echo",
        content=b"{}",
        headers={"X-Amzn-SageMaker-Inference-Id": "id-2", "X-Amzn-SageMaker-Custom-Attributes": "c=1"},
    )
    httpx.post(proxy.url + "/echo", content=b"{}")
    assert proxy.writer.flush()
    metadata = [record.event_metadata for record in read_records(proxy.destination)]
    assert [(item.inference_id, item.custom_attributes) for item in metadata] == [
        ("id-1", None),
        ("id-2", "c=1"),
        (None, None),
    ]
    assert len({item.event_id for item in metadata}) == 3


def test_bodies_invalid_for_their_content_type_are_captured_as_they_are(proxy: RunningProxy) -> None:
    not_utf8 = b"\xff\xfe,1,2\n"
    broken_json = b'{"a": [1, 2'
    assert (
        httpx.post(proxy.url + "/echo", content=not_utf8, headers={"content-type": "text/csv"}).content
        == not_utf8
    )
    response = httpx.post(
        proxy.url + "/echo", content=broken_json, headers={"content-type": "application/json"}
    )
    assert response.content == broken_json
    assert proxy.writer.flush()
    first, second = read_records(proxy.destination)
    assert first.endpoint_input is not None
    assert first.endpoint_input.encoding == "BASE64"
    assert first.endpoint_input.payload_bytes() == not_utf8
    assert second.endpoint_input is not None
    assert (second.endpoint_input.encoding, second.endpoint_input.data) == ("JSON", broken_json.decode())


def test_large_bodies_are_forwarded_whole_and_captured_up_to_the_limit(proxy: RunningProxy) -> None:
    body = b"1,2,3\n" * 50_000
    response = httpx.post(proxy.url + "/echo", content=body, headers={"content-type": "text/csv"})
    assert response.content == body
    assert proxy.writer.flush()
    (record,) = read_records(proxy.destination)
    for payload in (record.endpoint_input, record.endpoint_output):
        assert payload is not None
        assert payload.truncated
        assert payload.original_size_bytes == len(body)
        assert payload.payload_bytes() == body[: proxy.writer.max_body_bytes]


def test_upstream_down_gives_502_and_no_capture(tmp_path, unused_port: int) -> None:
    writer = CaptureWriter(str(tmp_path), "demo")
    metrics = ProxyMetrics(writer)
    app = CaptureProxy(f"http://127.0.0.1:{unused_port}", writer, metrics)
    with serve_proxy_in_thread(app) as url:
        response = httpx.post(url + "/echo", content=b"{}")
    writer.close()
    assert response.status_code == 502
    assert metrics.upstream_errors == 1
    assert read_records(tmp_path) == []


def test_slow_upstream_gives_504(proxy: RunningProxy) -> None:
    response = httpx.get(proxy.url + "/slow?seconds=3", timeout=10)
    assert response.status_code == 504
    assert httpx.post(proxy.url + "/echo", content=b"{}").status_code == 200


def test_absolute_uri_and_host_header_cannot_reach_another_host(proxy: RunningProxy) -> None:
    other = Upstream()
    with serve_in_thread(other) as other_url:
        other_authority = other_url.removeprefix("http://")
        host, port = proxy.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as connection:
            request = f"GET {other_url}/echo HTTP/1.1\r\nHost: {other_authority}\r\nConnection: close\r\n\r\n"
            connection.sendall(request.encode())
            reply = b""
            while chunk := connection.recv(65536):
                reply += chunk
        httpx.get(proxy.url + "/echo", headers={"host": other_authority})
    assert other.seen == []
    assert reply.startswith(b"HTTP/1.1 ")
    assert [hit["path"] for hit in proxy.upstream.seen] == ["/echo", "/echo"]


def test_metrics_and_health(proxy: RunningProxy) -> None:
    from modelwatch.capture.metrics import start_metrics_server

    server = start_metrics_server(proxy.metrics, "127.0.0.1", 0)
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        for _ in range(3):
            httpx.post(proxy.url + "/echo", content=b"{}")
        httpx.post(proxy.url + "/echo?status=500", content=b"{}")
        assert proxy.writer.flush()
        text = httpx.get(base + "/metrics").text
        health = httpx.get(base + "/healthz")
    finally:
        server.shutdown()
    samples = {
        line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines() if line and line[0] != "#"
    }
    assert samples['modelwatch_capture_requests_total{code="200"}'] == 3
    assert samples['modelwatch_capture_requests_total{code="500"}'] == 1
    assert samples["modelwatch_capture_captured_records_total"] == 4
    assert samples["modelwatch_capture_dropped_records_total"] == 0
    assert samples["modelwatch_capture_written_bytes_total"] > 0
    assert samples["modelwatch_capture_queue_depth"] == 0
    assert samples["modelwatch_capture_upstream_latency_seconds_count"] == 4
    assert samples["modelwatch_capture_added_latency_seconds_count"] == 4
    assert samples['modelwatch_capture_upstream_latency_seconds_bucket{le="+Inf"}'] == 4
    assert samples["modelwatch_capture_upstream_latency_seconds_sum"] > 0
    assert health.status_code == 200
    proxy.writer.close()
    stopped = start_metrics_server(proxy.metrics, "127.0.0.1", 0)
    try:
        assert httpx.get(f"http://127.0.0.1:{stopped.server_port}/healthz").status_code == 503
        assert httpx.get(f"http://127.0.0.1:{stopped.server_port}/other").status_code == 404
    finally:
        stopped.shutdown()


def test_proxy_with_base_path_and_output_only(upstream: tuple[str, Upstream], tmp_path) -> None:
    upstream_url, app = upstream
    writer = CaptureWriter(str(tmp_path), "demo", capture="output")
    proxy_app = CaptureProxy(upstream_url + "/models/", writer, ProxyMetrics(writer))
    with serve_proxy_in_thread(proxy_app) as url:
        response = httpx.post(url + "/predict?x=1", content=json.dumps({"a": 1}).encode())
    writer.close()
    assert response.status_code == 200
    assert app.seen[-1]["path"] == "/models/predict"
    (record,) = read_records(tmp_path)
    assert record.endpoint_input is None
    assert record.endpoint_output is not None


def test_binary_upstream_body_is_captured_base64(proxy: RunningProxy) -> None:
    assert httpx.get(proxy.url + "/binary").content == BINARY_BODY
    assert proxy.writer.flush()
    (record,) = read_records(proxy.destination)
    assert record.endpoint_output is not None
    assert record.endpoint_output.encoding == "BASE64"
    assert record.endpoint_output.payload_bytes() == BINARY_BODY


_SHORT_HEADS = {  # a response cut short: 4 bytes of the 100 its head announces, then the connection closes
    b"GET /short-plain": b"HTTP/1.1 200 OK\r\ncontent-type: text/csv\r\ncontent-length: 100\r\n\r\n",
    b"GET /short-parsed": b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nKeep-Alive: timeout=5\r\n"
    b"content-length: 100\r\n\r\n",  # a hop-by-hop header: httptools parses it, not the fast path
}


class _RawUpstream(socketserver.BaseRequestHandler):
    """Answers the way old or broken servers do: a body ended by closing, a body cut short, or bytes that
    are not HTTP."""

    def handle(self) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            request += self.request.recv(65536)
        short = [head for path, head in _SHORT_HEADS.items() if request.startswith(path)]
        if request.startswith(b"GET /eof"):
            self.request.sendall(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/csv\r\nconnection: close\r\n\r\n1,2\n3,4\n"
            )
        elif short:
            self.request.sendall(short[0] + b"1,2\n")
        else:
            self.request.sendall(b"this is not http\r\n\r\n")


def test_bodies_ended_by_closing_and_broken_responses(tmp_path) -> None:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _RawUpstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    writer = CaptureWriter(str(tmp_path), "demo")
    app = CaptureProxy(f"http://127.0.0.1:{server.server_address[1]}", writer, ProxyMetrics(writer))
    try:
        with serve_proxy_in_thread(app) as url:
            ended_by_close = httpx.get(url + "/eof")
            broken = httpx.get(url + "/broken")
    finally:
        server.shutdown()
        server.server_close()
        writer.close()
    assert (ended_by_close.status_code, ended_by_close.content) == (200, b"1,2\n3,4\n")
    assert broken.status_code == 502
    (record,) = read_records(tmp_path)
    assert record.endpoint_output is not None
    assert record.endpoint_output.data == "1,2\n3,4\n"


def test_a_response_cut_short_reaches_the_client_as_far_as_it_came_then_the_connection_closes(
    tmp_path,
) -> None:
    """A small response is held until its end (one write), but one that never ends is not held back:
    the client gets what came, then the connection is cut, on either path."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _RawUpstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    writer = CaptureWriter(str(tmp_path), "demo")
    app = CaptureProxy(f"http://127.0.0.1:{server.server_address[1]}", writer, ProxyMetrics(writer))
    replies = {}
    try:
        with serve_proxy_in_thread(app) as url:
            host, port = url.removeprefix("http://").split(":")
            for path in ("/short-plain", "/short-parsed"):
                with socket.create_connection((host, int(port)), timeout=10) as connection:
                    connection.sendall(b"GET %s HTTP/1.1\r\nHost: m\r\n\r\n" % path.encode())
                    reply = b""
                    while chunk := connection.recv(65536):
                        reply += chunk
                    replies[path] = reply
    finally:
        server.shutdown()
        server.server_close()
        writer.close()
    expected = b"HTTP/1.1 200 OK\r\ncontent-type: text/csv\r\ncontent-length: 100\r\n\r\n1,2\n"
    assert replies["/short-plain"] == expected
    assert replies["/short-parsed"] == expected.replace(b"content-type", b"Content-Type")
    assert app.metrics.upstream_errors == 2


def test_connections_the_upstream_closed_while_idle_are_not_reused(tmp_path) -> None:
    upstream = Upstream()
    config = uvicorn.Config(
        upstream, host="127.0.0.1", port=0, log_level="warning", timeout_keep_alive=1, proxy_headers=False
    )
    writer = CaptureWriter(str(tmp_path), "demo")
    with serve_config_in_thread(config) as upstream_url:
        app = CaptureProxy(upstream_url, writer, ProxyMetrics(writer))
        with (
            serve_proxy_in_thread(app) as url,
            httpx.Client() as client,
        ):
            assert client.post(url + "/echo", content=b"{}").status_code == 200
            time.sleep(1.5)  # the upstream closes the idle connection after 1 s
            assert client.post(url + "/echo", content=b"{}").status_code == 200
    writer.close()
    assert len({hit["client_port"] for hit in upstream.seen}) == 2


def test_latency_histograms_count_each_observation_in_its_bucket(tmp_path: Path) -> None:
    from prometheus_client import generate_latest

    with CaptureWriter(str(tmp_path), "histograms") as writer:
        metrics = ProxyMetrics(writer)
        for seconds in (0.0005, 0.0007, 0.003, 30.0):
            # as the proxy counts an answered request; a negative added time counts as none
            count_exchange(metrics.values, LATENCY_BUCKETS, 201, seconds, -0.001)
        metrics.count_request(502)
        text = generate_latest(metrics.registry).decode()
    upstream = "modelwatch_capture_upstream_latency_seconds"
    assert f'{upstream}_bucket{{le="0.0005"}} 1.0' in text
    assert f'{upstream}_bucket{{le="0.001"}} 2.0' in text
    assert f'{upstream}_bucket{{le="0.005"}} 3.0' in text
    assert f'{upstream}_bucket{{le="10.0"}} 3.0' in text
    assert f'{upstream}_bucket{{le="+Inf"}} 4.0' in text
    assert f"{upstream}_count 4.0" in text
    assert f"{upstream}_sum 30.0042" in text
    assert 'modelwatch_capture_added_latency_seconds_bucket{le="0.0005"} 4.0' in text
    assert "modelwatch_capture_added_latency_seconds_sum 0.0" in text
    assert metrics.snapshot().requests == {201: 4, 502: 1}


class _SplittingUpstream(socketserver.BaseRequestHandler):
    """Keep-alive HTTP/1.1 by hand: it answers each request with a Content-Length response whose head
    and body leave in separate writes 50 ms apart when the request path is /split, in one write
    otherwise."""

    def handle(self) -> None:
        pending = b""
        while True:
            while b"\r\n\r\n" not in pending:
                data = self.request.recv(65536)
                if not data:
                    return
                pending += data
            head, _, pending = pending.partition(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
            while len(pending) < length:
                pending += self.request.recv(65536)
            body, pending = pending[:length], pending[length:]
            answer = b'{"echo": "%s"}' % body
            response_head = (
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
                % len(answer)
            )
            if head.split(b" ")[1] == b"/split":
                self.request.sendall(response_head)
                time.sleep(0.05)
                self.request.sendall(answer)
            else:
                self.request.sendall(response_head + answer)


def test_requests_and_responses_split_across_reads_or_whole_mix_on_one_connection(tmp_path) -> None:
    """The fast path takes what comes whole in one read, httptools what does not, one after another on
    the same client and upstream connections: every answer and every record comes out right, and a
    response whose head came 50 ms before its body still reaches the client in one piece."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SplittingUpstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    writer = CaptureWriter(str(tmp_path), "demo")
    app = CaptureProxy(f"http://127.0.0.1:{server.server_address[1]}", writer, ProxyMetrics(writer))
    exchanges = [
        ("/whole", b"a", False),
        ("/split", b"b", False),
        ("/whole", b"c", True),
        ("/split", b"d", True),
    ]
    replies, first_reads = [], []
    try:
        with serve_proxy_in_thread(app) as url:
            host, port = url.removeprefix("http://").split(":")
            with socket.create_connection((host, int(port)), timeout=10) as connection:
                for path, body, split_request in exchanges:
                    head = (
                        b"POST %s HTTP/1.1\r\nHost: m\r\nContent-Type: application/json\r\n" % path.encode()
                    )
                    request = head + b"Content-Length: %d\r\n\r\n" % len(body)
                    if split_request:  # the head, then the body in a later read
                        connection.sendall(request)
                        time.sleep(0.05)
                        connection.sendall(body)
                    else:
                        connection.sendall(request + body)
                    expected = b'{"echo": "%s"}' % body
                    reply = connection.recv(65536)
                    first_reads.append(reply)
                    while not reply.endswith(expected):
                        reply += connection.recv(65536)
                    replies.append(reply)
        assert writer.flush()
    finally:
        server.shutdown()
        server.server_close()
        writer.close()
    assert first_reads == replies
    for reply, (_, body, _) in zip(replies, exchanges, strict=True):
        answer = b'{"echo": "%s"}' % body
        assert reply == (
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(answer)
            + answer
        )
    records = read_records(tmp_path)
    assert [(r.endpoint_input.data, r.endpoint_output.data) for r in records] == [  # type: ignore[union-attr]
        (body.decode(), (b'{"echo": "%s"}' % body).decode()) for _, body, _ in exchanges
    ]
