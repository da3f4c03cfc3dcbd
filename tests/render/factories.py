"""Results documents built by hand for view and renderer tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from auditor.engine.model import Principle, Severity, Status, Tier
from auditor.engine.results import AppliedWaiver, RuleInfo, RuleResult, ScanResult, Waiver
from auditor.engine.scoring import category_scores, score_all
from auditor.snapshot.base import Coverage
from tests.rules.helpers import ACCOUNT_ID, NOW, REGION

_PRINCIPLE_BY_PREFIX = {p.prefix: p for p in Principle}


def info(
    rule_id: str,
    severity: Severity = Severity.MEDIUM,
    *,
    effort: int = 5,
    cost: float = 0,
    title: str = "",
    tier: Tier | None = None,
) -> RuleInfo:
    return RuleInfo(
        id=rule_id,
        slug=f"rule-{rule_id.lower()}",
        title=title or f"Rule {rule_id} holds",
        principle=_PRINCIPLE_BY_PREFIX[rule_id[:2]],
        severity=severity,
        effort_minutes=effort,
        monthly_cost_usd=cost,
        rationale=f"Why {rule_id} matters.",
        remediation=f"Fix {rule_id} with `a command`.",
        frameworks={"fsbp": ("X.1",)},
        tier=tier,
    )


def rr(
    rule: RuleInfo,
    name: str,
    status: Status = Status.FAIL,
    *,
    waived: bool = False,
    resource_id: str = "",
    region: str = REGION,
    evidence: str = "",
) -> RuleResult:
    rid = resource_id or f"arn:aws:test:{region}:{ACCOUNT_ID}:thing/{name}"
    return RuleResult(
        finding_id=f"{rule.id}/{ACCOUNT_ID}/{region}/{rid}",
        rule_id=rule.id,
        principle=rule.principle,
        severity=rule.severity,
        status=status,
        resource_id=rid,
        resource_name=name,
        region=region,
        evidence=evidence or f"{name} is {status.value.lower()}",
        remediation_cmd=f"aws fix {rule.id.lower()} --name {name}" if status is Status.FAIL else "",
        waiver=AppliedWaiver(
            reason="accepted for now", expires=date(2027, 1, 31), resource_pattern=name
        )
        if waived
        else None,
    )


def result_of(
    rules: Iterable[RuleInfo],
    results: Iterable[RuleResult],
    *,
    gaps: tuple[Coverage, ...] = (),
    expired: tuple[Waiver, ...] = (),
) -> ScanResult:
    results, rules = tuple(results), tuple(rules)
    principles = score_all(results, rules)
    security, operations, overall = category_scores(principles)
    return ScanResult(
        tool_version="test",
        account_id=ACCOUNT_ID,
        partition="aws",
        regions=(REGION,),
        collected_at=NOW,
        gaps=gaps,
        principles=principles,
        security=security,
        operations=operations,
        overall=overall,
        rules=rules,
        results=results,
        expired_waivers=expired,
    )
