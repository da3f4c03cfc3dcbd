"""SARIF 2.1.0 export: the shape GitHub code scanning accepts, failing findings only."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import main
from auditor.engine.model import Severity, Status
from auditor.export import sarif_log
from auditor.render.json import write_results
from tests.gate.helpers import ACCOUNT, rr, scan


def _result():  # type: ignore[no-untyped-def]
    return scan(
        [
            rr(
                "NI004", "sg-open", Status.FAIL, Severity.CRITICAL, remediation_cmd="aws ec2 revoke"
            ),
            rr("NI004", "sg-closed", Status.PASS, Severity.CRITICAL),
            rr("OB001", "cluster:x", Status.FAIL, Severity.LOW),
            rr("DD004", "vpc-waived", Status.FAIL, Severity.MEDIUM, waived="accepted"),
            rr("AL001", "account", Status.UNKNOWN, Severity.CRITICAL),
        ]
    )


def test_sarif_holds_unwaived_fails_with_rules_levels_and_fingerprints() -> None:
    log = sarif_log(_result())
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["NI004", "OB001"]
    assert all(r["shortDescription"]["text"] and r["fullDescription"]["text"] for r in rules)
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [("NI004", "error"), ("OB001", "note")]
    first = results[0]
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"]
    assert first["partialFingerprints"] == {
        "auditorFindingId/v1": f"NI004/{ACCOUNT}/us-west-2/sg-open"
    }
    assert first["properties"]["security-severity"] == "9.0"
    assert "aws ec2 revoke" in first["message"]["text"]
    uri = first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == f"aws/{ACCOUNT}/us-west-2/sg-open"
    # an ARN with colons and hostile characters stays a safe relative path
    other = results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert other == f"aws/{ACCOUNT}/us-west-2/cluster/x"


def test_sarif_uri_of_a_hostile_name_is_safe() -> None:
    log = sarif_log(scan([rr("NI004", "../../etc/passwd <x>", Status.FAIL, Severity.HIGH)]))
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"][
        "uri"
    ]
    assert uri.startswith(f"aws/{ACCOUNT}/us-west-2/")
    assert "<" not in uri
    assert " " not in uri


def test_export_command_writes_sarif(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    write_results(_result(), results)
    out = tmp_path / "auditor.sarif"
    run = CliRunner().invoke(main, ["export", str(results), "--format", "sarif", "-o", str(out)])
    assert run.exit_code == 0, run.output
    assert len(json.loads(out.read_text())["runs"][0]["results"]) == 2
