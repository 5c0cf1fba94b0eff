"""Baselining: a training dataset in, `statistics.json` and `constraints.json` out."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modelwatch import storage
from modelwatch.engines.local import Progress, profile_dataset
from modelwatch.errors import ModelwatchError
from modelwatch.formats.constraints import Constraints, MonitoringConfig
from modelwatch.formats.statistics import Statistics
from modelwatch.profiling.document import to_statistics
from modelwatch.profiling.profile import Profile
from modelwatch.readers import DatasetFormat, DatasetSpec
from modelwatch.suggest import suggest_constraints

STATISTICS_FILE = "statistics.json"
CONSTRAINTS_FILE = "constraints.json"


@dataclass
class BaselineResult:
    profile: Profile
    statistics: Statistics
    constraints: Constraints
    statistics_uri: str
    constraints_uri: str
    seconds: float


def suggest_baseline(
    dataset: str,
    output: str,
    *,
    dataset_format: DatasetFormat | None = None,
    header: bool = True,
    storage_options: Mapping[str, Any] | None = None,
    monitoring_config: MonitoringConfig | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> BaselineResult:
    """Profile `dataset` and write its statistics and suggested constraints into `output`.

    The output directory is written all at once: on any error an earlier baseline there stays as it was.
    """
    started = time.perf_counter()
    spec = DatasetSpec(dataset, dataset_format, header, storage_options)
    profile = profile_dataset(spec, workers=workers, progress=progress)
    if profile.item_count == 0:
        raise ModelwatchError(f"{dataset}: no data rows to build a baseline from")
    statistics = to_statistics(profile)
    constraints = suggest_constraints(profile, monitoring_config)
    with storage.staged_directory(output, storage_options) as staging:
        storage.write_json(storage.join(staging, STATISTICS_FILE), statistics.to_dict(), storage_options)
        storage.write_json(storage.join(staging, CONSTRAINTS_FILE), constraints.to_dict(), storage_options)
    return BaselineResult(
        profile=profile,
        statistics=statistics,
        constraints=constraints,
        statistics_uri=storage.join(output, STATISTICS_FILE),
        constraints_uri=storage.join(output, CONSTRAINTS_FILE),
        seconds=time.perf_counter() - started,
    )
