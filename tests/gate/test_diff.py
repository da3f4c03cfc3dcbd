"""diff(): every failing finding in exactly one bucket; renderings escape hostile names."""

from __future__ import annotations

import io
import json
import re

from rich.console import Console

from auditor.engine.model import Status
from auditor.gate import FindingChange, GatePolicy, compare, diff
from auditor.gate.report import diff_json, diff_markdown, print_diff, print_outcome
from tests.gate.helpers import REGION, gap, rr, scan

HOSTILE = "[red]x[/red] | `rm -rf` <img src=x onerror=alert(1)> **b** _i_"


def _ids(items: tuple[FindingChange, ...]) -> list[str]:
    return [f.resource_id for f in items]


def test_every_failing_finding_lands_in_exactly_one_bucket() -> None:
    old = scan(
        [
            rr("NI003", "still", "FAIL"),
            rr("NI003", "fixed", "FAIL"),
            rr("NI003", "gone", "FAIL"),
            rr("NI003", "was-pass", "PASS"),
            rr("SM001", "unknown-now", "FAIL", "medium"),
            rr("SM002", "waived-now", "FAIL", "medium"),
            rr("OB001", "was-unknown", "UNKNOWN"),
        ]
    )
    new = scan(
        [
            rr("NI003", "still", "FAIL"),
            rr("NI003", "fixed", "PASS"),
            rr("NI003", "was-pass", "FAIL"),
            rr("NI003", "brand-new", "FAIL"),
            rr("SM001", f"secretsmanager:{REGION}", "UNKNOWN", "medium"),
            rr("SM002", "waived-now", "FAIL", "medium", waived="rotated by hand"),
            rr("OB001", "was-unknown", "FAIL"),
        ],
        gaps=(gap("secretsmanager"),),
    )

    d = diff(old, new)

    assert _ids(d.new) == ["brand-new", "was-pass", "was-unknown"]  # severity, rule, resource
    assert [f.note for f in d.new] == ["", "", "not evaluated before"]
    assert _ids(d.fixed) == ["fixed", "gone"]
    assert [(f.after, f.note) for f in d.fixed] == [(Status.PASS, ""), (None, "resource gone")]
    assert _ids(d.still_failing) == ["still"]
    assert _ids(d.unverified) == ["unknown-now"]
    assert d.unverified[0].note == "rule could not evaluate it (gap or error)"
    (waiver,) = d.waivers
    assert (waiver.resource_id, waiver.before, waiver.status) == ("waived-now", None, Status.FAIL)
    assert waiver.after is not None and waiver.after.reason == "rotated by hand"
    assert [(g.service, g.region) for g in d.new_gaps] == [("secretsmanager", REGION)]
    assert d.closed_gaps == ()


def test_grades_are_listed_overall_first_then_each_principle() -> None:
    d = diff(scan([rr("NI003", "a", "PASS")]), scan([rr("NI003", "a", "FAIL")]))
    assert [g.subject for g in d.grades][:4] == [
        "overall",
        "security",
        "operations",
        "least_privilege",
    ]
    ni = d.grade("network_isolation")
    assert (ni.before, ni.after, ni.score_delta, ni.dropped) == ("A+", "F", -100.0, True)
    ops = d.grade("operations")
    assert (ops.before, ops.after, ops.comparable, ops.changed) == ("N/A", "N/A", False, False)


def test_markdown_escapes_aws_strings_and_reads_as_a_pr_comment() -> None:
    old = scan([rr("NI003", "sg-1", "PASS", name=HOSTILE)])
    new = scan([rr("NI003", "sg-1", "FAIL", name=HOSTILE, evidence=f"port 22 open | {HOSTILE}")])
    outcome = compare(old, new, GatePolicy())

    md = diff_markdown(outcome.diff, outcome)

    assert md.startswith("### ❌ auditor gate failed (exit 1)\n")
    assert "#### New findings (1)" in md
    for raw in ("[red]", "`rm", "<img", "**b**", "_i_", "| `"):
        assert not re.search(r"(?<!\\)" + re.escape(raw), md), raw
    assert r"\[red\]x\[/red\] \| \`rm -rf\` &lt;img src=x onerror=alert\(1\)&gt;" in md
    # every table row keeps its column count: no unescaped pipe slipped in
    rows = [line for line in md.splitlines() if line.startswith("| high ")]
    assert len(rows) == 1
    assert rows[0].replace("\\|", "").count("|") == 7  # 6 columns with the fix


def test_terminal_output_prints_aws_strings_literally() -> None:
    old = scan([rr("NI003", "sg-1", "PASS", name=HOSTILE)])
    new = scan([rr("NI003", "sg-1", "FAIL", name=HOSTILE)])
    outcome = compare(old, new, GatePolicy())
    for render in (
        lambda c: print_outcome(outcome, c),
        lambda c: print_diff(outcome.diff, c),
    ):
        buffer = io.StringIO()
        render(Console(file=buffer, width=400, no_color=True))
        assert "[red]x[/red]" in buffer.getvalue()


def test_outcome_json_is_stable_and_complete() -> None:
    old = scan([rr("NI003", "sg-1", "PASS")])
    new = scan([rr("NI003", "sg-1", "FAIL")])
    outcome = compare(old, new, GatePolicy())
    doc = json.loads(diff_json(outcome.diff, outcome))
    assert (doc["exit_code"], doc["verdict"]) == (1, "fail")
    assert [f["resource_id"] for f in doc["diff"]["new"]] == ["sg-1"]
    assert diff_json(outcome.diff, outcome) == diff_json(outcome.diff, outcome)
    assert json.loads(diff_json(outcome.diff))["new"] == doc["diff"]["new"]
