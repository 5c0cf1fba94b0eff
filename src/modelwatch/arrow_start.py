"""Letting pyarrow start without pandas in our own processes.

The first time pyarrow converts a Python or numpy value (`pa.array`, a scalar argument to a compute
function), it imports pandas to recognise pandas objects: ~0.4 s of CPU in every process that
touches Arrow (apache/arrow#34994), even though our workers never hand pandas objects to Arrow.
Letting that first look find no pandas keeps the import out; pandas itself stays importable, and
`Table.to_pandas()` still imports it when asked.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

import pyarrow as pa


class _PandasHidden:
    """A meta path finder under which `import pandas` fails, for the duration of one look."""

    @staticmethod
    def find_spec(
        name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name == "pandas":
            raise ModuleNotFoundError("hidden from pyarrow's first look", name=name)
        return None


def start_arrow_without_pandas() -> None:
    """Make pyarrow settle, once per process, that there is no pandas to recognise.

    Only for processes that never pass pandas objects (`pd.NA`, a Series inside a list) to pyarrow:
    a worker process, or the CLI. A no-op where pandas is already imported.
    """
    if "pandas" in sys.modules:
        return
    sys.meta_path.insert(0, _PandasHidden)
    try:
        pa.array([0])
    finally:
        sys.meta_path.remove(_PandasHidden)
