"""``auditor --help`` stays fast: the CLI module imports click and nothing heavy.

Each command imports boto3, pydantic, rich or jinja2 itself when it runs. The
check reads ``python -X importtime`` in a fresh interpreter, so modules that
this test process already imported do not hide anything.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: Top-level packages that must not load for ``import auditor.cli`` or ``--help``.
HEAVY = frozenset({"boto3", "botocore", "jinja2", "rich", "pydantic", "pydantic_core", "moto"})


def _imported_by(*args: str) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """Top-level package names imported by ``python -X importtime <args>``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPROFILEIMPORTTIME"}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    modules: set[str] = set()
    for line in result.stderr.splitlines():
        # "import time:       123 |        456 |     package.module"
        if not line.startswith("import time:"):
            continue
        fields = line.split("|")
        if len(fields) != 3 or not fields[1].strip().isdigit():
            continue  # the header line
        modules.add(fields[2].strip().split(".")[0])
    return modules, result


def test_importing_the_cli_loads_no_heavy_package() -> None:
    modules, result = _imported_by("-c", "import auditor.cli")
    assert result.returncode == 0, result.stderr[-2000:]
    assert {"auditor", "click"} <= modules, "importtime output was not parsed"
    assert not modules & HEAVY, f"auditor.cli imports {sorted(modules & HEAVY)} at import time"


@pytest.mark.parametrize("argv", [["--help"], ["collect", "--help"], ["--version"]])
def test_help_exits_zero_without_heavy_imports(argv: list[str]) -> None:
    modules, result = _imported_by("-m", "auditor", *argv)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip()
    assert not modules & HEAVY, f"auditor {' '.join(argv)} imports {sorted(modules & HEAVY)}"


def test_console_script_help_exits_zero() -> None:
    script = Path(sys.executable).parent / ("auditor.exe" if os.name == "nt" else "auditor")
    if not script.is_file():
        pytest.skip(f"no auditor console script beside {sys.executable}")
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "collect" in result.stdout
