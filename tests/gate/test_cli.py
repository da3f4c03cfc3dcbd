"""The gate, baseline, diff and export commands through the real CLI (click's runner)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from auditor.cli import main
from auditor.engine.results import ScanResult
from auditor.gate.baseline import baseline_json
from auditor.render.json import load_results, results_to_json
from tests.gate.helpers import OTHER_ACCOUNT, gap, rr, scan


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _write(path: Path, result: ScanResult) -> Path:
    path.write_text(results_to_json(result), encoding="utf-8")
    return path


def _good() -> ScanResult:
    return scan(
        [
            rr("NI004", "sg-rds", "PASS", "critical"),
            rr("NI003", "sg-rds", "PASS"),
            rr("OB001", "cluster", "FAIL"),
        ]
    )


def _opened() -> ScanResult:
    return scan(
        [
            rr("NI004", "sg-rds", "FAIL", "critical", evidence="0.0.0.0/0 open on 5432"),
            rr("NI003", "sg-rds", "PASS"),
            rr("OB001", "cluster", "FAIL"),
        ]
    )


# ------------------------------------------------------------- unusable baselines


def _bad_baselines() -> dict[str, bytes]:
    good = baseline_json(_good()).encode()
    doc = json.loads(good)
    return {
        "corrupt": b"\x00\xffnot json at all",
        "truncated": good[: len(good) // 2],
        "empty": b"",
        "wrong-schema": json.dumps({**doc, "schema_version": 2}).encode(),
        "not-results": b"[1, 2, 3]",
        "invalid-field": json.dumps({**doc, "overall": {"grade": 3}}).encode(),
        "unknown-grade": json.dumps({**doc, "overall": {**doc["overall"], "grade": "Z+"}}).encode(),
        "grade-not-its-score": json.dumps(
            {**doc, "principles": [{**doc["principles"][0], "grade": "A+", "score": 40.0}]}
        ).encode(),
        "gzip": gzip.compress(good),
        "other-account": baseline_json(_good().model_copy(update={"account_id": OTHER_ACCOUNT}))
        .replace("123456789012", OTHER_ACCOUNT)
        .encode(),
    }


@pytest.mark.parametrize("case", [*sorted(_bad_baselines()), "missing"])
def test_an_unusable_baseline_is_one_line_exit_2_and_nothing_is_written(
    case: str, tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.json"
    if case != "missing":
        baseline.write_bytes(_bad_baselines()[case])
    before = baseline.read_bytes() if baseline.exists() else None
    current = _write(tmp_path / "results.json", _good())
    outputs = [tmp_path / n for n in ("pr.md", "outcome.json", "saved.json")]

    result = run(
        "gate",
        "--baseline",
        baseline,
        "--current",
        current,
        "--markdown",
        outputs[0],
        "--json",
        outputs[1],
        "--save-results",
        outputs[2],
        "--update-baseline",
    )

    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("auditor: error: ")
    if case == "other-account":
        assert "account 210987654321" in lines[0] and "--allow-account-change" in lines[0]
    else:
        assert "baseline: " in lines[0] and str(baseline) in lines[0]
    assert result.stdout == ""
    assert not any(p.exists() for p in outputs)
    assert (baseline.read_bytes() if baseline.exists() else None) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["results.json", *(["baseline.json"] if before is not None else [])]
    )


def test_a_made_up_grade_never_passes_as_an_improvement(tmp_path: Path) -> None:
    """A+ -> Z+ was "improved" once: a grade the scorer cannot give is an input error."""
    baseline = _write(tmp_path / "baseline.json", _good())
    doc = json.loads(results_to_json(_good()))
    doc["overall"]["grade"] = "Z+"
    current = tmp_path / "results.json"
    current.write_text(json.dumps(doc), encoding="utf-8")
    result = run("gate", "--baseline", baseline, "--current", current)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    assert "invalid results at overall.grade: 'Z+' is not a grade" in result.stderr


def test_another_account_is_compared_when_allowed(tmp_path: Path) -> None:
    baseline = tmp_path / "b.json"
    baseline.write_text(results_to_json(_good()).replace("123456789012", OTHER_ACCOUNT))
    current = _write(tmp_path / "c.json", _good())
    assert run("gate", "--baseline", baseline, "--current", current).exit_code == 2
    result = run("gate", "--baseline", baseline, "--current", current, "--allow-account-change")
    assert result.exit_code == 0, result.stderr


# ------------------------------------------------------------------------ gate


def test_gate_exit_codes_and_outputs(tmp_path: Path) -> None:
    baseline = _write(tmp_path / "baseline.json", _good())
    same = _write(tmp_path / "same.json", _good())
    opened = _write(tmp_path / "opened.json", _opened())
    gapped = _write(
        tmp_path / "gapped.json",
        scan(
            [
                rr("NI004", "ec2:us-west-2", "UNKNOWN", "critical"),
                rr("NI003", "ec2:us-west-2", "UNKNOWN"),
                rr("OB001", "cluster", "FAIL"),
            ],
            gaps=(gap("ec2"),),
        ),
    )

    ok = run("gate", "--baseline", baseline, "--current", same)
    assert ok.exit_code == 0, ok.stderr
    assert ok.stderr.startswith("auditor gate: PASS (exit 0)")

    failed = run(
        "gate", "--baseline", baseline, "--current", opened, "--markdown", tmp_path / "pr.md"
    )
    assert failed.exit_code == 1
    assert "Network Isolation" in failed.stderr and "dropped" in failed.stderr
    assert "new critical NI004 sg-rds (us-west-2): 0.0.0.0/0 open on 5432" in failed.stderr
    assert len(failed.stderr.splitlines()) <= 25  # one screen
    md = (tmp_path / "pr.md").read_text(encoding="utf-8")
    assert md.startswith("### ❌ auditor gate failed (exit 1)")
    assert "#### New findings (1)" in md

    incomplete = run("gate", "--baseline", baseline, "--current", gapped)
    assert incomplete.exit_code == 3, incomplete.stderr
    assert "ec2 in us-west-2 was not collected: access_denied" in incomplete.stderr
    strict = run("gate", "--baseline", baseline, "--current", gapped, "--fail-on-incomplete")
    assert strict.exit_code == 1


def test_policy_comes_from_the_config_file_and_flags_override_it(tmp_path: Path) -> None:
    baseline = _write(tmp_path / "baseline.json", _good())
    opened = _write(tmp_path / "opened.json", _opened())
    config = tmp_path / "auditor.yaml"
    config.write_text("gate:\n  fail_on_grade_drop: false\n  fail_on_new: none\n", encoding="utf-8")
    assert (
        run("gate", "--baseline", baseline, "--current", opened, "--config", config).exit_code == 0
    )
    overridden = run(
        "gate",
        "--baseline",
        baseline,
        "--current",
        opened,
        "--config",
        config,
        "--fail-on-new",
        "critical",
    )
    assert overridden.exit_code == 1
    assert "Why it failed:" in overridden.stderr and "grade dropped" not in overridden.stderr

    config.write_text("gate:\n  min_grade: {overall: A}\n", encoding="utf-8")
    floor = run("gate", "--baseline", baseline, "--current", baseline, "--config", config)
    assert floor.exit_code == 1 and "below the floor A" in floor.stderr
    lowered = run(
        "gate",
        "--baseline",
        baseline,
        "--current",
        baseline,
        "--config",
        config,
        "--min-grade",
        "overall=F",
    )
    assert lowered.exit_code == 0, lowered.stderr


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("gate:\n  fail_on_new: severe\n", "unknown severity 'severe'"),
        ("gate:\n  min_grade: {networking: A}\n", "unknown grade subject 'networking'"),
        ("gate:\n  min_grade: Z\n", "unknown grade 'Z'"),
        ("gate:\n  max_score_drop: -1\n", "max_score_drop"),
        ("gate:\n  fail_on_anything: true\n", "fail_on_anything"),
    ],
)
def test_a_bad_gate_policy_in_the_config_is_one_line_exit_2(
    config: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "auditor.yaml"
    path.write_text(config, encoding="utf-8")
    results = _write(tmp_path / "r.json", _good())
    result = run("gate", "--baseline", results, "--current", results, "--config", path)
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr


def test_bad_flags_are_usage_errors(tmp_path: Path) -> None:
    results = _write(tmp_path / "r.json", _good())
    for args in (
        ["--min-grade", "Q"],
        ["--min-grade", "networking=A"],
        ["--fail-on-new", "severe"],
        ["--max-score-drop", "-3"],
    ):
        result = run("gate", "--baseline", results, "--current", results, *args)
        assert result.exit_code == 2, args
    combined = run("gate", "--baseline", results, "--current", results, "--region", "eu-west-1")
    assert combined.exit_code == 2
    assert combined.stderr.strip() == (
        "auditor: error: --region is a scan option: it cannot be combined with "
        "--current or --snapshot"
    )


def test_update_baseline_ratchets_only_when_the_gate_passes(tmp_path: Path) -> None:
    baseline = _write(tmp_path / "baseline.json", _opened())
    improved = _write(tmp_path / "improved.json", _good())
    result = run("gate", "--baseline", baseline, "--current", improved, "--update-baseline")
    assert result.exit_code == 0
    assert baseline.read_text(encoding="utf-8") == baseline_json(_good())

    worse = _write(tmp_path / "worse.json", _opened())
    result = run("gate", "--baseline", baseline, "--current", worse, "--update-baseline")
    assert result.exit_code == 1
    assert "baseline left unchanged" in result.stderr
    assert baseline.read_text(encoding="utf-8") == baseline_json(_good())


def test_gate_evaluates_a_snapshot_with_the_real_catalogue(tmp_path: Path) -> None:
    from auditor.snapshot.io import save_snapshot
    from tests.rules.helpers import make_snapshot

    snapshot = tmp_path / "snapshot.json"
    save_snapshot(make_snapshot(), snapshot)
    baseline = tmp_path / "baseline.json"
    assert run("baseline", "--snapshot", snapshot, "-o", baseline).exit_code == 0
    result = run("gate", "--baseline", baseline, "--snapshot", snapshot)
    assert result.exit_code == 0, result.stderr


# -------------------------------------------------------------------- baseline


def test_baseline_is_slim_sorted_and_deterministic(tmp_path: Path) -> None:
    current = _write(tmp_path / "results.json", _opened())
    first, second = tmp_path / "b1.json", tmp_path / "b2.json"
    assert run("baseline", "--current", current, "-o", first).exit_code == 0
    assert run("baseline", "--current", current, "-o", second).exit_code == 0
    assert first.read_bytes() == second.read_bytes()

    loaded = load_results(first)
    assert [r.status.value for r in loaded.results] == ["FAIL", "FAIL"]  # PASS left out
    assert [r.finding_id for r in loaded.results] == sorted(r.finding_id for r in loaded.results)
    assert {r.rationale for r in loaded.rules} == {""}
    assert loaded.overall == _opened().overall  # the grades are kept as computed


def test_baseline_of_an_incomplete_result_is_written_and_exits_3(tmp_path: Path) -> None:
    current = _write(
        tmp_path / "results.json", scan([rr("OB001", "c", "FAIL")], gaps=(gap("ec2"),))
    )
    out = tmp_path / "baseline.json"
    result = run("baseline", "--current", current, "-o", out)
    assert result.exit_code == 3
    assert "auditor: gap: ec2 in us-west-2: access_denied" in result.stderr
    assert out.is_file()


# ------------------------------------------------------------------------ diff


def test_diff_formats(tmp_path: Path) -> None:
    old = _write(tmp_path / "old.json", _good())
    new = _write(tmp_path / "new.json", _opened())

    text = run("diff", old, new)
    assert text.exit_code == 0
    assert "New (1):" in text.stdout and "NI004 sg-rds" in text.stdout

    md = run("diff", old, new, "--format", "md")
    assert md.stdout.startswith("### auditor diff\n")
    assert "#### New findings (1)" in md.stdout

    out = tmp_path / "diff.json"
    assert run("diff", old, new, "--format", "json", "-o", out).exit_code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [f["rule_id"] for f in doc["new"]] == ["NI004"]
    assert [f["rule_id"] for f in doc["still_failing"]] == ["OB001"]

    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    bad = run("diff", old, broken)
    assert bad.exit_code == 2 and len(bad.stderr.splitlines()) == 1
