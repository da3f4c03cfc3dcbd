"""AWS Security Hub findings (ASFF), ready for ``BatchImportFindings``.

Every result becomes one finding whose ``Id`` is the stable finding id, so a
re-import updates the same finding: FAIL -> ``Compliance.Status`` FAILED and
workflow NEW (SUPPRESSED when waived), PASS -> PASSED and RESOLVED (closing
what an earlier import opened), UNKNOWN/ERROR -> NOT_AVAILABLE. Passed
findings carry severity INFORMATIONAL, as Security Hub's own controls do.

The product ARN is the account's "default" product
(``arn:<partition>:securityhub:<region>:<account>:product/<account>/default``),
the one any account may import into. :func:`asff_batches` cuts the findings
into batches of at most 100, the API's limit; each batch is a
``{"Findings": [...]}`` document usable as is with
``aws securityhub batch-import-findings --cli-input-json file://batch-0001.json``.
String limits of the API (title 256, description 1,024, recommendation 512
characters) are respected by truncation.
"""

from __future__ import annotations

from typing import Any

from auditor.engine.frameworks import requirements
from auditor.engine.model import ACCOUNT, GLOBAL, Status
from auditor.engine.results import RuleInfo, RuleResult, ScanResult

SCHEMA_VERSION = "2018-10-08"
BATCH_SIZE = 100
FINDING_TYPE = "Software and Configuration Checks/AWS Security Best Practices"

#: ARN service -> ASFF resource type, for services with one resource kind here.
_ARN_SERVICES = {
    "lambda": "AwsLambdaFunction",
    "secretsmanager": "AwsSecretsManagerSecret",
    "cloudtrail": "AwsCloudTrailTrail",
    "ecr": "AwsEcrRepository",
    "kms": "AwsKmsKey",
    "guardduty": "AwsGuardDutyDetector",
    "s3": "AwsS3Bucket",
}
#: (ARN service, first word of the resource part) -> ASFF resource type.
_ARN_KINDS = {
    ("iam", "role"): "AwsIamRole",
    ("iam", "user"): "AwsIamUser",
    ("iam", "policy"): "AwsIamPolicy",
    ("iam", "group"): "AwsIamGroup",
    ("ecs", "cluster"): "AwsEcsCluster",
    ("ecs", "service"): "AwsEcsService",
    ("ecs", "task-definition"): "AwsEcsTaskDefinition",
    ("rds", "db"): "AwsRdsDbInstance",
    ("rds", "cluster"): "AwsRdsDbCluster",
}
_ID_PREFIXES = {
    "sg-": "AwsEc2SecurityGroup",
    "vpc-": "AwsEc2Vpc",
    "subnet-": "AwsEc2Subnet",
    "i-": "AwsEc2Instance",
    "eni-": "AwsEc2NetworkInterface",
    "acl-": "AwsEc2NetworkAcl",
}
#: Every type :func:`resource_type` can return.
RESOURCE_TYPES = frozenset(
    {*_ARN_SERVICES.values(), *_ARN_KINDS.values(), *_ID_PREFIXES.values(), "AwsAccount", "Other"}
)


def resource_type(r: RuleResult) -> str:
    """The ASFF ``Resources[].Type`` of a result's resource ("Other" when unsure)."""
    rid = r.resource_id
    if rid == ACCOUNT or rid.startswith(f"{ACCOUNT}/"):
        return "AwsAccount"
    if rid.startswith("arn:"):
        parts = rid.split(":", 5)
        if len(parts) < 6:
            return "Other"
        service, resource = parts[2], parts[5]
        if service in _ARN_SERVICES:
            return _ARN_SERVICES[service]
        word = resource.replace(":", "/").split("/", 1)[0]
        return _ARN_KINDS.get((service, word), "Other")
    for prefix, kind in _ID_PREFIXES.items():
        if rid.startswith(prefix):
            return kind
    return "Other"


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _nonempty(text: str, fallback: str) -> str:
    return text if text.strip() else fallback


