"""Every command the review prints runs as printed, and fixes what it says it fixes.

For each scenario (the reference account and the messy one), on a moto HTTP
server on 127.0.0.1: build the account, scan it through the real CLI
(``auditor scan --endpoint-url``), then run every recommendation's command
block with the real AWS CLI (``awscli`` from the test extra), from the
``fixes/`` folder beside the report (where the ``file://`` inputs are), and
scan again. Each block must exit 0 and its rule must turn PASS everywhere;
no result that passed may fail afterwards.

What cannot be shown that way is data below, each with its reason, and the
test asserts the reason still holds (a block listed as needing a decision
must really stop at its placeholder; a block moto cannot execute must really
fail or leave the rule failing), so the list cannot go stale silently.

The blocks run under ``bash -e`` with an ``aws`` function that adds
``--endpoint-url``; ``AWS_ENDPOINT_URL`` is set too (for ``xargs aws``), and
anything not on loopback goes to a dead proxy. Credentials are fake.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest

from auditor.demo import build_reference
from auditor.demo.messy import build_messy
from auditor.demo.simulator import set_root_mfa
from auditor.engine.model import Status
from auditor.engine.results import ScanResult
from auditor.render.json import load_results
from auditor.render.view import Recommendation, build_view

REGION = "us-west-2"
REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

#: rule id -> (kind, why) for blocks that do not end in a PASS on moto, per scenario.
#: Written by hand from what each fix is; the test checks each reason still holds.
#:
#: * "decision": the fix needs the user's decision; the block says so in a comment and
#:   stops at a placeholder or leaves the command commented (it cannot run by accident).
#: * "outside": the fix happens outside the AWS API (a repository, the console, a new
#:   instance), so no command can show it; the block prints what to do.
#: * "moto": right for AWS, but moto cannot execute it (the block fails with moto's 500).
#: * "input": the block reads a file the user writes first; without it, it fails.
#: * "deploy": the block fixes the next deployment; what runs now changes when the user deploys.
#:
#: OVERLAP: rules whose blocks revoke the same internet-open ingress rules; whichever runs
#: first removes a rule, and a later one may find it gone (InvalidPermission.NotFound):
#: allowed, as long as the rule passes afterwards.
NOT_SHOWN: dict[str, dict[str, tuple[str, str]]] = {
    "reference": {
        "DA001": ("outside", "the workflow is committed to the repository and runs in GitHub"),
        "DA003": ("decision", "which image version or digest to pin"),
        "SM001": ("decision", "which Lambda function rotates the secret"),
        "LP032": ("deploy", "a new task definition revision; the service runs it when deployed"),
    },
    "messy": {
        "DD008": ("moto", "S3 Control's host is <account>.<endpoint>: no such host on 127.0.0.1"),
        "DD011": ("decision", "the TLS statement is merged into the bucket's existing policy"),
        "DA001": ("outside", "the workflow is committed to the repository and runs in GitHub"),
        "DA003": ("decision", "which image version or digest to pin"),
        "SM001": ("decision", "which Lambda function rotates the secret"),
        "LP002": ("outside", "root MFA is set up in the console, with the root user's device"),
        "ZT002": ("outside", "an instance's key pair changes only by launching a new one"),
        "LP004": ("decision", "which actions the policy really needs"),
        "LP007": ("decision", "who may assume the role"),
        "LP008": ("decision", "which repository and branch may assume the role"),
        "LP010": ("decision", "the MFA device's codes come from the user's authenticator"),
        "LP013": ("decision", "the permissions of the workload's own role"),
        "SM005": ("decision", "the secret's value is moved by the user (auditor never reads it)"),
        "SM006": ("decision", "the secret's value is moved by the user (auditor never reads it)"),
        "DD001": ("decision", "encrypting means restoring a copy: the cut-over is the user's"),
        "AL012": ("decision", "needs a trail delivering to CloudWatch Logs (AL004) first"),
        "AL013": ("decision", "needs a trail delivering to CloudWatch Logs (AL004) first"),
        "AL014": ("decision", "needs a trail delivering to CloudWatch Logs (AL004) first"),
        "AL015": ("decision", "needs a trail delivering to CloudWatch Logs (AL004) first"),
        "AL016": ("decision", "needs a trail delivering to CloudWatch Logs (AL004) first"),
        "AL017": ("decision", "needs a trail delivering to CloudWatch Logs (AL004) first"),
        # LP015 is not listed: where its first hop is a trust policy the block leaves the
        # command commented (the user's decision), but the other blocks disarm the
        # administrators its paths lead to, so every path is gone after the run
        "DA007": ("decision", "which image each container runs, from the user's own registry"),
        "LP020": ("decision", "which actions the policy really needs, or none"),
        "LP021": ("decision", "which group grants the user's permissions"),
        "LP031": ("decision", "which non-root user the host-network containers run as"),
        # and moto's server loads no AWS managed policy to attach
        "OB015": ("outside", "the log group appears when the function next runs and logs"),
        "LP032": ("deploy", "a new task definition revision; the service runs it when deployed"),
        "OB005": ("moto", "moto does not implement cloudwatch enable-alarm-actions"),
        "OB013": ("deploy", "a new task definition revision; the service runs it when deployed"),
    },
}

OVERLAP = frozenset({"NI003", "NI004", "NI005", "NI007", "ZT001"})

ENV_DROP = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE")


@dataclass
class Block:
    rule_id: str
    commands: tuple[str, ...]
    returncode: int
    output: str


@dataclass
class Execution:
    scenario: str
    before: ScanResult
    after: ScanResult
    blocks: list[Block] = field(default_factory=list)


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_DROP}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SESSION_TOKEN="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_ENDPOINT_URL=url,
        AWS_MAX_ATTEMPTS="1",
        HTTPS_PROXY="http://127.0.0.1:9",
        HTTP_PROXY="http://127.0.0.1:9",
        NO_PROXY="127.0.0.1,localhost",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        AUDITOR_E2E_ENDPOINT=url,
    )
    return env


def _scan(url: str, out: Path) -> ScanResult:
    args = ["scan", "--endpoint-url", url, "--region", REGION, "-o", str(out), "--format", "md"]
    run = subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        cwd=REPO,
        env=_env(url),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode in (0, 3), run.stderr[-3000:]  # 3: moto lacks two APIs (gaps)
    return load_results(out / "results.json")


_PRELUDE = 'set -e\naws() { command aws --endpoint-url "$AUDITOR_E2E_ENDPOINT" "$@"; }\n'


def _run(script: str, cwd: Path, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", _PRELUDE + script + "\n"],
        cwd=cwd,
        env=_env(url),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _run_block(rec: Recommendation, cwd: Path, url: str) -> Block:
    if rec.rule_id in OVERLAP:
        # One revoke per line, each independent: a rule another view of the same open
        # door revoked already (InvalidPermission.NotFound) must not stop the next line.
        runs = [_run(line, cwd, url) for line in rec.commands]
        code = max(r.returncode for r in runs)
        output = "".join(r.stdout + r.stderr for r in runs)
        return Block(rec.rule_id, rec.commands, code, output[-2000:])
    run = _run("\n".join(rec.commands), cwd, url)
    return Block(rec.rule_id, rec.commands, run.returncode, (run.stdout + run.stderr)[-2000:])


def _reset(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def _build(scenario: str, url: str) -> None:
    session = boto3.Session(region_name=REGION)

    def client(service: str, region: str) -> object:
        return session.client(service, region_name=region, endpoint_url=url)  # type: ignore[call-overload]

    if scenario == "reference":
        info = build_reference(client, REGION)
        set_root_mfa(info.account_id)  # as the demo does: moto hard-codes root MFA off
    else:
        build_messy(client, REGION)


@pytest.fixture(scope="module", params=["reference", "messy"])
def execution(
    request: pytest.FixtureRequest, _moto_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Execution:
    """Build, scan, run every block, scan again: once per scenario, one moto server."""
    scenario: str = request.param
    url = _moto_server
    _reset(url)
    _build(scenario, url)
    folder = tmp_path_factory.mktemp(f"fixes-{scenario}")
    before = _scan(url, folder / "before")
    fixes = folder / "before" / "fixes"
    fixes.mkdir(exist_ok=True)
    blocks = [_run_block(rec, fixes, url) for rec in build_view(before).recommendations]
    after = _scan(url, folder / "after")
    return Execution(scenario, before, after, blocks)


def _failing(result: ScanResult, rule_id: str) -> set[str]:
    return {r.resource_id for r in result.results if r.rule_id == rule_id and r.counts_as_fail}


def _fail_keys(result: ScanResult) -> set[tuple[str, str]]:
    return {(r.rule_id, r.resource_id) for r in result.results if r.counts_as_fail}


def _pass_keys(result: ScanResult) -> set[tuple[str, str]]:
    return {(r.rule_id, r.resource_id) for r in result.results if r.status is Status.PASS}


@pytest.mark.e2e
def test_every_block_runs_and_turns_its_rule_pass(execution: Execution) -> None:
    not_shown = NOT_SHOWN[execution.scenario]
    blocks = {b.rule_id: b for b in execution.blocks}
    assert len(blocks) == len(execution.blocks) > 10  # one block per failing rule
    assert set(not_shown) <= set(blocks), set(not_shown) - set(blocks)  # no stale entry
    fixed = []
    for rule_id, block in sorted(blocks.items()):
        still = sorted(_failing(execution.after, rule_id))
        kind = not_shown.get(rule_id, ("", ""))[0]
        if not kind:
            gone = rule_id in OVERLAP and "InvalidPermission.NotFound" in block.output
            assert block.returncode == 0 or gone, f"{rule_id}: {block.output}"
            assert not still, f"{rule_id} still fails on {still[:3]}"
            fixed.append(rule_id)
        elif kind == "decision":
            assert any(c.startswith("# ") for c in block.commands), f"{rule_id}: no words"
            assert still, f"{rule_id} passed although it needs a decision"
        elif kind == "outside":
            assert still, rule_id
        elif kind == "moto":
            assert block.returncode != 0 or still, rule_id
        elif kind == "input":
            assert block.returncode != 0 and "No such file" in block.output, rule_id
        elif kind == "deploy":
            assert block.returncode == 0 and still, rule_id
    # the figures the review's closing note quotes
    print(
        f"\n{execution.scenario}: {len(blocks)} command blocks executed, "
        f"{len(fixed)} turned their rule PASS; not shown on moto: "
        + ", ".join(f"{k} ({v[0]})" for k, v in sorted(not_shown.items()))
    )
    expected_fixed = sorted(set(blocks) - set(not_shown))
    assert fixed == expected_fixed


@pytest.mark.e2e
def test_no_fix_breaks_what_passed(execution: Execution) -> None:
    broken = _pass_keys(execution.before) & _fail_keys(execution.after)
    assert broken == set(), sorted(broken)[:10]


@pytest.mark.e2e
def test_a_placeholder_never_runs(execution: Execution) -> None:
    """A block stopping at <PLACEHOLDER> fails at the shell, before any AWS call of that line."""
    for block in execution.blocks:
        live = [c for c in block.commands if not c.startswith("#") and "<" in c and ">" in c]
        for line in live:
            if "2>/dev/null" in line:
                continue
            assert block.returncode != 0, f"{block.rule_id}: {line}"
