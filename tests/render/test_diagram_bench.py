"""The diagram benchmark still runs end to end (tiny sizes, one run each)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


def _load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "diagram_bench", REPO / "bench" / "diagram_bench.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["diagram_bench"] = module
    spec.loader.exec_module(module)
    return module


def test_bench_measures_each_size(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load_bench()
    assert bench.main(["--sizes", "3,30", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert [row.split(" | ")[0] for row in rows] == ["| 3", "| 30"]
    cells = rows[1].strip("| ").split(" | ")
    assert cells[1] == "30" and int(cells[3]) == 1  # 30 workloads, one SSH bastion exposed


def test_bench_rejects_bad_sizes() -> None:
    bench = _load_bench()
    with pytest.raises(SystemExit):
        bench.main(["--sizes", "three"])
