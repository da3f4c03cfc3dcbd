"""deploy/template.yaml: cfn-lint clean, and the properties the design asks for.

The IAM role is checked against docs/iam-policy.md: the AWS managed
SecurityAudit policy, exactly the extra reads listed there, the same
"never read" denials, and writes only to the stack's own bucket, topic, key,
queue and log group.
"""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.lambda_handler.stack import REPO, TEMPLATE, load_template, transformed_template

IAM_DOC = REPO / "docs" / "iam-policy.md"


def _cfn_lint() -> str:
    beside = Path(sys.executable).parent / "cfn-lint"
    found = str(beside) if beside.exists() else shutil.which("cfn-lint")
    assert found, "cfn-lint is not installed (it is in the test extra)"
    return found


def test_cfn_lint_is_clean() -> None:
    done = subprocess.run(
        [_cfn_lint(), "--", str(TEMPLATE)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == ""


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    out: dict[str, Any] = transformed_template()["Resources"]
    return out


def _props(resources: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r.get("Properties", {}) for r in resources.values() if r["Type"] == kind]


def _one(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    found = _props(resources, kind)
    assert len(found) == 1, f"{len(found)} {kind}"
    return found[0]


def _statements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    st = doc["Statement"]
    return st if isinstance(st, list) else [st]


def _actions(st: dict[str, Any], key: str = "Action") -> list[str]:
    value = st.get(key, [])
    return [value] if isinstance(value, str) else list(value)


def _iam_doc_policy() -> dict[str, Any]:
    block = re.search(r"```json\n(\{.*?\})\n```", IAM_DOC.read_text(), re.DOTALL)
    assert block, "docs/iam-policy.md has no JSON policy"
    doc: dict[str, Any] = json.loads(block.group(1))
    return doc


def test_function_is_arm64_python312_with_the_real_handler(resources: dict[str, Any]) -> None:
    fn = _one(resources, "AWS::Lambda::Function")
    major, minor = (int(x) for x in fn["Runtime"].removeprefix("python").split("."))
    assert (major, minor) >= (3, 12)
    assert fn["Architectures"] == ["arm64"]
    module, attr = fn["Handler"].rsplit(".", 1)
    assert callable(getattr(importlib.import_module(module), attr))
    assert fn["Role"] == {"Fn::GetAtt": ["ScannerRole", "Arn"]}
    assert fn["LoggingConfig"]["LogGroup"] == {"Ref": "ScannerLogGroup"}
    # Every variable set in the template is one the settings read.
    from auditor.lambda_handler.settings import _SOURCES

    known = {var for var, _ in _SOURCES.values()}
    assert set(fn["Environment"]["Variables"]) <= known
    assert {"AUDITOR_BUCKET", "AUDITOR_TOPIC_ARN"} <= set(fn["Environment"]["Variables"])


def test_schedule_is_daily_by_default_and_sends_a_json_event(resources: dict[str, Any]) -> None:
    raw = load_template()
    event = raw["Resources"]["Scanner"]["Properties"]["Events"]["Schedule"]
    assert event["Type"] == "ScheduleV2"
    assert raw["Parameters"]["ScheduleExpression"]["Default"] == "rate(1 day)"
    schedule = _one(resources, "AWS::Scheduler::Schedule")
    assert schedule["ScheduleExpression"] == {"Ref": "ScheduleExpression"}
    assert json.loads(schedule["Target"]["Input"])["source"] == "auditor.schedule"
    assert schedule["Target"]["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["FailureQueue", "Arn"]}


def test_report_bucket_is_encrypted_versioned_private_tls_only_with_lifecycle(
    resources: dict[str, Any],
) -> None:
    bucket = _one(resources, "AWS::S3::Bucket")
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    rules = bucket["LifecycleConfiguration"]["Rules"]
    assert any("ExpirationInDays" in r for r in rules)
    assert any("NoncurrentVersionExpiration" in r for r in rules)
    policy = _one(resources, "AWS::S3::BucketPolicy")["PolicyDocument"]
    tls = [
        st
        for st in _statements(policy)
        if st["Effect"] == "Deny"
        and st.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    assert tls and tls[0]["Principal"] == "*" and _actions(tls[0]) == ["s3:*"]
    assert len(tls[0]["Resource"]) == 2  # the bucket and its objects


def test_topic_is_kms_encrypted_with_a_rotated_key(resources: dict[str, Any]) -> None:
    topic = _one(resources, "AWS::SNS::Topic")
    assert topic["KmsMasterKeyId"] == {"Ref": "TopicKey"}
    assert _one(resources, "AWS::KMS::Key")["EnableKeyRotation"] is True


def test_failures_go_to_a_queue_and_alarms_notify(resources: dict[str, Any]) -> None:
    invoke = _one(resources, "AWS::Lambda::EventInvokeConfig")
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["FailureQueue", "Arn"]
    }
    alarms = _props(resources, "AWS::CloudWatch::Alarm")
    errors = [a for a in alarms if a["MetricName"] == "Errors"]
    assert errors and errors[0]["Dimensions"] == [
        {"Name": "FunctionName", "Value": {"Ref": "Scanner"}}
    ]
    assert all(a["AlarmActions"] == [{"Ref": "RegressionTopic"}] for a in alarms)
    group = _one(resources, "AWS::Logs::LogGroup")
    assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_role_is_security_audit_plus_the_documented_reads_and_scoped_writes(
    resources: dict[str, Any],
) -> None:
    role = resources["ScannerRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/SecurityAudit"}
    ]
    trust = _statements(role["AssumeRolePolicyDocument"])
    assert [st["Principal"] for st in trust] == [{"Service": "lambda.amazonaws.com"}]
    statements = [st for p in role["Policies"] for st in _statements(p["PolicyDocument"])]
    documented = {st["Sid"]: st for st in _iam_doc_policy()["Statement"]}

    everywhere = [st for st in statements if st["Effect"] == "Allow" and st["Resource"] == "*"]
    reads = sorted(a for st in everywhere for a in _actions(st))
    assert reads == sorted(_actions(documented["AuditorReadsBeyondSecurityAudit"]))

    denies = [st for st in statements if st["Effect"] == "Deny"]
    denied = {a for st in denies if st.get("Resource") == "*" for a in _actions(st)}
    promised = set(_actions(documented["AuditorNeverReadsSecretsDataOrCredentials"]))
    # s3:GetObject is denied everywhere but the report bucket (the baseline lives there).
    assert denied == promised - {"s3:GetObject"}
    outside = [st for st in denies if "NotResource" in st]
    assert [_actions(st) for st in outside] == [["s3:GetObject"]]
    assert outside[0]["NotResource"] == {"Fn::Sub": "${ReportBucket.Arn}/*"}

    # Every other grant names one of the stack's own resources.
    own = {"ReportBucket", "RegressionTopic", "TopicKey", "FailureQueue", "ScannerLogGroup"}
    scoped = [st for st in statements if st["Effect"] == "Allow" and st["Resource"] != "*"]
    for st in scoped:
        text = json.dumps(st["Resource"])
        assert any(name in text for name in own), st
        assert not any(a.endswith("*") and ":" not in a for a in _actions(st))
    writes = {a for st in scoped for a in _actions(st)}
    assert writes == {
        "s3:PutObject",
        "s3:GetObject",
        "s3:ListBucket",
        "sns:Publish",
        "kms:Decrypt",
        "kms:GenerateDataKey*",
        "sqs:SendMessage",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }
