"""End to end: the gate through the real CLI, against the reference account on a moto server.

The story of docs/gate.md: a baseline is taken; an unchanged account passes;
the database security group opened to 0.0.0.0/0 on 5432 fails the gate with
the regression explained; reverting passes again; a missing read permission
makes a service a gap and the gate answers 3 (or 1 with --fail-on-incomplete).

Every command runs as a user would run it: ``python -m auditor ...`` in a
subprocess, against the server's URL. The missing permission is simulated the
way AWS answers it: a ``sitecustomize`` on that subprocess's PYTHONPATH makes
every botocore session answer ``secretsmanager:ListSecrets`` with
AccessDeniedException without sending the request. Nothing in auditor is
patched. (moto server's own IAM enforcement is not usable, see
tests/scenarios/reference.py.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from auditor.demo import ReferenceInfo, build_reference
from auditor.render.json import load_results
from tests.conftest import REGION
from tests.scenarios.reference import COMPLETE_ON_MOTO, server_clients

pytestmark = pytest.mark.e2e

#: What moto can serve without a gap (Access Analyzer and saved Logs Insights queries
#: are not implemented): the scans of this story start complete.
SERVICES = ",".join(COMPLETE_ON_MOTO)

_SITECUSTOMIZE = '''\
"""Test only: this interpreter's AWS principal lacks one read permission."""
import os

_DENIED = os.environ.get("AUDITOR_TEST_DENY", "")  # e.g. "secrets-manager.ListSecrets"
if _DENIED:
    import botocore.session
    from botocore.awsrequest import AWSResponse

    def _deny(**_):
        error = {
            "Error": {"Code": "AccessDeniedException", "Message": "not authorized (test)"},
            "ResponseMetadata": {"HTTPStatusCode": 400, "RetryAttempts": 0},
        }
        return AWSResponse("https://denied.invalid/", 400, {}, None), error

    _init = botocore.session.Session.__init__

    def _init_and_deny(self, *args, **kwargs):
        _init(self, *args, **kwargs)
        self.register("before-call." + _DENIED, _deny)

    botocore.session.Session.__init__ = _init_and_deny
'''

_OPEN_5432 = [
    {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
]


@dataclass(frozen=True)
class Account:
    url: str
    info: ReferenceInfo
    baseline: Path
    work: Path


def auditor(
    *args: str | Path, url: str | None = None, env: dict[str, str] | None = None, cwd: Path
) -> subprocess.CompletedProcess[str]:
    scan = ["--endpoint-url", url, "--region", REGION, "--services", SERVICES] if url else []
    return subprocess.run(
        [sys.executable, "-m", "auditor", *map(str, args), *scan],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,  # no stray ./.auditor.yaml
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.fixture(scope="module")
def account(_moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Account:
    """The reference account, built once, and its baseline taken through the CLI."""
    reset = urllib.request.Request(f"{_moto_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=10) as response:
        assert response.status == 200
    info = build_reference(server_clients(_moto_server), REGION)
    work = tmp_path_factory.mktemp("gate-e2e")
    baseline = work / "baseline.json"
    taken = auditor("baseline", "-o", baseline, url=_moto_server, cwd=work)
    assert taken.returncode == 0, taken.stderr
    assert f"baseline for account {info.account_id}" in taken.stderr
    return Account(_moto_server, info, baseline, work)


def test_an_unchanged_account_passes(account: Account) -> None:
    before = account.baseline.read_bytes()
    result = auditor("gate", "--baseline", account.baseline, url=account.url, cwd=account.work)

    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("auditor gate: PASS (exit 0)")
    assert "0 new, 0 fixed" in result.stderr
    assert account.baseline.read_bytes() == before


def test_opening_the_database_to_the_world_fails_and_reverting_passes(account: Account) -> None:
    ec2 = server_clients(account.url)("ec2", REGION)
    sg = account.info.rds_sg_id
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=_OPEN_5432)
    try:
        markdown = account.work / "pr.md"
        failed = auditor(
            "gate",
            "--baseline",
            account.baseline,
            "--markdown",
            markdown,
            url=account.url,
            cwd=account.work,
        )
    finally:
        ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=_OPEN_5432)

    assert failed.returncode == 1, failed.stderr
    lines = failed.stderr.splitlines()
    assert lines[0] == "auditor gate: FAIL (exit 1)"
    assert len(lines) <= 25, failed.stderr  # one screen
    assert any(
        line.strip().startswith("x Network Isolation grade dropped A+ (100%) -> ") for line in lines
    ), failed.stderr
    (new,) = (line for line in lines if line.strip().startswith("x new critical NI004 rds-sg"))
    assert "5432" in new and "0.0.0.0/0" in new
    assert any(
        line.strip().startswith("fix: aws ec2 revoke-security-group-ingress") for line in lines
    )
    md = markdown.read_text(encoding="utf-8")
    assert md.startswith("### ❌ auditor gate failed (exit 1)")
    assert "| critical | NI004 " in md

    reverted = auditor("gate", "--baseline", account.baseline, url=account.url, cwd=account.work)
    assert reverted.returncode == 0, reverted.stderr


def test_a_missing_read_permission_is_a_gap_exit_3_or_1_when_asked(account: Account) -> None:
    site = account.work / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(_SITECUSTOMIZE, encoding="utf-8")
    saved = account.work / "gapped.json"
    denied = {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])),
        "AUDITOR_TEST_DENY": "secrets-manager.ListSecrets",
    }

    result = auditor(
        "gate",
        "--baseline",
        account.baseline,
        "--save-results",
        saved,
        url=account.url,
        env=denied,
        cwd=account.work,
    )

    assert result.returncode == 3, result.stderr
    assert "auditor gate: INCOMPLETE (exit 3)" in result.stderr.splitlines()
    assert (
        f"! secretsmanager in {REGION} was not collected: access_denied (ListSecrets "
        "AccessDeniedException)" in result.stderr
    )
    assert "! Secrets Management is incomplete now" in result.stderr
    gaps = load_results(saved).gaps
    assert [(g.service, g.operation) for g in gaps if g.message != "not requested"] == [
        ("secretsmanager", "ListSecrets")
    ]

    strict = auditor(
        "gate",
        "--baseline",
        account.baseline,
        "--current",
        saved,
        "--fail-on-incomplete",
        cwd=account.work,
    )
    assert strict.returncode == 1, strict.stderr
    assert "auditor gate: FAIL (exit 1)" in strict.stderr.splitlines()
