"""The organization result: per-account grades folded into one org grade per principle.

An organization review is built from the accounts' own results, one
``results.json`` at a time (:class:`OrgBuilder` keeps a few numbers per
account, never the results themselves, so memory stays flat in the number of
accounts). Scoring is not re-implemented here: every account was graded by
:mod:`auditor.engine.scoring`, and the organization grade is an aggregation of
those grades, defined by :func:`aggregate_principle`:

* the org score of a principle is the **mean of the account scores** of that
  principle (accounts where it is N/A left out), so every account weighs the
  same whatever its size;
* it is **capped two grade steps above the worst account's grade** (one
  account at F caps the organization at C-, one at C at B): one exposed
  account cannot hide behind many clean ones;
* it is **incomplete** when any account is incomplete for it, or when any
  account could not be scanned at all (a gap of the organization);
* Security, Operations and Overall come from the org principle scores with the
  same :func:`~auditor.engine.scoring.category_scores` as a single account.

Fixes are grouped across accounts: one line per failing rule with the number
of failing resources and of accounts (``enable Container Insights on 14
clusters in 6 accounts``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Literal

from auditor.engine.model import Principle, Severity, Status
from auditor.engine.results import CategoryScore, PrincipleScore, ScanResult
from auditor.engine.scoring import GRADES, category_scores, grade_for, grade_rank
from auditor.snapshot.base import Model

ORG_SCHEMA_VERSION = 1
#: How many grade steps above the worst account the org grade may be.
WORST_ACCOUNT_STEPS = 2


class AccountGrade(Model):
    """One principle (or category) of one account, as its own review graded it."""

    grade: str
    score: float | None
    incomplete: bool


class AccountSummary(Model):
    """What the organization review keeps of one account."""

    account_id: str
    name: str
    #: ok: scanned completely; incomplete: scanned with gaps; gap: not scanned at all.
    status: Literal["ok", "incomplete", "gap"]
    #: Why the account is a gap (or what was missing), plain text from AWS: escape it.
    message: str = ""
    collected_at: datetime | None = None
    principles: dict[Principle, AccountGrade] = {}
    overall: AccountGrade | None = None
    security: AccountGrade | None = None
    operations: AccountGrade | None = None
    failed: int = 0
    gaps: int = 0

    @property
    def rank_key(self) -> tuple[int, float]:
        """Sort key, worst first: gaps, then lowest overall score."""
        if self.overall is None or self.overall.score is None:
            return (0, 0.0)
        return (1, self.overall.score)


class FixGroup(Model):
    """One failing rule across the organization."""

    rule_id: str
    title: str
    principle: Principle
    severity: Severity
    resources: int
    accounts: tuple[str, ...]
    #: One remediation command as an example (with one account's names filled in).
    example_command: str = ""


class OrgResult(Model):
    """``org-results.json``: the organization review as data (and an org gate baseline)."""

    kind: Literal["organization"] = "organization"
    schema_version: Literal[1] = 1
    tool_version: str
    management_account: str
    org_role: str
    regions: tuple[str, ...]
    collected_at: datetime | None
    accounts: tuple[AccountSummary, ...]
    principles: tuple[PrincipleScore, ...]
    security: CategoryScore
    operations: CategoryScore
    overall: CategoryScore
    fixes: tuple[FixGroup, ...]

    @property
    def gaps(self) -> tuple[AccountSummary, ...]:
        return tuple(a for a in self.accounts if a.status == "gap")

    def account(self, account_id: str) -> AccountSummary | None:
        for a in self.accounts:
            if a.account_id == account_id:
                return a
        return None


def _grade(score: PrincipleScore | CategoryScore) -> AccountGrade:
    return AccountGrade(grade=score.grade, score=score.score, incomplete=score.incomplete)


def _score_at_most(grade: str) -> float:
    """The highest score that still has ``grade`` (the floor of the next grade up, minus 0.1)."""
    order = [g for _, g in GRADES]
    index = order.index(grade)
    if index == 0:
        return 100.0
    return round(GRADES[index - 1][0] - 0.1, 1)


def aggregate_principle(
    principle: Principle, accounts: Sequence[PrincipleScore], *, any_gap: bool = False
) -> PrincipleScore:
    """The organization's score for ``principle`` from each account's (see module doc)."""
    graded = [a for a in accounts if a.score is not None]
    score: float | None = None
    cap = ""
    if graded:
        score = round(sum(a.score for a in graded if a.score is not None) / len(graded), 1)
        worst = max(graded, key=lambda a: grade_rank(a.grade))
        ceiling_rank = max(0, grade_rank(worst.grade) - WORST_ACCOUNT_STEPS)
        ceiling = _score_at_most(GRADES[ceiling_rank][1])
        if score > ceiling:
            score = ceiling
            cap = f"an account at {worst.grade} caps the organization at {grade_for(ceiling)}"
    return PrincipleScore(
        principle=principle,
        title=principle.label,
        category=principle.category,
        score=score,
        grade=grade_for(score),
        incomplete=any_gap or any(a.incomplete for a in accounts),
        passed=sum(a.passed for a in accounts),
        failed=sum(a.failed for a in accounts),
        unknown=sum(a.unknown for a in accounts),
        errors=sum(a.errors for a in accounts),
        waived=sum(a.waived for a in accounts),
        cap=cap,
    )


class OrgBuilder:
    """Folds account results in one at a time; :meth:`build` gives the :class:`OrgResult`."""

    def __init__(self, management_account: str, org_role: str, regions: Sequence[str]) -> None:
        self.management_account = management_account
        self.org_role = org_role
        self.regions = tuple(regions)
        self._accounts: list[AccountSummary] = []
        self._scores: dict[Principle, list[PrincipleScore]] = {p: [] for p in Principle}
        self._fixes: dict[str, dict[str, object]] = {}
        self._fix_accounts: dict[str, set[str]] = {}
        self._collected_at: datetime | None = None

    def add_result(self, name: str, result: ScanResult) -> None:
        for ps in result.principles:
            self._scores[ps.principle].append(ps)
        gaps = sum(1 for g in result.gaps if g.requested)
        self._accounts.append(
            AccountSummary(
                account_id=result.account_id,
                name=name,
                status="incomplete" if gaps else "ok",
                message=f"{gaps} collection gap(s)" if gaps else "",
                collected_at=result.collected_at,
                principles={ps.principle: _grade(ps) for ps in result.principles},
                overall=_grade(result.overall),
                security=_grade(result.security),
                operations=_grade(result.operations),
                failed=len(result.failing()),
                gaps=gaps,
            )
        )
        if self._collected_at is None or result.collected_at > self._collected_at:
            self._collected_at = result.collected_at
        titles = {r.id: r.title for r in result.rules}
        for r in result.results:
            if r.status is not Status.FAIL or r.waiver is not None:
                continue
            fix = self._fixes.setdefault(
                r.rule_id,
                {
                    "title": titles.get(r.rule_id, r.rule_id),
                    "principle": r.principle,
                    "severity": r.severity,
                    "resources": 0,
                    "example_command": r.remediation_cmd,
                },
            )
            fix["resources"] = int(str(fix["resources"])) + 1
            self._fix_accounts.setdefault(r.rule_id, set()).add(result.account_id)

    def add_gap(self, account_id: str, name: str, message: str) -> None:
        self._accounts.append(
            AccountSummary(account_id=account_id, name=name, status="gap", message=message)
        )

    def build(self, tool_version: str) -> OrgResult:
        any_gap = any(a.status == "gap" for a in self._accounts)
        principles = tuple(
            aggregate_principle(p, scores, any_gap=any_gap) for p, scores in self._scores.items()
        )
        security, operations, overall = category_scores(principles)
        fixes = [
            FixGroup(
                rule_id=rule_id,
                title=str(data["title"]),
                principle=Principle(str(data["principle"])),
                severity=Severity(str(data["severity"])),
                resources=int(str(data["resources"])),
                accounts=tuple(sorted(self._fix_accounts[rule_id])),
                example_command=str(data["example_command"]),
            )
            for rule_id, data in self._fixes.items()
        ]
        fixes.sort(key=lambda f: (-len(f.accounts), f.severity.rank, -f.resources, f.rule_id))
        return OrgResult(
            tool_version=tool_version,
            management_account=self.management_account,
            org_role=self.org_role,
            regions=self.regions,
            collected_at=self._collected_at,
            accounts=tuple(sorted(self._accounts, key=lambda a: (*a.rank_key, a.account_id))),
            principles=principles,
            security=security,
            operations=operations,
            overall=overall,
            fixes=tuple(fixes),
        )


def org_result_json(result: OrgResult) -> str:
    """Deterministic JSON of an org result."""
    return result.model_dump_json(indent=1) + "\n"


def ordered(accounts: Iterable[AccountSummary]) -> list[AccountSummary]:
    """Worst accounts first (gaps, then lowest overall score), then by id."""
    return sorted(accounts, key=lambda a: (*a.rank_key, a.account_id))
