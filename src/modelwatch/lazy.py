"""Packages whose public names load on first use (PEP 562), so that importing one part of modelwatch
does not import every other: the `modelwatch` command, say, need not load the capture proxy's writer
and middleware to run `baseline`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_attributes(
    package: str, namespace: dict[str, Any], modules: Mapping[str, str]
) -> Callable[[str], Any]:
    """The module `__getattr__` of `package` (whose globals are `namespace`): each name of `modules`
    is imported from the module it maps to on first use, then kept in the namespace."""

    def load(name: str) -> Any:
        if name not in modules:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = namespace[name] = getattr(import_module(modules[name]), name)
        return value

    return load
