"""The IAM benchmark still runs end to end (tiny sizes)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("iam_bench", REPO / "bench" / "iam_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["iam_bench"] = module
    spec.loader.exec_module(module)
    return module


def test_bench_builds_analyses_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = _load()
    out = tmp_path / "iam.md"
    assert (
        bench.main(
            [
                "--roles",
                "120",
                "--policies",
                "200",
                "--users",
                "10",
                "--groups",
                "3",
                "--results",
                str(out),
            ]
        )
        == 0
    )
    text = out.read_text()
    assert capsys.readouterr().out == text
    assert (
        "Synthetic account: 120 roles, 200 customer managed policies, 10 users in 3 groups" in text
    )
    assert "| escalation graph (admins, hops, shortest paths) |" in text
    assert "with a path to admin" in text
    assert [
        line.split("|")[1].strip()
        for line in text.splitlines()
        if line.startswith("| LP0") and "engine" not in line
    ] == ["LP015", "LP016", "LP017"]


def test_bench_snapshot_has_the_asked_sizes() -> None:
    snap = _load().synthetic_snapshot(roles=30, policies=40, users=5, groups=2)
    assert (
        len(snap.iam.roles),
        len(snap.iam.policies),
        len(snap.iam.users),
        len(snap.iam.groups),
    ) == (30, 40, 5, 2)


def test_bench_rejects_bad_sizes() -> None:
    with pytest.raises(SystemExit) as exc:
        _load().main(["--roles", "-1"])
    assert exc.value.code == 2
