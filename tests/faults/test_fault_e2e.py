"""A misbehaving API never crashes a scan and never turns into a PASS.

The reference account is built once on the session's moto server; every
``auditor scan`` here runs through the real CLI against the fault proxy in
front of it (:mod:`tests.faults.proxy`). Each fault kind is injected on a
JSON service (ECS), an XML one (EC2, ``ec2`` protocol) and a REST one
(Lambda, ``rest-json``). For each: the scan completes, exits 3 with the gap
named, writes every report, and compared with a clean scan no finding
appears, and none disappears without an UNKNOWN of the same rule in its
place (the property, checked exhaustively over the fault set).

Retries are cut to 3 attempts (``AWS_MAX_ATTEMPTS``) so persistent faults
cost seconds, not minutes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from auditor.demo import build_reference
from auditor.demo.reference import CLUSTER
from auditor.errors import EXIT_INCOMPLETE
from tests.conftest import REGION
from tests.faults.proxy import Fault, FaultProxy
from tests.scenarios.reference import MOTO_UNSUPPORTED, server_clients

REPO_ROOT = Path(__file__).resolve().parents[2]
REPORTS = ("results.json", "report.html", "report.md")
_ENV = {**os.environ, "AWS_MAX_ATTEMPTS": "3"}


@dataclass(frozen=True)
class Scan:
    returncode: int
    stderr: str
    out: Path
    results: dict[str, Any]
    injected: dict[str, int]

    @property
    def gap_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("auditor: gap: ")]

    @property
    def gaps(self) -> list[dict[str, Any]]:
        return [g for g in self.results["gaps"] if g["service"] not in MOTO_UNSUPPORTED]

    def verdicts(self, status: str) -> set[tuple[str, str, str]]:
        return {
            (r["rule_id"], r["region"], r["resource_id"])
            for r in self.results["results"]
            if r["status"] == status
        }


@dataclass
class Account:
    proxy: FaultProxy
    folder: Path
    clean: Scan | None = None

    def scan(self, *faults: Fault) -> Scan:
        self.proxy.set_faults(faults)
        out = self.folder / f"scan-{len(list(self.folder.iterdir()))}"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "auditor",
                "scan",
                "--endpoint-url",
                self.proxy.url,
                "--region",
                REGION,
                "--output-dir",
                str(out),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=REPO_ROOT,
            env=_ENV,
            check=False,
        )
        assert "Traceback" not in result.stderr, result.stderr
        assert result.returncode == EXIT_INCOMPLETE, result.stderr
        for name in REPORTS:
            assert (out / name).stat().st_size > 0, f"{name} was not written"
        results = json.loads((out / "results.json").read_text())
        return Scan(result.returncode, result.stderr, out, results, dict(self.proxy.injected))


@pytest.fixture(scope="module")
def account(_moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Account]:
    reset = urllib.request.Request(f"{_moto_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=10) as response:
        assert response.status == 200
    build_reference(server_clients(_moto_server), REGION)
    with FaultProxy(_moto_server) as proxy:
        acct = Account(proxy, tmp_path_factory.mktemp("faults"))
        acct.clean = acct.scan()
        assert acct.clean.gaps == [], "the clean scan has gaps beyond moto's known ones"
        yield acct


def assert_nothing_appears_or_vanishes_silently(clean: Scan, faulty: Scan) -> None:
    """FAILs (and PASSes) after are among those before; each one lost is UNKNOWN instead.

    "Instead": the same rule has an UNKNOWN in the lost result's region (or an
    account-wide one); a lost global result (IAM) may be replaced by an
    UNKNOWN in any region, where the resource that was not collected lives.
    """
    unknown = {(rule, region) for rule, region, _ in faulty.verdicts("UNKNOWN")}
    unknown_rules = {rule for rule, _ in unknown}

    def replaced(rule: str, region: str) -> bool:
        if region == "global":
            return rule in unknown_rules
        return (rule, region) in unknown or (rule, "global") in unknown

    for status in ("FAIL", "PASS"):
        before, after = clean.verdicts(status), faulty.verdicts(status)
        assert after <= before, f"new {status}: {sorted(after - before)}"
        silent = [
            (rule, region, resource)
            for rule, region, resource in sorted(before - after)
            if not replaced(rule, region)
        ]
        assert silent == [], f"{status} results lost without an UNKNOWN: {silent}"


#: Where each protocol is hit: a per-resource call (the services of an ECS
#: cluster) and region-wide lists (EC2 security groups, Lambda functions).
TARGETS = {
    "json": ("ecs", "DescribeServices"),
    "xml": ("ec2", "DescribeSecurityGroups"),
    "rest": ("lambda", "ListFunctions"),
}
#: The gap each fault leaves: (status, error code or "" for any).
EXPECTED_GAP = {
    "deny": ("access_denied", ""),
    "throttle": ("throttled", ""),
    "unavailable": ("error", "ServiceUnavailable"),
    "truncate": ("error", "malformed_response"),
    "reset": ("error", ""),
}


@pytest.mark.e2e
@pytest.mark.parametrize("kind", sorted(EXPECTED_GAP))
def test_a_fault_is_a_named_gap_and_costs_no_finding(account: Account, kind: str) -> None:
    # The same fault on the three protocols at once: three independent gaps.
    scan = account.scan(*(Fault(kind, service, op) for service, op in TARGETS.values()))
    assert len(scan.injected) == len(TARGETS), f"a fault never fired: {scan.injected}"
    status, code = EXPECTED_GAP[kind]
    gaps = {g["service"]: g for g in scan.gaps}
    assert sorted(gaps) == sorted(service for service, _ in TARGETS.values())
    for service, operation in TARGETS.values():
        gap = gaps[service]
        assert (gap["status"], gap["operation"]) == (status, operation), gap
        if code:
            assert gap["error_code"] == code, gap
        (line,) = [line for line in scan.gap_lines if f" {service} in " in line]
        assert f": {status} ({operation}" in line
    assert gaps["ecs"]["resource"].endswith(f":cluster/{CLUSTER}")  # only that cluster's services
    assert gaps["ec2"]["resource"] == gaps["lambda"]["resource"] == ""  # the whole unit
    assert account.clean is not None
    assert_nothing_appears_or_vanishes_silently(account.clean, scan)


@pytest.mark.e2e
def test_slow_answers_change_nothing(account: Account) -> None:
    scan = account.scan(
        *(
            Fault("delay", service, operation, seconds=0.3)
            for service, operation in TARGETS.values()
        )
    )
    assert len(scan.injected) == len(TARGETS)
    assert account.clean is not None
    assert scan.gaps == []
    for status in ("PASS", "FAIL", "UNKNOWN"):
        assert scan.verdicts(status) == account.clean.verdicts(status)


# ----------------------------------------------------- the two defects of issue 14


@pytest.mark.e2e
def test_truncated_describe_task_definition_is_a_resource_gap_not_a_keyerror_crash(
    account: Account,
) -> None:
    scan = account.scan(Fault("truncate", "ecs", "DescribeTaskDefinition", match="dispatcher"))
    assert "KeyError" not in scan.stderr
    (gap,) = scan.gaps
    assert gap["resource"].endswith(":task-definition/dispatcher:1")
    assert (gap["operation"], gap["error_code"]) == ("DescribeTaskDefinition", "malformed_response")
    assert account.clean is not None
    assert_nothing_appears_or_vanishes_silently(account.clean, scan)
    # Only that revision is unknown: the other task definitions are still judged.
    about = {r["resource_id"] for r in scan.results["results"] if r["status"] in ("PASS", "FAIL")}
    assert any(r.endswith(":task-definition/signal-engine:1") for r in about)
    assert not any(r.endswith(":task-definition/dispatcher:1") for r in about)


@pytest.mark.e2e
def test_junk_describe_clusters_body_is_a_gap_not_a_silently_dropped_cluster(
    account: Account,
) -> None:
    scan = account.scan(Fault("junk", "ecs", "DescribeClusters"))
    (gap,) = scan.gaps
    assert gap["resource"].endswith(f":cluster/{CLUSTER}")
    assert (gap["operation"], gap["error_code"]) == ("DescribeClusters", "malformed_response")
    assert account.clean is not None
    assert_nothing_appears_or_vanishes_silently(account.clean, scan)
    # Every rule that judged the cluster before now says UNKNOWN for it, none PASSes it.
    judged = {
        (rule, resource)
        for rule, _, resource in account.clean.verdicts("PASS") | account.clean.verdicts("FAIL")
        if resource == gap["resource"]
    }
    assert judged, "the clean scan judged the cluster"
    unknown = {(rule, resource) for rule, _, resource in scan.verdicts("UNKNOWN")}
    assert judged <= unknown
    observability = next(p for p in scan.results["principles"] if p["principle"] == "observability")
    assert observability["incomplete"]


# ------------------------------------------- the property, over single faults


#: One fault at a time on each kind of call the collectors make (lists, bulk
#: reads, per-resource reads), alternately denied and truncated. In process
#: (no CLI, no rendering) to keep it fast; the CLI path is covered above.
SINGLE_FAULTS = (
    Fault("truncate", "ecs", "DescribeTaskDefinition", match="signal-engine"),
    Fault("deny", "ecs", "ListTaskDefinitions"),
    Fault("truncate", "ecs", "ListServices"),
    Fault("deny", "lambda", "GetPolicy"),
    Fault("truncate", "ec2", "DescribeRouteTables"),
    Fault("deny", "ec2", "DescribeNetworkInterfaces"),
    Fault("truncate", "iam", "GetAccountAuthorizationDetails"),
    Fault("deny", "iam", "GetOpenIDConnectProvider"),
    Fault("truncate", "secretsmanager", "GetResourcePolicy", match="alpaca"),
    Fault("deny", "cloudtrail", "GetTrailStatus"),
    Fault("deny", "ecr", "GetLifecyclePolicy", match="dispatcher"),
    Fault("truncate", "rds", "DescribeDBInstances"),
    Fault("truncate", "cloudwatch", "DescribeAlarms"),
)


@pytest.mark.e2e
def test_any_single_fault_loses_no_fail_without_an_unknown(account: Account) -> None:
    import boto3

    from auditor.collect import collect
    from auditor.collect.session import SessionClients
    from auditor.engine.catalogue import load_catalogue
    from auditor.engine.evaluate import evaluate

    catalogue = load_catalogue()
    assert account.clean is not None
    for fault in SINGLE_FAULTS:
        account.proxy.set_faults([fault])
        clients = SessionClients(
            boto3.Session(region_name=REGION), endpoint_url=account.proxy.url, max_attempts=3
        )
        result = evaluate(collect(clients, [REGION], strict=True), catalogue)
        assert account.proxy.injected, f"{fault.label()} never fired"
        doc = json.loads(result.model_dump_json())
        scan = Scan(EXIT_INCOMPLETE, "", account.folder, doc, dict(account.proxy.injected))
        assert [g["operation"] for g in scan.gaps] != [], f"{fault.label()} left no gap"
        assert {g["operation"] for g in scan.gaps} == {fault.operation}, fault.label()
        assert_nothing_appears_or_vanishes_silently(account.clean, scan)
