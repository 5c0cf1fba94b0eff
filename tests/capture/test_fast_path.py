"""The proxy's C fast path (`modelwatch._httpkernels`) against its httptools path, byte for byte.

Each request and response is put through one proxy connection twice: once as httptools parses it,
once through the fast path. The fast path may decline anything (the httptools path then handles it),
but what it takes must come out exactly as the httptools path would have it: the bytes sent to the
upstream and to the client, the captured exchange, the status counted, the upstream connection kept.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from modelwatch._httpkernels import POSTPONE_BELOW, forward_request, plain_response

from modelwatch.capture.exchange import Exchange
from modelwatch.capture.metrics import ProxyMetrics
from modelwatch.capture.proxy import (
    _FAST_PATH_RULES,
    HOP_BY_HOP,
    HOP_BY_HOP_NAMES,
    CaptureProxy,
    _ClientConnection,
)
from modelwatch.capture.upstream import UpstreamConnection
from modelwatch.capture.writer import CaptureWriter


@dataclass
class _Transport:
    """Where a connection's writes land: the test reads them instead of a socket."""

    written: list[bytes] = field(default_factory=list)
    closed: bool = False

    def write(self, data: bytes) -> None:
        self.written.append(bytes(data))

    def writelines(self, parts: list[bytes]) -> None:
        self.written.append(b"".join(parts))

    def get_extra_info(self, name: str) -> object:
        return ("203.0.113.7", 40000) if name == "peername" else None

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class _RecordingWriter(CaptureWriter):
    """A real writer that also keeps the exchanges it is given (by `put`, its queue's C call, or by
    `submit`), for comparison."""

    def __init__(self, destination: Path) -> None:
        super().__init__(str(destination), "fast-path", max_body_bytes=64)
        self.exchanges: list[Exchange] = []
        queue_put = self.put

        def put(*fields: object) -> bool:
            queued = queue_put(*fields)
            if queued:
                self.exchanges.append(Exchange(0.0, *fields[1:]))  # type: ignore[arg-type]
            return queued

        self.put = put  # type: ignore[method-assign]

    def submit(self, exchange: Exchange) -> bool:
        exchange.inference_time = 0.0
        self.exchanges.append(exchange)
        return super().submit(exchange)


@dataclass
class _Outcome:
    to_upstream: list[bytes]
    to_client: list[bytes]
    exchanges: list[Exchange]
    statuses: dict[int, int]
    upstream_kept: bool
    queued_at_writes: list[int]  # records queued by the time of each write to the client


