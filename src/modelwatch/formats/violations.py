"""`constraint_violations.json`: `{"violations": [{feature_name, constraint_check_type, description}]}`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelwatch.formats.documents import expect, expect_list

if TYPE_CHECKING:
    import pandas


@dataclass(frozen=True)
class Violation:
    feature_name: str
    constraint_check_type: str
    description: str

    def to_dict(self) -> dict[str, str]:
        return {
            "feature_name": self.feature_name,
            "constraint_check_type": self.constraint_check_type,
            "description": self.description,
        }


@dataclass
class ConstraintViolations:
    violations: list[Violation]

    def to_pandas(self) -> pandas.DataFrame:
        """One row per violation, for notebooks (needs pandas)."""
        from modelwatch.formats.tables import to_pandas, violations_table

        return to_pandas(violations_table(self))

    def to_dict(self) -> dict[str, Any]:
        return {"violations": [violation.to_dict() for violation in self.violations]}

    @classmethod
    def from_dict(cls, data: Any, source: str = "constraint_violations") -> ConstraintViolations:
        document = expect(data, dict, source, "the document")
        entries = expect_list(document.get("violations", []), source, "'violations'")
        violations = []
        for index, entry in enumerate(entries):
            item = expect(entry, dict, source, f"violations[{index}]")
            violations.append(
                Violation(
                    feature_name=str(item.get("feature_name", "")),
                    constraint_check_type=str(item.get("constraint_check_type", "")),
                    description=str(item.get("description", "")),
                )
            )
        return cls(violations)
