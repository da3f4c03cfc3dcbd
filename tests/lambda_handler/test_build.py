"""deploy/build.py: the Lambda zip, built without the network.

The real build downloads the arm64 wheels of the dependencies (pydantic-core,
PyYAML, MarkupSafe...) from the package index, which tests may not reach:
here the script prints its pip commands (``--dry-run``), and builds auditor
alone (``--no-deps --no-index``), whose zip must hold a working handler,
the rule catalogue and the report templates.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from tests.lambda_handler.stack import REPO

SCRIPT = REPO / "deploy" / "build.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("auditor_build", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dry_run_prints_the_cross_platform_pip_install(tmp_path: Path) -> None:
    out = tmp_path / "x.zip"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--dry-run", "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    install = next(line for line in done.stderr.splitlines() if " install " in line)
    for arg in (
        "--target",
        "--platform manylinux2014_aarch64",
        "--implementation cp",
        "--python-version 3.12",
        "--only-binary=:all:",
    ):
        assert arg in install
    assert " wheel --no-deps " in done.stderr
    assert not out.exists()


def test_zip_is_deterministic(tmp_path: Path) -> None:
    root = tmp_path / "package"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("x = 1\n")
    (root / "pkg" / "__pycache__").mkdir()
    (root / "pkg" / "__pycache__" / "m.cpython-312.pyc").write_bytes(b"\0")
    (root / "bin").mkdir()
    (root / "bin" / "tool").write_text("#!/bin/sh\n")
    info = root / "pkg-1.0.dist-info"
    info.mkdir()
    (info / "direct_url.json").write_text('{"url": "file:///tmp/build-123/pkg.whl"}')
    (info / "RECORD").write_text(
        "pkg/__init__.py,sha256=x,6\npkg-1.0.dist-info/direct_url.json,sha256=y,40\n"
    )
    build = _script()
    a, b = tmp_path / "a.zip", tmp_path / "b.zip"
    assert build.write_zip(root, a)[0] == 2
    os.utime(root / "pkg" / "__init__.py", (0, 0))  # timestamps do not matter
    build.write_zip(root, b)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    with zipfile.ZipFile(a) as zf:
        assert sorted(zf.namelist()) == ["pkg-1.0.dist-info/RECORD", "pkg/__init__.py"]
        assert b"direct_url" not in zf.read("pkg-1.0.dist-info/RECORD")


_PROBE = """
import json, sys
import auditor.lambda_handler.handler as h
heavy = sorted(m for m in ("boto3", "botocore", "auditor.engine.evaluate", "auditor.cli")
               if m in sys.modules)
from auditor.engine.catalogue import load_catalogue
from auditor.resources import reports_dir
import auditor
print(json.dumps({
    "auditor": auditor.__file__,
    "handler": callable(h.handler),
    "heavy_at_import": heavy,
    "rules": len(load_catalogue()),
    "templates": sorted(p.name for p in reports_dir().glob("*.j2")),
}))
"""


@pytest.mark.slow
def test_offline_build_packs_a_working_handler(tmp_path: Path) -> None:
    out = tmp_path / "auditor-lambda.zip"
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"build: {out} - " in done.stderr
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        assert {
            "auditor/lambda_handler/handler.py",
            "auditor/rules/least_privilege/__init__.py",
            "auditor/reports/report.html.j2",
            "auditor/reports/report.md.j2",
        } <= names
        assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
        unpacked = tmp_path / "task"  # Lambda unpacks the zip into /var/task
        zf.extractall(unpacked)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(unpacked)
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    found = json.loads(probe.stdout)
    assert Path(found["auditor"]).is_relative_to(unpacked)
    assert found["handler"] is True
    assert found["heavy_at_import"] == []
    assert found["rules"] >= 60
    assert found["templates"] == ["report.html.j2", "report.md.j2"]
