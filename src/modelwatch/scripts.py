"""User scripts: load a function from a Python file, as SageMaker's pre- and postprocessor contract."""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Callable
from typing import Any

from modelwatch.errors import ModelwatchError


def load_function(path: str, name: str) -> Callable[..., Any]:
    """The function `name` defined in the Python file at `path`; a file that lacks it is a user error."""
    specification = importlib.util.spec_from_file_location(f"modelwatch_script_{uuid.uuid4().hex}", path)
    if specification is None or specification.loader is None:
        raise ModelwatchError(f"{path}: cannot load this file as Python")
    module = importlib.util.module_from_spec(specification)
    try:
        specification.loader.exec_module(module)
    except FileNotFoundError as error:
        raise ModelwatchError(f"{path}: no such file") from error
    except Exception as error:
        raise ModelwatchError(f"{path}: failed to load: {type(error).__name__}: {error}") from error
    function = getattr(module, name, None)
    if not callable(function):
        raise ModelwatchError(f"{path}: defines no function {name}()")
    return function
