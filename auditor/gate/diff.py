"""What changed between two results: grades, findings, waivers, coverage.

A *finding* is one (rule, resource) FAIL, matched across runs by its stable
``finding_id`` (``rule/account/region/resource``). The account id inside ids
is normalised, so two accounts' results can be compared when asked to.

Each failing finding of either side lands in exactly one bucket:

``new``
    failing now (FAIL, not waived), not failing in the old result (absent,
    PASS, UNKNOWN, or FAIL under a waiver that no longer applies);
``fixed``
    failing before, and now PASS, or gone while its rule ran without gaps
    where it lived (the resource was deleted);
``still_failing``
    failing in both;
``unverified``
    failing before and not re-checked now: the rule could not evaluate it
    (UNKNOWN/ERROR, a gap), the rule did not run, or its region was not
    scanned. Never counted as fixed.

A finding FAIL in both under different waivers (or a waiver added/removed)
is listed in ``waivers``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from auditor.engine.model import GLOBAL, Principle, Severity, Status
from auditor.engine.results import (
    AppliedWaiver,
    CategoryScore,
    RuleResult,
    ScanResult,
    Waiver,
)
from auditor.engine.scoring import NOT_APPLICABLE, grade_rank
from auditor.snapshot.base import Coverage, Model

_ACCOUNT = "<account>"
#: Region of the UNKNOWN results of a service that was not collected anywhere.
_ANY_REGION = "*"


class GradeChange(Model):
    """One grade (a principle, Security, Operations or Overall) before and after."""

    subject: str
    title: str
    before: str
    after: str
    before_score: float | None
    after_score: float | None
    before_incomplete: bool
    after_incomplete: bool

    @property
    def comparable(self) -> bool:
        """Both sides graded (N/A means nothing was evaluated: nothing to compare)."""
        return NOT_APPLICABLE not in (self.before, self.after)

    @property
    def dropped(self) -> bool:
        return self.comparable and grade_rank(self.after) > grade_rank(self.before)

    @property
    def improved(self) -> bool:
        return self.comparable and grade_rank(self.after) < grade_rank(self.before)

    @property
    def score_delta(self) -> float | None:
        """after - before in points, None when either side is N/A."""
        if self.before_score is None or self.after_score is None:
            return None
        return round(self.after_score - self.before_score, 1)

    @property
    def newly_incomplete(self) -> bool:
        return self.after_incomplete and not self.before_incomplete

    @property
    def changed(self) -> bool:
        return (self.before, self.before_score, self.before_incomplete) != (
            self.after,
            self.after_score,
            self.after_incomplete,
        )


class FindingChange(Model):
    """A finding in the diff, with its status on each side (None: absent)."""

    finding_id: str
    rule_id: str
    title: str
    principle: Principle
    severity: Severity
    resource_id: str
    resource_name: str
    region: str
    evidence: str
    remediation_cmd: str = ""
    before: Status | None
    after: Status | None
    #: Why it is in its bucket, when the statuses alone do not say
    #: (e.g. "resource gone", "rule could not evaluate: gap", "waiver expired").
    note: str = ""

    @property
    def name(self) -> str:
        return self.resource_name or self.resource_id


class WaiverChange(Model):
    finding_id: str
    rule_id: str
    resource_id: str
    resource_name: str
    region: str
    before: AppliedWaiver | None
    after: AppliedWaiver | None
    #: Status now (None: the finding is gone).
    status: Status | None


class Diff(Model):
    baseline_account: str
    current_account: str
    baseline_collected_at: datetime
    current_collected_at: datetime
    baseline_regions: tuple[str, ...]
    current_regions: tuple[str, ...]
    #: Overall, Security, Operations, then each principle.
    grades: tuple[GradeChange, ...]
    new: tuple[FindingChange, ...]
    fixed: tuple[FindingChange, ...]
    still_failing: tuple[FindingChange, ...]
    unverified: tuple[FindingChange, ...]
    waivers: tuple[WaiverChange, ...]
    #: Waivers of the config that expired by the current run and not by the baseline's.
    expired_waivers: tuple[Waiver, ...]
    new_gaps: tuple[Coverage, ...]
    closed_gaps: tuple[Coverage, ...]

    def grade(self, subject: str) -> GradeChange:
        for g in self.grades:
            if g.subject == subject:
                return g
        raise KeyError(subject)

    @property
    def missing_regions(self) -> tuple[str, ...]:
        """Regions of the baseline that the current result did not scan."""
        return tuple(r for r in self.baseline_regions if r not in self.current_regions)


def real_gaps(gaps: Iterable[Coverage]) -> list[Coverage]:
    """Gaps that hide data: a service left out on purpose (``--services``) is not one."""
    return [g for g in gaps if g.is_gap and g.requested]


def _key(finding_id: str, account: str) -> str:
    return finding_id.replace(account, _ACCOUNT) if account else finding_id


def _order(c: FindingChange) -> tuple[int, str, str, str]:
    return (c.severity.rank, c.rule_id, c.region, c.resource_id)


def _grades(old: ScanResult, new: ScanResult) -> tuple[GradeChange, ...]:
    out = [
        _category_change(before, after)
        for before, after in (
            (old.overall, new.overall),
            (old.security, new.security),
            (old.operations, new.operations),
        )
    ]
    for principle in Principle:
        b = next((p for p in old.principles if p.principle is principle), None)
        a = next((p for p in new.principles if p.principle is principle), None)
        out.append(
            GradeChange(
                subject=principle.value,
                title=principle.label,
                before=b.grade if b else NOT_APPLICABLE,
                after=a.grade if a else NOT_APPLICABLE,
                before_score=b.score if b else None,
                after_score=a.score if a else None,
                before_incomplete=b.incomplete if b else False,
                after_incomplete=a.incomplete if a else False,
            )
        )
    return tuple(out)


def _category_change(before: CategoryScore, after: CategoryScore) -> GradeChange:
    return GradeChange(
        subject=before.name,
        title=before.name.title(),
        before=before.grade,
        after=after.grade,
        before_score=before.score,
        after_score=after.score,
        before_incomplete=before.incomplete,
        after_incomplete=after.incomplete,
    )


class _Side:
    """One result, indexed for matching."""

    def __init__(self, result: ScanResult, renamed: Mapping[str, str] | None = None) -> None:
        """``renamed`` maps a rule's former id to its id now (a baseline from before a move)."""
        self.result = result
        self.by_key: dict[str, RuleResult] = {}
        renamed = renamed or {}
        for r in result.results:
            fid = r.finding_id
            if r.rule_id in renamed and fid.startswith(f"{r.rule_id}/"):
                fid = renamed[r.rule_id] + fid[len(r.rule_id) :]
            key = _key(fid, result.account_id)
            # The engine gives one result per id; should a file hold two, the
            # worst wins whatever the order (the failing one first).
            seen = self.by_key.get(key)
            if seen is None or _worst_first(r) < _worst_first(seen):
                self.by_key[key] = r
        self.titles = {info.id: info.title for info in result.rules}
        self.rules_run = {info.id for info in result.rules} | {r.rule_id for r in result.results}
        self.rules_run |= {renamed[rid] for rid in self.rules_run if rid in renamed}
        self.not_evaluated = {
            (r.rule_id, r.region)
            for r in result.results
            if r.status in (Status.UNKNOWN, Status.ERROR)
        }
        self.regions = set(result.regions)

    def why_not_checked(self, r: RuleResult) -> str:
        """Why ``r`` (a finding of the other side) is absent here; "" when it is just gone."""
        if r.rule_id not in self.rules_run:
            return "rule did not run"
        if r.region not in (GLOBAL, _ANY_REGION) and r.region not in self.regions:
            return f"region {r.region} not scanned"
        for region in (r.region, GLOBAL, _ANY_REGION):
            if (r.rule_id, region) in self.not_evaluated:
                return "rule could not evaluate it (gap or error)"
        return ""


_STATUS_RANK = {Status.FAIL: 0, Status.ERROR: 2, Status.UNKNOWN: 3, Status.PASS: 4}


def _worst_first(r: RuleResult) -> tuple[int, str]:
    rank = _STATUS_RANK[r.status] + (1 if r.status is Status.FAIL and r.waiver else 0)
    return (rank, r.model_dump_json())


def _change(
    r: RuleResult,
    before: RuleResult | None,
    after: RuleResult | None,
    titles: dict[str, str],
    note: str = "",
) -> FindingChange:
    return FindingChange(
        finding_id=r.finding_id,
        rule_id=r.rule_id,
        title=titles.get(r.rule_id, ""),
        principle=r.principle,
        severity=r.severity,
        resource_id=r.resource_id,
        resource_name=r.resource_name,
        region=r.region,
        evidence=r.evidence,
        remediation_cmd=r.remediation_cmd,
        before=before.status if before else None,
        after=after.status if after else None,
        note=note,
    )


def _new_note(before: RuleResult | None, old: _Side, r: RuleResult) -> str:
    if before is None:
        return "not evaluated before" if old.why_not_checked(r) else ""
    if before.status is Status.FAIL:
        return "its waiver no longer applies"
    if before.status is Status.PASS:
        return ""  # as when absent: a baseline file leaves PASS results out
    return "not evaluated before"


