"""The CLI's shared conventions: -v anywhere, -o on every command that writes a file,
--format a choice list, one-line help in the command list."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from auditor.cli import main

REPO = Path(__file__).resolve().parents[1]

#: Commands that write files, and the option naming where.
WRITERS = {
    "collect": "--out",
    "scan": "--output-dir",
    "report": "--output-dir",
    "demo": "--output-dir",
    "baseline": "--out",
    "diff": "--out",
    "export": "--out",
}


def _log_level(*args: str) -> str:
    code = (
        "import logging, sys\n"
        "from auditor.cli import main\n"
        f"main({list(args)!r}, prog_name='auditor', standalone_mode=False)\n"
        "print(logging.getLevelName(logging.getLogger().level))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("args", "level"),
    [
        (("rules",), "WARNING"),
        (("-v", "rules"), "INFO"),
        (("rules", "-v"), "INFO"),
        (("rules", "-vv"), "DEBUG"),
        (("-v", "rules", "-v"), "DEBUG"),  # counts add up
    ],
)
def test_verbose_works_before_and_after_the_subcommand(args: tuple[str, ...], level: str) -> None:
    assert _log_level(*args) == level


def test_every_command_takes_verbose() -> None:
    for name, command in main.commands.items():
        opts = {o for p in command.params if isinstance(p, click.Option) for o in p.opts}
        assert {"-v", "--verbose"} <= opts, name


@pytest.mark.parametrize(("name", "long"), sorted(WRITERS.items()))
def test_every_command_that_writes_a_file_takes_o(name: str, long: str) -> None:
    command = main.commands[name]
    option = next(p for p in command.params if isinstance(p, click.Option) and long in p.opts)
    assert "-o" in option.opts, name


def test_every_format_option_is_a_choice() -> None:
    formats = {
        name: p
        for name, command in main.commands.items()
        for p in command.params
        if isinstance(p, click.Option) and "--format" in p.opts
    }
    assert set(formats) >= {"scan", "report", "demo", "diff", "export"}
    for name, option in formats.items():
        assert isinstance(option.type, click.Choice), name
        assert option.type.choices, name


def test_a_report_format_outside_the_choice_is_a_usage_error(tmp_path: Path) -> None:
    run = CliRunner().invoke(main, ["report", str(tmp_path / "x.json"), "--format", "pdf"])
    assert run.exit_code == 2
    assert "unknown format(s) pdf; known: html, md" in run.stderr
    help_text = CliRunner().invoke(main, ["report", "--help"]).output
    assert "--format [html|md]" in help_text


def test_help_texts_are_not_cut_short() -> None:
    """Click shortens a long first line to "...": every command has a short help of its own."""
    runner = CliRunner()
    pages = {"": runner.invoke(main, ["--help"]).output}
    for name in main.commands:
        pages[name] = runner.invoke(main, [name, "--help"]).output
    for name, text in pages.items():
        assert text.strip(), name
        for line in text.splitlines():
            if line.startswith("Usage:"):
                continue  # "[ARGS]..." is click's notation for repeatable arguments
            assert not line.rstrip().endswith("..."), f"{name or 'auditor'}: {line}"
