"""Lambda collector against moto's in-process mock (functions are created, never invoked)."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from auditor.collect.lambda_ import _function, collect_lambda
from tests.conftest import REGION

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


def _role(setup: Any) -> str:
    role = setup("iam").create_role(
        RoleName="query-bridge-role", AssumeRolePolicyDocument=json.dumps(TRUST)
    )
    return str(role["Role"]["Arn"])


def _function_named(setup: Any, role: str, name: str, **extra: Any) -> None:
    setup("lambda").create_function(
        FunctionName=name,
        Runtime=extra.pop("Runtime", "python3.12"),
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": _zip()},
        **extra,
    )


def test_collects_functions_vpc_env_policy_and_url(aws: Any, setup: Any) -> None:
    ec2 = setup("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="bridge", Description="bridge", VpcId=vpc)["GroupId"]
    role = _role(setup)
    key_canary = "AKIAQZCANARY7F3B9C1E"
    password_canary = "Zq8#canary-pw-4f9d1c"
    _function_named(
        setup,
        role,
        "db-query-bridge",
        VpcConfig={"SubnetIds": [subnet], "SecurityGroupIds": [sg]},
        Environment={
            "Variables": {
                "LOG_LEVEL": "info",
                "DB_PASSWORD": password_canary,
                "LEGACY_KEY": key_canary,
                "DB_SECRET_ARN": "arn:aws:secretsmanager:us-west-2:123456789012:secret:db-AbCdEf",
            }
        },
        TracingConfig={"Mode": "Active"},
        Architectures=["arm64"],
        MemorySize=256,
        Timeout=30,
    )
    _function_named(setup, role, "public-webhook", Runtime="python3.8")
    lam = setup("lambda")
    lam.create_function_url_config(FunctionName="public-webhook", AuthType="NONE")
    lam.add_permission(
        FunctionName="public-webhook",
        StatementId="public-url",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )

    section = collect_lambda(aws, REGION)

    by_name = {f.name: f for f in section.functions}
    assert list(by_name) == ["db-query-bridge", "public-webhook"]
    bridge, webhook = by_name["db-query-bridge"], by_name["public-webhook"]

    assert bridge.region == REGION and bridge.role_arn == role
    assert bridge.runtime == "python3.12" and bridge.handler == "app.handler"
    # moto reports a placeholder VpcId; the subnets and security groups are the real ones.
    assert bridge.vpc_id != ""
    assert bridge.subnet_ids == (subnet,) and bridge.security_group_ids == (sg,)
    assert bridge.tracing_mode == "Active"
    assert (bridge.architectures, bridge.memory_mb, bridge.timeout_seconds) == (
        ("arm64",),
        256,
        30,
    )
    assert bridge.policy is None and bridge.url is None
    env = {e.name: e for e in bridge.environment}
    assert set(env) == {"LOG_LEVEL", "DB_PASSWORD", "LEGACY_KEY", "DB_SECRET_ARN"}
    assert env["DB_PASSWORD"].looks_secret
    assert env["LEGACY_KEY"].looks_secret and env["LEGACY_KEY"].reason == "value:aws-access-key-id"
    assert not env["LOG_LEVEL"].looks_secret
    assert env["DB_SECRET_ARN"].is_reference and not env["DB_SECRET_ARN"].looks_secret

    dumped = section.model_dump_json()
    assert key_canary not in dumped
    assert password_canary not in dumped

    assert webhook.vpc_id == "" and webhook.subnet_ids == ()
    assert webhook.environment == ()
    assert webhook.url is not None and webhook.url.auth_type == "NONE"
    assert webhook.url.url.startswith("https://")
    assert webhook.policy is not None
    (statement,) = webhook.policy["Statement"]
    assert statement["Principal"] == "*"
    assert statement["Action"] == "lambda:InvokeFunctionUrl"


def test_defect_url_looked_up_only_when_the_policy_granted_invoke(aws: Any, setup: Any) -> None:
    """The collector read the policy (with analysis code) to decide whether to look a URL up:
    a NONE URL without a grant was invisible. Now it is looked up for every function."""
    role = _role(setup)
    _function_named(setup, role, "quiet")
    _function_named(setup, role, "dormant-url")
    setup("lambda").create_function_url_config(FunctionName="dormant-url", AuthType="NONE")
    section = collect_lambda(aws, REGION)
    ops = {key for key in aws.recorder.seen() if key.startswith("lambda:")}
    # never lambda:GetFunction (a presigned URL to the code)
    assert ops == {
        "lambda:ListFunctions",
        "lambda:GetPolicy",
        "lambda:GetFunctionUrlConfig",
        "lambda:ListAliases",
    }
    by_name = {f.name: f for f in section.functions}
    assert by_name["dormant-url"].url is not None
    assert by_name["dormant-url"].url.auth_type == "NONE"
    assert by_name["dormant-url"].policy is None
    assert by_name["quiet"].url is None  # ResourceNotFound: no URL


def test_collection_does_not_import_analysis() -> None:
    import ast
    from pathlib import Path

    import auditor.collect as collect_pkg

    for path in Path(collect_pkg.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("auditor.analysis"), path.name
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("auditor.analysis") for a in node.names)


def test_aliases_get_their_own_policy_and_url(aws: Any, setup: Any) -> None:
    role = _role(setup)
    _function_named(setup, role, "api", Publish=True)
    lam = setup("lambda")
    lam.create_alias(FunctionName="api", Name="live", FunctionVersion="1")
    lam.create_alias(FunctionName="api", Name="beta", FunctionVersion="1")
    lam.create_function_url_config(FunctionName="api", Qualifier="live", AuthType="NONE")
    lam.add_permission(
        FunctionName="api",
        Qualifier="live",
        StatementId="public-url",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )
    (fn,) = collect_lambda(aws, REGION).functions
    assert [a.name for a in fn.aliases] == ["beta", "live"]
    live = fn.aliases[1]
    assert live.arn == f"{fn.arn}:live" and live.function_version == "1"
    assert live.url is not None and live.url.auth_type == "NONE"
    assert live.policy is not None
    assert live.policy["Statement"][0]["Action"] == "lambda:InvokeFunctionUrl"
    # one GetPolicy and one GetFunctionUrlConfig per function and per alias, one ListAliases
    calls = {op.operation: op.calls for op in aws.recorder.operations() if op.service == "lambda"}
    assert calls["GetPolicy"] == 3 and calls["GetFunctionUrlConfig"] == 3
    assert calls["ListAliases"] == 1


def test_empty_region(aws: Any) -> None:
    assert collect_lambda(aws, REGION).functions == ()


def test_parses_api_fields_moto_leaves_out() -> None:
    # moto 5.2's ListFunctions omits KMSKeyArn and DeadLetterConfig; this is AWS's shape.
    raw = {
        "FunctionArn": "arn:aws:lambda:us-west-2:123456789012:function:img",
        "FunctionName": "img",
        "Role": "arn:aws:iam::123456789012:role/r",
        "PackageType": "Image",
        "KMSKeyArn": "arn:aws:kms:us-west-2:123456789012:key/abc",
        "DeadLetterConfig": {"TargetArn": "arn:aws:sqs:us-west-2:123456789012:dlq"},
        "VpcConfig": {"SubnetIds": [], "SecurityGroupIds": [], "VpcId": ""},
    }
    fn = _function(raw, REGION, None, None)
    assert fn.aliases == ()
    assert fn.runtime == "" and fn.package_type == "Image"
    assert fn.kms_key_arn.endswith(":key/abc")
    assert fn.dead_letter_target_arn.endswith(":dlq")
    assert fn.vpc_id == "" and fn.tracing_mode == ""