class _Harness:
    """One proxy, one client connection and one upstream connection on fake transports, in a loop."""

    def __init__(self, destination: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.writer = _RecordingWriter(destination)
        self.proxy = CaptureProxy("http://model.internal:8080/base", self.writer, ProxyMetrics(self.writer))
        self.parsed_reads = 0  # of the last exchange's response: reads that went to httptools

    def close(self) -> None:
        self.writer.close()
        self.loop.close()

    def run(self, request: bytes, response: bytes, *, fast: bool, cuts: tuple[int, ...] = ()) -> _Outcome:
        """One exchange; the response arrives in one read, or in several cut at `cuts`."""
        return self.loop.run_until_complete(self._exchange(request, response, fast, cuts))

    async def _exchange(self, request: bytes, response: bytes, fast: bool, cuts: tuple[int, ...]) -> _Outcome:
        self.writer.exchanges = []
        self.proxy.metrics = ProxyMetrics(self.writer)
        pool = self.proxy.pool
        upstream = UpstreamConnection(self.loop, pool._busy, pool.hop_by_hop)
        upstream_transport = _Transport()
        upstream.connection_made(upstream_transport)  # type: ignore[arg-type]
        upstream.idle_since = self.loop.time()
        pool._idle[:] = [upstream]
        client = _ClientConnection(self.proxy)
        client_transport = _Transport()
        queued_before = self.writer.stats.submitted
        queued_at_writes: list[int] = []

        def write(data: bytes) -> None:
            queued_at_writes.append(self.writer.stats.submitted - queued_before)
            _Transport.write(client_transport, data)

        def writelines(parts: list[bytes]) -> None:
            queued_at_writes.append(self.writer.stats.submitted - queued_before)
            _Transport.writelines(client_transport, parts)

        client_transport.write = write  # type: ignore[method-assign]
        client_transport.writelines = writelines  # type: ignore[method-assign]
        client.connection_made(client_transport)  # type: ignore[arg-type]
        if not fast:
            client._parser_idle = False  # as if httptools held part of a request: it parses this one
        client.data_received(request)
        sent = list(upstream_transport.written)
        self.parsed_reads = 0
        parse = upstream._parse

        def counted_parse(data: bytes) -> None:
            self.parsed_reads += 1
            parse(data)

        upstream._parse = counted_parse  # type: ignore[method-assign]
        if sent:
            if not fast:
                upstream._whole = False  # the httptools path for the response too
            bounds = [0, *sorted(set(cuts)), len(response)]
            for start, end in itertools.pairwise(bounds):
                if end > start:
                    upstream.data_received(response[start:end])
        kept = upstream in pool._idle
        pool._idle.clear()
        for task in asyncio.all_tasks(self.loop) - {asyncio.current_task()}:
            task.cancel()  # a retry or a pipelined request's connection attempt: not part of the comparison
        statuses = self.proxy.metrics.snapshot().requests
        written = client_transport.written
        return _Outcome(sent, written, self.writer.exchanges, statuses, kept, queued_at_writes)


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[_Harness]:
    running = _Harness(tmp_path)
    yield running
    running.close()


PLAIN_REQUEST = (
    b"POST /invocations?x=1 HTTP/1.1\r\nHost: proxy.example:80\r\nContent-Type: application/json\r\n"
    b"X-Amzn-SageMaker-Inference-Id: abc-1\r\nX-Custom-Attributes: tenant=7\r\nContent-Length: 13\r\n\r\n"
    b'{"x": [1, 2]}'
)
PLAIN_RESPONSE = (
    b"HTTP/1.1 200 OK\r\ndate: Sun, 29 Nov 2026 07:00:00 GMT\r\nserver: uvicorn\r\n"
    b"content-type: application/json\r\ncontent-length: 22\r\n\r\n"
    b'{"predictions":[0.42]}'
)


def test_plain_traffic_takes_the_fast_path_and_matches_httptools(harness: _Harness) -> None:
    assert plain_response(PLAIN_RESPONSE, HOP_BY_HOP_NAMES) == (
        200,
        "application/json",
        len(PLAIN_RESPONSE) - 22,
    )
    fast = harness.run(PLAIN_REQUEST, PLAIN_RESPONSE, fast=True)
    reference = harness.run(PLAIN_REQUEST, PLAIN_RESPONSE, fast=False)
    assert fast == reference
    assert fast.to_client == [PLAIN_RESPONSE]
    assert fast.to_upstream[0].startswith(
        b"POST /base/invocations?x=1 HTTP/1.1\r\nhost: model.internal:8080\r\n"
    )
    assert b"x-forwarded-host: proxy.example:80\r\n" in fast.to_upstream[0]
    (exchange,) = fast.exchanges
    assert (exchange.inference_id, exchange.custom_attributes) == ("abc-1", "tenant=7")
    assert fast.upstream_kept
    assert fast.queued_at_writes == [1]  # the record is queued before the client can have the response


# -- generated traffic: pieces that are plain, and pieces that each break plainness in one way ------


def _mostly(plain: st.SearchStrategy, odd: st.SearchStrategy) -> st.SearchStrategy:
    """`plain` about nine times in ten: traffic the fast path takes, with one odd piece now and then
    (`one_of` would pick either about as often, and a request has a dozen pieces)."""
    return st.sampled_from([False] * 9 + [True]).flatmap(lambda is_odd: odd if is_odd else plain)


_TOKEN = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!#$%&'*+^`|~", min_size=1, max_size=12
)
_VISIBLE = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=16)
_SPECIAL_NAMES = st.sampled_from(
    [
        "Host",
        "host",
        "Content-Type",
        "content-type",
        "X-Inference-Id",
        "x-amzn-sagemaker-inference-id",
        "X-Amzn-SageMaker-Custom-Attributes",
        "X-Custom-Attributes",
    ]
)
_ODD_NAMES = st.sampled_from(
    [
        "Connection",
        "Keep-Alive",
        "Transfer-Encoding",
        "Expect",
        "Upgrade",
        "TE",
        "Proxy-Authorization",
        "Bad Name",
        "",
        "Na\x80me",
        "Content-Length",
    ]
)
_HEADER_NAMES = _mostly(st.one_of(_TOKEN, _SPECIAL_NAMES), _ODD_NAMES)
_VALUE_BYTES = _mostly(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20).map(str.encode),
    st.one_of(
        st.binary(max_size=12),
        st.sampled_from(
            [b"", b" ", b"\t", b"close", b"chunked", b"100-continue", b"a\x7fb", b"\xc3\xa9", b"a\tb "]
        ),
    ),
)
_SEPARATORS = _mostly(st.just(b": "), st.sampled_from([b":", b":  ", b":\t", b" :", b": \t"]))
_LINE_ENDS = _mostly(st.just(b"\r\n"), st.just(b"\n"))
_TRAILING = _mostly(st.just(b""), st.sampled_from([b"GET / HTTP/1.1\r\n\r\n", b"x", b"HTTP/1.1 200 OK\r\n"]))


