"""The organization stack: templates cfn-lint clean, the state machine's structure and
references, and the three handlers on moto (in process) with several accounts."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import REGION
from tests.lambda_handler.stack import load_template

REPO = Path(__file__).resolve().parents[2]
ORG_TEMPLATE = REPO / "deploy" / "org-template.yaml"
MEMBER_TEMPLATE = REPO / "deploy" / "org-member-role.yaml"


def _cfn_lint() -> str:
    beside = Path(sys.executable).parent / "cfn-lint"
    found = str(beside) if beside.exists() else shutil.which("cfn-lint")
    assert found, "cfn-lint is not installed (it is in the test extra)"
    return found


@pytest.mark.parametrize("template", [ORG_TEMPLATE, MEMBER_TEMPLATE], ids=["org", "member"])
def test_cfn_lint_is_clean(template: Path) -> None:
    done = subprocess.run(
        [_cfn_lint(), "--", str(template)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == ""


# ------------------------------------------------------------------ the state machine


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(ORG_TEMPLATE)


@pytest.fixture(scope="module")
def machine(template: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = template["Resources"]["OrgScanStateMachine"]["Properties"]
    return props


def _walk(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in states.items():
        yield name, state
        processor = state.get("ItemProcessor")
        if processor:
            yield from _walk(processor["States"])


def _check_graph(start: str, states: dict[str, Any]) -> None:
    assert start in states
    ends = 0
    for name, state in states.items():
        if state.get("End"):
            ends += 1
            assert "Next" not in state, name
        else:
            assert state["Next"] in states, f"{name} -> {state.get('Next')}"
        if "ItemProcessor" in state:
            inner = state["ItemProcessor"]
            _check_graph(inner["StartAt"], inner["States"])
    assert ends >= 1


def test_definition_is_a_connected_graph(machine: dict[str, Any]) -> None:
    definition = machine["Definition"]
    _check_graph(definition["StartAt"], definition["States"])
    assert list(definition["States"]) == ["ListAccounts", "ScanAccounts", "Aggregate"]


def test_accounts_fan_out_on_a_distributed_map(machine: dict[str, Any]) -> None:
    fan = machine["Definition"]["States"]["ScanAccounts"]
    assert fan["Type"] == "Map"
    assert fan["ItemProcessor"]["ProcessorConfig"] == {
        "Mode": "DISTRIBUTED",
        "ExecutionType": "STANDARD",
    }
    assert fan["ItemsPath"] == "$.accounts"
    # Configurable from stack parameters through the list step's output.
    assert fan["MaxConcurrencyPath"] == "$.max_concurrency"
    assert fan["ToleratedFailurePercentagePath"] == "$.tolerated_failure_percentage"
    assert fan["ResultPath"] is None  # the aggregate step gets the run and the account list
    scan = fan["ItemProcessor"]["States"]["ScanAccount"]
    retry = scan["Retry"][0]
    assert "Lambda.TooManyRequestsException" in retry["ErrorEquals"]
    assert "ThrottlingException" in retry["ErrorEquals"]
    assert retry["BackoffRate"] > 1 and retry["MaxAttempts"] >= 3
    # The item selector gives the item handler exactly what it reads.
    assert set(fan["ItemSelector"]) == {
        "account_id.$",
        "name.$",
        "run_id.$",
        "management_account.$",
    }


def test_every_task_invokes_a_function_of_this_stack(
    template: dict[str, Any], machine: dict[str, Any]
) -> None:
    resources = template["Resources"]
    substitutions = machine["DefinitionSubstitutions"]
    tasks = [s for _, s in _walk(machine["Definition"]["States"]) if s["Type"] == "Task"]
    assert len(tasks) == 3
    for task in tasks:
        assert task["Resource"] == "arn:aws:states:::lambda:invoke"
        ref = task["Parameters"]["FunctionName"]
        assert ref.startswith("${") and ref.endswith("}")
        target = substitutions[ref[2:-1]]
        logical_id, attribute = target["Fn::GetAtt"]
        assert attribute == "Arn"
        assert resources[logical_id]["Type"] == "AWS::Serverless::Function"
    invoked = {p["LambdaInvokePolicy"]["FunctionName"]["Ref"] for p in machine["Policies"][:3]}
    assert invoked == {
        "ListAccountsFunction",
        "ScanAccountFunction",
        "AggregateFunction",
    }


def test_handlers_named_in_the_template_exist(template: dict[str, Any]) -> None:
    functions = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function"
    ]
    assert len(functions) == 3
    for props in functions:
        module, _, name = props["Handler"].rpartition(".")
        assert callable(getattr(importlib.import_module(module), name))


def test_member_role_trusts_only_the_scanner_inside_the_organization() -> None:
    role = load_template(MEMBER_TEMPLATE)["Resources"]["ReadRole"]["Properties"]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"AWS": {"Ref": "ScannerRoleArn"}}
    with_id, without_id = statement["Condition"]["StringEquals"]["Fn::If"][1:]
    assert without_id == {"aws:PrincipalOrgID": {"Ref": "OrganizationId"}}
    assert with_id["sts:ExternalId"] == {"Ref": "ExternalId"}
    managed = role["ManagedPolicyArns"][0]["Fn::Sub"]
    assert managed.endswith(":iam::aws:policy/SecurityAudit")


# ------------------------------------------------------------------ handlers on moto

BUCKET = "org-reports"


@pytest.fixture
def org_env(aws: Any) -> dict[str, Any]:
    """An organization of three members in moto (in process): one denies the role.

    Member 0: a cluster with Container Insights enabled; member 1: one without;
    member 2: no OrganizationAccountAccessRole.
    """
    from auditor.demo.organization import ORG_ROLE, member_client

    org = boto3.client("organizations", region_name="us-east-1")
    management = org.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"]
    members = []
    for i in range(3):
        status = org.create_account(Email=f"m{i}@example.com", AccountName=f"member-{i}")
        members.append(status["CreateAccountStatus"]["AccountId"])
    client0 = member_client(None, members[0], REGION)
    client0("ecs").create_cluster(
        clusterName="pass-insights", settings=[{"name": "containerInsights", "value": "enabled"}]
    )
    member_client(None, members[1], REGION)("ecs").create_cluster(clusterName="fail-insights")
    member_client(None, members[2], REGION)("iam").delete_role(RoleName=ORG_ROLE)
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="regressions")["TopicArn"]
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"])
    env = {
        "AWS_REGION": REGION,
        "AUDITOR_BUCKET": BUCKET,
        "AUDITOR_REGIONS": REGION,
        "AUDITOR_SERVICES": "ecs",
        "AUDITOR_TOPIC_ARN": topic,
        "AUDITOR_EXCLUDE_ACCOUNTS": management,
        "AUDITOR_MAX_CONCURRENCY": "7",
    }
    return {
        "env": env,
        "members": members,
        "management": management,
        "client0": client0,
        "queue": queue,
    }


def _get(key: str) -> str:
    s3 = boto3.client("s3", region_name=REGION)
    body: bytes = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return body.decode()


def _run_state_machine(env: dict[str, str], run_id: str) -> dict[str, Any]:
    """What the state machine does, step by step (ResultPath null keeps the list's output)."""
    from auditor.lambda_handler.org import aggregate_handler, item_handler, list_handler

    listed = list_handler({"run_id": run_id}, None, env)
    for account in listed["accounts"]:
        item = {
            **account,
            "run_id": listed["run_id"],
            "management_account": listed["management_account"],
        }
        item_handler(item, None, env)
    return aggregate_handler(listed, None, env)


def test_list_handler_names_the_accounts_and_the_map_settings(org_env: dict[str, Any]) -> None:
    from auditor.lambda_handler.org import list_handler

    listed = list_handler({"run_id": "2026-12-08T02:00:00.000Z"}, None, org_env["env"])
    assert {a["account_id"] for a in listed["accounts"]} == set(org_env["members"])
    assert listed["run_id"] == "2026-12-08T02-00-00.000Z"  # safe in an S3 key
    assert listed["max_concurrency"] == 7
    assert listed["tolerated_failure_percentage"] == 10
    assert listed["management_account"] == org_env["management"]


def test_item_handler_stores_a_review_or_a_named_gap(org_env: dict[str, Any]) -> None:
    from auditor.lambda_handler.org import item_handler

    ok, _, denied = org_env["members"]
    base = {"run_id": "r1", "management_account": org_env["management"]}
    done = item_handler({**base, "account_id": ok, "name": "member-0"}, None, org_env["env"])
    assert done["status"] == "ok" and done["calls"] > 0
    results = json.loads(_get(f"org/runs/r1/{ok}/results.json"))
    assert results["account_id"] == ok
    assert "<html" in _get(f"org/runs/r1/{ok}/report.html")
    s3 = boto3.client("s3", region_name=REGION)
    history = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"history/{ok}/")["Contents"]
    assert len(history) == 1
    gap = item_handler({**base, "account_id": denied, "name": "member-2"}, None, org_env["env"])
    assert gap["status"] == "gap"
    assert "does not exist" in json.loads(_get(f"org/runs/r1/{denied}/gap.json"))["message"]


