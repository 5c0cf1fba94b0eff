"""How the CLI's server commands show records: rich tables for people, the server's JSON for scripts.

Plain values print as they are and nested ones (storage options, alert settings) as compact JSON, so a
table row says exactly what the server holds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from modelwatch.client.types import ExecutionDetail, ExecutionPage

console = Console(highlight=False, soft_wrap=False)
EXECUTION_COLUMNS = ("id", "schedule", "status", "window_start", "window_end", "violation_count")
DETAIL_ONLY = ("violations", "violations_error", "files")
HEADERS = {"violation_count": "Violations", "cron_expression": "Cron", "constraint_check_type": "Check"}


def print_json(data: object) -> None:
    """The JSON on stdout as is, without rich's wrapping or colours, so it always parses."""
    print(json.dumps(data, indent=2))


def _text(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def print_records(records: Sequence[Mapping[str, Any]], columns: Sequence[str], empty: str) -> None:
    """One row per record with the given columns, or the `empty` sentence when there is none."""
    if not records:
        console.print(empty)
        return
    table = Table()
    for column in columns:  # folded, not cut: a time or URI is useless with an ellipsis in it
        table.add_column(HEADERS.get(column, column.replace("_", " ").capitalize()), overflow="fold")
    for record in records:
        table.add_row(*(_text(record.get(column)) for column in columns))
    console.print(table)


def print_record(record: Mapping[str, Any], skip: Sequence[str] = ()) -> None:
    """A field per line: the long view of `describe`."""
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in record.items():
        if key not in skip:
            table.add_row(key, _text(value))
    console.print(table)


def print_page(page: ExecutionPage) -> None:
    print_records(page["items"], EXECUTION_COLUMNS, "No executions.")
    shown = len(page["items"])
    if shown and shown < page["total"]:
        first = page["offset"] + 1
        console.print(f"Executions {first}–{first + shown - 1} of {page['total']}; see --offset and --limit.")


def print_execution(detail: ExecutionDetail) -> None:
    """The execution's fields, then its violations and the report files the server serves."""
    print_record(detail, skip=DETAIL_ONLY)
    if detail["violations_error"]:
        console.print(f"\nViolations could not be read: {detail['violations_error']}")
    elif detail["violations"] is not None:
        console.print()
        print_records(
            detail["violations"], ("feature_name", "constraint_check_type", "description"), "No violations."
        )
    if detail["files"]:
        console.print()
        print_records(
            [{"file": name, "url": url} for name, url in detail["files"].items()], ("file", "url"), ""
        )
