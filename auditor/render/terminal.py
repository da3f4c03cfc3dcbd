"""The terminal summary (rich), on stderr.

Every string that came from AWS is passed as a ``Text`` object, never as
markup, so a resource named ``[red]x[/red]`` prints literally.
"""

from __future__ import annotations

import os
from typing import IO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.engine.model import Status
from auditor.engine.results import ScanResult

_GRADE_STYLE = {"A": "green", "B": "yellow", "C": "dark_orange", "D": "red", "F": "bold red"}


def _grade(grade: str, incomplete: bool = False) -> Text:
    text = Text(grade, style=_GRADE_STYLE.get(grade[:1], "dim"))
    if incomplete:
        text.append(" (incomplete)", style="dim")
    return text


def make_console(file: IO[str] | None = None) -> Console:
    """A stderr console: colour only on a terminal and without NO_COLOR."""
    no_color = "NO_COLOR" in os.environ
    return Console(
        stderr=file is None, file=file, no_color=no_color, highlight=False, soft_wrap=False
    )


def print_summary(result: ScanResult, console: Console, top: int = 5) -> None:
    def score(value: float | None) -> str:
        return "-" if value is None else f"{value:.0f}%"

    head = Text.assemble(
        ("Overall ", "bold"),
        _grade(result.overall.grade, result.overall.incomplete),
        f" ({score(result.overall.score)})   Security ",
        _grade(result.security.grade),
        "   Operations ",
        _grade(result.operations.grade),
        "   account ",
        Text(result.account_id),
        " ",
        Text(", ".join(result.regions)),
    )
    console.print(head)
    table = Table(show_edge=False, pad_edge=False)
    for col in ("Principle", "Grade", "Score", "Pass", "Fail", "Unknown"):
        table.add_column(col, justify="left" if col == "Principle" else "right")
    for p in result.principles:
        table.add_row(
            p.title,
            _grade(p.grade, p.incomplete),
            score(p.score),
            str(p.passed),
            str(p.failed),
            str(p.unknown + p.errors),
        )
    console.print(table)
    failing = sorted(result.failing(), key=lambda r: (r.severity.rank, r.rule_id, r.resource_id))
    if failing:
        console.print(Text(f"Top findings ({len(failing)} failing in all):", style="bold"))
    for r in failing[:top]:
        line = Text.assemble(
            (f"  {r.severity.value.upper():8} ", "bold"),
            f"{r.rule_id} ",
            Text(r.resource_name or r.resource_id),
            " - ",
            Text(r.evidence),
        )
        console.print(line)
    errors = [r for r in result.results if r.status is Status.ERROR]
    for r in errors:
        console.print(Text(f"  rule error: {r.evidence}", style="red"))
    if result.gaps:
        console.print(Text(f"{len(result.gaps)} gap(s): grades marked incomplete", style="yellow"))
