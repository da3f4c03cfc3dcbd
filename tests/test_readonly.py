"""Read-only proofs.

(a) a non-read operation through a scanning client is refused before any
    request is sent; (b) a full collection of the reference account makes
    reads only; (c) docs/iam-policy.md grants every operation (b) makes;
    (d) the classification itself, case by case.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from auditor.collect import collect
from auditor.collect.readonly import (
    DENIED,
    READ_OPERATIONS,
    guard_before_call,
    is_read_only,
    service_name,
)
from auditor.collect.session import SessionClients
from auditor.demo import build_reference
from auditor.errors import ReadOnlyViolation
from auditor.services import SERVICES
from tests.conftest import REGION
from tests.scenarios.reference import unexpected_gaps

POLICY_DOC = Path(__file__).resolve().parents[1] / "docs" / "iam-policy.md"


class SentRequests:
    """A ``before-send`` recorder: the last step before bytes leave the process."""

    def __init__(self) -> None:
        self.operations: list[str] = []

    def __call__(self, event_name: str, **_: Any) -> None:
        self.operations.append(event_name.rsplit(".", 1)[-1])  # before-send.<service>.<Op>


@pytest.fixture
def sent(aws: SessionClients) -> SentRequests:
    recorder = SentRequests()
    # First, so it sees the request before moto's in-process stub answers it.
    aws.session.events.register_first("before-send", recorder)
    return recorder


# ------------------------------------------------------- (a) refused before sending


def _security_group(setup: Callable[..., Any]) -> str:
    ec2 = setup("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    return str(ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)["GroupId"])


def test_a_read_is_sent(aws: SessionClients, setup: Callable[..., Any], sent: SentRequests) -> None:
    """The positive control: the recorder does see requests that are sent."""
    group = _security_group(setup)
    aws("ec2", REGION).describe_security_groups(GroupIds=[group])
    assert sent.operations == ["DescribeSecurityGroups"]


WRITES: list[tuple[str, str, Callable[[str], dict[str, Any]]]] = [
    (
        "ec2",
        "authorize_security_group_ingress",
        lambda group: {
            "GroupId": group,
            "IpPermissions": [
                {
                    "IpProtocol": "tcp",
                    "FromPort": 22,
                    "ToPort": 22,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                }
            ],
        },
    ),
    ("secretsmanager", "get_secret_value", lambda _: {"SecretId": "ops-pipeline/db-credentials"}),
    ("lambda", "get_function", lambda _: {"FunctionName": "db-query-bridge"}),
    ("iam", "create_user", lambda _: {"UserName": "intruder"}),
    ("ecr", "get_authorization_token", lambda _: {}),
    ("sts", "get_session_token", lambda _: {}),
    ("s3", "get_object", lambda _: {"Bucket": "b", "Key": "k"}),
    ("logs", "get_log_events", lambda _: {"logGroupName": "/ecs/x", "logStreamName": "s"}),
    ("ecs", "update_service", lambda _: {"cluster": "c", "service": "s", "desiredCount": 0}),
    ("cloudwatch", "delete_alarms", lambda _: {"AlarmNames": ["a"]}),
    ("cloudtrail", "stop_logging", lambda _: {"Name": "ops-pipeline-trail"}),
    ("kms", "decrypt", lambda _: {"CiphertextBlob": b"x"}),
]


@pytest.mark.parametrize(("service", "method", "params"), WRITES, ids=[w[1] for w in WRITES])
def test_non_reads_are_refused_before_any_request(
    aws: SessionClients,
    setup: Callable[..., Any],
    sent: SentRequests,
    service: str,
    method: str,
    params: Callable[[str], dict[str, Any]],
) -> None:
    group = _security_group(setup)
    with pytest.raises(ReadOnlyViolation, match=r"^refused [a-z0-9-]+:[A-Za-z]+: ") as refused:
        getattr(aws(service, REGION), method)(**params(group))
    assert sent.operations == []
    assert refused.value.exit_code == 2
    assert aws.recorder.seen() == set()
    # And moto's state agrees nothing happened.
    assert (
        setup("ec2").describe_security_groups(GroupIds=[group])["SecurityGroups"][0][
            "IpPermissions"
        ]
        == []
    )
    assert [u["UserName"] for u in setup("iam").list_users()["Users"]] == []


def test_every_denied_read_is_refused_by_the_guard() -> None:
    """Each DENIED key names a real operation, under the prefix the guard computes."""
    for key in sorted(DENIED):
        prefix, operation = key.split(":")
        model = boto3.client(prefix, region_name=REGION).meta.service_model.operation_model(
            operation
        )
        assert service_name(model) == prefix, key
        with pytest.raises(ReadOnlyViolation, match=re.escape(key)):
            guard_before_call(model=model)


# ----------------------------------------------- (b) a full collection only reads


def _collect_reference(aws: SessionClients, setup: Callable[..., Any]) -> set[str]:
    """``service:Operation`` of every call a full collection of the reference account makes."""
    build_reference(setup, REGION)
    snapshot = collect(aws, [REGION])
    assert unexpected_gaps(snapshot) == []
    return aws.recorder.seen()


#: boto3 client names whose IAM action prefix differs.
_IAM_PREFIX = {"accessanalyzer": "access-analyzer", "s3control": "s3"}


def test_a_full_collection_makes_reads_only(aws: SessionClients, setup: Callable[..., Any]) -> None:
    seen = _collect_reference(aws, setup)

    assert seen, "the collection made no call at all"
    assert not [key for key in seen if not is_read_only(*key.split(":"))]
    assert not seen & DENIED
    # Not vacuous: every client of every collection unit made calls.
    prefixes = {key.split(":")[0] for key in seen}
    clients = {c for spec in SERVICES.values() for c in spec.clients}
    assert {_IAM_PREFIX.get(c, c) for c in clients} <= prefixes


# --------------------------------------------------- (c) the documented policy


def _json_blocks() -> list[Any]:
    text = POLICY_DOC.read_text(encoding="utf-8")
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", text, re.DOTALL)]


def _documented() -> tuple[dict[str, Any], list[str]]:
    """(the extra policy document, the actions relied on from SecurityAudit)."""
    (policy,) = [b for b in _json_blocks() if isinstance(b, dict)]
    (relied,) = [b for b in _json_blocks() if isinstance(b, list)]
    return policy, relied


def _actions(policy: dict[str, Any], effect: str) -> set[str]:
    out: set[str] = set()
    for statement in policy["Statement"]:
        if statement["Effect"] == effect:
            actions = statement["Action"]
            out.update([actions] if isinstance(actions, str) else actions)
    return out


def _security_audit_patterns() -> set[str]:
    """The actions of AWS's SecurityAudit managed policy, from moto's copy of it."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    document = json.loads(aws_managed_policies_data)["SecurityAudit"]["Document"]
    return _actions(document, "Allow")


def _granted(action: str, patterns: set[str]) -> bool:
    return any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in patterns)


#: API operations whose IAM action has another name; None = no permission needed.
IAM_ACTION: dict[str, str | None] = {
    "sts:GetCallerIdentity": None,
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "s3:ListBuckets": "s3:ListAllMyBuckets",
}


def test_the_policy_doc_is_well_formed() -> None:
    policy, relied = _documented()
    assert policy["Version"] == "2012-10-17"
    assert relied == sorted(relied) and len(set(relied)) == len(relied)
    assert all(re.fullmatch(r"[a-z0-9-]+:[A-Z][A-Za-z]+", a) for a in relied)


def test_everything_relied_on_is_in_security_audit() -> None:
    patterns = _security_audit_patterns()
    _, relied = _documented()
    assert [a for a in relied if not _granted(a, patterns)] == []


def test_the_extra_allow_is_only_what_security_audit_lacks() -> None:
    policy, relied = _documented()
    extra = _actions(policy, "Allow")
    assert extra, "the extra statement is empty"
    assert [a for a in extra if _granted(a, _security_audit_patterns())] == []
    assert not extra & set(relied)


def test_the_documented_deny_is_exactly_the_guards_denied_set() -> None:
    policy, relied = _documented()
    assert _actions(policy, "Deny") == set(DENIED)
    assert not set(relied) & DENIED


def test_the_policy_grants_every_operation_a_collection_makes(
    aws: SessionClients, setup: Callable[..., Any]
) -> None:
    policy, relied = _documented()
    allowed = set(relied) | _actions(policy, "Allow")
    seen = _collect_reference(aws, setup)

    needed = {IAM_ACTION.get(key, key) for key in seen} - {None}
    missing = sorted(a for a in needed if a is not None and not _granted(a, allowed))
    assert missing == [], f"add these to docs/iam-policy.md: {missing}"


# ------------------------------------------------------ (d) the classification


