"""``auditor demo``: the reference architecture, simulated, scanned through HTTP, reviewed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from auditor.errors import EXIT_OK, EXIT_USAGE
from auditor.render.json import load_results
from auditor.render.view import build_view
from tests.render.conftest import REPO, DemoRun

INSIGHTS = (
    "aws ecs update-cluster-settings --cluster ops-pipeline-cluster "
    "--settings name=containerInsights,value=enabled --region us-west-2"
)


@pytest.mark.e2e
def test_demo_writes_the_full_review(demo_run: DemoRun) -> None:
    run = demo_run.result
    assert run.returncode == EXIT_OK, run.stderr[-3000:]
    assert run.stdout == ""  # human output on stderr; moto's chatter silenced
    names = sorted(p.name for p in demo_run.out.iterdir())
    assert names == ["architecture.svg", "report.html", "report.md", "results.json"]
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
    assert "[Do now] ECS clusters have Container Insights enabled" in demo_run.result.stderr
    assert INSIGHTS in demo_run.result.stderr


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
