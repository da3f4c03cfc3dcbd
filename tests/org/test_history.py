"""History: dated storage and the trend, from hand-built results (no AWS, no moto)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.engine.model import Principle, Severity, Status
from auditor.engine.results import RuleResult, ScanResult
from auditor.engine.scoring import category_scores, score_all
from auditor.errors import EXIT_OK, EXIT_USAGE, InputError
from auditor.history.render import build_history_view, chart, write_history
from auditor.history.store import store_result
from auditor.history.trend import load_history
from auditor.snapshot.base import CollectionStatus, Coverage

A = "111111111111"
B = "222222222222"


def _r(rule: str, principle: Principle, name: str, status: Status) -> RuleResult:
    return RuleResult(
        finding_id=f"{rule}:{name}",
        rule_id=rule,
        principle=principle,
        severity=Severity.HIGH,
        status=status,
        resource_id=name,
        resource_name=name,
        region="us-west-2",
        evidence="e",
    )


def _result(
    account: str, day: int, results: list[RuleResult], gaps: tuple[Coverage, ...] = ()
) -> ScanResult:
    principles = score_all(results)
    security, operations, overall = category_scores(principles)
    return ScanResult(
        tool_version="t",
        account_id=account,
        partition="aws",
        regions=("us-west-2",),
        collected_at=datetime(2026, 11, day, 6, 0, tzinfo=UTC),
        gaps=gaps,
        principles=principles,
        security=security,
        operations=operations,
        overall=overall,
        rules=(),
        results=tuple(results),
    )


OB, NI = Principle.OBSERVABILITY, Principle.NETWORK_ISOLATION
GAP = (Coverage(service="ecs", region="us-west-2", status=CollectionStatus.ACCESS_DENIED),)


def _history(root: Path) -> None:
    """Account A: good, then a cluster loses Container Insights (drop), then an incomplete run
    where it is fixed. Account B: one unchanged run pair."""
    net = _r("NI001", NI, "sg-ok", Status.PASS)
    store_result(_result(A, 1, [_r("OB001", OB, "cluster-a", Status.PASS), net]), root)
    store_result(_result(A, 8, [_r("OB001", OB, "cluster-a", Status.FAIL), net]), root)
    store_result(_result(A, 15, [_r("OB001", OB, "cluster-a", Status.PASS), net], GAP), root)
    store_result(_result(B, 1, [net]), root)
    store_result(_result(B, 8, [net]), root)


def test_store_keys_by_collected_at_and_is_idempotent(tmp_path: Path) -> None:
    result = _result(A, 3, [_r("NI001", NI, "sg", Status.PASS)])
    path = store_result(result, tmp_path)
    assert path == tmp_path / A / "2026-11-03T06-00-00Z.json"
    assert store_result(result, tmp_path) == path
    assert [p.name for p in (tmp_path / A).iterdir()] == [path.name]


def test_grade_drop_is_dated_with_the_finding_that_caused_it(tmp_path: Path) -> None:
    _history(tmp_path)
    trends = {t.account_id: t for t in load_history(tmp_path)}
    a = trends[A]
    assert [r.collected_at.day for r in a.runs] == [1, 8, 15]
    obs = [c for c in a.changes if c.subject == OB.value]
    assert [(c.date, c.before, c.after, c.dropped) for c in obs] == [
        ("2026-11-08 06:00", "A+", "F", True),
        ("2026-11-15 06:00", "F", "A+", False),
    ]
    assert [f.finding_id for f in obs[0].new] == ["OB001:cluster-a"]
    assert obs[0].fixed == ()
    assert [f.finding_id for f in obs[1].fixed] == ["OB001:cluster-a"]
    assert (obs[0].incomplete, obs[1].incomplete) == (False, True)
    # Network Isolation never changed: no change listed for it.
    assert not any(c.subject == NI.value for c in a.changes)
    assert trends[B].changes == ()


def test_chart_has_one_line_per_graded_principle_and_overall(tmp_path: Path) -> None:
    _history(tmp_path)
    a = next(t for t in load_history(tmp_path) if t.account_id == A)
    c = chart(a)
    assert [line.title for line in c.lines] == ["Network Isolation", "Observability", "Overall"]
    obs = next(line for line in c.lines if line.title == "Observability")
    ys = [y for _, y, _ in obs.dots]
    assert ys[0] == ys[2] < ys[1]  # 100% is higher on the chart (smaller y) than 0%


def test_history_command_prints_and_writes_the_trend(tmp_path: Path) -> None:
    _history(tmp_path / "h")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["history", str(tmp_path / "h"), "--output-dir", str(out)])
    assert result.exit_code == EXIT_OK, result.output
    assert "2026-11-08 06:00: Observability A+ -> F" in result.output
    assert "new: OB001 cluster-a (us-west-2)" in result.output
    assert "2026-11-15 06:00: Observability F -> A+ (incomplete run)" in result.output
    html = (out / "history.html").read_text()
    assert html.count("<svg") == 2  # one chart per account
    assert html.count("<polyline") == 3 + 2  # A: NI, OB, overall; B: NI, overall
    md = (out / "history.md").read_text()
    assert "new failing: `OB001 cluster-a (us-west-2)`" in md


def test_invalid_history_file_is_one_line_exit_2(tmp_path: Path) -> None:
    _history(tmp_path)
    (tmp_path / A / "2026-11-20T00-00-00Z.json").write_text("{not json")
    result = CliRunner().invoke(main, ["history", str(tmp_path), "--output-dir", str(tmp_path)])
    assert result.exit_code == EXIT_USAGE
    assert result.output.strip().count("\n") == 0
    assert "not a results file" in result.output
    assert not (tmp_path / "history.html").exists()


def test_empty_or_missing_history_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no results files"):
        load_history(tmp_path)
    with pytest.raises(InputError, match="not a folder"):
        load_history(tmp_path / "nope")


def test_hostile_resource_names_are_escaped(tmp_path: Path) -> None:
    evil = "<img src=x onerror=alert(1)>`|"
    store_result(_result(A, 1, [_r("OB001", OB, evil, Status.PASS)]), tmp_path)
    store_result(_result(A, 2, [_r("OB001", OB, evil, Status.FAIL)]), tmp_path)
    paths = write_history(load_history(tmp_path), tmp_path / "out")
    html = paths[0].read_text()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    md = paths[1].read_text()
    assert "``OB001 <img src=x onerror=alert(1)>`| (us-west-2)``" in md  # a code span
    assert build_history_view(load_history(tmp_path))[0].changes[0].new[0].startswith("OB001")


def test_scan_history_flag_stores_the_result(tmp_path: Path) -> None:
    from auditor.snapshot.io import save_snapshot
    from tests.rules.helpers import ACCOUNT_ID, make_snapshot

    snap = make_snapshot(collected_at=datetime(2026, 11, 5, 7, 30, tzinfo=UTC))
    save_snapshot(snap, tmp_path / "s.json")
    result = CliRunner().invoke(
        main,
        [
            "scan",
            "--snapshot",
            str(tmp_path / "s.json"),
            "--output-dir",
            str(tmp_path / "out"),
            "--history",
            str(tmp_path / "hist"),
        ],
    )
    assert result.exit_code == EXIT_OK, result.output
    # Keyed by the snapshot's collected_at, not by when the scan ran.
    stored = tmp_path / "hist" / ACCOUNT_ID / "2026-11-05T07-30-00Z.json"
    assert stored.read_text() == (tmp_path / "out" / "results.json").read_text()


def test_reviews_show_a_trend_strip_when_history_exists(tmp_path: Path) -> None:
    from auditor.snapshot.io import save_snapshot
    from tests.rules.helpers import make_snapshot

    hist = tmp_path / "hist"
    out = tmp_path / "out"
    for day, gaps in ((5, {}), (6, {"ecs": "access_denied"})):
        snap = make_snapshot(collected_at=datetime(2026, 11, day, 7, 30, tzinfo=UTC), gaps=gaps)
        save_snapshot(snap, tmp_path / f"s{day}.json")
        args = ["scan", "--snapshot", str(tmp_path / f"s{day}.json"), "--output-dir", str(out)]
        result = CliRunner().invoke(main, [*args, "--history", str(hist)])
        assert result.exit_code in (EXIT_OK, 3), result.output
    md = (out / "report.md").read_text()
    trend = next(line for line in md.splitlines() if line.startswith("Trend (overall): "))
    grade = json.loads((out / "results.json").read_text())["overall"]["grade"]
    # two runs, oldest first; the second one had a gap
    assert "2026-11-05 → " in trend and trend.endswith(f"**{grade}** 2026-11-06 (incomplete)")
    assert "Trend (overall): " in (out / "report.html").read_text()


def test_no_trend_strip_without_history(tmp_path: Path) -> None:
    from auditor.snapshot.io import save_snapshot
    from tests.rules.helpers import make_snapshot

    save_snapshot(make_snapshot(), tmp_path / "s.json")
    args = ["scan", "--snapshot", str(tmp_path / "s.json"), "--output-dir", str(tmp_path)]
    assert CliRunner().invoke(main, args).exit_code == EXIT_OK
    assert "Trend (overall)" not in (tmp_path / "report.md").read_text()
