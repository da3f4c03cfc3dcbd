"""Fixtures of the report tests: ``auditor demo`` run once, through the real CLI."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class DemoRun:
    out: Path
    result: subprocess.CompletedProcess[str]


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """``python -m auditor demo --output-dir <tmp> --save-snapshot`` in a fresh process
    (moto in-process there)."""
    out = tmp_path_factory.mktemp("demo") / "auditor-report"
    result = subprocess.run(
        [sys.executable, "-m", "auditor", "demo", "--output-dir", str(out), "--save-snapshot"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return DemoRun(out=out, result=result)
