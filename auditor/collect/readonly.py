"""The read-only guard: a botocore hook that refuses any non-read operation.

It is registered on the scanning session before any client is created, so
every client inherits it. A refused call raises :class:`ReadOnlyViolation`
before a request is signed or sent.
"""

from __future__ import annotations

from typing import Any

from auditor.errors import ReadOnlyViolation

#: Operation-name prefixes that only read.
READ_PREFIXES = ("Describe", "List", "Get", "BatchGet", "Lookup")

#: Reads that are still not allowed: they return secret material, data, or
#: credentials (or a download URL for code or images).
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

#: Operations without a read prefix that are still reads for our purpose.
ALLOWED = frozenset(
    {
        # Asks IAM to (re)build the credential report; reads nothing and changes no resource.
        "iam:GenerateCredentialReport",
        # Organization scans (auditor scan --org): discover the accounts to scan.
        "organizations:ListAccounts",
        "organizations:DescribeOrganization",
    }
)


def operation_key(service_id: str, operation: str) -> str:
    return f"{service_id}:{operation}"


def is_read_only(service: str, operation: str) -> bool:
    """True when ``service:operation`` may be called by a scanning session."""
    key = operation_key(service, operation)
    if key in DENIED:
        return False
    if key in ALLOWED:
        return True
    return operation.startswith(READ_PREFIXES)


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
