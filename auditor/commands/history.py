"""``auditor history DIR``: grade per principle over time, from a folder of dated results.

Only click and the standard library are imported at module level.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from auditor.commands.common import errors_to_exit
from auditor.commands.report import formats_option


@click.command(name="history", short_help="Grades over time from a history folder.")
@click.argument("history_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("auditor-report"),
    show_default=True,
    help="Where history.html and history.md are written.",
)
@formats_option
@errors_to_exit
def history(history_dir: Path, output_dir: Path, formats: tuple[str, ...]) -> None:
    """Grade per principle over time from HISTORY_DIR (written by `auditor scan --history`).

    Prints each account's runs and the dates a grade changed with the findings
    that changed it; writes history.html (a line chart per account) and history.md.
    """
    from auditor.errors import EXIT_OK
    from auditor.history.render import summary_lines, write_history
    from auditor.history.trend import load_history

    trends = load_history(history_dir)
    for line in summary_lines(trends):
        click.echo(line)
    for path in write_history(trends, output_dir, formats):
        click.echo(f"auditor: {path.name} -> {path}", err=True)
    sys.exit(EXIT_OK)


COMMANDS = (history,)
