"""The results document (``results.json``): what a scan found and how it grades.

It is self-contained: it carries the metadata of every rule it has results
for, so reports, diffs and gates never need the snapshot again.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from auditor.engine.model import Category, Principle, Severity, Status, Tier
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
    #: Files the command reads (``file://NAME``), by name: written to ``fixes/`` with the report.
    fix_files: dict[str, str] = {}
    waiver: AppliedWaiver | None = None
    #: Other resources (same region) the verdict is about, e.g. the security group
    #: whose rule opens the path.
    related: tuple[str, ...] = ()
    #: For a FAIL: the finding id of the FAIL of a superseding rule that counts
    #: this same problem in the score ("" when this FAIL counts itself).
    counted_under: str = ""

    @property
    def counts_as_fail(self) -> bool:
        return self.status is Status.FAIL and self.waiver is None

    @property
    def scored(self) -> bool:
        """Whether the score sees it: PASS, or a FAIL neither waived nor counted under another."""
        if self.status is Status.PASS:
            return True
        return self.counts_as_fail and not self.counted_under


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
    #: Scoring metadata (see auditor.engine.model.Rule).
    tier: Tier | None = None
    group: str = ""
    formerly: tuple[str, ...] = ()
    #: Rules whose FAILs on the same problem this rule's FAIL counts for.
    supersedes: tuple[str, ...] = ()
    #: The recommendation title template ("Enable Container Insights on {target}").
    action: str = ""


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
    #: FAILs shown but not scored: a superseding rule's FAIL counts the same problem.
    counted_under: int = 0
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

    def principle(self, principle: Principle) -> PrincipleScore:
        for p in self.principles:
            if p.principle is principle:
                return p
        raise KeyError(principle)

    def failing(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.results if r.counts_as_fail)