def test_aggregate_writes_the_org_review_and_notifies_on_regression(
    org_env: dict[str, Any],
) -> None:
    env, (good, bad, denied) = org_env["env"], org_env["members"]
    first = _run_state_machine(env, "run-1")
    assert first["verdict"] == "no_baseline" and not first["notified"]
    assert first["gaps"] == [denied]
    doc = json.loads(_get("org/latest/org-results.json"))
    status = {a["account_id"]: a["status"] for a in doc["accounts"]}
    assert status == {good: "ok", bad: "ok", denied: "gap"}
    assert "Accounts not scanned" in _get("org/runs/run-1/org-review.md")
    fixes = {f["rule_id"]: f for f in doc["fixes"]}
    assert fixes["OB001"]["accounts"] == [bad]

    # The good account adds a cluster without Container Insights: its Observability drops.
    org_env["client0"]("ecs").create_cluster(clusterName="fail-new")
    second = _run_state_machine(env, "run-2")
    assert second["verdict"] == "fail" and second["notified"]
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=org_env["queue"], MaxNumberOfMessages=10)
    bodies = [json.loads(m["Body"])["Message"] for m in messages["Messages"]]
    assert len(bodies) == 1
    assert f"account {good}: Observability grade dropped" in bodies[0]
    assert f"account {bad}" not in bodies[0]
    # Both runs are kept; latest is the second.
    assert "run-2" in json.dumps(second)
    s3 = boto3.client("s3", region_name=REGION)
    assert len(s3.list_objects_v2(Bucket=BUCKET, Prefix="history/organization/")["Contents"]) >= 1
