"""Parsed report and baseline documents, kept while their file is unchanged.

A dashboard page reads many executions' documents (the feature history one per execution), and a
statistics document of a wide baseline takes tens of milliseconds to parse: each parsed result is kept
under its file's path, modification time and size, so a rewritten file is read again and an unchanged
one never is. Documents elsewhere than on the local disk (object stores) are read each time.
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

from modelwatch import storage
from modelwatch.errors import ModelwatchError

T = TypeVar("T")


class DocumentCache:
    """At most `entries` parsed documents, the least recently used dropped first; safe across threads."""

    def __init__(self, entries: int = 1024) -> None:
        self._entries = entries
        self._kept: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def load(self, uri: str, parse: Callable[[str], T]) -> T:
        """`parse(uri)`, or what it returned for the same unchanged local file."""
        version = file_version(uri)
        if version is None:
            return parse(uri)
        return self.keep((version, parse), lambda: _uncollected(parse, uri))

    def keep(self, key: Hashable, make: Callable[[], T]) -> T:
        """`make()`, or what it returned for an equal key."""
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]  # type: ignore[no-any-return]
        value = make()
        with self._lock:
            self._kept[key] = value
            while len(self._kept) > self._entries:
                self._kept.popitem(last=False)
        return value


def _uncollected(parse: Callable[[str], T], uri: str) -> T:
    """`parse(uri)` with the cyclic garbage collector paused: a parsed document holds no cycles, and
    the full collection that its hundreds of thousands of new objects set off in the middle of
    parsing a wide statistics.json took 100-150 ms of a fresh execution page, collecting nothing."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return parse(uri)
    finally:
        if paused:
            gc.enable()


def file_version(uri: str) -> tuple[str, int, int] | None:
    """A local file's path, modification time and size; None for a document on an object store."""
    path = _local(uri)
    if path is None:
        return None
    try:
        status = path.stat()
    except OSError as error:
        raise ModelwatchError(f"{uri}: cannot read: {error.strerror or error}") from None
    return str(path), status.st_mtime_ns, status.st_size


def _local(uri: str) -> Path | None:
    try:
        fs, path = storage.filesystem(uri)
    except ModelwatchError:
        return None
    return Path(path) if storage.is_local(fs) else None
