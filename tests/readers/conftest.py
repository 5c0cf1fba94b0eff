from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from modelwatch.readers import DatasetSpec, plan_chunks, read_chunk
from modelwatch.storage import filesystem

Rows = list[dict[str, Any]]


def rows_of(spec: DatasetSpec, target_bytes: int = 64 * 2**20) -> Rows:
    """Every row of the dataset, read chunk by chunk as a worker would."""
    return [
        row
        for chunk in plan_chunks(spec, target_bytes)
        for batch in read_chunk(spec, chunk)
        for row in batch.to_pylist()
    ]


@pytest.fixture
def read_rows() -> Callable[..., Rows]:
    return rows_of


@pytest.fixture(scope="session")
def s3_options() -> Iterator[dict[str, Any]]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield {
        "client_kwargs": {"endpoint_url": f"http://{host}:{port}"},
        "key": "testing",
        "secret": "testing",
    }
    server.stop()


@pytest.fixture
def s3_bucket(s3_options: dict[str, Any]) -> str:
    """A new, empty bucket; returns its `s3://` URI."""
    uri = f"s3://bucket-{uuid.uuid4().hex[:12]}"
    fs, path = filesystem(uri, s3_options)
    fs.mkdir(path)
    return uri
