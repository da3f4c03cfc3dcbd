"""``auditor demo``: the reference architecture, simulated, scanned through HTTP, reviewed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from auditor.errors import EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE
from auditor.render.json import load_results
from auditor.render.view import build_view
from tests.render.conftest import REPO, DemoRun

INSIGHTS = (
    "aws ecs update-cluster --cluster ops-pipeline-cluster "
    "--settings name=containerInsights,value=enabled --region us-west-2"
)


@pytest.mark.e2e
def test_demo_writes_the_full_review(demo_run: DemoRun) -> None:
    run = demo_run.result
    assert run.returncode == EXIT_OK, run.stderr[-3000:]
    assert run.stdout == ""  # human output on stderr; moto's chatter silenced
    names = sorted(p.name for p in demo_run.out.iterdir())
    assert names == ["fixes", "report.html", "report.md", "results.json", "snapshot.json.gz"]
    # the files the reference's fixes read: the dashboard (OB002), the three saved
    # queries the review asks for (OB006: errors, slowest requests, task restarts), the
    # Config recorder's bucket policy (AL010) and, since a GitHub Actions role exists
    # already, only the deploy workflow (DA001)
    assert sorted(p.name for p in (demo_run.out / "fixes").iterdir()) == [
        "config-bucket-policy-us-west-2.json",
        "dashboard-operations.json",
        "github-deploy.yml",
        "query-errors.json",
        "query-slowest-requests.json",
        "query-task-restarts.json",
    ]
    assert f"open the review: {(demo_run.out / 'report.html').resolve().as_uri()}" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.e2e
def test_first_do_now_is_container_insights_like_the_expert(demo_run: DemoRun) -> None:
    assert demo_run.result.returncode == EXIT_OK, demo_run.result.stderr[-3000:]
    result = load_results(demo_run.out / "results.json")
    view = build_view(result)
    now = view.tiers[0]
    assert now.key == "now"
    first = now.items[0]
    assert (first.rule_id, first.resources, first.commands) == (
        "OB001",
        ("ops-pipeline-cluster",),
        (INSIGHTS,),
    )
    assert (first.effort, first.cost) == ("5 min", "$0")
    # the review's security verdict: the six security principles grade well
    security = {p.title: p.grade.grade for p in view.principles if p.category == "security"}
    assert security["Network Isolation"] == "A+"
    assert security["Least Privilege"].startswith("A")
    # the same first step in all three outputs
    assert INSIGHTS in (demo_run.out / "report.md").read_text(encoding="utf-8")
    assert INSIGHTS in (demo_run.out / "report.html").read_text(encoding="utf-8")
    assert "[Do now] Enable Container Insights on ops-pipeline-cluster" in demo_run.result.stderr
    assert "OB001 ECS clusters have Container Insights enabled: fails" in demo_run.result.stderr
    assert INSIGHTS in demo_run.result.stderr


@pytest.mark.e2e
def test_demo_snapshot_scans_offline_to_the_same_grades(demo_run: DemoRun, tmp_path: Path) -> None:
    """The README's next step after the demo: ``auditor scan --snapshot`` on its snapshot."""
    assert demo_run.result.returncode == EXIT_OK, demo_run.result.stderr[-3000:]
    out, snap = str(tmp_path / "offline"), str(demo_run.out / "snapshot.json.gz")
    run = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "--snapshot", snap, "--output-dir", out],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == EXIT_INCOMPLETE, run.stderr[-3000:]  # the simulator's gaps
    demo = load_results(demo_run.out / "results.json")
    offline = load_results(Path(out) / "results.json")
    assert [(p.principle, p.grade) for p in offline.principles] == [
        (p.principle, p.grade) for p in demo.principles
    ]
    assert offline.overall == demo.overall


@pytest.mark.e2e
def test_an_api_the_simulator_lacks_is_a_gap_not_a_request(demo_run: DemoRun) -> None:
    """Nobody asked to leave Access Analyzer out: moto does not implement it, so it is a gap."""
    assert demo_run.result.returncode == EXIT_OK, demo_run.result.stderr[-3000:]
    result = load_results(demo_run.out / "results.json")
    analyzer = [g for g in result.gaps if g.service == "accessanalyzer"]
    assert [(g.status.value, g.error_code, g.requested) for g in analyzer] == [
        ("error", "NotImplemented", True)
    ]
    assert "does not implement the accessanalyzer API" in analyzer[0].message
    view = build_view(result)
    assert "accessanalyzer" in {g.service for g in view.headline.gaps}
    assert view.headline.not_scanned == ()
    md = (demo_run.out / "report.md").read_text(encoding="utf-8")
    html = (demo_run.out / "report.html").read_text(encoding="utf-8")
    assert "left out on request" not in md and "left out on request" not in html
    assert "does not implement the accessanalyzer API" in md


def test_demo_without_moto_says_how_to_install_it() -> None:
    code = (
        "import sys; sys.modules['moto'] = None\n"
        "from auditor.cli import main\n"
        "main(['demo', '--output-dir', 'never-written'], prog_name='auditor')\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == EXIT_USAGE
    assert run.stderr == "auditor: error: auditor demo needs moto: pip install 'auditor[demo]'\n"
    assert not (REPO / "never-written").exists()
