"""The `modelwatch` command."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from modelwatch.capture.command import capture_command
from modelwatch.engines.pool import may_need_workers, started_workers
from modelwatch.errors import ModelwatchError
from modelwatch.process import exit_now
from modelwatch.storage import parse_storage_options

app = typer.Typer(
    name="modelwatch",
    help="Monitor machine-learning models in production (SageMaker Model Monitor compatible).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


class FormatChoice(StrEnum):
    csv = "csv"
    json = "json"
    parquet = "parquet"


StorageOption = Annotated[
    list[str] | None,
    typer.Option(
        "--storage-option",
        help="KEY=VALUE passed to the store (fsspec), e.g. client_kwargs.endpoint_url=http://…; repeatable.",
    ),
]


@app.command()
def baseline(
    dataset: Annotated[str, typer.Argument(help="A file, folder or glob; a local path or any fsspec URI.")],
    output: Annotated[
        str, typer.Option("--output", "-o", help="Directory for statistics.json and constraints.json.")
    ],
    dataset_format: Annotated[
        FormatChoice | None,
        typer.Option("--dataset-format", help="Format of the dataset (default: from the file extension)."),
    ] = None,
    header: Annotated[
        bool, typer.Option("--header/--no-header", help="Whether CSV files start with a header.")
    ] = True,
    workers: Annotated[int | None, typer.Option(help="Processes to use (default: every core).")] = None,
    storage_option: StorageOption = None,
) -> None:
    """Profile a training dataset and suggest a baseline: statistics.json and constraints.json.

    Example: modelwatch baseline data/train.csv --output baseline/
    """
    # The workers first, so that their imports overlap this process's.
    with started_workers(workers, needed=may_need_workers(dataset)):
        from modelwatch.arrow_start import start_arrow_without_pandas
        from modelwatch.baseline import suggest_baseline
        from modelwatch.console import print_baseline_summary, progress_bar

        start_arrow_without_pandas()  # this process profiles chunks too
        with progress_bar("profiling") as progress:
            result = suggest_baseline(
                dataset,
                output,
                dataset_format=dataset_format.value if dataset_format else None,
                header=header,
                storage_options=parse_storage_options(storage_option),
                workers=workers,
                progress=progress,
            )
    print_baseline_summary(result)


class ColumnsPosition(StrEnum):
    start = "start"
    end = "end"


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 time (`2026-11-29T10:00:00Z`); without a zone it is UTC."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise ModelwatchError(f"{text!r} is not an ISO 8601 time such as 2026-11-29T10:00:00Z") from error
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@app.command()
def analyze(
    input: Annotated[
        str,
        typer.Option(
            "--input", "-i", help="A capture location {destination}/{endpoint}/{variant}, or a data set."
        ),
    ],
    output: Annotated[str, typer.Option("--output", "-o", help="Directory for the report.")],
    baseline: Annotated[
        str | None, typer.Option(help="Directory with the baseline's statistics.json and constraints.json.")
    ] = None,
    baseline_statistics: Annotated[str | None, typer.Option(help="The baseline statistics file.")] = None,
    baseline_constraints: Annotated[str | None, typer.Option(help="The baseline constraints file.")] = None,
    start: Annotated[str | None, typer.Option(help="Window start, ISO 8601 (inclusive).")] = None,
    end: Annotated[str | None, typer.Option(help="Window end, ISO 8601 (exclusive).")] = None,
    preprocessor: Annotated[
        str | None, typer.Option(help="Python file with preprocess_handler(inference_record[, logger]).")
    ] = None,
    postprocessor: Annotated[
        str | None,
        typer.Option(help="Python file with postprocess_handler(), run after a successful analysis."),
    ] = None,
    output_columns_position: Annotated[
        ColumnsPosition, typer.Option(help="Where CSV outputs sit among the baseline's columns.")
    ] = ColumnsPosition.start,
    allow_empty: Annotated[bool, typer.Option(help="An empty window completes instead of failing.")] = False,
    dataset_format: Annotated[
        FormatChoice | None,
        typer.Option(
            "--dataset-format", help="Format of a data-set input (default: from the file extension)."
        ),
    ] = None,
    header: Annotated[
        bool, typer.Option("--header/--no-header", help="Whether CSV data sets start with a header.")
    ] = True,
    workers: Annotated[int | None, typer.Option(help="Processes to use (default: every core).")] = None,
    storage_option: StorageOption = None,
) -> None:
    """Compare captured traffic (or a data set) with a baseline and write the report.

    Example: modelwatch analyze --input capture/churn/AllTraffic --baseline baseline/ --output report/
    --start 2026-11-29T10:00:00Z --end 2026-11-29T11:00:00Z
    """
    # The workers first, so that their imports overlap this process's; they read capture files.
    needed = start is not None or end is not None or may_need_workers(input)
    with started_workers(workers, preload=("modelwatch.engines.capture",), needed=needed):
        from modelwatch.analysis import analyze as run_analysis
        from modelwatch.arrow_start import start_arrow_without_pandas
        from modelwatch.console import print_analysis_summary, progress_bar

        start_arrow_without_pandas()
        with progress_bar("analyzing") as progress:
            result = run_analysis(
                input,
                output,
                baseline=baseline,
                baseline_statistics=baseline_statistics,
                baseline_constraints=baseline_constraints,
                start=parse_time(start),
                end=parse_time(end),
                dataset_format=dataset_format.value if dataset_format else None,
                header=header,
                preprocessor=preprocessor,
                postprocessor=postprocessor,
                output_columns_position=output_columns_position.value,
                allow_empty=allow_empty,
                storage_options=parse_storage_options(storage_option),
                workers=workers,
                progress=progress,
            )
    if result.failed:
        raise ModelwatchError(f"Failed: {result.message}")
    print_analysis_summary(result)


@app.command()
def server(
    data_dir: Annotated[
        Path, typer.Option(help="Where the store (SQLite by default) and the reports live.")
    ] = Path("modelwatch-data"),
    store: Annotated[
        str | None,
        typer.Option(help="Store URL, e.g. postgresql://user@host/db (default: SQLite in --data-dir)."),
    ] = None,
    listen: Annotated[
        str, typer.Option(help="HOST:PORT for the API, /docs and /metrics.")
    ] = "127.0.0.1:8700",
    admin_token: Annotated[
        list[str] | None,
        typer.Option(envvar="MODELWATCH_ADMIN_TOKENS", help="Bearer token with the admin role; repeatable."),
    ] = None,
    read_token: Annotated[
        list[str] | None,
        typer.Option(
            envvar="MODELWATCH_READ_TOKENS", help="Bearer token with the read-only role; repeatable."
        ),
    ] = None,
    public_url: Annotated[
        str | None, typer.Option(help="The server's address as users reach it, for links in alerts.")
    ] = None,
    protect_metrics: Annotated[
        bool, typer.Option(help="/metrics needs a read or admin token, like the API (default: open).")
    ] = False,
    max_catch_up: Annotated[
        int, typer.Option(min=1, help="Missed windows run per schedule after downtime (the most recent).")
    ] = 24,
) -> None:
    """Run the API, the scheduler and /metrics on one store (no token configured: the API is open).

    Example: modelwatch server --data-dir /var/lib/modelwatch --listen 0.0.0.0:8700 --admin-token $TOKEN
    """
    from modelwatch.capture.addresses import parse_address
    from modelwatch.service.server import ServerSettings, serve

    host, port = parse_address(listen, "--listen")
    serve(
        ServerSettings(
            data_dir=data_dir.resolve(),
            store_url=store,
            host=host,
            port=port,
            admin_tokens=frozenset(admin_token or ()),
            read_tokens=frozenset(read_token or ()),
            public_url=public_url,
            protect_metrics=protect_metrics,
            max_catch_up=max_catch_up,
        )
    )


@app.command()
def demo(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where the demo writes its files.")] = Path(
        "demo-output"
    ),
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Keep the demo's server running until Ctrl-C.")
    ] = False,
    port: Annotated[int, typer.Option(help="The demo server's port (0: any free port).")] = 0,
) -> None:
    """Run the end-to-end tour on the embedded defaults: baseline, capture, analyze, report, server.

    Example: modelwatch demo --output demo-output --serve --port 8700
    """
    import shutil
    import threading

    from modelwatch.console import console, print_analysis_summary, print_baseline_summary, progress_bar
    from modelwatch.demo import DRIFTED_HOUR, run
    from modelwatch.demo.server_tour import demo_server, set_up_monitoring

    output = output.resolve()
    console.print("[bold]1. Baseline[/bold] the churn training set")
    with progress_bar("demo") as progress:
        result = run(output, progress)
    print_baseline_summary(result.baseline)
    console.print(
        f"\n[bold]2. Capture[/bold] two hours of traffic into {result.capture_location}", soft_wrap=True
    )
    for title, analysis in (
        ("10:00–11:00, the test rows as clients sent them", result.normal),
        ("11:00–12:00, the same rows drifted and damaged", result.drifted),
    ):
        console.print(f"\n[bold]3. Analyze[/bold] {title}")
        print_analysis_summary(analysis)
    report = result.drifted.files.get("report.html")
    if report:
        console.print(f"\nOpen the report of the drifted hour: {report}", soft_wrap=True, highlight=False)

    console.print("\n[bold]4. Serve[/bold]: the same monitoring on a modelwatch server, through its API")
    shutil.rmtree(output / "server", ignore_errors=True)
    baseline_dir = Path(result.baseline.statistics_uri).parent
    window = (DRIFTED_HOUR, DRIFTED_HOUR + timedelta(hours=1))
    with demo_server(output / "server", port or None) as url:
        tour = set_up_monitoring(url, result.capture_location, baseline_dir, window)
        execution = tour.execution
        for line in (
            f"execution {execution['id']}: {execution['status']}, {execution['violation_count']} violations",
            f"dashboard:                 {url}/",
            f"the execution's page:      {url}/executions/{execution['id']}",
            f"API and its documentation: {url}/docs",
            f"executions:                {url}/api/v1/executions",
            f"the execution's report:    {tour.report_url}",
            f"Prometheus metrics:        {url}/metrics",
        ):
            console.print(line, soft_wrap=True, highlight=False)
        if serve:
            console.print("The server runs until Ctrl-C.", highlight=False)
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                console.print("stopped", highlight=False)


app.command("capture")(capture_command)

from modelwatch.client_cli import baselines_app, endpoints_app, executions_app, schedules_app  # noqa: E402

app.add_typer(endpoints_app)
app.add_typer(baselines_app)
app.add_typer(schedules_app)
app.add_typer(executions_app)


def main() -> None:
    """Entry point: user errors become one line on stderr and a non-zero exit, never a traceback."""
    code = 0
    try:
        app()
    except ModelwatchError as error:
        typer.echo(f"error: {error}", err=True)
        code = 1
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        if isinstance(exit_.code, str):
            typer.echo(exit_.code, err=True)
    exit_now(code)
