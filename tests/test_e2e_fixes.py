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

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest

from auditor.demo import build_reference
from auditor.demo.messy import build_messy
from auditor.demo.simulator import set_root_mfa
from auditor.engine.results import ScanResult
from auditor.render.json import load_results
from auditor.render.view import Recommendation, build_view

REGION = "us-west-2"
REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

#: rule id -> why its block does not run to a PASS on moto, per scenario. Written by hand.
#: "decision": the block stops at a placeholder the user must fill (it must fail as printed).
#: "moto": the block is right for AWS, but moto cannot execute it or cannot show the effect.
#: "outside": the fix happens outside AWS (a repository), so no rescan can see it.
NOT_SHOWN: dict[str, dict[str, tuple[str, str]]] = {
    "reference": {},
    "messy": {},
}

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
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditor",
            "scan",
            "--endpoint-url",
            url,
            "--region",
            REGION,
            "-o",
            str(out),
            "--format",
            "md",
        ],
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


def _run_block(rec: Recommendation, cwd: Path, url: str) -> Block:
    script = _PRELUDE + "\n".join(rec.commands) + "\n"
    run = subprocess.run(
        ["bash", "-c", script],
        cwd=cwd,
        env=_env(url),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
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


@pytest.mark.e2e
def test_every_block_runs_and_turns_its_rule_pass(execution: Execution) -> None:
    not_shown = NOT_SHOWN[execution.scenario]
    summary = []
    for block in execution.blocks:
        still = _failing(execution.after, block.rule_id)
        summary.append((block.rule_id, block.returncode, sorted(still)[:3], block.output[-300:]))
    print(json.dumps(summary, indent=1))
    assert not_shown is not None
    raise AssertionError("exploration")


Check = Callable[[Execution], None]
