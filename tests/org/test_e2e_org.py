"""End to end: ``auditor scan --org`` through the real CLI on a moto server with an Organization.

The organization (``auditor.demo.organization``): the management account and
ten members; members 0 and 1 hold the reference architecture, the others a
small estate (one ECS cluster without Container Insights, one log group);
member 6 has no ``OrganizationAccountAccessRole`` (a denied account). The
management account is left out with ``--exclude-accounts``. Only the units
moto serves completely are collected, so the one reason for exit 3 is the
denied account.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from auditor.demo.organization import ORG_ROLE, OrgScenario, build_organization
from auditor.errors import EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE
from auditor.org.worker import CRASH_HOOK, AccountJob, scan_account
from tests.conftest import REGION
from tests.scenarios.reference import COMPLETE_ON_MOTO

REPO_ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "<script>alert(1)</script> | [x](https://evil.example) `tick`"
DENIED_INDEX = 6


def _args(url: str, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "auditor",
        "scan",
        "--org",
        "--endpoint-url",
        url,
        "--region",
        REGION,
        "--services",
        ",".join(COMPLETE_ON_MOTO),
        "--output-dir",
        str(out),
        *extra,
    ]


def _run(
    url: str, out: Path, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _args(url, out, *extra),
        capture_output=True,
        text=True,
        timeout=900,
        cwd=REPO_ROOT,
        check=False,
        env={**os.environ, **(env or {})},
    )


def _reset(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


@dataclass(frozen=True)
class OrgScan:
    scenario: OrgScenario
    run: subprocess.CompletedProcess[str]
    org_dir: Path


@pytest.fixture(scope="module")
def org_scan(_moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> OrgScan:
    _reset(_moto_server)
    names = [f"member-{i}" for i in range(10)]
    names[3] = HOSTILE
    scenario = build_organization(
        _moto_server, 10, region=REGION, reference=2, denied=[DENIED_INDEX], names=names
    )
    out = tmp_path_factory.mktemp("org")
    history = out / "history"
    run = _run(
        _moto_server, out, "--exclude-accounts", scenario.management, "--history", str(history)
    )
    return OrgScan(scenario, run, out / "org")


def test_denied_account_is_a_named_gap_and_the_scan_exits_3(org_scan: OrgScan) -> None:
    denied = org_scan.scenario.members[DENIED_INDEX]
    assert org_scan.run.returncode == EXIT_INCOMPLETE, org_scan.run.stderr
    gap_lines = [
        line for line in org_scan.run.stderr.splitlines() if line.startswith("auditor: org: gap:")
    ]
    assert len(gap_lines) == 1
    assert denied in gap_lines[0] and ORG_ROLE in gap_lines[0]
    doc = json.loads((org_scan.org_dir / "org-results.json").read_text())
    by_id = {a["account_id"]: a for a in doc["accounts"]}
    assert set(by_id) == set(org_scan.scenario.members)  # ten accounts, none dropped
    assert by_id[denied]["status"] == "gap"
    assert "does not exist" in by_id[denied]["message"]
    assert {a for a, v in by_id.items() if v["status"] != "ok"} == {denied}
    # The org grades are incomplete: one account is not there.
    assert all(p["incomplete"] for p in doc["principles"])


def test_every_scanned_account_has_its_own_full_review(org_scan: OrgScan) -> None:
    denied = org_scan.scenario.members[DENIED_INDEX]
    folders = {p.name for p in org_scan.org_dir.iterdir() if p.is_dir()}
    assert folders == set(org_scan.scenario.members) - {denied}
    for account_id in folders:
        folder = org_scan.org_dir / account_id
        names = {p.name for p in folder.iterdir()}
        assert {"results.json", "report.html", "report.md"} <= names
        # beside them, what a single-account review writes too: the diagram when there
        # is an architecture to draw, the files its fix commands read
        assert names - {"results.json", "report.html", "report.md"} <= {
            "architecture.svg",
            "fixes",
        }
        assert json.loads((folder / "results.json").read_text())["account_id"] == account_id


def test_the_management_account_was_excluded(org_scan: OrgScan) -> None:
    assert not (org_scan.org_dir / org_scan.scenario.management).exists()
    assert "10 account(s)" in org_scan.run.stderr


def test_fixes_are_grouped_across_accounts(org_scan: OrgScan) -> None:
    # Every scanned member has exactly one ECS cluster without Container Insights:
    # the seven small ones their app-cluster, the two reference ones ops-pipeline-cluster.
    doc = json.loads((org_scan.org_dir / "org-results.json").read_text())
    fixes = {f["rule_id"]: f for f in doc["fixes"]}
    scanned = set(org_scan.scenario.members) - {org_scan.scenario.members[DENIED_INDEX]}
    assert fixes["OB001"]["resources"] == 9
    assert set(fixes["OB001"]["accounts"]) == scanned
    md = (org_scan.org_dir / "org-review.md").read_text()
    assert "ECS clusters have Container Insights enabled: fix 9 resources in 9 accounts" in md


def test_worst_accounts_come_first_and_reference_accounts_grade_better(org_scan: OrgScan) -> None:
    doc = json.loads((org_scan.org_dir / "org-results.json").read_text())
    order = [a["account_id"] for a in doc["accounts"]]
    assert order[0] == org_scan.scenario.members[DENIED_INDEX]
    scores = [a["overall"]["score"] for a in doc["accounts"][1:]]
    assert scores == sorted(scores)
    # The reference accounts (CloudTrail, GuardDuty, hardened network) beat the bare ones.
    assert set(order[-2:]) == set(org_scan.scenario.reference)


def test_hostile_account_name_is_escaped_in_both_reviews(org_scan: OrgScan) -> None:
    html = (org_scan.org_dir / "org-review.html").read_text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    md = (org_scan.org_dir / "org-review.md").read_text()
    # In the accounts table: a code span (fence longer than the name's backticks,
    # padded because the name ends with one) and the pipe escaped for the table.
    cell = "| `` <script>alert(1)</script> \\| [x](https://evil.example) `tick` `` |"
    assert cell in md
    assert all("`" in line for line in md.splitlines() if "alert(1)" in line)


def test_bad_account_filter_is_a_one_line_usage_error(moto_server: str, tmp_path: Path) -> None:
    run = _run(moto_server, tmp_path, "--accounts", "12345")
    assert run.returncode == EXIT_USAGE
    assert run.stderr.strip().count("\n") == 0
    assert "not a 12-digit account id" in run.stderr
    assert not (tmp_path / "org").exists()


def _finished(org_dir: Path) -> dict[str, float]:
    return {p.parent.name: p.stat().st_mtime_ns for p in org_dir.glob("*/results.json")}


def test_resume_after_kill_does_not_rescan_finished_accounts(
    moto_server: str, tmp_path: Path
) -> None:
    scenario = build_organization(moto_server, 10, region=REGION)
    excl = ("--exclude-accounts", scenario.management, "--parallel-accounts", "2")
    org_dir = tmp_path / "org"
    proc = subprocess.Popen(
        _args(moto_server, tmp_path, *excl),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=REPO_ROOT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 600
        while len(_finished(org_dir)) < 3 and proc.poll() is None:
            assert time.monotonic() < deadline, "the scan made no progress"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its worker processes, mid-scan
        proc.wait()
    before = _finished(org_dir)
    assert 3 <= len(before) < 10
    for account_id in before:  # atomic writes: whatever is there is whole
        doc = json.loads((org_dir / account_id / "results.json").read_text())
        assert doc["account_id"] == account_id
    assert not (org_dir / "org-results.json").exists()

    run = _run(moto_server, tmp_path, *excl, "--resume")
    assert run.returncode == EXIT_OK, run.stderr
    assert f"resumed: {len(before)} account(s) already finished" in run.stderr
    scanned_lines = [line for line in run.stderr.splitlines() if "auditor: org: [" in line]
    assert len(scanned_lines) == 10 - len(before)
    assert not any(account_id in "".join(scanned_lines) for account_id in before)
    after = _finished(org_dir)
    assert set(after) == set(scenario.members)
    assert {a: after[a] for a in before} == before  # not rewritten
    doc = json.loads((org_dir / "org-results.json").read_text())
    assert {a["account_id"] for a in doc["accounts"]} == set(scenario.members)
    assert all(a["status"] == "ok" for a in doc["accounts"])


def test_history_keeps_each_scanned_account_and_the_org(org_scan: OrgScan) -> None:
    history = org_scan.org_dir.parent / "history"
    denied = org_scan.scenario.members[DENIED_INDEX]
    accounts = {p.name for p in history.iterdir() if p.name != "organization"}
    assert accounts == set(org_scan.scenario.members) - {denied}
    assert len(list((history / "organization").glob("*.json"))) == 1
    md = (org_scan.org_dir / "org-review.md").read_text()
    assert "Trend (organization): **" in md
    account_md = (org_scan.org_dir / org_scan.scenario.members[0] / "report.md").read_text()
    assert "Trend (overall): **" in account_md


def test_a_worker_process_dying_loses_no_other_account(moto_server: str, tmp_path: Path) -> None:
    scenario = build_organization(moto_server, 4, region=REGION)
    culprit = scenario.members[1]
    run = _run(
        moto_server,
        tmp_path,
        "--exclude-accounts",
        scenario.management,
        "--parallel-accounts",
        "2",
        env={CRASH_HOOK: culprit},
    )
    assert run.returncode == EXIT_INCOMPLETE, run.stderr
    doc = json.loads((tmp_path / "org" / "org-results.json").read_text())
    status = {a["account_id"]: (a["status"], a["message"]) for a in doc["accounts"]}
    assert status[culprit][0] == "gap" and "died" in status[culprit][1]
    others = set(scenario.members) - {culprit}
    assert {a for a, (st, _) in status.items() if st == "ok"} == others
    assert set(_finished(tmp_path / "org")) == others


def test_an_account_that_cannot_be_assumed_is_a_gap(tmp_path: Path) -> None:
    # Nothing listens on port 9: AssumeRole itself fails, as a refused AssumeRole would.
    job = AccountJob(
        account_id="111111111111",
        name="unreachable",
        role_name=ORG_ROLE,
        external_id=None,
        profile=None,
        regions=(REGION,),
        all_regions=False,
        endpoint_url="http://127.0.0.1:9",
        services=("ecs",),
        workers=1,
        output_dir=str(tmp_path / "111111111111"),
        formats=("md",),
        config_path=None,
        history_dir=None,
    )
    outcome = scan_account(job)
    assert outcome.status == "gap"
    assert "cannot assume arn:aws:iam::111111111111:role/" + ORG_ROLE in outcome.message
    assert not (tmp_path / "111111111111").exists()