def _gap_key(g: Coverage) -> tuple[str, str, str]:
    return (g.service, g.region, g.resource)


def diff(old: ScanResult, new: ScanResult) -> Diff:
    """Everything that changed from ``old`` (the baseline) to ``new``. Order-insensitive."""
    # A rule that moved principle keeps its findings: the baseline's old ids match the new ones.
    renamed = {former: info.id for info in new.rules for former in info.formerly}
    before, after = _Side(old, renamed), _Side(new)
    titles = {**before.titles, **after.titles}
    new_f: list[FindingChange] = []
    fixed: list[FindingChange] = []
    still: list[FindingChange] = []
    unverified: list[FindingChange] = []
    waivers: list[WaiverChange] = []

    for key in sorted(before.by_key.keys() | after.by_key.keys()):
        b, a = before.by_key.get(key), after.by_key.get(key)
        b_fail = b is not None and b.counts_as_fail
        a_fail = a is not None and a.counts_as_fail
        if a is not None and a_fail and not b_fail:
            new_f.append(_change(a, b, a, titles, _new_note(b, before, a)))
        elif b is not None and b_fail and a_fail:
            assert a is not None
            still.append(_change(a, b, a, titles))
        elif b is not None and b_fail:
            if a is not None and a.status is Status.PASS:
                fixed.append(_change(b, b, a, titles))
            elif a is not None and a.status is Status.FAIL:
                pass  # waived now: reported with the waivers, neither fixed nor failing
            elif a is not None:
                unverified.append(_change(b, b, a, titles, "rule could not evaluate it"))
            elif why := after.why_not_checked(b):
                unverified.append(_change(b, b, None, titles, why))
            else:
                fixed.append(_change(b, b, None, titles, "resource gone"))
        b_waiver = b.waiver if b is not None and b.status is Status.FAIL else None
        a_waiver = a.waiver if a is not None and a.status is Status.FAIL else None
        if b_waiver != a_waiver:
            ref = a if a is not None else b
            assert ref is not None
            waivers.append(
                WaiverChange(
                    finding_id=ref.finding_id,
                    rule_id=ref.rule_id,
                    resource_id=ref.resource_id,
                    resource_name=ref.resource_name,
                    region=ref.region,
                    before=b_waiver,
                    after=a_waiver,
                    status=a.status if a is not None else None,
                )
            )

    old_gaps = {_gap_key(g) for g in real_gaps(old.gaps)}
    new_gaps = {_gap_key(g) for g in real_gaps(new.gaps)}
    old_expired = set(old.expired_waivers)
    return Diff(
        baseline_account=old.account_id,
        current_account=new.account_id,
        baseline_collected_at=old.collected_at,
        current_collected_at=new.collected_at,
        baseline_regions=old.regions,
        current_regions=new.regions,
        grades=_grades(old, new),
        new=tuple(sorted(new_f, key=_order)),
        fixed=tuple(sorted(fixed, key=_order)),
        still_failing=tuple(sorted(still, key=_order)),
        unverified=tuple(sorted(unverified, key=_order)),
        waivers=tuple(sorted(waivers, key=lambda w: (w.rule_id, w.region, w.resource_id))),
        expired_waivers=tuple(
            sorted(
                (w for w in set(new.expired_waivers) if w not in old_expired),
                key=lambda w: (w.rule, w.resource, w.region, w.account, w.expires),
            )
        ),
        new_gaps=tuple(
            sorted(
                {
                    _gap_key(g): g for g in real_gaps(new.gaps) if _gap_key(g) not in old_gaps
                }.values(),
                key=_gap_key,
            )
        ),
        closed_gaps=tuple(
            sorted(
                {
                    _gap_key(g): g for g in real_gaps(old.gaps) if _gap_key(g) not in new_gaps
                }.values(),
                key=_gap_key,
            )
        ),
    )
