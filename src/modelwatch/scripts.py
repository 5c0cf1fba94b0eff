"""User scripts: a function taken from a Python file, as SageMaker's pre- and postprocessor contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from modelwatch.errors import ModelwatchError, one_line
from modelwatch.storage import filesystem


def load_function(path: str, name: str, role: str) -> Callable[..., Any]:
    """Run the script at `path` (a local path or any fsspec URI) and take its function `name`.

    `role` names the script in errors (e.g. "preprocessor"), each on one line naming the file.
    """
    fs, inner = filesystem(path)
    try:
        with fs.open(inner, "rb") as handle:
            source = handle.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ModelwatchError(f"{path}: cannot read the {role} script: {one_line(error)}") from error
    namespace: dict[str, Any] = {"__name__": f"modelwatch_{role}", "__file__": path}
    try:
        exec(compile(source, path, "exec"), namespace)  # running the user's script is the point
    except SyntaxError as error:
        raise ModelwatchError(f"{path}:{error.lineno}: syntax error in the {role}: {error.msg}") from error
    except Exception as error:
        raise ModelwatchError(
            f"{path}: the {role} failed on loading: {type(error).__name__}: {one_line(error)}"
        ) from error
    function = namespace.get(name)
    if not callable(function):
        raise ModelwatchError(f"{path}: no {name}() function in the {role}")
    return function
