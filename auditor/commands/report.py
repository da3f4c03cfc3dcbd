"""``auditor report`` (re-render a saved result) and ``auditor demo`` (a simulated review).

Only click and the standard library are imported at module level: rendering
(jinja2, rich, pydantic) and the simulator (moto, boto3) load when a command runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor.commands.common import errors_to_exit, fail
from auditor.errors import EXIT_OK, EXIT_USAGE

F = TypeVar("F", bound=Callable[..., Any])

#: Report formats (``results.json`` is always written); kept in step with
#: ``auditor.render.reports.FORMATS``, which this module must not import.
FORMATS = ("html", "md")
DEFAULT_OUTPUT_DIR = Path("auditor-report")


class FormatList(click.Choice[str]):
    """A choice of report formats, several at once: ``html,md`` or ``--format md``."""

    name = "format list"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        names = [v.strip().lower() for v in str(value).split(",") if v.strip()]
        names = ["md" if n == "markdown" else n for n in names]
        unknown = sorted(set(names) - set(FORMATS))
        if unknown or not names:
            self.fail(
                f"unknown format(s) {', '.join(unknown) or repr(value)}; known: "
                f"{', '.join(FORMATS)} (comma-separated)",
                param,
                ctx,
            )
        choose = super().convert
        return tuple(choose(n, param, ctx) for n in dict.fromkeys(names))


def formats_option(fn: F) -> F:
    """``--format html,md``: which reports to write beside results.json."""
    option = click.option(
        "--format",
        "formats",
        type=FormatList(FORMATS),
        default=",".join(FORMATS),
        show_default=True,
        help="Reports to write, comma-separated (results.json is always written).",
    )
    return option(fn)


def _echo_paths(paths: list[Path]) -> None:
    for path in paths:
        click.echo(f"auditor: {path.name} -> {path}", err=True)


@click.command(short_help="Re-render report.html and report.md from a saved results.json.")
@click.argument("results", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the reports go. Default: the folder holding RESULTS.",
)
@formats_option
@click.option("--quiet", "-q", is_flag=True, help="Do not print the summary.")
@errors_to_exit
def report(results: Path, output_dir: Path | None, formats: tuple[str, ...], quiet: bool) -> None:
    """Re-render the review (report.html, report.md) from a saved results.json, without scanning."""
    from auditor.render.json import load_results
    from auditor.render.reports import write_reports
    from auditor.render.terminal import make_console, print_view
    from auditor.render.view import build_view

    result = load_results(results)
    view = build_view(result)
    paths = write_reports(result, output_dir or results.parent, formats, view=view)
    if not quiet:
        print_view(view, make_console())
    _echo_paths(paths)
    sys.exit(EXIT_OK)


@click.command(short_help="Review a simulated reference account: no AWS account, no network.")
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUTPUT_DIR,
    show_default=True,
    help="Where results.json and the reports are written.",
)
@formats_option
@click.option("--region", default="us-west-2", show_default=True, help="Simulated region.")
@click.option(
    "--save-snapshot",
    is_flag=True,
    help="Also write the simulated account's snapshot as snapshot.json.gz in the output folder "
    "(then: auditor scan --snapshot <output folder>/snapshot.json.gz).",
)
@errors_to_exit
def demo(output_dir: Path, formats: tuple[str, ...], region: str, save_snapshot: bool) -> None:
    """Review a simulated copy of the reference architecture: no AWS account, no network.

    Starts moto's AWS API simulator in this process on 127.0.0.1, builds the
    reference account (ECS Fargate, private RDS, a Lambda query bridge,
    Secrets Manager, CloudTrail) through the API, scans it with the real
    collectors over HTTP and writes the full review. Needs the demo extra:
    pip install 'auditor[demo]'.
    """
    try:
        import moto  # noqa: F401  (the optional [demo] extra)
    except ImportError:
        fail("auditor demo needs moto: pip install 'auditor[demo]'", EXIT_USAGE)
    import time

    from auditor.config import Config
    from auditor.demo.server import MOTO_UNSUPPORTED, run_demo
    from auditor.engine.catalogue import load_catalogue
    from auditor.engine.evaluate import evaluate
    from auditor.render.json import write_results
    from auditor.render.reports import write_reports
    from auditor.render.terminal import make_console, print_view
    from auditor.render.view import build_view

    started = time.monotonic()
    click.echo(f"auditor: demo: building the reference architecture in moto ({region})", err=True)
    run = run_demo(region)
    result = evaluate(run.snapshot, load_catalogue(), Config())
    view = build_view(result)
    write_results(result, output_dir / "results.json")
    paths = write_reports(result, output_dir, formats, view=view)
    if save_snapshot:
        from auditor.snapshot.io import save_snapshot as write_snapshot

        write_snapshot(run.snapshot, output_dir / "snapshot.json.gz")
        paths.append(output_dir / "snapshot.json.gz")
    print_view(view, make_console())
    click.echo(
        f"auditor: demo: scanned {run.snapshot.stats.total_calls} API calls through "
        f"{run.endpoint_url} in {time.monotonic() - started:.1f}s "
        f"(not simulated by moto, so not scanned: {', '.join(sorted(MOTO_UNSUPPORTED))})",
        err=True,
    )
    _echo_paths([output_dir / "results.json", *paths])
    html = output_dir / "report.html"
    if html in paths:
        click.echo(f"auditor: open the review: {html.resolve().as_uri()}", err=True)
    sys.exit(EXIT_OK)


COMMANDS = (report, demo)
