"""The compliance part of the review: display-ready, bounded and made visible.

Statuses and the score come from :mod:`auditor.engine.compliance`; this
module only shapes them for the templates and the ``compliance`` command
(strings clipped, control characters shown as escapes). Templates escape.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.engine.compliance import (
    SCORE_RULE,
    STATUS_ORDER,
    ComplianceReport,
    ControlResult,
    ControlStatus,
    assess,
)
from auditor.engine.frameworks import Framework, load_frameworks
from auditor.engine.results import ScanResult
from auditor.render.view import MAX_NAME, clip

#: Failing resources listed per control; the rest are counted.
MAX_FAILING = 10

STATUS_LABELS = tuple(s.value for s in STATUS_ORDER)


@dataclass(frozen=True)
class FailingRow:
    resource: str
    region: str
    evidence: str
    command: str
    rule_id: str


@dataclass(frozen=True)
class ControlRow:
    id: str
    title: str
    section: str
    status: str
    assessment: str
    rules: str
    passed: int
    failed: int
    waived: int
    unknown: int
    failing: tuple[FailingRow, ...]
    more_failing: int
    fixes: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SectionRow:
    id: str
    title: str
    #: One count per status, in ``STATUS_LABELS`` order.
    counts: tuple[int, ...]
    total: int


@dataclass(frozen=True)
class ComplianceView:
    key: str
    title: str
    score: float | None
    score_text: str
    passed: int
    judged: int
    counted: str
    sections: tuple[SectionRow, ...]
    totals: tuple[int, ...]
    total: int
    controls: tuple[ControlRow, ...]
    #: Column headings of ``sections`` and ``totals``.
    labels: tuple[str, ...] = STATUS_LABELS

    @property
    def attention(self) -> tuple[ControlRow, ...]:
        """Controls a reader must act on: failing, then undecided."""
        return tuple(c for c in self.controls if c.status in ("fail", "unknown"))

    def count(self, status: str) -> int:
        return self.totals[STATUS_LABELS.index(status)]


def _control(c: ControlResult) -> ControlRow:
    rows = tuple(
        FailingRow(
            resource=clip(r.resource_name or r.resource_id, MAX_NAME),
            region=clip(r.region, 40),
            evidence=clip(r.evidence),
            command=clip(r.remediation_cmd, 600),
            rule_id=r.rule_id,
        )
        for r in c.failing[:MAX_FAILING]
    )
    return ControlRow(
        id=c.control.id,
        title=c.control.title,
        section=c.control.section,
        status=c.status.value,
        assessment=c.control.assessment.value,
        rules=", ".join(c.rule_ids),
        passed=c.passed,
        failed=len(c.failing),
        waived=c.waived,
        unknown=c.unknown,
        failing=rows,
        more_failing=max(0, len(c.failing) - MAX_FAILING),
        fixes=tuple((rid, clip(text, 800, lines=True)) for rid, text in c.fixes),
    )


def compliance_view(report: ComplianceReport) -> ComplianceView:
    fw = report.framework
    score = report.score
    judged = report.passed + report.failed
    return ComplianceView(
        key=fw.key,
        title=fw.title,
        score=score,
        score_text="n/a" if score is None else f"{score:g}%",
        passed=report.passed,
        judged=judged,
        counted=SCORE_RULE,
        sections=tuple(
            SectionRow(
                id=s.id,
                title=s.title,
                counts=tuple(s.counts[st] for st in STATUS_ORDER),
                total=s.total,
            )
            for s in report.sections
        ),
        totals=tuple(report.counts[st] for st in STATUS_ORDER),
        total=len(report.controls),
        controls=tuple(_control(c) for c in report.controls),
    )


def build_compliance(
    result: ScanResult, frameworks: tuple[Framework, ...] | None = None
) -> tuple[ComplianceView, ...]:
    """One view per framework (every data file unless given)."""
    return tuple(
        compliance_view(assess(result, fw))
        for fw in (load_frameworks() if frameworks is None else frameworks)
    )


__all__ = [
    "STATUS_LABELS",
    "ComplianceView",
    "ControlRow",
    "ControlStatus",
    "build_compliance",
    "compliance_view",
]
