"""The collection benchmark still runs end to end (tiny sizes, one service)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]


def _load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "collect_bench", REPO / "bench" / "collect_bench.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["collect_bench"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_bench_seeds_collects_and_writes_a_markdown_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = _load_bench()
    env_before = dict(os.environ)
    results = tmp_path / "collect.md"

    code = bench.main(["--sizes", "2,3", "--services", "ecs", "--results", str(results)])

    assert code == 0
    assert dict(os.environ) == env_before, "the benchmark leaked its environment"
    text = results.read_text()
    assert capsys.readouterr().out.strip() == text.strip()  # the report also goes to stdout
    assert "| N | seed (s) | collect wall (s)" in text
    summary = [line for line in text.splitlines() if line.startswith(("| 2 |", "| 3 |"))]
    assert len(summary) == 2
    assert all(line.split("|")[-2].strip() == "0" for line in summary), summary  # exit 0
    assert "| ecs | ListClusters |" in text
    assert "| ecs | DescribeTaskDefinition |" in text
    assert "| ecs.task_definitions | 2 | 3 |" in text


def test_bench_rejects_bad_sizes() -> None:
    bench = _load_bench()
    with pytest.raises(SystemExit) as exc:
        bench.main(["--sizes", "two"])
    assert exc.value.code == 2
