"""``auditor compliance``: where a saved result stands on CIS v5.0 or FSBP, control by control.

Only click and the standard library are imported at module level. The
framework choices are the data files' names (``rules/frameworks/*.yaml``),
read without parsing them, so a new framework file is a new choice.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from auditor.commands.common import errors_to_exit
from auditor.errors import EXIT_OK
from auditor.resources import rules_dir

DEFAULT_FRAMEWORK = "cis-5.0"


def framework_choices() -> tuple[str, ...]:
    """The framework keys: one per data file in ``rules/frameworks/``."""
    return tuple(sorted(p.stem for p in (rules_dir() / "frameworks").glob("*.yaml")))


@click.command(
    name="compliance",
    short_help="Compliance per control (CIS v5.0, FSBP).",
)
@click.argument("results", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--framework",
    type=click.Choice(framework_choices()),
    default=DEFAULT_FRAMEWORK,
    show_default=True,
    help="The framework (one per data file in rules/frameworks/).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for tools.",
)
@click.option(
    "-o", "--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="Write here."
)
@errors_to_exit
def compliance(results: Path, framework: str, fmt: str, out: Path | None) -> None:
    """Per-control status (pass, fail, unknown, no data, not covered, manual) of a results.json.

    Prints totals per section, the score as Security Hub counts it (passed
    controls / controls that pass or fail) and every failing control with its
    failing resources and the fix. Reads RESULTS only: no AWS call.
    """
    from auditor.engine.compliance import assess
    from auditor.engine.frameworks import get_framework
    from auditor.render.compliance_text import compliance_json, compliance_text
    from auditor.render.compliance_view import compliance_view
    from auditor.render.json import load_results

    result = load_results(results)
    view = compliance_view(assess(result, get_framework(framework)))
    if fmt == "json":
        text = compliance_json(view, account=result.account_id)
    else:
        text = compliance_text(
            view, account=result.account_id, scanned_at=result.collected_at.isoformat()
        )
    if out is None:
        click.echo(text, nl=False)
    else:
        from auditor.atomic import write_text_atomic

        write_text_atomic(out, text)
        click.echo(f"auditor: compliance ({framework}) -> {out}", err=True)
    sys.exit(EXIT_OK)


COMMANDS = (compliance,)
