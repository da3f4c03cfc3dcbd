"""The gate policy: what makes ``auditor gate`` fail.

It comes from the config file's ``gate:`` section and from command-line flags
(a flag overrides the file; ``--min-grade`` merges per subject)::

    gate:
      fail_on_grade_drop: true     # any principle, Security, Operations or Overall grade drop
      max_score_drop: 2.5          # points; unset: scores may move within a grade
      fail_on_new: high            # new FAIL at or above: critical|high|medium|low|none
      min_grade:                   # absolute floors on the current result
        overall: B-
        network_isolation: A
      fail_on_incomplete: false    # true: a newly incomplete result fails (exit 1), not 3
      allow_account_change: false  # true: compare results of two different accounts

``min_grade: B`` (a single grade) is a floor on the overall grade.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from auditor.engine.model import Principle, Severity
from auditor.engine.scoring import GRADE_ORDER
from auditor.snapshot.base import Model

#: The subjects a grade belongs to besides the principles, in report order.
CATEGORIES: tuple[str, ...] = ("overall", "security", "operations")
SUBJECTS: tuple[str, ...] = (*CATEGORIES, *(p.value for p in Principle))


def normalise_subject(name: str) -> str:
    """``"Network Isolation"``, ``network-isolation`` -> ``network_isolation``; else ValueError."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in SUBJECTS:
        raise ValueError(f"unknown grade subject {name!r} (one of: {', '.join(SUBJECTS)})")
    return key


def normalise_grade(grade: str) -> str:
    value = grade.strip().upper()
    if value not in GRADE_ORDER:
        raise ValueError(f"unknown grade {grade!r} (one of: {' '.join(GRADE_ORDER)})")
    return value


def parse_severity(value: str | None) -> Severity | None:
    """``"high"`` -> Severity.HIGH; ``"none"`` (or None) -> None: no severity fails the gate."""
    if value is None or value.strip().lower() in ("none", "off", ""):
        return None
    try:
        return Severity(value.strip().lower())
    except ValueError:
        names = ", ".join([*(s.value for s in Severity), "none"])
        raise ValueError(f"unknown severity {value!r} (one of: {names})") from None


class GatePolicy(Model):
    """What the gate fails on. The defaults fail on any grade drop and on new high findings."""

    fail_on_grade_drop: bool = True
    max_score_drop: float | None = Field(default=None, ge=0)
    fail_on_new: Severity | None = Severity.HIGH
    #: subject (``overall``, ``security``, ``operations`` or a principle) -> lowest grade.
    min_grade: dict[str, str] = Field(default_factory=dict)
    fail_on_incomplete: bool = False
    allow_account_change: bool = False

    @field_validator("fail_on_new", mode="before")
    @classmethod
    def _severity(cls, value: Any) -> Any:
        if value is None or isinstance(value, Severity):
            return value
        if value is False:  # YAML 1.1 reads a bare `off` / `no` as false
            return None
        if isinstance(value, str):
            return parse_severity(value)
        return value

    @field_validator("min_grade", mode="before")
    @classmethod
    def _floors(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = {"overall": value}
        if not isinstance(value, dict):
            return value
        return {normalise_subject(str(k)): normalise_grade(str(v)) for k, v in value.items()}

    def with_overrides(self, **changes: Any) -> GatePolicy:
        """A copy with the given fields replaced (``None`` values are ignored);
        ``min_grade`` merges subject by subject."""
        update = {k: v for k, v in changes.items() if v is not None}
        if "min_grade" in update:
            update["min_grade"] = {**self.min_grade, **update["min_grade"]}
        return GatePolicy.model_validate({**self.model_dump(), **update})
