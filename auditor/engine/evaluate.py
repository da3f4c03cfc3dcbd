"""Evaluation: run every rule over the snapshot, one result per (rule, resource).

No AWS call happens here. Gaps become UNKNOWN results; a rule that raises
becomes one ERROR result; waivers turn matching FAILs into accepted risks.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Iterable
from fnmatch import fnmatchcase

from auditor import __version__
from auditor.config import Config
from auditor.engine.catalogue import Catalogue
from auditor.engine.model import ACCOUNT, GLOBAL, Check, Principle, Rule, ShellText, Status
from auditor.engine.overlap import count_once
from auditor.engine.results import AppliedWaiver, RuleInfo, RuleResult, ScanResult, Waiver
from auditor.engine.scoring import category_scores, score_all
from auditor.snapshot import Coverage, Snapshot

log = logging.getLogger(__name__)

_PRINCIPLE_ORDER = {p: i for i, p in enumerate(Principle)}


def finding_id(rule_id: str, account: str, region: str, resource_id: str) -> str:
    """Stable across runs: the same rule on the same resource is the same finding."""
    return f"{rule_id}/{account}/{region}/{resource_id}"


def _fill(template: str, check: Check, snap: Snapshot) -> str:
    """The rule's command with real names, each value shell-quoted (names are hostile data)."""
    if not template:
        return ""
    values = {
        "id": check.resource_id,
        "name": check.name or check.resource_id,
        "arn": check.resource_id,
        "region": check.region
        if check.region != GLOBAL
        else (snap.regions[0] if snap.regions else ""),
        "account": snap.account_id,
        **check.fields,
    }
    try:
        return template.format(
            **{k: v if isinstance(v, ShellText) else shlex.quote(str(v)) for k, v in values.items()}
        )
    except (KeyError, IndexError) as exc:
        raise ValueError(f"remediation_cmd needs a field the check did not give: {exc}") from None


def _gapped_regions(rule: Rule, snap: Snapshot) -> tuple[dict[str, set[str]], bool]:
    """For each needed service, the regions where it is a gap; and whether any
    needed service has no usable data at all (nothing collected anywhere)."""
    gaps: dict[str, set[str]] = {}
    nothing_usable = False
    for service in rule.needs:
        records = snap.coverage_of(service)
        bad = {c.region for c in records if c.is_gap}
        if not records or len(bad) == len(records):
            nothing_usable = True
            bad = bad or {GLOBAL}
        if bad:
            gaps[service] = bad
    return gaps, nothing_usable


def _resource_gaps(rule: Rule, snap: Snapshot, gapped: set[str]) -> dict[str, Coverage]:
    """Gapped resources of the needed services (outside whole-region gaps), by resource id."""
    out: dict[str, Coverage] = {}
    for service in rule.needs:
        for gap in snap.resource_gaps(service):
            if gap.region not in gapped:
                out.setdefault(gap.resource, gap)
    return out


def _gap_of(check: Check, gaps: dict[str, Coverage]) -> Coverage | None:
    """The resource gap a check is about (its id, name, or a part of it such as ``arn#key-1``)."""
    for key in (check.resource_id, check.name, check.resource_id.split("#", 1)[0]):
        if key and key in gaps:
            return gaps[key]
    return None


def _resource_unknown(gap: Coverage) -> Check:
    what = " ".join(x for x in (gap.operation, gap.error_code) if x)
    return Check(
        resource_id=gap.resource,
        ok=None,
        evidence=f"{gap.service} could not be collected for this resource ({what}); "
        "the rule cannot tell",
        region=gap.region,
        name=gap.resource,
    )


def _is_account(check: Check) -> bool:
    return check.resource_id == ACCOUNT or check.resource_id.startswith(f"{ACCOUNT}/")


def _result(rule: Rule, snap: Snapshot, status: Status, check: Check, cmd: str = "") -> RuleResult:
    return RuleResult(
        finding_id=finding_id(rule.id, snap.account_id, check.region, check.resource_id),
        rule_id=rule.id,
        principle=rule.principle,
        severity=rule.severity,
        status=status,
        resource_id=check.resource_id,
        resource_name=check.name,
        region=check.region,
        evidence=check.evidence,
        remediation_cmd=cmd,
        related=check.related,
        fix_files=dict(check.files) if cmd else {},
    )


