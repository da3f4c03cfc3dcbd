"""Where a results document stands on a compliance framework, control by control.

Computed from the results document alone (rules carry their ``frameworks``
metadata in it, user rules included), so ``auditor compliance`` works offline
on any saved ``results.json``.

A control's status, from the results of the rules that decide it:

* **fail**: at least one result FAILs (a waived FAIL is accepted risk, not a fail);
* **unknown**: nothing fails, but some result is UNKNOWN or ERROR (a gap or a rule bug);
* **pass**: every result PASSes;
* **no data**: the deciding rules ran and found nothing to judge (no such resource);
* **not covered**: no rule of this scan decides the control (never a pass);
* **manual**: no rule decides it and the framework itself says a person must judge it.

The score is the one AWS Security Hub shows: passed controls / controls with
a verdict, where a verdict is pass or fail. Unknown, no data, not covered and
manual controls are outside the denominator, and are reported beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from auditor.engine.frameworks import Assessment, Control, Framework
from auditor.engine.model import Status
from auditor.engine.results import RuleInfo, RuleResult, ScanResult


class ControlStatus(StrEnum):
    FAIL = "fail"
    UNKNOWN = "unknown"
    PASS = "pass"
    NO_DATA = "no data"
    NOT_COVERED = "not covered"
    MANUAL = "manual"


#: Display order (worst first) and the order of the totals columns.
STATUS_ORDER = tuple(ControlStatus)

SCORE_RULE = (
    "passed controls / (passed + failed controls), as Security Hub counts its security "
    "score; unknown, no-data, not-covered and manual controls are not in the denominator"
)


@dataclass(frozen=True)
class ControlResult:
    control: Control
    status: ControlStatus
    #: Rules of this scan that decide the control.
    rule_ids: tuple[str, ...]
    #: The results that FAIL (not waived), in finding-id order.
    failing: tuple[RuleResult, ...]
    passed: int
    waived: int
    unknown: int
    #: The remediation text of the deciding rules that fail: how to fix it.
    fixes: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SectionTotals:
    id: str
    title: str
    counts: dict[ControlStatus, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class ComplianceReport:
    framework: Framework
    controls: tuple[ControlResult, ...]
    sections: tuple[SectionTotals, ...]
    counts: dict[ControlStatus, int]

    @property
    def passed(self) -> int:
        return self.counts[ControlStatus.PASS]

    @property
    def failed(self) -> int:
        return self.counts[ControlStatus.FAIL]

    @property
    def score(self) -> float | None:
        """Percent of controls with a verdict that pass; None when none has a verdict."""
        judged = self.passed + self.failed
        return None if judged == 0 else round(100.0 * self.passed / judged, 1)

    def with_status(self, status: ControlStatus) -> tuple[ControlResult, ...]:
        return tuple(c for c in self.controls if c.status is status)


@dataclass
class _RuleTally:
    """One rule's results, summed in one pass over the results document."""

    results: int = 0
    passed: int = 0
    waived: int = 0
    undecided: int = 0
    failing: list[RuleResult] | None = None


def _tallies(result: ScanResult) -> dict[str, _RuleTally]:
    out: dict[str, _RuleTally] = {}
    for r in result.results:
        t = out.get(r.rule_id)
        if t is None:
            t = out[r.rule_id] = _RuleTally(failing=[])
        t.results += 1
        status = r.status
        if status is Status.PASS:
            t.passed += 1
        elif status is Status.FAIL:
            if r.waiver is None:
                assert t.failing is not None
                t.failing.append(r)
            else:
                t.waived += 1
        else:
            t.undecided += 1
    return out


def _status(control: Control, rule_ids: list[str], tallies: list[_RuleTally]) -> ControlStatus:
    if not rule_ids:
        if control.assessment is Assessment.MANUAL:
            return ControlStatus.MANUAL
        return ControlStatus.NOT_COVERED
    if any(t.failing for t in tallies):
        return ControlStatus.FAIL
    if any(t.undecided for t in tallies):
        return ControlStatus.UNKNOWN
    if any(t.results for t in tallies):
        return ControlStatus.PASS
    return ControlStatus.NO_DATA


def _rules(infos: Iterable[RuleInfo]) -> list[tuple[str, dict[str, tuple[str, ...]]]]:
    return [(i.id, i.frameworks) for i in sorted(infos, key=lambda i: i.id)]


def assess(result: ScanResult, framework: Framework) -> ComplianceReport:
    """Every control of ``framework`` with its status in ``result``."""
    infos = {i.id: i for i in result.rules}
    deciders = framework.deciders(_rules(infos.values()))
    by_rule = _tallies(result)
    empty = _RuleTally(failing=[])
    controls: list[ControlResult] = []
    for control in framework.controls:
        rule_ids = deciders[control.id]
        tallies = [by_rule.get(rid, empty) for rid in rule_ids]
        failing = tuple(
            sorted((r for t in tallies for r in t.failing or ()), key=lambda r: r.finding_id)
        )
        failing_rules = sorted({r.rule_id for r in failing})
        controls.append(
            ControlResult(
                control=control,
                status=_status(control, rule_ids, tallies),
                rule_ids=tuple(rule_ids),
                failing=failing,
                passed=sum(t.passed for t in tallies),
                waived=sum(t.waived for t in tallies),
                unknown=sum(t.undecided for t in tallies),
                fixes=tuple((rid, infos[rid].remediation) for rid in failing_rules),
            )
        )
    sections = []
    for sid, title in framework.sections.items():
        counts = dict.fromkeys(STATUS_ORDER, 0)
        for c in controls:
            if c.control.section == sid:
                counts[c.status] += 1
        if sum(counts.values()):
            sections.append(SectionTotals(id=sid, title=title, counts=counts))
    totals = dict.fromkeys(STATUS_ORDER, 0)
    for c in controls:
        totals[c.status] += 1
    return ComplianceReport(
        framework=framework, controls=tuple(controls), sections=tuple(sections), counts=totals
    )


def failed_controls(result: ScanResult, framework: Framework) -> tuple[ControlResult, ...]:
    """The controls that fail: what ``gate --fail-on-control-fail`` looks at."""
    return assess(result, framework).with_status(ControlStatus.FAIL)
