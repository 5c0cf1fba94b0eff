"""Baseline the churn training set with the Python API and explore the result as tables.

python examples/baseline_churn.py [OUTPUT_DIR]
"""

from __future__ import annotations

import sys

import modelwatch
from modelwatch.demo import churn_training_data


def main() -> None:
    output = sys.argv[1] if len(sys.argv) > 1 else "churn-baseline"
    result = modelwatch.suggest_baseline(str(churn_training_data()), output)
    print(f"{result.statistics.item_count:,} rows profiled in {result.seconds:.2f} s")
    statistics = result.statistics.to_pandas()
    print(
        statistics[["name", "inferred_type", "mean", "std_dev", "min", "max"]].head(12).to_string(index=False)
    )
    print(f"written: {result.statistics_uri} and {result.constraints_uri}")


if __name__ == "__main__":
    main()
