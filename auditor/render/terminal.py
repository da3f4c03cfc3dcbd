"""The terminal summary (rich), on stderr: grades, then what to do first.

Every string goes to rich as a ``Text`` object, never as markup (and the
console has markup and emoji off besides), so a resource named
``[bold red]x[/]`` prints literally; control characters such as ANSI escapes
were already made visible by the view model. Colour only on a terminal and
without ``NO_COLOR``; piped output is plain text.
"""

from __future__ import annotations

import os
from typing import IO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.engine.results import ScanResult
from auditor.render.view import Grade, ReportView, build_view

_GRADE_STYLE = {"A": "green", "B": "yellow", "C": "dark_orange", "D": "red", "F": "bold red"}
_SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "dim"}
#: Commands printed per recommendation in the terminal (the reports have them all).
_COMMANDS = 3


def _grade(grade: Grade) -> Text:
    """The letter, with ``*`` when incomplete (the summary explains the mark)."""
    text = Text(grade.grade, style=_GRADE_STYLE.get(grade.grade[:1], "dim"))
    if grade.incomplete:
        text.append("*", style="dim")
    return text


def make_console(file: IO[str] | None = None, *, force_terminal: bool | None = None) -> Console:
    """A stderr console: colour only on a terminal and without NO_COLOR; no markup parsing."""
    no_color = "NO_COLOR" in os.environ
    return Console(
        stderr=file is None,
        file=file,
        force_terminal=force_terminal,
        no_color=no_color,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
    )


def print_view(view: ReportView, console: Console, top: int = 5) -> None:
    """The headline, the grade table and the first ``top`` recommendations."""
    h = view.headline
    console.print(
        Text.assemble(
            ("Overall ", "bold"),
            _grade(h.overall),
            f" ({h.overall.percent})   Security ",
            _grade(h.security),
            f" ({h.security.percent})   Operations ",
            _grade(h.operations),
            f" ({h.operations.percent})",
        ),
        soft_wrap=True,
    )
    console.print(
        Text.assemble(
            "account ",
            Text(h.account_id),
            "  regions ",
            Text(", ".join(h.regions)),
            f"  scanned {h.scanned_at}",
        ),
        soft_wrap=True,
    )
    console.print(
        Text.assemble(
            (f"{h.failed} failing", "bold" if h.failed else ""),
            f", {h.passed} passing, {h.waived} waived, {h.unknown + h.errors} unknown",
            "" if h.complete else "   * incomplete: some data could not be collected",
        ),
        soft_wrap=True,
    )
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column(Text("Principle"), no_wrap=True)
    table.add_column(Text("Grade"), no_wrap=True)
    table.add_column(Text("Score"), justify="right", no_wrap=True)
    table.add_column(Text("Fail"), justify="right", no_wrap=True)
    wide = console.width >= 110
    if wide:
        table.add_column(Text("What we found"), overflow="fold", ratio=1)
    for p in view.principles:
        cells = [Text(p.title), _grade(p.grade), Text(p.grade.percent), Text(str(p.failed))]
        table.add_row(*cells, *([Text(p.found)] if wide else []))
    console.print(table)

    recs = view.recommendations
    if recs:
        console.print(Text(f"Recommendations ({len(recs)} in all):", style="bold"))
    for rec in recs[:top]:
        tier = next(t.title for t in view.tiers if t.key == rec.tier)
        console.print(
            Text.assemble(
                f"{rec.rank:>2}. ",
                (f"[{tier}] ", "bold"),
                Text(rec.title),
                " ",
                (rec.severity, _SEVERITY_STYLE.get(rec.severity, "")),
            ),
            soft_wrap=True,
        )
        resources = ", ".join(rec.resources)
        more = f" and {rec.more_resources} more" if rec.more_resources else ""
        console.print(
            Text.assemble(
                "    ",
                Text(
                    f"{rec.rule_id} {rec.rule_title}: fails {rec.scope}"
                    + (f": {resources}{more}" if resources else "")
                ),
            ),
            soft_wrap=True,
        )
        console.print(
            Text(f"    {rec.effort}, {rec.cost}; {rec.lift.text}; {rec.lift.overall_text}"),
            style="dim",
            soft_wrap=True,
        )
        for command in rec.commands[:_COMMANDS]:
            # One line however long: a command must survive copy and paste.
            console.print(Text.assemble("    $ ", Text(command, style="cyan")), soft_wrap=True)
        hidden = len(rec.commands) - _COMMANDS + rec.more_commands
        if hidden > 0:
            console.print(Text(f"    ... {hidden} more command(s) in the report", style="dim"))
    if len(recs) > top:
        console.print(Text(f"... {len(recs) - top} more recommendations in the report", "dim"))
    for error in view.rule_errors:
        console.print(Text.assemble(("  rule error: ", "red"), Text(error)))
    if h.gaps:
        console.print(
            Text(f"{len(h.gaps)} collection gap(s): grades marked incomplete", style="yellow")
        )


def print_summary(result: ScanResult, console: Console, top: int = 5) -> None:
    """Build the view and print it (``scan`` and ``report`` call this)."""
    print_view(build_view(result), console, top)
