"""The CLI's server commands: ``modelwatch endpoints|baselines|schedules|executions …`` over the REST API.

Every command takes ``--url`` and ``--token`` (or ``MODELWATCH_URL`` and ``MODELWATCH_TOKEN``) and prints a
table, or the server's JSON with ``--json``. A failed request is a `ClientError`, which the CLI prints on
one line. The client is imported when a command runs, so ``modelwatch --help`` does not load httpx.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from modelwatch.errors import ModelwatchError
from modelwatch.storage import parse_storage_options

if TYPE_CHECKING:
    from modelwatch.client import Client

DEFAULT_URL = "http://127.0.0.1:8700"

Url = Annotated[str, typer.Option("--url", envvar="MODELWATCH_URL", help="The modelwatch server's address.")]
Token = Annotated[
    str | None,
    typer.Option("--token", envvar="MODELWATCH_TOKEN", help="Bearer token, when the server has them."),
]
Json = Annotated[bool, typer.Option("--json", help="Print the server's JSON instead of a table.")]
Name = Annotated[str, typer.Argument(help="The record's name.")]


def _app(name: str, help: str) -> typer.Typer:
    return typer.Typer(
        name=name, help=help, no_args_is_help=True, rich_markup_mode=None, add_completion=False
    )


endpoints_app = _app("endpoints", "Endpoints: where the server finds an endpoint's captured traffic.")
baselines_app = _app("baselines", "Baselines that schedules compare traffic with.")
schedules_app = _app("schedules", "Monitoring schedules: which endpoint, against which baseline, when.")
executions_app = _app("executions", "Executions of schedules, with their violations and report files.")


def _client(url: str, token: str | None) -> Client:
    from modelwatch.client import Client

    return Client(url, token)


def _time(text: str) -> datetime:
    from modelwatch.cli import parse_time  # imported here: modelwatch.cli imports this module

    moment = parse_time(text)
    assert moment is not None
    return moment


def _show(
    data: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    json: bool,
    columns: Sequence[str] = (),
    empty: str = "",
) -> None:
    """`data` as JSON, as a table of `columns` (a list), or a field per line (one record)."""
    from modelwatch.client.display import print_json, print_record, print_records

    if json:
        print_json(data)
    elif isinstance(data, Mapping):
        print_record(data)
    else:
        print_records(data, columns, empty)


def _add_record_commands(
    app: typer.Typer,
    collection: str,
    record: tuple[str, str],
    example: str,
    columns: Sequence[str],
    delete_help: str,
) -> None:
    """The `list`, `describe` and `delete` commands of a collection whose records are addressed by name.

    `record`: the record's noun with its article, e.g. ("an", "endpoint").
    """
    article, noun = record

    def resources(client: Client) -> Any:
        return getattr(client, collection)

    @app.command("list", help=f"List the {collection}.\n\nExample: modelwatch {collection} list")
    def list_records(url: Url = DEFAULT_URL, token: Token = None, json: Json = False) -> None:
        with _client(url, token) as client:
            _show(resources(client).list(), json, columns, f"No {collection}.")

    @app.command(
        "describe", help=f"Show {article} {noun}.\n\nExample: modelwatch {collection} describe {example}"
    )
    def describe_record(name: Name, url: Url = DEFAULT_URL, token: Token = None, json: Json = False) -> None:
        with _client(url, token) as client:
            _show(resources(client).get(name), json)

    @app.command("delete", help=f"{delete_help}\n\nExample: modelwatch {collection} delete {example}")
    def delete_record(name: Name, url: Url = DEFAULT_URL, token: Token = None) -> None:
        with _client(url, token) as client:
            resources(client).delete(name)
        typer.echo(f"Deleted {noun} {name!r}.")


@endpoints_app.command("create")
def endpoints_create(
    name: Name,
    capture_uri: Annotated[
        str, typer.Option(help="The capture location {destination}/{endpoint}/{variant}.")
    ],
    storage_option: Annotated[
        list[str] | None, typer.Option(help="KEY=VALUE for reading the captures (fsspec); repeatable.")
    ] = None,
    url: Url = DEFAULT_URL,
    token: Token = None,
    json: Json = False,
) -> None:
    """Register an endpoint whose captured traffic schedules analyse.

    Example: modelwatch endpoints create churn --capture-uri s3://bucket/capture/churn/AllTraffic
    """
    options = parse_storage_options(storage_option)
    with _client(url, token) as client:
        _show(client.endpoints.create(name, capture_uri, options), json)


_add_record_commands(
    endpoints_app,
    "endpoints",
    ("an", "endpoint"),
    "churn",
    ("name", "capture_uri", "created_at"),
    "Delete an endpoint that no schedule uses.",
)


@baselines_app.command("create")
def baselines_create(
    name: Name,
    statistics: Annotated[str | None, typer.Option(help="URI of the baseline's statistics.json.")] = None,
    constraints: Annotated[str | None, typer.Option(help="URI of the baseline's constraints.json.")] = None,
    dataset: Annotated[str | None, typer.Option(help="URI of a dataset for the server to baseline.")] = None,
    url: Url = DEFAULT_URL,
    token: Token = None,
    json: Json = False,
) -> None:
    """Register a baseline: its two documents, or a dataset the server baselines.

    Example: modelwatch baselines create training --statistics s3://b/statistics.json --constraints
    s3://b/constraints.json
    """
    documents = statistics is not None and constraints is not None
    if documents == (dataset is not None) or (statistics is None) != (constraints is None):
        raise ModelwatchError("give --statistics and --constraints, or --dataset")
    with _client(url, token) as client:
        baseline = client.baselines.create(
            name, statistics_uri=statistics, constraints_uri=constraints, dataset_uri=dataset
        )
        _show(baseline, json)


_add_record_commands(
    baselines_app,
    "baselines",
    ("a", "baseline"),
    "training",
    ("name", "statistics_uri", "dataset_uri", "job_status", "created_at"),
    "Delete a baseline that no schedule uses.",
)


@schedules_app.command("create")
def schedules_create(
    name: Name,
    endpoint: Annotated[str, typer.Option(help="The endpoint to monitor.")],
    baseline: Annotated[str, typer.Option(help="The baseline to compare with.")],
    cron: Annotated[str, typer.Option(help="When windows end, e.g. '0 * * * *' (UTC).")],
    start_offset: Annotated[str | None, typer.Option(help="Window start, ISO 8601, e.g. -PT1H.")] = None,
    end_offset: Annotated[str | None, typer.Option(help="Window end, ISO 8601 (default PT0S).")] = None,
    max_runtime: Annotated[int | None, typer.Option(help="Seconds an execution may run.")] = None,
    url: Url = DEFAULT_URL,
    token: Token = None,
    json: Json = False,
) -> None:
    """Create a schedule; it is Scheduled at once.

    Example: modelwatch schedules create hourly --endpoint churn --baseline training --cron '0 * * * *'
    """
    with _client(url, token) as client:
        schedule = client.schedules.create(
            name,
            endpoint=endpoint,
            baseline=baseline,
            cron_expression=cron,
            start_offset=start_offset,
            end_offset=end_offset,
            max_runtime_seconds=max_runtime,
        )
        _show(schedule, json)


_add_record_commands(
    schedules_app,
    "schedules",
    ("a", "schedule"),
    "hourly",
    ("name", "endpoint", "baseline", "cron_expression", "status"),
    "Delete a schedule with its executions.",
)


@schedules_app.command("start")
def schedules_start(name: Name, url: Url = DEFAULT_URL, token: Token = None, json: Json = False) -> None:
    """Resume a stopped schedule.

    Example: modelwatch schedules start hourly
    """
    with _client(url, token) as client:
        _show(client.schedules.start(name), json)


@schedules_app.command("stop")
def schedules_stop(name: Name, url: Url = DEFAULT_URL, token: Token = None, json: Json = False) -> None:
    """Pause a schedule: no new windows run until it is started again.

    Example: modelwatch schedules stop hourly
    """
    with _client(url, token) as client:
        _show(client.schedules.stop(name), json)


@schedules_app.command("run")
def schedules_run(
    name: Name,
    start: Annotated[str, typer.Option(help="Window start, ISO 8601 (UTC without a zone).")],
    end: Annotated[str, typer.Option(help="Window end, ISO 8601 (exclusive).")],
    url: Url = DEFAULT_URL,
    token: Token = None,
    json: Json = False,
) -> None:
    """Run a schedule now on a window; the execution shows in `modelwatch executions list`.

    Example: modelwatch schedules run hourly --start 2026-11-29T10:00:00Z --end 2026-11-29T11:00:00Z
    """
    window = _time(start), _time(end)
    with _client(url, token) as client:
        accepted = client.schedules.run(name, *window)
    if json:
        _show(accepted, json)
    else:
        typer.echo(f"Run of {name!r} on [{accepted['start']}, {accepted['end']}) accepted.")


@executions_app.command("list")
def executions_list(
    schedule: Annotated[str | None, typer.Option(help="Only this schedule's executions.")] = None,
    status: Annotated[
        list[str] | None, typer.Option(help="Only executions in this status, e.g. Failed; repeatable.")
    ] = None,
    start: Annotated[str | None, typer.Option(help="Only windows ending after this time, ISO 8601.")] = None,
    end: Annotated[str | None, typer.Option(help="Only windows starting before this time.")] = None,
    limit: Annotated[int | None, typer.Option(help="Executions per page (server default 100).")] = None,
    offset: Annotated[int | None, typer.Option(help="Executions to skip, for the next pages.")] = None,
    url: Url = DEFAULT_URL,
    token: Token = None,
    json: Json = False,
) -> None:
    """List executions, latest window first, a page at a time.

    Example: modelwatch executions list --schedule hourly --status Failed --limit 20
    """
    from modelwatch.client.display import print_page

    since, until = (_time(start) if start else None), (_time(end) if end else None)
    with _client(url, token) as client:
        page = client.executions.list(
            schedule=schedule, status=status, start=since, end=until, limit=limit, offset=offset
        )
    if json:
        _show(page, json)
    else:
        print_page(page)


@executions_app.command("describe")
def executions_describe(
    execution_id: Annotated[int, typer.Argument(metavar="ID", help="The execution's id.")],
    url: Url = DEFAULT_URL,
    token: Token = None,
    json: Json = False,
) -> None:
    """Show an execution with its violations and the links to its report files.

    Example: modelwatch executions describe 42
    """
    from modelwatch.client.display import print_execution

    with _client(url, token) as client:
        detail = client.executions.get(execution_id)
    if json:
        _show(detail, json)
    else:
        print_execution(detail)


@executions_app.command("stop")
def executions_stop(
    execution_id: Annotated[int, typer.Argument(metavar="ID", help="The execution's id.")],
    url: Url = DEFAULT_URL,
    token: Token = None,
    json: Json = False,
) -> None:
    """Stop a running execution (it becomes Stopping, then Stopped).

    Example: modelwatch executions stop 42
    """
    with _client(url, token) as client:
        _show(client.executions.stop(execution_id), json)