def _finding(result: ScanResult, r: RuleResult, info: RuleInfo | None, home: str) -> dict[str, Any]:
    region = r.region if r.region not in (GLOBAL, "*") else home
    account = result.account_id
    partition = result.partition or "aws"
    stamp = result.collected_at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    if r.status is Status.PASS:
        label, compliance, workflow = "INFORMATIONAL", "PASSED", "RESOLVED"
    elif r.status is Status.FAIL:
        label, compliance = r.severity.value.upper(), "FAILED"
        workflow = "SUPPRESSED" if r.waiver is not None else "NEW"
    else:
        label, compliance, workflow = "INFORMATIONAL", "NOT_AVAILABLE", "NEW"
    title = info.title if info else r.rule_id
    description = r.evidence + (f" - {info.rationale}" if info and info.rationale else "")
    rtype = resource_type(r)
    resource_id = f"AWS::::Account:{account}" if rtype == "AwsAccount" else r.resource_id
    related = [req.asff for req in requirements(info.frameworks if info else {})][:32]
    recommendation = r.remediation_cmd or (info.remediation if info else "")
    product_fields = {
        "auditor/RuleId": r.rule_id,
        "auditor/Principle": r.principle.value,
        "auditor/Status": r.status.value,
        "auditor/FindingId": r.finding_id,
        "ProviderName": "auditor",
    }
    if r.waiver is not None and r.status is Status.FAIL:
        product_fields["auditor/WaiverReason"] = _cut(r.waiver.reason, 1024) or "-"
        product_fields["auditor/WaiverExpires"] = r.waiver.expires.isoformat()
    finding: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": _cut(f"auditor/{r.finding_id}", 512),
        "ProductArn": f"arn:{partition}:securityhub:{home}:{account}:product/{account}/default",
        "ProductName": "auditor",
        "CompanyName": "auditor",
        "Region": region,
        "GeneratorId": f"auditor/{r.rule_id}",
        "AwsAccountId": account,
        "Types": [FINDING_TYPE],
        "CreatedAt": stamp,
        "UpdatedAt": stamp,
        "Severity": {"Label": label, "Original": r.severity.value},
        "Title": _cut(f"{r.rule_id} {title}", 256),
        "Description": _cut(_nonempty(description, title), 1024),
        "ProductFields": product_fields,
        "Resources": [
            {
                "Type": rtype,
                "Id": _nonempty(resource_id, "unknown"),
                "Partition": partition,
                "Region": region,
            }
        ],
        "Compliance": {"Status": compliance},
        "Workflow": {"Status": workflow},
        "RecordState": "ACTIVE",
        "FindingProviderFields": {
            "Severity": {"Label": label, "Original": r.severity.value},
            "Types": [FINDING_TYPE],
        },
    }
    if related:
        finding["Compliance"]["RelatedRequirements"] = related
    if recommendation.strip():
        finding["Remediation"] = {"Recommendation": {"Text": _cut(recommendation, 512)}}
    return finding


def asff_findings(result: ScanResult, *, failed_only: bool = False) -> list[dict[str, Any]]:
    """One ASFF finding per result (only FAILs with ``failed_only``), in finding-id order."""
    infos = {info.id: info for info in result.rules}
    home = result.regions[0] if result.regions else "us-east-1"
    rows = sorted(result.results, key=lambda r: r.finding_id)
    return [
        _finding(result, r, infos.get(r.rule_id), home)
        for r in rows
        if not failed_only or r.status is Status.FAIL
    ]


def asff_batches(findings: list[dict[str, Any]], size: int = BATCH_SIZE) -> list[dict[str, Any]]:
    """``[{"Findings": [...<=size]}, ...]``: the ``BatchImportFindings`` requests to send."""
    if not 1 <= size <= BATCH_SIZE:
        raise ValueError(f"batch size must be 1..{BATCH_SIZE}")
    return [{"Findings": findings[i : i + size]} for i in range(0, len(findings), size)]
