"""The CI examples in docs/ci/ parse, and every `auditor ...` line in them is a real command.

Each command line is parsed by click exactly as the CLI would parse it
(options, choices, types, callbacks): a renamed option or command fails here.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from auditor.cli import main

CI = Path(__file__).resolve().parents[2] / "docs" / "ci"
GITHUB = CI / "github-actions.yml"
GITLAB = CI / "gitlab-ci.yml"


def _github_scripts(doc: dict[Any, Any]) -> Iterator[str]:
    for job in doc["jobs"].values():
        for step in job["steps"]:
            if "run" in step:
                yield step["run"]


def _gitlab_scripts(doc: dict[Any, Any]) -> Iterator[str]:
    for job in doc.values():
        if isinstance(job, dict):
            for key in ("before_script", "script", "after_script"):
                yield from job.get(key, [])


def auditor_commands(script: str) -> list[list[str]]:
    """Every ``auditor ...`` invocation in a shell snippet, as argv lists."""
    script = re.sub(r"\\\n\s*", " ", script)  # line continuations
    out = []
    for line in script.splitlines():
        for segment in re.split(r"\|\||&&|;|\|", line):
            words = shlex.split(segment, comments=True)
            while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
                words = words[1:]  # VAR=value prefixes
            if words and words[0] == "auditor":
                out.append(words[1:])
    return out


def check_command(argv: list[str]) -> click.Command:
    """Parse ``auditor <argv>`` with the real CLI definition; raise on any mismatch."""
    ctx = main.make_context("auditor", list(argv[:1]))
    command = main.get_command(ctx, argv[0])
    assert command is not None, f"auditor {argv[0]}: no such command"
    command.make_context(argv[0], list(argv[1:]), parent=ctx)  # raises click.UsageError
    return command


def _load(path: Path) -> dict[Any, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


@pytest.mark.parametrize(
    ("path", "scripts", "expected"),
    [
        (GITHUB, _github_scripts, ["scan", "gate", "export", "export"]),
        (GITLAB, _gitlab_scripts, ["scan", "export", "gate"]),
    ],
)
def test_every_auditor_command_in_the_examples_exists(
    path: Path, scripts: Any, expected: list[str]
) -> None:
    commands = [argv for script in scripts(_load(path)) for argv in auditor_commands(script)]
    assert [argv[0] for argv in commands] == expected
    for argv in commands:
        check_command(argv)


def test_the_checker_rejects_drift() -> None:
    with pytest.raises(AssertionError):
        check_command(["gaet", "--baseline", "b.json"])
    with pytest.raises(click.UsageError):
        check_command(["gate", "--baseline", "b.json", "--fail-on-news", "high"])
    with pytest.raises(click.UsageError):
        check_command(["export", "--format", "xlsx", "r.json", "-o", "x"])
    assert auditor_commands('FOO=1 auditor scan --region "$R" || test $? -eq 3') == [
        ["scan", "--region", "$R"]
    ]


def test_github_workflow_shape() -> None:
    doc = _load(GITHUB)
    triggers = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` as true
    assert isinstance(triggers, dict)
    assert {"schedule", "pull_request"} <= set(triggers)
    assert "pull_request_target" not in triggers
    assert doc["permissions"]["id-token"] == "write"
    steps = doc["jobs"]["audit"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert not any(u.startswith("actions/cache") for u in uses)
    (creds,) = (s for s in steps if s.get("uses", "").startswith("aws-actions/configure-aws"))
    assert creds["with"]["role-to-assume"] and "aws-access-key-id" not in creds["with"]
    (upload,) = (s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert "auditor-report/report.html" in upload["with"]["path"]
    assert "snapshot" not in upload["with"]["path"]
    assert any("gh pr comment" in s.get("run", "") and "gate.md" in s["run"] for s in steps)


def test_gitlab_job_shape() -> None:
    job = _load(GITLAB)["auditor"]
    assert "AWS_OIDC_TOKEN" in job["id_tokens"]
    assert job["artifacts"]["reports"]["junit"] == "auditor-report/junit.xml"
    assert "cache" not in job
    assert job["variables"]["AWS_WEB_IDENTITY_TOKEN_FILE"].startswith("/tmp/")  # not an artefact
    sources = " ".join(r["if"] for r in job["rules"])
    assert "schedule" in sources and "merge_request_event" in sources