@st.composite
def _headers(draw: st.DrawFn) -> list[bytes]:
    lines = []
    for _ in range(draw(st.integers(0, 5))):
        name = draw(_HEADER_NAMES).encode("latin-1")
        lines.append(name + draw(_SEPARATORS) + draw(_VALUE_BYTES) + draw(_LINE_ENDS))
    return lines


def _sized_bodies(largest: int) -> st.SearchStrategy[bytes]:
    """Bodies of any size up to `largest`, the size drawn first: `st.binary` alone keeps to a few dozen
    bytes, and the writer's limit here (64) must be crossed too."""
    return st.integers(0, largest).flatmap(lambda size: st.binary(min_size=size, max_size=size))


@st.composite
def _body_and_length(draw: st.DrawFn) -> tuple[bytes, list[bytes]]:
    """A body and its Content-Length lines: right (mostly), missing, wrong, repeated or malformed, or a
    chunked body instead."""
    body = draw(_sized_bodies(100))
    length = str(len(body)).encode()
    lines = draw(
        _mostly(
            st.sampled_from(
                [[b"Content-Length: " + length + b"\r\n"], [b"content-length: " + length + b"\r\n"]]
            ),
            st.sampled_from(
                [
                    [],
                    [b"Content-Length: " + str(len(body) + 1).encode() + b"\r\n"],
                    [b"Content-Length: " + length + b"\r\n", b"Content-Length: " + length + b"\r\n"],
                    [b"Content-Length: +" + length + b"\r\n"],
                    [b"Content-Length: " + length + b" \r\n"],
                    [b"Transfer-Encoding: chunked\r\n"],
                ]
            ),
        )
    )
    if lines == [b"Transfer-Encoding: chunked\r\n"]:
        body = (b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)) if body else b"0\r\n\r\n"
    return body, lines


@st.composite
def _requests(draw: st.DrawFn) -> bytes:
    method = draw(
        _mostly(
            st.sampled_from([b"POST", b"GET", b"PUT", b"PATCH", b"DELETE", b"OPTIONS"]),
            st.sampled_from([b"HEAD", b"get", b"BREW", b"CONNECT"]),
        )
    )
    target = draw(
        _mostly(
            _VISIBLE.map(lambda text: b"/" + text.encode()),
            st.sampled_from(
                [b"*", b"http://elsewhere.example/x", b"/a b", b"/a\x7f", b"/\xc3\xa9", b"", b"x"]
            ),
        )
    )
    version = draw(_mostly(st.just(b"HTTP/1.1"), st.sampled_from([b"HTTP/1.0", b"HTTP/2.0", b"http/1.1"])))
    body, length_lines = draw(_body_and_length())
    headers = draw(st.permutations(draw(_headers()) + length_lines))
    return (
        method
        + b" "
        + target
        + b" "
        + version
        + b"\r\n"
        + b"".join(headers)
        + b"\r\n"
        + body
        + draw(_TRAILING)
    )


@st.composite
def _responses(draw: st.DrawFn) -> bytes:
    status = draw(
        _mostly(
            st.sampled_from(
                [b"200 OK", b"201 Created", b"404 Not Found", b"500 Internal Server Error", b"200  Spaced "]
            ),
            st.sampled_from(
                [
                    b"204 No Content",
                    b"304 Not Modified",
                    b"200",
                    b"200 ",
                    b"2000 OK",
                    b"200 \xc3\xa9",
                    b"103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 200 OK",
                ]
            ),
        )
    )
    version = draw(_mostly(st.just(b"HTTP/1.1"), st.just(b"HTTP/1.0")))
    body, length_lines = draw(_body_and_length())
    headers = draw(st.permutations(draw(_headers()) + length_lines))
    return version + b" " + status + b"\r\n" + b"".join(headers) + b"\r\n" + body + draw(_TRAILING)


