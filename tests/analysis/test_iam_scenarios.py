"""The IAM analysis on real collections: the reference account has no escalation path;
the messy startup's planted paths are found in full and its look-alike is not.

Both accounts are built in moto's HTTP server and collected through the real
HTTP path (IAM and Lambda only: the analysis reads nothing else).
"""

from __future__ import annotations

import urllib.request

import boto3
import pytest
from auditor.rules.least_privilege import (
    data_reads_scoped_to_resources,
    no_escalation_path_to_admin,
    workload_roles_no_effective_admin,
)

from auditor.analysis.iam import escalation_graph
from auditor.collect import collect
from auditor.collect.session import SessionClients
from auditor.demo import build_reference
from auditor.demo.messy import build_messy
from auditor.engine.model import Rule, Status
from auditor.snapshot import Snapshot
from tests.rules.helpers import results
from tests.scenarios.reference import server_clients

REGION = "us-west-2"
SERVICES = ["iam", "lambda", "codebuild"]


def _collect(url: str) -> Snapshot:
    return collect(
        SessionClients(boto3.Session(region_name=REGION), endpoint_url=url), [REGION], SERVICES
    )


def _reset(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()


@pytest.fixture(scope="module")
def reference(_moto_server: str) -> Snapshot:
    _reset(_moto_server)
    build_reference(server_clients(_moto_server), REGION)
    return _collect(_moto_server)


@pytest.fixture(scope="module")
def messy(_moto_server: str) -> Snapshot:
    _reset(_moto_server)
    build_messy(server_clients(_moto_server), REGION)
    return _collect(_moto_server)


def _by_status(rule: Rule, snap: Snapshot) -> dict[Status, set[str]]:
    out: dict[Status, set[str]] = {}
    for r in results(rule, snap):
        out.setdefault(r.status, set()).add(r.resource_name)
    return out


def test_reference_has_no_escalation_path(reference: Snapshot) -> None:
    graph = escalation_graph(reference)
    assert graph.paths == {}
    assert graph.conditional_paths == {}
    assert graph.admins == {}
    lp015 = _by_status(no_escalation_path_to_admin, reference)
    assert set(lp015) == {Status.PASS}
    assert {"GitHubActionsDeployRole", "db-query-bridge-role"} <= lp015[Status.PASS]


def test_reference_workloads_are_scoped(reference: Snapshot) -> None:
    for rule in (workload_roles_no_effective_admin, data_reads_scoped_to_resources):
        assert Status.FAIL not in _by_status(rule, reference), rule.id


def test_messy_planted_paths_are_found_in_full(messy: Snapshot) -> None:
    lp015 = _by_status(no_escalation_path_to_admin, messy)
    assert lp015[Status.FAIL] == {
        "contractor-dave",
        "support-triage",
        "policy-editor",
        "release-bot",
    }
    evidence = {r.resource_name: r.evidence for r in results(no_escalation_path_to_admin, messy)}
    account = messy.account_id
    assert evidence["contractor-dave"] == (
        "2-step path: user contractor-dave -> role support-triage via assume-role"
        " (sts:AssumeRole: inline policy triage-access (AssumeTriage); trust policy of role"
        " support-triage (AnyoneInTheAccount)) -> role ops-break-glass via assume-role"
        " (sts:AssumeRole: inline policy escalate (AssumeBreakGlass); trust policy of role"
        " ops-break-glass (FromTriage)), an administrator by inline policy break-glass (BreakGlass)"
    )
    assert evidence["policy-editor"] == (
        "1-step path: user policy-editor -> administrator via create-policy-version"
        " (iam:CreatePolicyVersion: policy self-service-iam (EditOwnPolicy) on policy"
        " self-service-iam), making itself an administrator"
    )
    assert evidence["release-bot"] == (
        "1-step path: user release-bot -> role ops-automation via lambda-create-and-invoke"
        " (iam:PassRole: inline policy release (PassAutomationRole); lambda:CreateFunction:"
        " inline policy release (ReleaseFunctions); lambda:InvokeFunction: inline policy"
        " release (ReleaseFunctions)), an administrator by inline policy manage-iam (ManageIam)"
    )
    assert account not in evidence["release-bot"]


def test_messy_look_alikes_are_not_escalations(messy: Snapshot) -> None:
    lp015 = _by_status(no_escalation_path_to_admin, messy)
    # PassRole limited to the harmless lambda-basic; PassRole on * without an invoke
    assert {"build-runner", "ci-bot", "worker-task-role", "lambda-basic"} <= lp015[Status.PASS]


def test_messy_effective_admin_and_data_reads(messy: Snapshot) -> None:
    assert _by_status(workload_roles_no_effective_admin, messy)[Status.FAIL] == {"ops-automation"}
    assert _by_status(data_reads_scoped_to_resources, messy)[Status.FAIL] == {
        "analytics-task-role",
        "dev-alice",
    }
