"""ScanResult factories for gate tests: results built by hand, graded by the real scoring."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from auditor.engine.model import Principle, Severity, Status
from auditor.engine.results import AppliedWaiver, RuleInfo, RuleResult, ScanResult
from auditor.engine.scoring import category_scores, score_all
from auditor.snapshot.base import CollectionStatus, Coverage

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
REGION = "us-west-2"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
_BY_PREFIX = {p.prefix: p for p in Principle}


def rr(
    rule_id: str,
    resource: str,
    status: Status | str = Status.FAIL,
    severity: Severity | str = Severity.HIGH,
    *,
    region: str = REGION,
    account: str = ACCOUNT,
    evidence: str | None = None,
    waived: str | None = None,
    name: str | None = None,
    remediation_cmd: str = "",
) -> RuleResult:
    """One result; the principle follows the rule id's prefix (``NI004`` -> Network Isolation)."""
    status = Status(status)
    return RuleResult(
        finding_id=f"{rule_id}/{account}/{region}/{resource}",
        rule_id=rule_id,
        principle=_BY_PREFIX[rule_id[:2]],
        severity=Severity(severity),
        status=status,
        resource_id=resource,
        resource_name=resource if name is None else name,
        region=region,
        evidence=evidence if evidence is not None else f"{rule_id} {status.value} on {resource}",
        remediation_cmd=remediation_cmd,
        waiver=(
            AppliedWaiver(reason=waived, expires=date(2027, 1, 1), resource_pattern=resource)
            if waived
            else None
        ),
    )


def info(rule_id: str, severity: Severity = Severity.HIGH) -> RuleInfo:
    return RuleInfo(
        id=rule_id,
        slug=f"rule-{rule_id.lower()}",
        title=f"Rule {rule_id} holds",
        principle=_BY_PREFIX[rule_id[:2]],
        severity=severity,
        effort_minutes=5,
        monthly_cost_usd=0,
        rationale="Because.",
        remediation="Fix it.",
        frameworks={"fsbp": ("EC2.19",)} if rule_id.startswith("NI") else {},
    )


def gap(service: str, region: str = REGION, status: str = "access_denied") -> Coverage:
    return Coverage(
        service=service,
        region=region,
        status=CollectionStatus(status),
        operation="ListThings",
        error_code="AccessDeniedException",
    )


def scan(
    results: Iterable[RuleResult],
    *,
    account: str = ACCOUNT,
    regions: tuple[str, ...] = (REGION,),
    gaps: tuple[Coverage, ...] = (),
    collected_at: datetime = NOW,
    rules: Iterable[RuleInfo] | None = None,
) -> ScanResult:
    """A results document graded by the real scoring (order of ``results`` kept)."""
    results = tuple(results)
    if rules is None:
        seen = {r.rule_id: r.severity for r in results}
        rules = [info(rid, sev) for rid, sev in sorted(seen.items())]
    rules = tuple(rules)
    principles = score_all(results, rules)
    security, operations, overall = category_scores(principles)
    return ScanResult(
        tool_version="test",
        account_id=account,
        partition="aws",
        regions=regions,
        collected_at=collected_at,
        gaps=gaps,
        principles=principles,
        security=security,
        operations=operations,
        overall=overall,
        rules=rules,
        results=results,
    )
