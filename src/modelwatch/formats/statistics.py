"""`statistics.json`: typed model, tolerant reading, SageMaker's exact keys on writing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from modelwatch.formats.documents import MALFORMED, DocumentError, expect, expect_list, optional_float

if TYPE_CHECKING:
    import pandas

NUMERIC_TYPES = ("Integral", "Fractional")


@dataclass
class KllBucket:
    lower_bound: float
    upper_bound: float
    count: float


@dataclass
class KllSketch:
    """Compactor levels: the items of `data[h]` each weigh 2^h."""

    c: float
    k: float
    data: list[list[float]]


@dataclass
class NumericalStatistics:
    num_present: int
    num_missing: int
    mean: float | None
    sum: float | None
    std_dev: float | None
    min: float | None
    max: float | None
    buckets: list[KllBucket] = field(default_factory=list)
    sketch: KllSketch | None = None


@dataclass
class CategoricalBucket:
    value: str
    count: int


@dataclass
class StringStatistics:
    num_present: int
    num_missing: int
    distinct_count: float
    buckets: list[CategoricalBucket] | None = None


@dataclass
class FeatureStatistics:
    name: str
    inferred_type: str
    numerical: NumericalStatistics | None = None
    string: StringStatistics | None = None

    @property
    def num_present(self) -> int:
        common = self.numerical or self.string
        return common.num_present if common else 0

    @property
    def num_missing(self) -> int:
        common = self.numerical or self.string
        return common.num_missing if common else 0


@dataclass
class Statistics:
    item_count: int
    features: list[FeatureStatistics]
    version: float = 0.0

    def feature(self, name: str) -> FeatureStatistics | None:
        return next((feature for feature in self.features if feature.name == name), None)

    def to_pandas(self) -> pandas.DataFrame:
        """One row per feature, for notebooks (needs pandas)."""
        from modelwatch.formats.tables import statistics_table, to_pandas

        return to_pandas(statistics_table(self))

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "dataset": {"item_count": self.item_count},
            "features": [_feature_to_dict(feature) for feature in self.features],
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = "statistics") -> Statistics:
        """Read a statistics document (ours or SageMaker's); `source` names it in errors."""
        document = expect(data, dict, source, "the document")
        features = expect_list(document.get("features"), source, "'features'")
        dataset = document.get("dataset") or {}
        item_count = int(expect(dataset, dict, source, "'dataset'").get("item_count", 0))
        return cls(
            item_count=item_count,
            features=[_feature_from_dict(entry, source, index) for index, entry in enumerate(features)],
            version=float(document.get("version", 0.0)),
        )


def _feature_to_dict(feature: FeatureStatistics) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": feature.name, "inferred_type": feature.inferred_type}
    if feature.numerical is not None:
        numbers = feature.numerical
        entry["numerical_statistics"] = {
            "common": {"num_present": numbers.num_present, "num_missing": numbers.num_missing},
            "mean": numbers.mean,
            "sum": numbers.sum,
            "std_dev": numbers.std_dev,
            "min": numbers.min,
            "max": numbers.max,
            "distribution": {
                "kll": {
                    "buckets": [
                        {"lower_bound": b.lower_bound, "upper_bound": b.upper_bound, "count": b.count}
                        for b in numbers.buckets
                    ],
                    **(
                        {
                            "sketch": {
                                "parameters": {"c": numbers.sketch.c, "k": numbers.sketch.k},
                                "data": numbers.sketch.data,
                            }
                        }
                        if numbers.sketch is not None
                        else {}
                    ),
                }
            },
        }
    if feature.string is not None:
        strings = feature.string
        string_entry: dict[str, Any] = {
            "common": {"num_present": strings.num_present, "num_missing": strings.num_missing},
            "distinct_count": strings.distinct_count,
        }
        if strings.buckets is not None:
            string_entry["distribution"] = {
                "categorical": {"buckets": [{"value": b.value, "count": b.count} for b in strings.buckets]}
            }
        entry["string_statistics"] = string_entry
    return entry


def _feature_from_dict(data: Any, source: str, index: int) -> FeatureStatistics:
    where = f"features[{index}]"
    entry = expect(data, dict, source, where)
    name = expect(entry.get("name"), str, source, f"{where}.name")
    feature = FeatureStatistics(name=name, inferred_type=str(entry.get("inferred_type", "Unknown")))
    where = f"{where} ({name})"
    try:
        if "numerical_statistics" in entry:
            feature.numerical = _numerical_from_dict(entry["numerical_statistics"], source, where)
        if "string_statistics" in entry:
            feature.string = _string_from_dict(entry["string_statistics"], source, where)
    except MALFORMED as error:
        raise DocumentError.malformed(source, where, error) from error
    return feature


def _common(data: dict[str, Any]) -> tuple[int, int]:
    common = data.get("common") or {}
    return int(common.get("num_present", 0)), int(common.get("num_missing", 0))


def _numerical_from_dict(data: Any, source: str, where: str) -> NumericalStatistics:
    entry = expect(data, dict, source, f"{where}.numerical_statistics")
    present, missing = _common(entry)
    kll = ((entry.get("distribution") or {}).get("kll")) or {}
    buckets = [
        KllBucket(float(b["lower_bound"]), float(b["upper_bound"]), float(b["count"]))
        for b in kll.get("buckets") or []
    ]
    sketch = None
    if kll.get("sketch"):
        raw = kll["sketch"]
        parameters = raw.get("parameters") or {}
        sketch = KllSketch(
            c=float(parameters.get("c", 0.64)),
            k=float(parameters.get("k", 2048.0)),
            data=[list(map(float, level)) for level in raw.get("data") or []],
        )
    return NumericalStatistics(
        num_present=present,
        num_missing=missing,
        mean=optional_float(entry.get("mean")),
        sum=optional_float(entry.get("sum")),
        std_dev=optional_float(entry.get("std_dev")),
        min=optional_float(entry.get("min")),
        max=optional_float(entry.get("max")),
        buckets=buckets,
        sketch=sketch,
    )


def _string_from_dict(data: Any, source: str, where: str) -> StringStatistics:
    entry = expect(data, dict, source, f"{where}.string_statistics")
    present, missing = _common(entry)
    categorical = (entry.get("distribution") or {}).get("categorical")
    buckets = None
    if categorical is not None:
        buckets = [
            CategoricalBucket(str(b["value"]), int(b["count"])) for b in categorical.get("buckets") or []
        ]
    return StringStatistics(
        num_present=present,
        num_missing=missing,
        distinct_count=float(entry.get("distinct_count", 0.0)),
        buckets=buckets,
    )
