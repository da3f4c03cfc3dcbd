"""OCSF Detection Finding events (class 2004, category 2 "Findings"), schema 1.3.0.

One event per result, built by hand (no dependency): the base event
attributes (``activity_id``, ``category_uid``, ``class_uid``, ``type_uid``,
``severity_id``, ``time``, ``metadata``), the finding's ``finding_info``
(``uid`` = the stable finding id, ``title``, ``analytic`` = the rule) and the
recommended ``status_id``, ``is_alert``, ``cloud``, ``resources`` and
``remediation``, and ``compliance.requirements`` (``<standard>/<control>``,
as in ASFF) with ``compliance.standards`` when the rule decides controls.
Times are epoch milliseconds.

Activity and status follow the result: FAIL -> Create / New (Suppressed when
waived), PASS -> Close / Resolved, UNKNOWN or ERROR -> Update / Unknown with
the reason in ``status_detail``.
"""

from __future__ import annotations

from typing import Any

from auditor.engine.frameworks import requirements
from auditor.engine.model import GLOBAL, Severity, Status
from auditor.engine.results import RuleInfo, RuleResult, ScanResult

OCSF_VERSION = "1.3.0"
CLASS_UID = 2004
CATEGORY_UID = 2
_SEVERITY = {
    Severity.CRITICAL: (5, "Critical"),
    Severity.HIGH: (4, "High"),
    Severity.MEDIUM: (3, "Medium"),
    Severity.LOW: (2, "Low"),
}
#: activity_id -> name (Detection Finding activities).
ACTIVITIES = {1: "Create", 2: "Update", 3: "Close"}
#: status_id -> name (Finding status).
STATUSES = {0: "Unknown", 1: "New", 2: "In Progress", 3: "Suppressed", 4: "Resolved"}


def _event(result: ScanResult, r: RuleResult, info: RuleInfo | None, tool: str) -> dict[str, Any]:
    time_ms = int(result.collected_at.timestamp() * 1000)
    if r.status is Status.FAIL:
        activity, status = 1, (3 if r.waiver is not None else 1)
    elif r.status is Status.PASS:
        activity, status = 3, 4
    else:
        activity, status = 2, 0
    severity_id, severity = _SEVERITY[r.severity]
    title = info.title if info else r.rule_id
    region = r.region if r.region not in (GLOBAL, "*") else ""
    resource: dict[str, Any] = {
        "uid": r.resource_id,
        "name": r.resource_name or r.resource_id,
        "cloud_partition": result.partition,
    }
    if region:
        resource["region"] = region
    event: dict[str, Any] = {
        "activity_id": activity,
        "activity_name": ACTIVITIES[activity],
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "type_uid": CLASS_UID * 100 + activity,
        "type_name": f"Detection Finding: {ACTIVITIES[activity]}",
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status,
        "status": STATUSES[status],
        "time": time_ms,
        "message": r.evidence,
        "is_alert": r.status is Status.FAIL and r.waiver is None,
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "auditor", "vendor_name": "auditor", "version": tool},
            "uid": r.finding_id,
        },
        "finding_info": {
            "uid": r.finding_id,
            "title": title,
            "desc": r.evidence,
            "types": [r.principle.label],
            "created_time": time_ms,
            "analytic": {
                "uid": r.rule_id,
                "name": info.slug if info else r.rule_id,
                "type_id": 1,
                "type": "Rule",
            },
        },
        "cloud": {
            "provider": "AWS",
            "account": {"uid": result.account_id, "type_id": 10, "type": "AWS Account"},
            **({"region": region} if region else {}),
        },
        "resources": [resource],
    }
    if r.status in (Status.UNKNOWN, Status.ERROR):
        event["status_detail"] = r.evidence
    if r.status is Status.FAIL and r.waiver is not None:
        event["status_detail"] = f"waived until {r.waiver.expires.isoformat()}: {r.waiver.reason}"
    remediation = r.remediation_cmd or (info.remediation if info else "")
    if remediation:
        event["remediation"] = {"desc": remediation}
    related = requirements(info.frameworks if info else {})
    if related:
        event["compliance"] = {
            "requirements": [req.asff for req in related],
            "standards": sorted({req.standard for req in related}),
        }
    return event


def ocsf_findings(result: ScanResult, *, failed_only: bool = False) -> list[dict[str, Any]]:
    """One Detection Finding per result (only FAILs with ``failed_only``), by finding id."""
    infos = {info.id: info for info in result.rules}
    return [
        _event(result, r, infos.get(r.rule_id), result.tool_version)
        for r in sorted(result.results, key=lambda r: r.finding_id)
        if not failed_only or r.status is Status.FAIL
    ]
