"""The `modelwatch` command."""

from __future__ import annotations

import sys

import typer

from modelwatch.errors import ModelwatchError

app = typer.Typer(
    name="modelwatch",
    help="Monitor machine-learning models in production (SageMaker Model Monitor compatible).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def main() -> None:
    """Entry point: user errors become one line on stderr and exit status 1."""
    try:
        app(standalone_mode=False)
    except ModelwatchError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("aborted", err=True)
        sys.exit(130)
