"""``auditor report``: re-render a saved results.json without scanning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from auditor.cli import main
from auditor.errors import EXIT_OK, EXIT_USAGE
from auditor.render.json import write_results
from tests.render.synthetic import synthetic_result


def _invoke(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def results_file(tmp_path: Path) -> Path:
    path = tmp_path / "scan" / "results.json"
    write_results(synthetic_result(600), path)
    return path


def test_report_renders_both_formats_beside_the_results(results_file: Path) -> None:
    run = _invoke("report", results_file)
    assert run.exit_code == EXIT_OK, run.stderr
    folder = results_file.parent
    html = (folder / "report.html").read_text(encoding="utf-8")
    md = (folder / "report.md").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Recommendations by priority" in html
    assert md.startswith("# Architecture review")
    assert "Overall " in run.stderr and f"report.html -> {folder / 'report.html'}" in run.stderr
    assert run.stdout == ""


def test_report_format_and_output_dir(results_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere"
    run = _invoke("report", results_file, "--output-dir", out, "--format", "md", "-q")
    assert run.exit_code == EXIT_OK, run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["report.md"]
    assert "Overall " not in run.stderr


def test_unknown_format_is_a_usage_error(results_file: Path) -> None:
    run = _invoke("report", results_file, "--format", "html,pdf")
    assert run.exit_code == EXIT_USAGE
    assert "unknown format(s) pdf" in run.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not a results file (invalid JSON"),
        (b'{"schema_version": 1, "principles": [], "results": 3}', "invalid results at"),
        (b'{"schema_version": 9, "principles": []}', "unsupported results schema_version 9"),
        (b"\xff\xfe\x00", "not a results file"),
    ],
)
def test_corrupt_results_give_one_line_exit_2_and_no_file(
    tmp_path: Path, content: bytes, message: str
) -> None:
    bad = tmp_path / "results.json"
    bad.write_bytes(content)
    (tmp_path / "report.md").write_text("previous report\n")
    run = _invoke("report", bad)
    assert run.exit_code == EXIT_USAGE
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("auditor: error: ")
    assert message in run.stderr
    assert not (tmp_path / "report.html").exists()
    assert (tmp_path / "report.md").read_text() == "previous report\n"  # untouched


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("grade", "Z+", "principles.0.grade: 'Z+' is not a grade (A+, A, A-"),
        ("grade", "A+", "does not match score"),
        ("score", 140.0, "principles.0.score: 140.0 is not between 0 and 100"),
    ],
)
def test_a_grade_the_scorer_cannot_give_is_exit_2(
    results_file: Path, field: str, value: object, message: str
) -> None:
    doc = json.loads(results_file.read_text(encoding="utf-8"))
    doc["principles"][0][field] = value
    if value == "A+":
        doc["principles"][0]["score"] = 12.5
    results_file.write_text(json.dumps(doc), encoding="utf-8")
    run = _invoke("report", results_file, "-q")
    assert run.exit_code == EXIT_USAGE
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("auditor: error: ")
    assert message in run.stderr
    assert not (results_file.parent / "report.html").exists()


def test_missing_results_file(tmp_path: Path) -> None:
    run = _invoke("report", tmp_path / "nope.json")
    assert run.exit_code == EXIT_USAGE
    assert "cannot read results" in run.stderr


def test_a_failing_render_writes_nothing(
    results_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import auditor.render.markdown as markdown

    def boom(*_: object, **__: object) -> str:
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(markdown, "render_markdown", boom)
    with pytest.raises(RuntimeError):
        _invoke("report", results_file)
    # html was rendered first but nothing is written before every format rendered
    assert sorted(p.name for p in results_file.parent.iterdir()) == ["results.json"]


def _snapshot_file(tmp_path: Path) -> Path:
    from auditor.snapshot.ecs import EcsCluster, EcsSection
    from auditor.snapshot.io import save_snapshot
    from tests.rules.helpers import REGION, make_snapshot

    cluster = EcsCluster(
        arn=f"arn:aws:ecs:{REGION}:123456789012:cluster/prod",
        name="prod",
        region=REGION,
        status="ACTIVE",
        container_insights="disabled",
    )
    path = tmp_path / "snapshot.json"
    save_snapshot(make_snapshot(ecs=EcsSection(clusters=(cluster,))), path)
    return path


def test_scan_writes_results_and_both_reports(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = _invoke("scan", "--snapshot", _snapshot_file(tmp_path), "--output-dir", out)
    assert run.exit_code == EXIT_OK, run.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "fixes",
        "report.html",
        "report.md",
        "results.json",
    ]
    assert "--cluster prod --settings name=containerInsights" in (out / "report.md").read_text()
    # an account with no Config recorder, dashboard or pipeline: the files those fixes read
    assert sorted(p.name for p in (out / "fixes").iterdir()) == [
        "config-bucket-policy-us-west-2.json",
        "dashboard-operations.json",
        "github-deploy-policy.json",
        "github-deploy-trust.json",
        "github-deploy.yml",
    ]
    assert f"report.html -> {out / 'report.html'}" in run.stderr


def test_scan_format_chooses_the_reports(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = _invoke(
        "scan", "--snapshot", _snapshot_file(tmp_path), "--output-dir", out, "--format", "html"
    )
    assert run.exit_code == EXIT_OK, run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["fixes", "report.html", "results.json"]
