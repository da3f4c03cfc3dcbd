"""Rules users write: loaded from folders, validated, evaluated, reported like built-in rules."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.config import Config, load_setup
from auditor.engine.evaluate import evaluate
from auditor.engine.model import Principle, Status
from auditor.engine.user_rules import catalogue_with
from auditor.errors import InputError
from auditor.snapshot.ec2 import Ec2Section, SecurityGroup
from auditor.snapshot.io import save_snapshot
from auditor.snapshot.rds import RdsSection
from tests.rules.helpers import REGION, db_instance, failing, make_snapshot, passing

REPO = Path(__file__).parents[1]
EXAMPLE = REPO / "docs" / "examples" / "custom_rules"


def _sg(name: str, **tags: str) -> SecurityGroup:
    return SecurityGroup(
        id=f"sg-{name}",
        region=REGION,
        name=name,
        description="",
        vpc_id="vpc-1",
        ingress=(),
        egress=(),
        tags=tags,
    )


SNAP = make_snapshot(
    ec2=Ec2Section(
        security_groups=(
            _sg("pass-tagged", owner="payments"),
            _sg("fail-untagged"),
            _sg("fail-blank", owner="  "),
            _sg("default"),  # a VPC's default group is not judged
        )
    ),
    rds=RdsSection(
        instances=(
            db_instance("pass-pg", engine="postgres"),
            db_instance("fail-mysql", engine="mysql"),
        )
    ),
)


def _write(folder: Path, name: str, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


_RULE = '''
from auditor.api import Check, Principle, Severity, rule

@rule(id={id!r}, slug={slug!r}, title="A user rule holds", principle=Principle.ZERO_TRUST,
      severity=Severity.HIGH, needs=("ec2",), effort_minutes=1{extra})
def check(snap):
    """
    ## What it checks
    x
    ## Why it matters
    y
    ## Remediation
    z
    """
    {body}
'''


def user_rule(
    folder: Path,
    name: str = "mine.py",
    *,
    id: str = "X-TEST-001",
    slug: str = "test-user-rule",
    extra: str = "",
    body: str = "yield from ()",
) -> Path:
    return _write(folder, name, _RULE.format(id=id, slug=slug, extra=extra, body=body))


# ------------------------------------------------------------------ the documented example


def test_the_documented_example_loads_and_judges_by_hand_written_expectations() -> None:
    catalogue = catalogue_with([EXAMPLE])
    sg_rule, db_rule = catalogue.get("X-ACME-001"), catalogue.get("X-ACME-002")
    assert sg_rule.principle is Principle.DEFENSE_IN_DEPTH
    assert db_rule.params == {"approved": "postgres,aurora-postgresql"}
    assert failing(sg_rule, SNAP) == {"fail-untagged", "fail-blank"}
    assert passing(sg_rule, SNAP) == {"pass-tagged"}
    assert failing(db_rule, SNAP) == {"fail-mysql"}
    assert passing(db_rule, SNAP) == {"pass-pg"}
    # a threshold override from the config, like a built-in rule's
    assert failing(db_rule, SNAP, approved="postgres,mysql") == set()


def test_user_rules_are_graded_into_their_principle_with_filled_commands() -> None:
    catalogue = catalogue_with([EXAMPLE])
    result = evaluate(SNAP, catalogue, Config())
    mine = [r for r in result.results if r.rule_id == "X-ACME-001" and r.status is Status.FAIL]
    assert {r.resource_name for r in mine} == {"fail-untagged", "fail-blank"}
    assert all(r.principle is Principle.DEFENSE_IN_DEPTH for r in mine)
    cmd = next(r.remediation_cmd for r in mine if r.resource_name == "fail-untagged")
    assert cmd == (
        f"aws ec2 create-tags --resources sg-fail-untagged --tags Key=owner,Value=TEAM "
        f"--region {REGION}"
    )
    assert "X-ACME-001" in {i.id for i in result.rules}
    dd = result.principle(Principle.DEFENSE_IN_DEPTH)
    builtin_only = evaluate(SNAP, catalogue_with([]), Config()).principle(
        Principle.DEFENSE_IN_DEPTH
    )
    assert dd.failed == builtin_only.failed + 2


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"id": "LP999"}, "user rule id 'LP999' must look like X-ACME-001"),
        ({"id": "X-A-1"}, "must look like X-ACME-001"),
        ({"slug": "Not A Slug"}, "slug 'Not A Slug' must be kebab-case"),
        (
            {"slug": "cloudtrail-bucket-not-public"},
            "rule slug 'cloudtrail-bucket-not-public' is already taken",
        ),
        ({"extra": ", frameworks={'pci': ['1']}"}, "unknown framework key 'pci'"),
        ({"extra": ", frameworks={'cis': ['9.9']}"}, "cis '9.9' is not a cis-5.0 control"),
    ],
)
def test_bad_user_rules_are_one_line_input_errors(
    kwargs: dict[str, str], message: str, tmp_path: Path
) -> None:
    user_rule(tmp_path, **kwargs)
    with pytest.raises(InputError) as err:
        catalogue_with([tmp_path])
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_a_user_id_taken_twice_is_an_error(tmp_path: Path) -> None:
    user_rule(tmp_path, "a.py", slug="first-rule")
    user_rule(tmp_path, "b.py", slug="second-rule")
    with pytest.raises(InputError, match="rule id X-TEST-001 is already taken"):
        catalogue_with([tmp_path])


def test_a_missing_rules_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        catalogue_with([tmp_path / "nope"])


# ------------------------------------------------------------------ broken user code


def test_a_module_that_fails_to_import_is_an_error_result_naming_it(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "broken.py",
        "from auditor.api import Principle\nP = Principle.ZERO_TRUST\nraise ValueError('boom')\n",
    )
    user_rule(tmp_path, "fine.py", body="yield from ()")
    catalogue = catalogue_with([tmp_path])
    assert {"X-BROKEN-001", "X-TEST-001"} <= catalogue.ids
    result = evaluate(SNAP, catalogue, Config())
    (error,) = [r for r in result.results if r.rule_id == "X-BROKEN-001"]
    assert error.status is Status.ERROR
    assert "broken.py: ValueError: boom" in error.evidence
    assert error.principle is Principle.ZERO_TRUST  # the principle its source names
    assert result.principle(Principle.ZERO_TRUST).incomplete


def test_a_rule_that_raises_is_an_error_result_not_a_crash(tmp_path: Path) -> None:
    user_rule(tmp_path, body="raise RuntimeError('user bug')")
    result = evaluate(SNAP, catalogue_with([tmp_path]), Config())
    (error,) = [r for r in result.results if r.rule_id == "X-TEST-001"]
    assert error.status is Status.ERROR
    assert "RuntimeError: user bug" in error.evidence


# ------------------------------------------------------------------ config and CLI


def test_config_rules_dirs_are_relative_to_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    user_rule(project / "checks")
    config = _write(
        project,
        ".auditor.yaml",
        "rules_dirs: [checks]\nthresholds: {}\ndisable: []\n"
        "waivers:\n  - rule: X-TEST-001\n    reason: known\n    expires: 2030-01-01\n",
    )
    monkeypatch.chdir(tmp_path)  # not the config's folder
    catalogue, loaded = load_setup(config)
    assert "X-TEST-001" in catalogue.ids
    assert loaded.waivers[0].rule == "X-TEST-001"  # a waiver may name a user rule


def test_rules_command_lists_user_rules_and_rejects_bad_ones(tmp_path: Path) -> None:
    listed = CliRunner().invoke(main, ["rules", "--rules-dir", str(EXAMPLE)])
    assert listed.exit_code == 0, listed.output
    line = next(x for x in listed.output.splitlines() if x.startswith("X-ACME-001"))
    assert line.split() == ["X-ACME-001", "low", "Defense", "In", "Depth",
                            "acme-security-groups-have-an-owner"]  # fmt: skip
    shown = CliRunner().invoke(main, ["rules", "X-ACME-002", "--rules-dir", str(EXAMPLE)])
    assert shown.exit_code == 0 and "ACME's runbooks" in shown.output
    user_rule(tmp_path, id="ZZ001")
    bad = CliRunner().invoke(main, ["rules", "--rules-dir", str(tmp_path)])
    assert bad.exit_code == 2
    assert len(bad.output.strip().splitlines()) == 1
    assert "must look like X-ACME-001" in bad.output


def test_scan_of_a_snapshot_reports_user_rules_and_broken_modules(tmp_path: Path) -> None:
    snap_path = tmp_path / "snapshot.json"
    save_snapshot(SNAP, snap_path)
    rules = tmp_path / "rules"
    for f in EXAMPLE.glob("*.py"):
        _write(rules, f.name, f.read_text())
    _write(rules, "broken.py", "import no_such_module_here\n")
    out = tmp_path / "out"
    run = CliRunner().invoke(
        main,
        ["scan", "--snapshot", str(snap_path), "--rules-dir", str(rules), "--output-dir", str(out)],
    )
    assert run.exit_code == 0, run.output
    doc = json.loads((out / "results.json").read_text())
    fails = {(r["rule_id"], r["resource_name"]) for r in doc["results"] if r["status"] == "FAIL"}
    assert {("X-ACME-001", "fail-untagged"), ("X-ACME-002", "fail-mysql")} <= fails
    md = (out / "report.md").read_text()
    assert "X-ACME-001" in md and "Security groups carry an owner tag" in md
    assert "broken.py: ModuleNotFoundError" in md  # the broken module is named
    html = (out / "report.html").read_text()
    assert "X-ACME-002" in html and "broken.py: ModuleNotFoundError" in html


def test_user_rule_findings_are_exported_like_built_in_ones() -> None:
    from auditor.export.asff import asff_findings
    from auditor.export.junit import junit_xml
    from auditor.export.sarif import sarif_log

    result = evaluate(SNAP, catalogue_with([EXAMPLE]), Config())
    sarif = sarif_log(result)["runs"][0]
    assert "X-ACME-001" in {r["id"] for r in sarif["tool"]["driver"]["rules"]}
    assert {r["partialFingerprints"]["auditorFindingId/v1"] for r in sarif["results"]} >= {
        "X-ACME-001/123456789012/us-west-2/sg-fail-untagged"
    }
    generators = {f["GeneratorId"] for f in asff_findings(result, failed_only=True)}
    assert {"auditor/X-ACME-001", "auditor/X-ACME-002"} <= generators
    assert "X-ACME-002" in junit_xml(result)
