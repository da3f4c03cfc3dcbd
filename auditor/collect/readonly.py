"""The read-only guard: a botocore hook that refuses every operation not on the allowlist.

It is registered on the scanning session before any client is created, so
every client inherits it. A refused call raises :class:`ReadOnlyViolation`
before a request is signed or sent.

The allowlist is exact: :data:`READ_OPERATIONS` names each operation the
collectors call, by IAM action prefix. A prefix rule ("anything called
``Get*``, ``List*``, ``Describe*``") would let through reads that return
data or secrets (``ssm:GetParameterHistory``, ``ec2:GetPasswordData``,
``dynamodb:GetItem``, ``kinesis:GetRecords``). A collector that needs a new
operation adds it here; ``tests/test_readonly.py`` proves that every call the
collectors make is listed and that every listed operation is a read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.errors import ReadOnlyViolation

#: Every operation a scanning session may call, by IAM action prefix. Nothing else passes.
READ_OPERATIONS: Mapping[str, frozenset[str]] = {
    "access-analyzer": frozenset({"ListAnalyzers"}),
    "cloudtrail": frozenset({"DescribeTrails", "GetEventSelectors", "GetTrailStatus"}),
    "cloudwatch": frozenset({"DescribeAlarms", "ListDashboards"}),
    "codebuild": frozenset({"BatchGetProjects", "ListProjects"}),
    "codepipeline": frozenset({"GetPipeline", "ListPipelines"}),
    "config": frozenset({"DescribeConfigurationRecorderStatus", "DescribeConfigurationRecorders"}),
    "ec2": frozenset(
        {
            "DescribeFlowLogs",
            "DescribeInstances",
            "DescribeInternetGateways",
            "DescribeNatGateways",
            "DescribeNetworkAcls",
            "DescribeNetworkInterfaces",
            "DescribeRegions",
            "DescribeRouteTables",
            "DescribeSecurityGroups",
            "DescribeSubnets",
            "DescribeVpcEndpoints",
            "DescribeVpcs",
            "GetEbsEncryptionByDefault",
        }
    ),
    "ecr": frozenset(
        {"DescribeRepositories", "GetLifecyclePolicy", "GetRegistryScanningConfiguration"}
    ),
    "ecs": frozenset(
        {
            "DescribeClusters",
            "DescribeServices",
            "DescribeTaskDefinition",
            "ListClusters",
            "ListServices",
            "ListTaskDefinitions",
        }
    ),
    "guardduty": frozenset({"GetDetector", "ListDetectors"}),
    "iam": frozenset(
        {
            # Asks IAM to (re)build the credential report; reads nothing, changes no resource.
            "GenerateCredentialReport",
            "GetAccountAuthorizationDetails",
            "GetAccountPasswordPolicy",
            "GetAccountSummary",
            "GetCredentialReport",
            "GetOpenIDConnectProvider",
            # auditor scan --org: the per-account role exists (moto grants any AssumeRole)
            "GetRole",
            "ListOpenIDConnectProviders",
            "ListSAMLProviders",
        }
    ),
    "lambda": frozenset({"GetFunctionUrlConfig", "GetPolicy", "ListAliases", "ListFunctions"}),
    "logs": frozenset({"DescribeLogGroups", "DescribeMetricFilters", "DescribeQueryDefinitions"}),
    # Organization scans (auditor scan --org): discover the accounts to scan.
    "organizations": frozenset({"ListAccounts"}),
    "rds": frozenset({"DescribeDBClusters", "DescribeDBInstances", "DescribeDBSubnetGroups"}),
    "kms": frozenset({"DescribeKey", "GetKeyRotationStatus", "ListKeys"}),
    "s3": frozenset(
        {
            "GetBucketLocation",
            "GetBucketPolicy",
            "GetBucketPolicyStatus",
            # bucket settings (s3) and the account's (s3control: signed as s3)
            "GetPublicAccessBlock",
            "ListBuckets",
        }
    ),
    "secretsmanager": frozenset({"GetResourcePolicy", "ListSecrets"}),
    "sts": frozenset({"GetCallerIdentity"}),
}

#: Reads that must never be added to :data:`READ_OPERATIONS`: they return secret
#: material, data, or credentials (or a download URL for code or images). The
#: documented policy (docs/iam-policy.md) denies exactly these.
DENIED = frozenset(
    {
        "secretsmanager:GetSecretValue",
        "secretsmanager:BatchGetSecretValue",
        "secretsmanager:GetRandomPassword",
        "ecr:GetAuthorizationToken",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
        "lambda:GetFunction",
        "lambda:GetLayerVersion",
        "sts:GetSessionToken",
        "sts:GetFederationToken",
        "sts:GetAccessKeyInfo",
        "s3:GetObject",
        "s3:GetObjectTorrent",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
        "logs:GetLogEvents",
        "logs:GetLogRecord",
        "logs:GetQueryResults",
        "kms:GetParametersForImport",
        "codebuild:BatchGetReportGroups",
    }
)


def operation_key(service_id: str, operation: str) -> str:
    return f"{service_id}:{operation}"


def is_read_only(service: str, operation: str) -> bool:
    """True when ``service:operation`` may be called by a scanning session (exact match)."""
    return operation in READ_OPERATIONS.get(service, frozenset())


def _endpoint_prefix(model: Any) -> str:
    return str(model.service_model.endpoint_prefix)


#: Signing names that differ from the IAM action prefix.
_IAM_PREFIX = {"monitoring": "cloudwatch"}


def service_name(model: Any) -> str:
    """The IAM action prefix of an operation model (``lambda``, ``logs``, ``cloudwatch``...)."""
    signing = str(model.service_model.signing_name or _endpoint_prefix(model))
    return _IAM_PREFIX.get(signing, signing)


def guard_before_call(model: Any, **_: Any) -> None:
    """botocore ``before-call`` handler: raise unless the operation is a read."""
    service = service_name(model)
    if not is_read_only(service, model.name):
        raise ReadOnlyViolation(
            f"refused {service}:{model.name}: auditor only performs read operations"
        )


def install_read_only_guard(events: Any) -> None:
    """Register the guard on a botocore event emitter (a session's ``events``)."""
    events.register_first("before-call", guard_before_call, unique_id="auditor-read-only")
