"""SARIF 2.1.0: failing findings for GitHub code scanning and other SARIF readers.

* one ``reportingDescriptor`` per rule that has results (id, slug, title,
  rationale, remediation, tags, default level); the tags name the rule's
  category, principle and framework controls (``cis-5.0/1.3``, ``fsbp/IAM.4``);
* one result per FAIL that is not waived (waived ones are omitted: accepted
  risk is not an alert), with the evidence as the message and the filled
  remediation command in ``fixes``-free text form;
* levels: critical and high -> ``error``, medium -> ``warning``, low ->
  ``note``; ``security-severity`` (9.0/7.0/5.0/3.0) lets GitHub rank them;
* a cloud resource has no file: the location is a logical one plus an
  artifact URI ``aws/<account>/<region>/<resource>`` so that SARIF readers
  that require a physical location still accept the result; the stable
  finding id is the partial fingerprint, so an alert survives re-scans.
"""

from __future__ import annotations

import re
from typing import Any

from auditor import __version__
from auditor.engine.frameworks import requirements
from auditor.engine.model import Severity, Status
from auditor.engine.results import RuleInfo, ScanResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
}
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.0",
    Severity.HIGH: "7.0",
    Severity.MEDIUM: "5.0",
    Severity.LOW: "3.0",
}
_UNSAFE_PATH = re.compile(r"[^A-Za-z0-9._/-]+")


def _artifact_uri(account: str, region: str, resource: str) -> str:
    """A relative URI naming the resource (characters outside a safe set become ``_``)."""
    tail = _UNSAFE_PATH.sub("_", resource.replace(":", "/")).strip("/") or "resource"
    return f"aws/{account}/{region}/{tail}"


def _tags(info: RuleInfo | None) -> list[str]:
    """Category, principle, then one ``<framework>/<control>`` tag per control (``cis-5.0/1.3``)."""
    if info is None:
        return ["security"]
    controls = [req.tag for req in requirements(info.frameworks)]
    return [info.principle.category.value, info.principle.value, *controls]


def sarif_log(result: ScanResult) -> dict[str, Any]:
    """The SARIF log of a results document (a JSON-ready dict)."""
    failing = [r for r in result.results if r.status is Status.FAIL and r.waiver is None]
    used = sorted({r.rule_id for r in failing})
    infos = {info.id: info for info in result.rules}
    index = {rule_id: i for i, rule_id in enumerate(used)}
    rules = []
    for rule_id in used:
        info = infos.get(rule_id)
        severity = info.severity if info else Severity.MEDIUM
        rules.append(
            {
                "id": rule_id,
                "name": info.slug if info else rule_id,
                "shortDescription": {"text": info.title if info else rule_id},
                "fullDescription": {"text": (info.rationale if info else "") or rule_id},
                "help": {"text": (info.remediation if info else "") or rule_id},
                "defaultConfiguration": {"level": LEVEL[severity]},
                "properties": {
                    "tags": _tags(info),
                    "security-severity": SECURITY_SEVERITY[severity],
                    "precision": "high",
                },
            }
        )
    results = []
    for r in failing:
        text = r.evidence + (f" Fix: {r.remediation_cmd}" if r.remediation_cmd else "")
        results.append(
            {
                "ruleId": r.rule_id,
                "ruleIndex": index[r.rule_id],
                "level": LEVEL[r.severity],
                "message": {"text": text},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {
                                "uri": _artifact_uri(result.account_id, r.region, r.resource_id)
                            },
                        },
                        "logicalLocations": [
                            {
                                "name": r.resource_name or r.resource_id,
                                "fullyQualifiedName": r.resource_id,
                                "kind": "resource",
                            }
                        ],
                    }
                ],
                "partialFingerprints": {"auditorFindingId/v1": r.finding_id},
                "properties": {"security-severity": SECURITY_SEVERITY[r.severity]},
            }
        )
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "auditor",
                        "version": __version__,
                        "informationUri": "https://github.com/auditor-dev/auditor",
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"auditor/{result.account_id}/"},
                "results": results,
            }
        ],
    }
