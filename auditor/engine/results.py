"""The results document (``results.json``): what a scan found and how it grades.

It is self-contained: it carries the metadata of every rule it has results
for, so reports, diffs and gates never need the snapshot again.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from auditor.analysis.architecture import Architecture
from auditor.engine.model import Category, Principle, Severity, Status
from auditor.snapshot.base import Coverage, Model

RESULTS_SCHEMA_VERSION = 1


class Waiver(Model):
    """An accepted risk from the config file."""

    rule: str
    resource: str = "*"
    region: str = "*"
    account: str = "*"
    reason: str
    expires: date


class AppliedWaiver(Model):
    reason: str
    expires: date
    resource_pattern: str


class RuleResult(Model):
    finding_id: str
    rule_id: str
    principle: Principle
    severity: Severity
    status: Status
    resource_id: str
    resource_name: str
    region: str
    evidence: str
    remediation_cmd: str = ""
    waiver: AppliedWaiver | None = None

    @property
    def counts_as_fail(self) -> bool:
        return self.status is Status.FAIL and self.waiver is None


class RuleInfo(Model):
    id: str
    slug: str
    title: str
    principle: Principle
    severity: Severity
    effort_minutes: int
    monthly_cost_usd: float
    rationale: str
    remediation: str
    frameworks: dict[str, tuple[str, ...]]


class PrincipleScore(Model):
    principle: Principle
    title: str
    category: Category
    #: None when nothing was evaluated (grade "N/A").
    score: float | None
    grade: str
    incomplete: bool
    passed: int
    failed: int
    unknown: int
    errors: int
    waived: int
    #: Why the score was capped (e.g. "critical FAIL caps at C"), "" when not capped.
    cap: str = ""


class CategoryScore(Model):
    name: Literal["security", "operations", "overall"]
    score: float | None
    grade: str
    incomplete: bool


class ScanResult(Model):
    schema_version: Literal[1] = 1
    tool_version: str
    account_id: str
    partition: str
    regions: tuple[str, ...]
    collected_at: datetime
    gaps: tuple[Coverage, ...]
    principles: tuple[PrincipleScore, ...]
    security: CategoryScore
    operations: CategoryScore
    overall: CategoryScore
    rules: tuple[RuleInfo, ...]
    results: tuple[RuleResult, ...]
    expired_waivers: tuple[Waiver, ...] = ()
    #: The architecture drawn and judged in the review (None in results written before it
    #: existed, and in baselines).
    architecture: Architecture | None = None

    def principle(self, principle: Principle) -> PrincipleScore:
        for p in self.principles:
            if p.principle is principle:
                return p
        raise KeyError(principle)

    def failing(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.results if r.counts_as_fail)
