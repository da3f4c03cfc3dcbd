"""The SNS message and the EMF documents, on results built by hand (no AWS)."""

from __future__ import annotations

import pytest

from auditor.engine.model import Severity, Status
from auditor.gate.compare import compare
from auditor.gate.policy import GatePolicy
from auditor.lambda_handler import notify
from auditor.lambda_handler.metrics import emf_documents, emf_lines
from tests.gate.helpers import ACCOUNT, rr, scan
from tests.lambda_handler.helpers import check_emf

KEYS = {
    "report.html": "history/2025/03/03/060000Z/report.html",
    "report.md": "history/2025/03/03/060000Z/report.md",
    "results.json": "history/2025/03/03/060000Z/results.json",
}


def _regression() -> object:
    baseline = scan(
        [rr("NI004", "sg-1", Status.PASS, Severity.CRITICAL), rr("LP003", "r1", "PASS")]
    )
    current = scan(
        [
            rr(
                "NI004", "sg-1", Status.FAIL, Severity.CRITICAL, evidence="5432 open to <0.0.0.0/0>"
            ),
            rr("LP003", "r1", Status.FAIL, Severity.CRITICAL),
        ]
    )
    return compare(baseline, current, GatePolicy())


def test_subject_names_the_grade_changes_in_ascii_within_100_characters() -> None:
    outcome = _regression()
    subject = notify.subject(outcome)  # type: ignore[arg-type]
    assert subject.startswith(
        f"auditor {ACCOUNT}: overall A+ -> F, 2 new findings; Least Privilege A+ -> F; Netw"
    ), subject
    assert len(subject) <= 100 and subject.isascii()


def test_a_long_subject_is_cut_with_an_ellipsis() -> None:
    results_before = [rr(f"{p}001", "x", Status.PASS) for p in ("LP", "DD", "ZT", "SM", "AL", "NI")]
    results_after = [
        rr(f"{p}001", "x", Status.FAIL, Severity.CRITICAL)
        for p in ("LP", "DD", "ZT", "SM", "AL", "NI")
    ]
    outcome = compare(scan(results_before), scan(results_after), GatePolicy())
    subject = notify.subject(outcome)
    assert len(subject) <= 100 and subject.endswith("...")
    assert subject.startswith(f"auditor {ACCOUNT}: overall A+ -> F, 6 new findings; ")


def test_body_says_where_the_reports_are_and_carries_the_escaped_diff() -> None:
    body = notify.body(
        _regression(),  # type: ignore[arg-type]
        bucket="reports",
        keys=KEYS,
        region="eu-west-1",
        baseline_key="latest/results.json",
    )
    assert f"HTML report: s3://reports/{KEYS['report.html']}" in body
    assert "region=eu-west-1" in body and "prefix=history%2F2025%2F03%2F03" in body
    assert "Baseline: s3://reports/latest/results.json" in body
    assert "New findings (2)" in body
    assert "<0.0.0.0/0>" not in body  # escaped by the gate's Markdown renderer


def test_body_is_cut_to_fit_an_sns_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notify, "BODY_MAX_BYTES", 600)
    body = notify.body(
        _regression(),  # type: ignore[arg-type]
        bucket="reports",
        keys=KEYS,
        region="eu-west-1",
        baseline_key="latest/results.json",
    )
    assert len(body.encode("utf-8")) <= 600
    assert body.endswith("see the diff and reports in S3]\n")


def test_emf_documents_skip_ungraded_principles_and_count_unwaived_failures() -> None:
    result = scan(
        [
            rr("NI004", "sg-1", Status.FAIL, Severity.CRITICAL),
            rr("NI003", "sg-2", Status.FAIL, Severity.HIGH, waived="accepted"),
            rr("LP003", "r1", Status.PASS, Severity.CRITICAL),
            rr("OB001", "c1", Status.FAIL, Severity.LOW),
        ]
    )
    docs = emf_documents(
        result,
        namespace="Auditor",
        timestamp_ms=1_741_000_000_000,
        scan_seconds=12.3456,
        incomplete=False,
        regression=None,
    )
    for doc in docs:
        check_emf(doc)
    totals = docs[0]
    assert totals["Findings"] == 2 and totals["Incomplete"] == 0 and totals["ScanSeconds"] == 12.346
    assert "Regression" not in totals
    principles = {d["Principle"] for d in docs if "Principle" in d}
    assert principles == {"network_isolation", "least_privilege", "observability"}
    severities = {d["Severity"]: d["Findings"] for d in docs if "Severity" in d}
    assert severities == {"critical": 1, "high": 0, "medium": 0, "low": 1}
    lines = emf_lines(docs)
    assert len(lines) == len(docs) and all("\n" not in line for line in lines)
