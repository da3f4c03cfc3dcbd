"""End to end: a rule a user wrote, from a temporary folder, graded, shown and gated.

The reference account is built on the moto server; a user rule module in a
tmp folder (``X-E2E-001``: no security group is described as temporary) is
passed with ``--rules-dir`` to ``auditor scan``, ``auditor baseline`` and
``auditor gate``, each run in a subprocess as a user would. The rule holds
on the reference account; a "TEMPORARY" group added afterwards makes it newly
fail, and the gate exits 1 naming it; deleting the group passes again.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from auditor.demo import ReferenceInfo, build_reference
from tests.conftest import REGION
from tests.scenarios.reference import COMPLETE_ON_MOTO, server_clients

pytestmark = pytest.mark.e2e

USER_RULE = '''
"""A team's own check, written against auditor.api."""
from collections.abc import Iterator

from auditor.api import Check, Principle, Severity, Snapshot, rule


@rule(
    id="X-E2E-001",
    slug="e2e-no-temporary-security-groups",
    title="No security group is described as temporary",
    principle=Principle.NETWORK_ISOLATION,
    severity=Severity.HIGH,
    needs=("ec2",),
    effort_minutes=5,
    remediation_cmd="aws ec2 delete-security-group --group-id {id} --region {region}",
)
def no_temporary_groups(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No security group description contains the word TEMPORARY.

    ## Why it matters
    Temporary openings outlive the incident they were made for.

    ## Remediation
    Delete the group.
    """
    for group in snap.ec2.security_groups:
        temporary = "TEMPORARY" in group.description.upper()
        yield Check.of(group, ok=not temporary, evidence=f"description: {group.description}")
'''


@dataclass(frozen=True)
class Setup:
    url: str
    info: ReferenceInfo
    rules: Path
    work: Path


def auditor(*args: str | Path, setup: Setup, scan: bool = True) -> subprocess.CompletedProcess[str]:
    extra = [
        "--endpoint-url",
        setup.url,
        "--region",
        REGION,
        "--services",
        ",".join(COMPLETE_ON_MOTO),
    ]
    return subprocess.run(
        [sys.executable, "-m", "auditor", *map(str, args), "--rules-dir", str(setup.rules),
         *(extra if scan else [])],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=setup.work,
        check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def setup(_moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Setup:
    reset = urllib.request.Request(f"{_moto_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(reset, timeout=10).close()
    info = build_reference(server_clients(_moto_server), REGION)
    work = tmp_path_factory.mktemp("user-rules-e2e")
    rules = work / "team-rules"
    rules.mkdir()
    (rules / "team.py").write_text(textwrap.dedent(USER_RULE), encoding="utf-8")
    return Setup(_moto_server, info, rules, work)


def test_a_user_rule_is_graded_and_shown_in_the_reviews(setup: Setup) -> None:
    out = setup.work / "report"
    run = auditor("scan", "--output-dir", out, setup=setup)
    assert run.returncode == 0, run.stderr
    doc = json.loads((out / "results.json").read_text())
    mine = [r for r in doc["results"] if r["rule_id"] == "X-E2E-001"]
    assert {r["resource_id"] for r in mine} >= {
        setup.info.rds_sg_id,
        setup.info.ecs_tasks_sg_id,
        setup.info.lambda_sg_id,
    }
    assert {r["status"] for r in mine} == {"PASS"}
    assert all(r["principle"] == "network_isolation" for r in mine)
    ni = next(p for p in doc["principles"] if p["principle"] == "network_isolation")
    builtin_ni = [
        r for r in doc["results"] if r["principle"] == "network_isolation" and r["status"] == "PASS"
    ]
    assert ni["passed"] == len(builtin_ni)  # the user rule's passes are counted in the grade
    html = (out / "report.html").read_text()
    assert "X-E2E-001" in html  # passing rules are listed in the HTML review
    assert "No security group is described as temporary" in html


def test_the_gate_fails_when_the_user_rule_newly_fails(setup: Setup) -> None:
    baseline = setup.work / "baseline.json"
    taken = auditor("baseline", "-o", baseline, setup=setup)
    assert taken.returncode == 0, taken.stderr

    ec2 = server_clients(setup.url)("ec2", REGION)
    group = ec2.create_security_group(
        GroupName="debug-access",
        Description="TEMPORARY debug access for incident 42",
        VpcId=setup.info.vpc_id,
    )["GroupId"]
    out = setup.work / "failing-report"
    try:
        failed = auditor("gate", "--baseline", baseline, setup=setup)
        scanned = auditor("scan", "--output-dir", out, setup=setup)
    finally:
        ec2.delete_security_group(GroupId=group)

    assert scanned.returncode == 0, scanned.stderr
    md = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    for text in (md, html):  # the failing user rule is shown with its resource and fix
        assert "X-E2E-001" in text
        assert "No security group is described as temporary" in text
        assert "debug-access" in text
        assert f"aws ec2 delete-security-group --group-id {group}" in text

    assert failed.returncode == 1, failed.stderr
    assert failed.stderr.splitlines()[0] == "auditor gate: FAIL (exit 1)"
    (line,) = (x for x in failed.stderr.splitlines() if "X-E2E-001" in x)
    assert line.strip().startswith("x new high X-E2E-001 debug-access")
    assert any(
        x.strip() == f"fix: aws ec2 delete-security-group --group-id {group} --region {REGION}"
        for x in failed.stderr.splitlines()
    ), failed.stderr

    passed = auditor("gate", "--baseline", baseline, setup=setup)
    assert passed.returncode == 0, passed.stderr
