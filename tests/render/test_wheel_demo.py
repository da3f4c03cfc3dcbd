"""``auditor demo`` from the wheel installed in a fresh venv: templates found, report written."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.test_packaging import Installed
from tests.test_packaging import installed as installed  # the module-scoped wheel fixture


@pytest.mark.slow
@pytest.mark.e2e
def test_demo_from_the_installed_wheel(installed: Installed) -> None:
    script = installed.venv / ("Scripts/auditor.exe" if os.name == "nt" else "bin/auditor")
    command = [str(script)] if script.is_file() else [str(installed.python), "-m", "auditor"]
    out = installed.cwd / "auditor-report"
    run = subprocess.run(
        [*command, "demo"],
        cwd=installed.cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    html = out / "report.html"
    assert f"open the review: {html.resolve().as_uri()}" in run.stderr
    assert "Recommendations by priority" in html.read_text(encoding="utf-8")
    assert (out / "report.md").read_text(encoding="utf-8").startswith("# Architecture review")
    # the templates came from inside the installed package, not from this checkout
    probe = "import auditor.resources as r; print(r.reports_dir())"
    where = subprocess.run(
        [str(installed.python), "-c", probe],
        cwd=installed.cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(installed.site)
