"""Dogfood: our own rules on the stack deploy/template.yaml creates give it an A everywhere.

The stack's resources are built in moto from the template itself
(:mod:`tests.lambda_handler.stack`), collected through the guarded session
and evaluated with the whole catalogue. The grades are computed over the
results about the stack's own resources: the account-level rules (root MFA,
CloudTrail, GuardDuty...) judge the account the stack is deployed into, not
the stack, and an otherwise empty moto account fails them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from auditor.engine.model import Principle, Status
from auditor.engine.scoring import grade_rank, score_all
from tests.lambda_handler.helpers import REGION
from tests.lambda_handler.stack import StackInfo, build_stack


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[StackInfo, Any]]:
    import boto3
    from moto import mock_aws

    from auditor.collect import collect
    from auditor.collect.session import SessionClients
    from auditor.engine.catalogue import load_catalogue
    from auditor.engine.evaluate import evaluate

    # SecurityAudit is an AWS managed policy: moto has those only when asked.
    with mock_aws(config={"iam": {"load_aws_managed_policies": True}}):
        setup = boto3.Session(region_name=REGION)
        info = build_stack(lambda service, region=REGION: setup.client(service, region_name=region))
        snapshot = collect(SessionClients(boto3.Session(region_name=REGION)), [REGION])
        yield info, evaluate(snapshot, load_catalogue())


def test_the_stack_grades_a_on_every_principle_that_applies(stack: tuple[StackInfo, Any]) -> None:
    info, result = stack
    ids = info.ids()
    mine = [r for r in result.results if r.resource_id in ids or r.resource_name in ids]
    # What the rules judged: both roles, the function, its log group, both alarms.
    judged = {r.resource_name for r in mine}
    assert {
        info.refs["ScannerRole"],
        info.refs["ScannerScheduleRole"],
        info.refs["Scanner"],
        info.refs["ScannerLogGroup"],
        info.refs["ScannerErrorsAlarm"],
        info.refs["FailureQueueAlarm"],
    } <= judged
    not_passing = [
        (r.rule_id, r.resource_name, r.status, r.evidence)
        for r in mine
        if r.status is not Status.PASS
    ]
    assert not_passing == []

    grades = {p.principle: p for p in score_all(mine)}
    applicable = {p for p, s in grades.items() if s.score is not None}
    assert applicable == {
        Principle.LEAST_PRIVILEGE,
        Principle.DEFENSE_IN_DEPTH,  # the report bucket's Block Public Access (DD009)
        Principle.ZERO_TRUST,
        Principle.SECRETS_MANAGEMENT,
        # the log group's retention and the function's logs are Observability (OB014, OB015)
        Principle.OBSERVABILITY,
        Principle.DEPLOYMENT_AUTOMATION,
    }
    for principle in applicable:
        assert grade_rank(grades[principle].grade) <= grade_rank("A"), grades[principle]
    # The rules that matter most for this stack did run on it.
    ran = {r.rule_id for r in mine}
    assert {"LP003", "LP007", "SM006", "ZT003", "OB014", "OB015", "OB004", "DA006"} <= ran
    assert "DD009" in ran  # the report bucket blocks public access itself


def test_nothing_the_stack_adds_fails_any_rule(stack: tuple[StackInfo, Any]) -> None:
    """Every FAIL in the account is an account-level finding, none about a resource of ours."""
    info, result = stack
    failing = [r for r in result.results if r.status is Status.FAIL]
    assert failing, "an empty moto account fails some account-level rules"
    assert not [r for r in failing if {r.resource_id, r.resource_name} & info.ids()]
    assert all(r.resource_id.startswith("account") for r in failing), [
        (r.rule_id, r.resource_id) for r in failing
    ]
