"""The C base types of the proxy's connections and pool (`modelwatch._httpkernels`), on their own.

Their behaviour inside the proxy is tested end to end (test_proxy.py) and against the httptools path
(test_fast_path.py); here are the pool's choices, made with a clock the test sets, and misuse, which
must raise and never crash the interpreter.
"""

from __future__ import annotations

import pytest
from modelwatch._httpkernels import ClientBase, PoolBase, Request, UpstreamBase, now


class _Clock:
    def __init__(self) -> None:
        self.seconds = 100.0

    def __call__(self) -> float:
        return self.seconds


class _Connection(UpstreamBase):
    """An upstream connection whose exchange is complete and kept alive, as after a response."""

    def __init__(self, clock: _Clock, pool: PoolBase) -> None:
        super().__init__(clock, pool._busy, ())
        self._keep_alive = True
        self.resumed = 0

    def close(self) -> None:
        self.closed = True

    def resume(self) -> None:
        self.resumed += 1
        self._paused = False


def test_the_pool_reuses_the_most_recently_released_connection_still_fresh() -> None:
    clock, pool = _Clock(), PoolBase(2, 4.0)
    older, newer, stale = (_Connection(clock, pool) for _ in range(3))
    pool.release(stale)
    clock.seconds += 5.0
    pool.release(older)
    newer._paused = True  # a slow client paused it: it is resumed before it waits in the pool
    pool.release(newer)
    assert pool._idle == [stale, older]  # two at most: the third is closed
    assert newer.closed
    assert newer.resumed == 0
    assert older.idle_since == clock.seconds

    assert pool.take_idle() is older
    assert older.reused
    assert not older.closed
    assert pool.take_idle() is None  # idle for 5 s, over the pool's 4: closed, not reused
    assert stale.closed
    assert not stale.reused
    assert pool._idle == []


def test_the_pool_resumes_a_paused_connection_and_closes_one_that_cannot_carry_another_exchange() -> None:
    clock, pool = _Clock(), PoolBase(8, 4.0)
    paused, unfinished, closing = (_Connection(clock, pool) for _ in range(3))
    paused._paused = True
    unfinished._complete = False
    closing._keep_alive = False
    for connection in (paused, unfinished, closing):
        pool.release(connection)
    assert pool._idle == [paused]
    assert paused.resumed == 1
    assert unfinished.closed
    assert closing.closed
    assert [connection.reusable for connection in (paused, unfinished, closing)] == [True, False, False]


def test_a_request_holds_what_it_was_made_with_and_when() -> None:
    before = now()
    wire = [b"POST / HTTP/1.1\r\n\r\n"]
    request = Request(wire, b"{}", "application/json", "id-1", None, True, False, False)
    assert (request.wire, request.body, request.content_type, request.inference_id) == (
        wire,
        b"{}",
        "application/json",
        "id-1",
    )
    assert (request.custom_attributes, request.keep_alive, request.http_11, request.is_head) == (
        None,
        True,
        False,
        False,
    )
    assert before <= request.received <= now()
    with pytest.raises(AttributeError):
        request.body = b"other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Request((b"not a list",), b"", "", None, None, True, True, False)  # type: ignore[arg-type]


def test_base_types_used_before_their_init_raise() -> None:
    client = ClientBase.__new__(ClientBase)
    upstream = UpstreamBase.__new__(UpstreamBase)
    pool = PoolBase.__new__(PoolBase)
    request = Request([b""], b"", "", None, None, True, True, False)
    for call in (
        lambda: client.data_received(b"GET / HTTP/1.1\r\n\r\n"),
        lambda: client._forward(request),
        lambda: client._exchange_done(now()),
        client._answered,
        lambda: upstream.data_received(b"HTTP/1.1 200 OK\r\n\r\n"),
        lambda: upstream.send([b""], False, client),
        pool.take_idle,
        lambda: pool.release(upstream),
    ):
        with pytest.raises(RuntimeError, match="before its base __init__"):
            call()


class _Sink:
    def writelines(self, parts: list[bytes]) -> None:
        pass


def test_a_plain_response_for_a_client_connection_used_before_its_init_raises() -> None:
    clock, pool = _Clock(), PoolBase(8, 4.0)
    connection = _Connection(clock, pool)
    connection.transport = _Sink()
    connection.send([b"GET / HTTP/1.1\r\n\r\n"], False, ClientBase.__new__(ClientBase), True)
    with pytest.raises(RuntimeError, match="before its base __init__"):
        connection.data_received(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")


def test_misuse_raises_type_errors() -> None:
    clock, pool = _Clock(), PoolBase(8, 4.0)
    pool._idle.append("not a connection")
    with pytest.raises(TypeError, match="holds a str, not a connection"):
        pool.take_idle()
    pool._idle.clear()
    with pytest.raises(TypeError, match="not a connection"):
        pool.release(object())
    with pytest.raises(TypeError):
        UpstreamBase(clock, [], ())  # the busy connections are a set
    with pytest.raises(TypeError):
        ClientBase(
            object(), (), b"", b"", clock, clock, clock, print, print, object, None, (), 0
        )  # not a pool
