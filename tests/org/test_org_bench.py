"""The organization benchmark still runs end to end (one small member)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("org_bench", REPO / "bench" / "org_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["org_bench"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_org_bench_scans_an_organization_and_reports_no_lost_account(tmp_path: Path) -> None:
    bench = _load()
    env_before = dict(os.environ)
    results = tmp_path / "org.md"
    assert bench.main(["--sizes", "2", "--scenario", "small", "--results", str(results)]) == 0
    assert dict(os.environ) == env_before, "the benchmark leaked its environment"
    row = next(line for line in results.read_text().splitlines() if line.startswith("| 2 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    finished, gaps, lost, exit_code = cells[-4:]
    assert (finished, gaps, lost, exit_code) == ("2", "0", "0", "0")
    assert int(cells[6]) > 0  # API calls were counted from the CLI's per-account lines


def test_org_bench_rejects_bad_sizes() -> None:
    with pytest.raises(SystemExit) as exc:
        _load().main(["--sizes", "two"])
    assert exc.value.code == 2
