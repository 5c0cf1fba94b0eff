"""The `modelwatch` command."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from modelwatch.capture.command import capture_command
from modelwatch.errors import ModelwatchError
from modelwatch.process import exit_now

app = typer.Typer(
    name="modelwatch",
    help="Monitor machine-learning models in production (SageMaker Model Monitor compatible).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


def parse_storage_options(pairs: list[str] | None) -> dict[str, Any]:
    """`KEY=VALUE` pairs for the store; dotted keys nest (`client_kwargs.endpoint_url=...`)."""
    options: dict[str, Any] = {}
    for pair in pairs or []:
        key, separator, value = pair.partition("=")
        if not separator or not key:
            raise ModelwatchError(f"--storage-option {pair!r}: expected KEY=VALUE")
        *parents, leaf = key.split(".")
        target = options
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return options


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
    from modelwatch.baseline import suggest_baseline
    from modelwatch.console import print_baseline_summary, progress_bar

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


@app.command()
def demo(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where the demo writes its files.")] = Path(
        "demo-output"
    ),
) -> None:
    """Run the end-to-end tour on the embedded defaults (local files, the churn dataset).

    Example: modelwatch demo --output demo-output
    """
    from modelwatch.console import console, print_baseline_summary, progress_bar
    from modelwatch.demo import churn_training_data, run_baseline

    console.print(f"Baselining the churn training set ({churn_training_data().name}) …")
    with progress_bar("profiling") as progress:
        result = run_baseline(output.resolve(), progress)
    print_baseline_summary(result)


app.command("capture")(capture_command)


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