def evaluate_rule(rule: Rule, snap: Snapshot, config: Config | None = None) -> list[RuleResult]:
    """All results of one rule. Never raises for a rule bug: that is an ERROR result."""
    overrides = (
        (config.thresholds.get(rule.id) or config.thresholds.get(rule.id.lower()))
        if config
        else None
    )
    gaps, nothing_usable = _gapped_regions(rule, snap)
    unknown = [
        _result(
            rule,
            snap,
            Status.UNKNOWN,
            Check(
                resource_id=f"{service}:{region}",
                ok=False,
                evidence=f"{service} was not collected in {region}; the rule cannot tell",
                region=region,
                name=f"{service}:{region}",
            ),
        )
        for service, regions in sorted(gaps.items())
        for region in sorted(regions)
    ]
    if nothing_usable:
        return unknown
    gapped = set().union(*gaps.values()) if gaps else set()
    resource_gaps = _resource_gaps(rule, snap, gapped)
    gap_regions = {g.region for g in resource_gaps.values()}
    unjudged = dict(resource_gaps)  # gapped resources no check was about
    out: list[RuleResult] = []
    try:
        for check in rule.run(snap, overrides):
            if check.region in gapped:
                continue
            gap = _gap_of(check, resource_gaps) if resource_gaps else None
            if gap is not None:
                # One call about this resource failed: whatever the rule saw is partial.
                if unjudged.pop(gap.resource, None) is not None:
                    out.append(_result(rule, snap, Status.UNKNOWN, _resource_unknown(gap)))
                continue
            # A verdict over the whole account (or region) while one resource is
            # missing, or an account-wide FAIL while some region is, might be wrong.
            partial = bool(gaps and check.ok is False and check.region == GLOBAL) or bool(
                resource_gaps
                and (
                    (_is_account(check) and check.region in (gap_regions | {GLOBAL}))
                    or (check.ok is False and check.region == GLOBAL)
                )
            )
            if check.ok is None or partial:
                out.append(_result(rule, snap, Status.UNKNOWN, check))
                continue
            status = Status.PASS if check.ok else Status.FAIL
            cmd = _fill(rule.remediation_cmd, check, snap) if status is Status.FAIL else ""
            out.append(_result(rule, snap, status, check, cmd))
    except Exception as exc:  # a rule bug must not stop the scan: it is reported
        log.exception("rule %s raised", rule.id)
        return [
            *unknown,
            _result(
                rule,
                snap,
                Status.ERROR,
                Check(
                    resource_id=f"rule:{rule.id}",
                    ok=False,
                    evidence=f"rule {rule.id} raised {type(exc).__name__}: {exc}"[:500],
                    name=rule.id,
                ),
            ),
        ]
    unknown += [
        _result(rule, snap, Status.UNKNOWN, _resource_unknown(gap)) for gap in unjudged.values()
    ]
    return unknown + out


def _waiver_for(result: RuleResult, waivers: Iterable[Waiver], account: str) -> Waiver | None:
    for w in waivers:
        if w.rule.upper() != result.rule_id:
            continue
        if not fnmatchcase(account, w.account) or not fnmatchcase(result.region, w.region):
            continue
        if any(
            fnmatchcase(candidate, w.resource)
            for candidate in (result.resource_id, result.resource_name)
            if candidate
        ):
            return w
    return None


def apply_waivers(
    results: list[RuleResult], config: Config, snap: Snapshot
) -> tuple[list[RuleResult], tuple[Waiver, ...]]:
    """Attach live waivers to matching FAILs; return the expired waivers apart.

    "Today" is the snapshot's collection date, so the outcome is reproducible.
    """
    today = snap.collected_at.date()
    live = [w for w in config.waivers if w.expires >= today]
    expired = tuple(w for w in config.waivers if w.expires < today)
    out = []
    for r in results:
        w = _waiver_for(r, live, snap.account_id) if r.status is Status.FAIL else None
        if w is not None:
            r = r.model_copy(
                update={
                    "waiver": AppliedWaiver(
                        reason=w.reason, expires=w.expires, resource_pattern=w.resource
                    )
                }
            )
        out.append(r)
    return out, expired


def _info(rule: Rule) -> RuleInfo:
    return RuleInfo(
        id=rule.id,
        slug=rule.slug,
        title=rule.title,
        principle=rule.principle,
        severity=rule.severity,
        effort_minutes=rule.effort_minutes,
        monthly_cost_usd=rule.monthly_cost_usd,
        rationale=rule.rationale,
        remediation=rule.remediation,
        frameworks=dict(rule.frameworks),
        tier=rule.tier,
        group=rule.group,
        formerly=rule.formerly,
        supersedes=rule.supersedes,
        action=rule.action,
    )


def evaluate(snap: Snapshot, catalogue: Catalogue, config: Config | None = None) -> ScanResult:
    """Evaluate and score: the snapshot in, the whole results document out."""
    config = config or Config()
    disabled = {d.upper() for d in config.disable}
    rules = [r for r in catalogue if r.id not in disabled]
    results: list[RuleResult] = []
    for rule in rules:
        results.extend(evaluate_rule(rule, snap, config))
    results, expired = apply_waivers(results, config, snap)
    results = count_once(results, {r.id: r.supersedes for r in rules if r.supersedes})
    results.sort(
        key=lambda r: (_PRINCIPLE_ORDER[r.principle], r.rule_id, r.region, r.resource_id, r.status)
    )
    infos = tuple(_info(r) for r in rules)
    principles = score_all(results, infos)
    security, operations, overall = category_scores(principles)
    return ScanResult(
        tool_version=__version__,
        account_id=snap.account_id,
        partition=snap.partition,
        regions=snap.regions,
        collected_at=snap.collected_at,
        gaps=snap.gaps,
        principles=principles,
        security=security,
        operations=operations,
        overall=overall,
        rules=infos,
        results=tuple(results),
        expired_waivers=expired,
    )
