"""checks: one function per SageMaker check type, run over a window's profile by `run_checks`."""

from modelwatch.checks.categorical import categorical_values_check
from modelwatch.checks.columns import extra_column_check, missing_column_check
from modelwatch.checks.completeness import completeness_check
from modelwatch.checks.config import FeatureConfig, feature_config
from modelwatch.checks.data_type import data_type_check
from modelwatch.checks.drift import baseline_drift_check
from modelwatch.checks.results import CheckOutcome, CheckResults, FeatureResult
from modelwatch.checks.run import run_checks

__all__ = [
    "CheckOutcome",
    "CheckResults",
    "FeatureConfig",
    "FeatureResult",
    "baseline_drift_check",
    "categorical_values_check",
    "completeness_check",
    "data_type_check",
    "extra_column_check",
    "feature_config",
    "missing_column_check",
    "run_checks",
]
