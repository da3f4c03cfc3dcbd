"""Per-control compliance status, the score, the ``compliance`` command and the review section."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.engine.compliance import ControlStatus, assess
from auditor.engine.frameworks import get_framework
from auditor.engine.model import Status
from auditor.engine.results import RuleInfo
from auditor.render.json import write_results
from auditor.render.markdown import md_cell, render_markdown
from auditor.render.view import build_view
from tests.render.factories import info, result_of, rr

CIS = get_framework("cis-5.0")


def _rule(rule_id: str, *cis: str, fsbp: tuple[str, ...] = ()) -> RuleInfo:
    frameworks = {"cis": tuple(cis)} if cis else {}
    if fsbp:
        frameworks["fsbp"] = fsbp
    return info(rule_id).model_copy(update={"frameworks": frameworks})


# Hand-made: LP001 decides 1.3 and fails; LP002 decides 1.4 and passes; AL011 decides
# 1.19 and is unknown (a gap); DD001 decides 2.2.1 and has no resource; NI003 decides
# 5.3 and 5.4 with one waived FAIL only.
LP001 = _rule("LP001", "1.3", fsbp=("IAM.4",))
LP002 = _rule("LP002", "1.4")
AL011 = _rule("AL011", "1.19")
DD001 = _rule("DD001", "2.2.1")
NI003 = _rule("NI003", "5.3", "5.4")
RESULT = result_of(
    [LP001, LP002, AL011, DD001, NI003],
    [
        rr(LP001, "fail-root-keys", Status.FAIL),
        rr(LP001, "pass-other", Status.PASS),
        rr(LP002, "pass-root", Status.PASS),
        rr(AL011, "accessanalyzer:us-east-1", Status.UNKNOWN),
        rr(NI003, "waived-sg", Status.FAIL, waived=True),
    ],
)


def test_each_control_gets_the_status_its_rules_give() -> None:
    report = assess(RESULT, CIS)
    status = {c.control.id: c.status for c in report.controls}
    assert status["1.3"] is ControlStatus.FAIL
    assert status["1.4"] is ControlStatus.PASS
    assert status["1.19"] is ControlStatus.UNKNOWN
    assert status["2.2.1"] is ControlStatus.NO_DATA
    assert status["5.3"] is ControlStatus.PASS  # the only FAIL is waived: accepted risk
    assert status["5.4"] is ControlStatus.PASS
    # Decided by no rule of this result: never passing.
    assert status["3.7"] is ControlStatus.NOT_COVERED  # automated in the benchmark
    assert status["1.1"] is ControlStatus.MANUAL  # manual in the benchmark
    assert status["4.1"] is ControlStatus.MANUAL  # manual, and AL012 is not in this result
    failing = next(c for c in report.controls if c.control.id == "1.3")
    assert [r.resource_name for r in failing.failing] == ["fail-root-keys"]
    assert failing.fixes == (("LP001", "Fix LP001 with `a command`."),)
    waived = next(c for c in report.controls if c.control.id == "5.3")
    assert waived.waived == 1 and not waived.failing


def test_score_is_passed_over_passed_plus_failed() -> None:
    report = assess(RESULT, CIS)
    # pass: 1.4, 5.3, 5.4; fail: 1.3 -> 3 / 4.
    assert (report.passed, report.failed) == (3, 1)
    assert report.score == 75.0
    assert sum(report.counts.values()) == len(CIS.controls)


def test_score_is_none_when_no_control_has_a_verdict() -> None:
    report = assess(result_of([], []), CIS)
    assert report.score is None
    assert report.counts[ControlStatus.PASS] == 0
    assert report.counts[ControlStatus.MANUAL] + report.counts[ControlStatus.NOT_COVERED] == len(
        CIS.controls
    )


def test_section_totals_add_up_per_section() -> None:
    report = assess(RESULT, CIS)
    by_id = {s.id: s for s in report.sections}
    assert list(by_id) == ["1", "2", "3", "4", "5"]
    one = by_id["1"]
    assert one.counts[ControlStatus.FAIL] == 1
    assert one.counts[ControlStatus.PASS] == 1
    assert one.counts[ControlStatus.UNKNOWN] == 1
    assert one.total == sum(1 for c in CIS.controls if c.section == "1")


def test_fsbp_uses_the_fsbp_ids_of_the_same_rules() -> None:
    report = assess(RESULT, get_framework("fsbp"))
    status = {c.control.id: c.status for c in report.controls}
    assert status["IAM.4"] is ControlStatus.FAIL
    assert status["IAM.9"] is ControlStatus.NOT_COVERED  # LP002 here names no fsbp id
    assert "1.3" not in status


# ------------------------------------------------------------------ the command


@pytest.fixture
def results_file(tmp_path: Path) -> Path:
    path = tmp_path / "results.json"
    write_results(RESULT, path)
    return path


def test_compliance_command_prints_section_totals_and_failures(results_file: Path) -> None:
    out = CliRunner().invoke(main, ["compliance", "--framework", "cis-5.0", str(results_file)])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0].startswith("CIS AWS Foundations Benchmark v5.0.0: account ")
    assert lines[1].startswith("Score: 75% (3 of 4 controls with a verdict pass;")
    header = next(line for line in lines if line.startswith("Section"))
    assert header.split() == [
        "Section", "fail", "unknown", "pass", "no", "data", "not", "covered", "manual", "total",
    ]  # fmt: skip
    total = next(line for line in lines if line.startswith("Total"))
    assert total.split()[-1] == str(len(CIS.controls))
    assert any(line.startswith("1 Identity and Access Management") for line in lines)
    assert "FAIL     1.3  The root user has no access keys  [LP001]" in lines
    assert any("fail-root-keys" in line for line in lines)
    assert any(line.strip().startswith("fix: aws fix lp001") for line in lines)


def test_compliance_command_json_and_out_file(results_file: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "cis.json"
    run = CliRunner().invoke(
        main, ["compliance", "--framework", "fsbp", "--format", "json", "-o", str(out_file),
               str(results_file)],
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    doc = json.loads(out_file.read_text())
    assert doc["framework"] == "fsbp"
    iam4 = next(c for c in doc["controls"] if c["id"] == "IAM.4")
    assert iam4["status"] == "fail"
    assert iam4["failing"][0]["resource"] == "fail-root-keys"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--framework", "cis-9.9"], "Invalid value for '--framework'"),
        ([], "results"),
    ],
)
def test_compliance_bad_input_is_one_line_exit_2(
    args: list[str], message: str, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.json"
    run = CliRunner().invoke(main, ["compliance", *args, str(missing)])
    assert run.exit_code == 2
    assert message in run.output
    assert "Traceback" not in run.output


def test_compliance_on_a_corrupt_results_file_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "results.json"
    bad.write_text("{not json")
    out_file = tmp_path / "out.txt"
    run = CliRunner().invoke(main, ["compliance", "-o", str(out_file), str(bad)])
    assert run.exit_code == 2
    assert len(run.output.strip().splitlines()) == 1
    assert not out_file.exists()


# ------------------------------------------------------------------ the review


def test_markdown_review_has_the_compliance_section_escaped() -> None:
    hostile = rr(LP001, "evil|name<script>`x`", Status.FAIL)
    result = result_of([LP001], [hostile])
    md = render_markdown(build_view(result))
    section = md[md.index("## Compliance") : md.index("## Coverage")]
    assert "### CIS AWS Foundations Benchmark v5.0.0: 0%" in section
    assert "### AWS Foundational Security Best Practices v1.0.0: 0%" in section
    assert "| 1 Identity and Access Management |" in section
    assert "FAIL · 1.3 · The root user has no access keys (LP001)" in section
    # the hostile name only ever appears as a table-safe code span
    name, evidence = md_cell("evil|name<script>`x`"), md_cell("evil|name<script>`x` is fail")
    assert section.count("<script>") == section.count(name) + section.count(evidence)
    assert f"| {md_cell('evil|name<script>`x`')} | `us-west-2` |" in section


def test_html_review_has_the_compliance_section_escaped() -> None:
    from auditor.render.html import render_html

    hostile = rr(LP001, "<img src=x onerror=alert(1)>", Status.FAIL)
    html = render_html(build_view(result_of([LP001], [hostile])))
    section = html[html.index('<section id="compliance">') : html.index('<section id="coverage">')]
    assert 'id="fw-cis-5.0"' in section and 'id="fw-fsbp"' in section
    assert "<img" not in section
    assert "&lt;img src=x onerror=alert(1)&gt;" in section
    assert "passed controls / (passed + failed controls)" in section