_EXAMPLES = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _assert_same_both_ways(harness: _Harness, request: bytes, response: bytes) -> None:
    assert harness.run(request, response, fast=True) == harness.run(request, response, fast=False)


@_EXAMPLES
@given(request=_requests())
def test_a_request_the_fast_path_takes_goes_out_as_httptools_sends_it(
    harness: _Harness, request: bytes
) -> None:
    _assert_same_both_ways(harness, request, PLAIN_RESPONSE)


@_EXAMPLES
@given(response=_responses())
def test_a_response_the_fast_path_takes_reaches_the_client_as_httptools_sends_it(
    harness: _Harness, response: bytes
) -> None:
    _assert_same_both_ways(harness, PLAIN_REQUEST, response)


@_EXAMPLES
@given(data=st.data())
def test_a_response_in_several_reads_reaches_the_client_as_httptools_sends_it(
    harness: _Harness, data: st.DataObject
) -> None:
    """A plain response whose head comes whole in the first read and its body later is passed on as it
    comes; any other goes to httptools from its first read."""
    response = data.draw(_responses())
    cuts = tuple(data.draw(st.lists(st.integers(1, max(1, len(response) - 1)), max_size=3)))
    fast = harness.run(PLAIN_REQUEST, response, fast=True, cuts=cuts)
    assert fast == harness.run(PLAIN_REQUEST, response, fast=False, cuts=cuts)


@_EXAMPLES
@given(
    body=_sized_bodies(200).filter(bool),
    cuts=st.lists(st.integers(0, 199), min_size=1, max_size=3),
)
def test_a_plain_response_in_several_reads_is_passed_on_with_no_parsing(
    harness: _Harness, body: bytes, cuts: list[int]
) -> None:
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(body)
    response = head + body
    whole = harness.run(PLAIN_REQUEST, response, fast=True)
    split = harness.run(
        PLAIN_REQUEST, response, fast=True, cuts=tuple(len(head) + cut % len(body) for cut in cuts)
    )
    assert harness.parsed_reads == 0
    assert split.to_client == [response]  # held to its end: one write, one wake-up of the client
    assert split.queued_at_writes == [1]
    assert (split.exchanges, split.statuses, split.upstream_kept) == (whole.exchanges, whole.statuses, True)


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("length", [POSTPONE_BELOW - 1, POSTPONE_BELOW])
def test_a_response_body_from_64_kib_streams_through_and_a_shorter_one_leaves_whole(
    harness: _Harness, fast: bool, length: int
) -> None:
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: %d\r\n\r\n" % length
    response = head + bytes(range(256)) * (length // 256) + b"x" * (length % 256)
    cuts = (len(head), len(head) + 1000)
    outcome = harness.run(PLAIN_REQUEST, response, fast=fast, cuts=cuts)
    pieces = [response[start:end] for start, end in itertools.pairwise((0, *cuts, len(response)))]
    assert outcome.to_client == ([response] if length < POSTPONE_BELOW else pieces)  # else as it came
    assert outcome.queued_at_writes[-1] == 1
    assert set(outcome.queued_at_writes[:-1]) <= {0}
    assert outcome.statuses == {200: 1}
    assert outcome.upstream_kept


@_EXAMPLES
@given(
    headers=st.lists(
        st.tuples(_TOKEN, st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=20)),
        max_size=6,
    ),
    body=_sized_bodies(200),
)
def test_plain_requests_and_responses_are_all_taken(
    harness: _Harness, headers: list[tuple[str, str]], body: bytes
) -> None:
    """The fast path must not decline what it is for: this test fails if it quietly never runs."""
    ordinary = [
        (name, value)
        for name, value in headers
        if name.lower() not in {"host", "content-length"} and name.lower().encode() not in HOP_BY_HOP
    ]
    lines = b"".join(b"%s: %s\r\n" % (name.encode(), value.encode()) for name, value in ordinary)
    request = (
        b"POST /v1/predict HTTP/1.1\r\nHost: a\r\n" + lines + b"Content-Length: %d\r\n\r\n" % len(body) + body
    )
    response = b"HTTP/1.1 200 OK\r\n" + lines + b"Content-Length: %d\r\n\r\n" % len(body) + body
    proxy = harness.proxy
    assert forward_request(request, _FAST_PATH_RULES, proxy.base_path, proxy.upstream_host, b"") is not None
    assert plain_response(response, HOP_BY_HOP_NAMES) is not None
