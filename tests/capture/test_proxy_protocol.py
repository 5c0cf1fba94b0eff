"""The proxy's own HTTP/1.1 server side, over raw sockets: what uvicorn used to do for it."""

from __future__ import annotations

import socket
import time

import httpx

from modelwatch.capture import CaptureWriter
from modelwatch.capture.metrics import ProxyMetrics
from modelwatch.capture.proxy import MAX_HEAD_BYTES, CaptureProxy

from .conftest import RunningProxy, read_records
from .servers import Upstream, serve_in_thread, serve_proxy_in_thread


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _read_until_closed(connection: socket.socket) -> bytes:
    reply = b""
    while chunk := connection.recv(65536):
        reply += chunk
    return reply


def _request(path: str, body: bytes, *extra: str, version: str = "1.1") -> bytes:
    lines = [f"POST {path} HTTP/{version}", "Host: model", f"Content-Length: {len(body)}", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def test_pipelined_requests_are_answered_in_order(proxy: RunningProxy) -> None:
    with _connect(proxy.url) as connection:
        connection.sendall(
            _request("/echo", b"first")
            + _request("/echo?status=201", b"second")
            + _request("/echo", b"third", "Connection: close")
        )
        reply = _read_until_closed(connection)
    assert reply.count(b"HTTP/1.1 ") == 3
    assert reply.index(b"first") < reply.index(b"second") < reply.index(b"third")
    assert reply.index(b"HTTP/1.1 201") < reply.index(b"second")
    assert proxy.writer.flush()
    inputs = [record.endpoint_input for record in read_records(proxy.destination)]
    assert [payload.payload_bytes() for payload in inputs if payload] == [b"first", b"second", b"third"]


def test_http_10_client_gets_a_streamed_body_ended_by_closing(proxy: RunningProxy) -> None:
    with _connect(proxy.url) as connection:
        connection.sendall(_request("/stream?chunks=3", b"1,2\n", version="1.0"))
        reply = _read_until_closed(connection)
    head, _, body = reply.partition(b"\r\n\r\n")
    assert b"transfer-encoding" not in head.lower()
    assert b"connection: close" in head.lower()
    assert body == b"0,a,b\n1,a,b\n2,a,b\n"


def test_http_11_client_gets_a_streamed_body_chunked(proxy: RunningProxy) -> None:
    with _connect(proxy.url) as connection:
        connection.sendall(_request("/stream?chunks=2", b"1,2\n", "Connection: close"))
        reply = _read_until_closed(connection)
    head, _, body = reply.partition(b"\r\n\r\n")
    assert b"transfer-encoding: chunked" in head
    assert body == b"6\r\n0,a,b\n\r\n6\r\n1,a,b\n\r\n0\r\n\r\n"


def test_expect_100_continue_is_answered_before_the_body(proxy: RunningProxy) -> None:
    with _connect(proxy.url) as connection:
        head = _request("/echo", b"{}", "Expect: 100-continue", "Connection: close")[:-2]
        connection.sendall(head)
        assert connection.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"
        connection.sendall(b"{}")
        reply = _read_until_closed(connection)
    assert reply.startswith(b"HTTP/1.1 200 OK\r\n")
    assert reply.endswith(b"\r\n\r\n{}")
    assert "expect" not in proxy.upstream.seen[-1]["headers"]


def test_reason_phrase_comes_from_the_upstream(proxy: RunningProxy) -> None:
    with _connect(proxy.url) as connection:
        connection.sendall(_request("/echo?status=418", b"{}", "Connection: close"))
        reply = _read_until_closed(connection)
    assert reply.startswith(b"HTTP/1.1 418 I'm a Teapot\r\n")  # uvicorn's phrase, passed through


def test_invalid_request_gets_400_and_the_connection_closes(proxy: RunningProxy) -> None:
    with _connect(proxy.url) as connection:
        connection.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        reply = _read_until_closed(connection)
    assert reply.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert proxy.upstream.seen == []
    assert proxy.metrics.snapshot().requests == {400: 1}


def test_client_leaving_mid_response_leaves_the_proxy_serving(proxy: RunningProxy) -> None:
    with _connect(proxy.url) as connection:
        connection.sendall(_request("/slow?seconds=0.3", b"{}"))
    time.sleep(0.5)
    assert httpx.post(proxy.url + "/echo", content=b"{}").status_code == 200
    assert proxy.writer.flush()
    assert len(read_records(proxy.destination)) == 1  # the abandoned exchange is not captured


def test_idle_client_connections_are_closed_after_the_keep_alive_timeout(tmp_path) -> None:
    upstream = Upstream()
    writer = CaptureWriter(str(tmp_path), "demo")
    with serve_in_thread(upstream) as upstream_url:
        proxy = CaptureProxy(upstream_url, writer, ProxyMetrics(writer), keep_alive_seconds=0.5)
        with serve_proxy_in_thread(proxy) as url, _connect(url) as connection:
            connection.sendall(_request("/echo", b"{}"))
            assert connection.recv(65536).startswith(b"HTTP/1.1 200")
            started = time.monotonic()
            assert connection.recv(65536) == b""  # closed by the proxy, not by us
            assert 0.4 < time.monotonic() - started < 3.0
    writer.close()


def test_stop_lets_the_request_in_flight_finish(tmp_path) -> None:
    upstream = Upstream()
    writer = CaptureWriter(str(tmp_path), "demo")
    with serve_in_thread(upstream) as upstream_url:
        proxy = CaptureProxy(upstream_url, writer, ProxyMetrics(writer))
        with serve_proxy_in_thread(proxy) as url:
            connection = _connect(url)
            connection.sendall(_request("/slow?seconds=0.5", b"{}"))
            time.sleep(0.1)
        # serve_proxy_in_thread has stopped the proxy: the slow request was answered first
        reply = _read_until_closed(connection)
        connection.close()
    writer.close()
    assert reply.startswith(b"HTTP/1.1 200")
    assert reply.endswith(b'{"slow":true}')
    assert len(read_records(tmp_path)) == 1


def test_a_request_head_over_the_limit_gets_431(proxy: RunningProxy) -> None:
    with _connect(proxy.url) as connection:
        connection.sendall(_request("/echo", b"{}", f"X-Big: {'a' * (MAX_HEAD_BYTES + 1)}"))
        reply = _read_until_closed(connection)
    assert reply.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert proxy.upstream.seen == []


def test_http_10_keep_alive_client_is_told_the_connection_stays_open(proxy: RunningProxy) -> None:
    with _connect(proxy.url) as connection:
        connection.sendall(_request("/echo", b"{}", "Connection: keep-alive", version="1.0"))
        first = connection.recv(65536)
        connection.sendall(_request("/echo", b"[]", version="1.0"))
        second = _read_until_closed(connection)
    assert b"connection: keep-alive\r\n" in first.lower()
    assert first.endswith(b"{}")
    assert second.endswith(b"[]")
    assert len({hit["client_port"] for hit in proxy.upstream.seen}) == 1


def test_upstream_timeout_counts_from_the_last_byte_not_from_the_request(tmp_path) -> None:
    upstream = Upstream()
    writer = CaptureWriter(str(tmp_path), "demo")
    with serve_in_thread(upstream) as upstream_url:
        proxy = CaptureProxy(upstream_url, writer, ProxyMetrics(writer), timeout_seconds=0.4)
        with serve_proxy_in_thread(proxy) as url:
            streamed = httpx.get(url + "/stream?chunks=6&gap=0.15", timeout=10)  # 0.9 s in all
            started = time.monotonic()
            silent = httpx.get(url + "/slow?seconds=2", timeout=10)
            waited = time.monotonic() - started
    writer.close()
    assert (streamed.status_code, streamed.content.count(b"\n")) == (200, 6)
    assert silent.status_code == 504
    assert 0.4 <= waited < 1.0  # the sweep runs every timeout / 4
