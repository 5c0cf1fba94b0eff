"""Decode the next block in a worker thread while the caller works on the current one.

pyarrow's JSON and CSV parsers release the GIL, so decoding block k+1 overlaps with parsing the
payloads (and profiling the rows) of block k; at most two blocks are held at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
_END = object()


def prefetched(items: Iterator[T]) -> Iterator[T]:
    with ThreadPoolExecutor(1, thread_name_prefix="modelwatch-capture-decode") as pool:
        future = pool.submit(next, items, _END)
        while (item := future.result()) is not _END:
            future = pool.submit(next, items, _END)
            yield item  # type: ignore[misc]
