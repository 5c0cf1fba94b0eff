"""`modelwatch capture`: the capture proxy on the command line."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from modelwatch import storage
from modelwatch.capture.addresses import parse_address, parse_upstream
from modelwatch.capture.defaults import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_QUEUE_SIZE,
    DEFAULT_ROLL_INTERVAL_SECONDS,
)
from modelwatch.capture.files import DEFAULT_VARIANT
from modelwatch.errors import ModelwatchError
from modelwatch.formats.capture import DEFAULT_CSV_CONTENT_TYPES, DEFAULT_JSON_CONTENT_TYPES, ContentTypes


def capture_command(
    upstream: Annotated[str, typer.Option(help="URL of the model server, e.g. http://127.0.0.1:8081.")],
    destination: Annotated[
        str, typer.Option(help="Where capture files go: a path or URI (s3://bucket/prefix).")
    ],
    listen: Annotated[str, typer.Option(help="HOST:PORT the proxy listens on.")] = "127.0.0.1:8080",
    endpoint: Annotated[str, typer.Option(help="Endpoint name (first folder).")] = "default",
    variant: Annotated[str, typer.Option(help="Variant name, the second folder.")] = DEFAULT_VARIANT,
    sampling_percentage: Annotated[
        float,
        typer.Option(min=0, max=100, help="Share of requests captured, 0-100."),
    ] = 100.0,
    capture: Annotated[str, typer.Option(help="Kept: input, output or input,output.")] = "input,output",
    storage_option: Annotated[
        list[str] | None,
        typer.Option(help="KEY=VALUE for the store, repeatable; dots nest (client_kwargs.endpoint_url=URL)."),
    ] = None,
    kms_key_id: Annotated[
        str | None, typer.Option(help="S3 server-side encryption with this KMS key (SageMaker's KmsKeyId).")
    ] = None,
    csv_content_type: Annotated[
        list[str] | None, typer.Option(help="Content type captured as CSV text (repeatable).")
    ] = None,
    json_content_type: Annotated[
        list[str] | None, typer.Option(help="Content type captured as JSON text (repeatable).")
    ] = None,
    max_body_bytes: Annotated[
        int,
        typer.Option(min=0, help="Bodies are captured up to this size; longer ones are marked truncated."),
    ] = DEFAULT_MAX_BODY_BYTES,
    roll_interval: Annotated[
        float, typer.Option(min=0.1, help="Seconds per capture file (and the most a kill -9 can lose).")
    ] = DEFAULT_ROLL_INTERVAL_SECONDS,
    max_file_bytes: Annotated[int, typer.Option(min=1, help="A file is rolled early at this size.")] = (
        DEFAULT_MAX_FILE_BYTES
    ),
    queue_size: Annotated[
        int, typer.Option(min=1, help="Records held in memory for the writer; beyond it they are dropped.")
    ] = DEFAULT_QUEUE_SIZE,
    metrics_listen: Annotated[
        str, typer.Option(help="HOST:PORT serving /metrics (Prometheus) and /healthz.")
    ] = "127.0.0.1:9464",
    upstream_timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds to wait for the upstream between bytes.")
    ] = 60.0,
) -> None:
    """Put a capturing reverse proxy in front of a model server.

    Example: modelwatch capture --upstream http://127.0.0.1:8081 --destination s3://bucket/datacapture
    --endpoint churn --listen 0.0.0.0:8080
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parse_upstream(upstream)
    options = storage.parse_storage_options(storage_option)
    if kms_key_id:
        extra = options.setdefault("s3_additional_kwargs", {})
        if not isinstance(extra, dict):
            raise ModelwatchError("--kms-key-id: conflicts with --storage-option s3_additional_kwargs")
        extra.update({"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id})
    from modelwatch.capture.writer import CaptureWriter  # not imported by the other commands

    listen_address = parse_address(listen, "--listen")
    metrics_address = parse_address(metrics_listen, "--metrics-listen")
    writer = CaptureWriter(
        destination,
        endpoint,
        variant,
        storage_options=options,
        sampling_percentage=sampling_percentage,
        capture=capture,
        content_types=ContentTypes(
            csv=tuple(csv_content_type or DEFAULT_CSV_CONTENT_TYPES),
            json=tuple(json_content_type or DEFAULT_JSON_CONTENT_TYPES),
        ),
        max_body_bytes=max_body_bytes,
        roll_interval_seconds=roll_interval,
        max_file_bytes=max_file_bytes,
        queue_size=queue_size,
    )
    typer.echo(
        f"capturing {sampling_percentage:g}% of http://{listen} → {upstream} into {writer.prefix}; "
        f"metrics on http://{metrics_listen}/metrics",
        err=True,
    )
    from modelwatch.capture.server import run_proxy  # uvloop, httptools: only for this command

    run_proxy(upstream, writer, listen_address, metrics_address, timeout_seconds=upstream_timeout)
