import subprocess
import sys

_SCRIPT = """
import sys
import pyarrow as pa
import pyarrow.compute as pc
from modelwatch.arrow_start import start_arrow_without_pandas

start_arrow_without_pandas()
pa.array([1, None])
pc.fill_null(pa.array([True, None]), False)
assert "pandas" not in sys.modules, "pyarrow imported pandas"
frame = pa.table({"a": [1, 2]}).to_pandas()
assert type(frame).__name__ == "DataFrame" and frame["a"].tolist() == [1, 2]
import pandas
assert pa.array(pandas.Series([1.0, None])).null_count == 1
print("ok")
"""


def test_arrow_starts_without_importing_pandas_and_pandas_still_works() -> None:
    finished = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=False)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == "ok"
