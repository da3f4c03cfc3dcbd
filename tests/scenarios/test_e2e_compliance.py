"""End to end: ``auditor compliance --framework cis-5.0`` on the reference and messy accounts.

Each account is built on the moto server, scanned through the real CLI in a
subprocess (``auditor scan``), then judged per CIS v5.0 control by
``auditor compliance`` on the results.json it wrote. Expected statuses come
from what each scenario is (auditor/demo/reference.py, auditor/demo/messy.py),
not from the tool's output.
"""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from auditor.demo import build_reference
from auditor.demo.messy import build_messy
from auditor.demo.simulator import set_root_mfa
from tests.conftest import REGION
from tests.scenarios.reference import server_clients

pytestmark = pytest.mark.e2e

SECTIONS = (
    "1 Identity and Access Management",
    "2 Storage",
    "3 Logging",
    "4 Monitoring",
    "5 Networking",
)
_BLOCK = re.compile(r"^(FAIL|UNKNOWN) +(\S+)  ")
_ITEM = re.compile(r"^  - (.+?) \(")
_OTHER = re.compile(r"^  (pass|no data|not covered|manual) +(\S+) ")


def _auditor(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        check=False,
    )


def _reset(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()


def _scan_and_judge(url: str, work: Path) -> tuple[str, dict[str, tuple[str, set[str]]]]:
    scan = _auditor(
        "scan", "--endpoint-url", url, "--region", REGION, "--output-dir", work, cwd=work
    )
    assert scan.returncode in (0, 3), scan.stderr  # 3: moto lacks some units (a gap)
    run = _auditor("compliance", "--framework", "cis-5.0", work / "results.json", cwd=work)
    assert run.returncode == 0, run.stderr
    return run.stdout, parse(run.stdout)


def parse(text: str) -> dict[str, tuple[str, set[str]]]:
    """control id -> (status, failing resource names) from the text output."""
    out: dict[str, tuple[str, set[str]]] = {}
    current = ""
    for line in text.splitlines():
        if m := _BLOCK.match(line):
            current = m.group(2)
            out[current] = (m.group(1).lower(), set())
        elif (m := _ITEM.match(line)) and current:
            out[current][1].add(m.group(1))
        elif m := _OTHER.match(line):
            out[m.group(2)] = (m.group(1), set())
            current = ""
    return out


@pytest.fixture(scope="module")
def reference(_moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:  # type: ignore[type-arg]
    _reset(_moto_server)
    info = build_reference(server_clients(_moto_server), REGION)
    set_root_mfa(info.account_id)  # the console-only setting moto cannot take by API
    return _scan_and_judge(_moto_server, tmp_path_factory.mktemp("cis-reference"))


@pytest.fixture(scope="module")
def messy(
    reference: object, _moto_server: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, dict]:  # type: ignore[type-arg]
    _reset(_moto_server)
    build_messy(server_clients(_moto_server), REGION)
    return _scan_and_judge(_moto_server, tmp_path_factory.mktemp("cis-messy"))


def _totals(text: str) -> dict[str, list[int]]:
    """Section name (and "Total") -> the counts of its row."""
    rows = {}
    for line in text.splitlines():
        for name in (*SECTIONS, "Total"):
            if line.startswith(name + " ") or line == name:
                rows[name] = [int(n) for n in line[len(name) :].split()]
    return rows


@pytest.mark.parametrize("which", ["reference", "messy"])
def test_per_section_totals_are_printed(which: str, request: pytest.FixtureRequest) -> None:
    text, controls = request.getfixturevalue(which)
    assert text.startswith("CIS AWS Foundations Benchmark v5.0.0: account ")
    assert re.search(r"^Score: \d+(\.\d)?% \(\d+ of \d+ controls with a verdict pass;", text, re.M)
    rows = _totals(text)
    assert set(rows) == {*SECTIONS, "Total"}
    for name in SECTIONS:
        assert sum(rows[name][:-1]) == rows[name][-1], name  # the columns add up to the total
    assert rows["Total"][-1] == 63  # every CIS v5.0 control, each in one state
    assert [sum(col) for col in zip(*(rows[n] for n in SECTIONS), strict=True)] == rows["Total"]
    assert len(controls) == 63


def test_reference_passes_what_it_was_built_to_pass(reference: tuple[str, dict]) -> None:  # type: ignore[type-arg]
    _, controls = reference
    # 2.1.4: both of its buckets (trail, flow logs) block public access themselves
    # 3.6: the trail's KMS key rotates
    for cid in ("1.3", "1.4", "2.1.4", "2.2.1", "2.2.3", "3.1", "3.2", "3.5", "3.6", "5.3", "5.4"):
        assert controls[cid][0] == "pass", (cid, controls[cid])
    # moto does not implement IAM Access Analyzer: a gap, so the control is undecided
    assert controls["1.19"][0] == "unknown"
    # no rule decides these: never a pass
    assert controls["2.3.1"][0] == "not covered"
    assert controls["1.1"][0] == "manual"


def test_messy_fails_the_planted_controls_with_their_resources(messy: tuple[str, dict]) -> None:  # type: ignore[type-arg]
    _, controls = messy
    assert controls["1.9"] == ("fail", {"dev-alice"})  # console password, no MFA
    status, names = controls["2.2.3"]  # public RDS
    assert status == "fail" and {"legacy-mysql", "exposed-pg"} <= names
    assert controls["2.2.1"][0] == "fail" and "legacy-mysql" in controls["2.2.1"][1]
    status, names = controls["5.3"]  # SSH from 0.0.0.0/0
    assert status == "fail" and {"ssh-world", "wide-open"} <= names
    assert controls["5.1.1"][0] == "fail"  # EBS default encryption off
    assert controls["3.2"] == ("fail", {"startup-trail"})  # no log file validation
    assert controls["4.3"][0] == "fail"  # no CIS alarms at all
    assert controls["1.4"][0] == "fail"  # root without MFA (moto's default)
    # the trail bucket has no Block Public Access, nor has the account
    assert controls["2.1.4"] == ("fail", {"startup-trail-logs-bucket"})
    assert controls["2.1.1"] == ("fail", {"startup-trail-logs-bucket"})  # no TLS-only policy
    assert controls["3.6"][0] == "no data"  # no customer managed key at all


def test_the_reference_scores_above_the_messy_account(
    reference: tuple[str, dict],  # type: ignore[type-arg]
    messy: tuple[str, dict],  # type: ignore[type-arg]
) -> None:
    def score(text: str) -> float:
        m = re.search(r"^Score: ([\d.]+)%", text, re.M)
        assert m, text[:300]
        return float(m.group(1))

    assert score(reference[0]) > score(messy[0])