@pytest.mark.parametrize(
    ("service", "operation", "expected"),
    [
        # Operations the collectors call.
        ("ec2", "DescribeSecurityGroups", True),
        ("iam", "GetAccountAuthorizationDetails", True),
        ("codebuild", "BatchGetProjects", True),
        ("lambda", "GetPolicy", True),
        ("secretsmanager", "ListSecrets", True),
        ("sts", "GetCallerIdentity", True),
        ("iam", "GenerateCredentialReport", True),
        # Reads the collectors do not make: refused too (the list is exact).
        ("iam", "ListRoles", False),
        ("cloudtrail", "LookupEvents", False),
        ("lambda", "GetFunctionConfiguration", False),
        ("s3", "GetBucketPolicy", True),  # DD011 reads bucket policies
        ("s3", "GetBucketAcl", False),
        ("secretsmanager", "DescribeSecret", False),
        # Reads that return secrets, data, code, images or credentials.
        ("secretsmanager", "GetSecretValue", False),
        ("secretsmanager", "BatchGetSecretValue", False),
        ("lambda", "GetFunction", False),
        ("ecr", "GetAuthorizationToken", False),
        ("ecr", "BatchGetImage", False),
        ("s3", "GetObject", False),
        ("ssm", "GetParameter", False),
        ("logs", "GetLogEvents", False),
        ("sts", "GetSessionToken", False),
        ("codebuild", "BatchGetReportGroups", False),
        # Writes and actions.
        ("ec2", "AuthorizeSecurityGroupIngress", False),
        ("ec2", "RunInstances", False),
        ("iam", "CreateUser", False),
        ("iam", "PutRolePolicy", False),
        ("sts", "AssumeRole", False),
        ("ecs", "UpdateClusterSettings", False),
        ("ecs", "ExecuteCommand", False),
        ("lambda", "Invoke", False),
        ("kms", "Decrypt", False),
        ("cloudtrail", "StopLogging", False),
        ("logs", "StartQuery", False),
        ("logs", "FilterLogEvents", False),
        ("s3", "HeadObject", False),
        # The allowance is per service.
        ("iam", "GenerateServiceLastAccessedDetails", False),
        ("sts", "GenerateCredentialReport", False),
        ("kms", "GetSecretValue", False),
        # Exact names only.
        ("ec2", "describeInstances", False),
        ("ec2", "DescribeInstancesX", False),
        ("ec2", "Deletedescribe", False),
    ],
)
def test_is_read_only(service: str, operation: str, expected: bool) -> None:
    assert is_read_only(service, operation) is expected


@pytest.mark.parametrize(
    "key",
    [
        "ssm:GetParameterHistory",
        "ec2:GetPasswordData",
        "dynamodb:GetItem",
        "kinesis:GetRecords",
        "ec2:GetConsoleOutput",
        "s3:ListObjectsV2",
        "dynamodb:BatchGetItem",
        "sqs:ReceiveMessage",
    ],
)
def test_defect_any_get_list_describe_passed_the_guard(key: str) -> None:
    """Today's prefix rule let every Get*/List*/Describe* through, data reads included."""
    prefix, operation = key.split(":")
    assert not is_read_only(prefix, operation)
    model = boto3.client(prefix, region_name=REGION).meta.service_model.operation_model(operation)
    assert service_name(model) == prefix
    with pytest.raises(ReadOnlyViolation, match=re.escape(key)):
        guard_before_call(model=model)


# ------------------------------------------------- (e) the allowlist itself

#: Operation-name prefixes of reads; an allowlisted operation without one is named here.
READ_PREFIXES = ("Describe", "List", "Get", "BatchGet", "Lookup")
NOT_PREFIXED_READS = {"iam:GenerateCredentialReport"}
#: boto3 client name -> IAM action prefix, where they differ.
CLIENT_OF = {"access-analyzer": "accessanalyzer"}
COLLECT = Path(__file__).resolve().parents[1] / "auditor" / "collect"


def _service_model(prefix: str) -> Any:
    return boto3.client(CLIENT_OF.get(prefix, prefix), region_name=REGION).meta.service_model


def test_every_allowlisted_operation_is_a_real_read() -> None:
    assert READ_OPERATIONS, "the allowlist is empty"
    for prefix, operations in READ_OPERATIONS.items():
        model = _service_model(prefix)
        for operation in sorted(operations):
            key = f"{prefix}:{operation}"
            assert operation in model.operation_names, f"{key} is no such operation"
            assert service_name(model.operation_model(operation)) == prefix, key
            assert operation.startswith(READ_PREFIXES) or key in NOT_PREFIXED_READS, key
            assert key not in DENIED, key
            guard_before_call(model=model.operation_model(operation))  # does not raise


def _called_in_collectors() -> set[str]:
    """``prefix:Operation`` of every client operation named in a collector that builds
    that client (``clients("ecs", ...)`` in ecs.py makes ``describe_clusters`` an
    ecs operation), including names passed as strings to ``paginate``."""
    from botocore import xform_name

    called: set[str] = set()
    # the collectors, and the organization scan's discovery and per-account checks
    for path in sorted([*COLLECT.glob("*.py"), *(COLLECT.parent / "org").glob("*.py")]):
        text = path.read_text(encoding="utf-8")
        for client in set(re.findall(r"""clients\(\s*["']([a-z0-9-]+)["']""", text)):
            model = boto3.client(client, region_name=REGION).meta.service_model
            for operation in model.operation_names:
                if re.search(rf"""[.("']{xform_name(operation)}\b""", text):
                    called.add(f"{service_name(model.operation_model(operation))}:{operation}")
    return called


def test_every_operation_the_collectors_name_is_allowlisted() -> None:
    called = _called_in_collectors()
    assert "ecs:DescribeTaskDefinition" in called and "iam:GetCredentialReport" in called
    listed = {f"{p}:{o}" for p, ops in READ_OPERATIONS.items() for o in ops}
    assert sorted(called - listed) == [], "add these to READ_OPERATIONS (if they are reads)"
    # and nothing is listed that no collector calls any more
    assert sorted(listed - called) == []
