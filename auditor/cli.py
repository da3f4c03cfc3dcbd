"""The ``auditor`` command line.

Only click is imported at module level so ``auditor --help`` stays fast;
every command imports what it needs (boto3, pydantic models, rich) itself.
Human output goes to stderr; machine output goes to files.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from auditor import __version__
from auditor.commands.common import aws_options, errors_to_exit, report_gaps, run_collection
from auditor.commands.org import org_options
from auditor.commands.report import formats_option
from auditor.commands.rules_dirs import rules_dir_option
from auditor.errors import EXIT_INCOMPLETE, EXIT_OK

if TYPE_CHECKING:
    from auditor.engine.results import ScanResult
    from auditor.snapshot import Snapshot


_VERBOSE_HELP = "More log output on stderr (-vv for debug)."


def _set_verbosity(ctx: click.Context, param: click.Parameter, verbose: int) -> int:
    """``-v`` counts wherever it is given: ``auditor -v scan`` or ``auditor scan -v``."""
    root = ctx.find_root()
    total = (root.meta.get("auditor.verbose", 0) if root is not ctx else 0) + verbose
    root.meta["auditor.verbose"] = total
    if total:
        logging.basicConfig(
            level=logging.DEBUG if total > 1 else logging.INFO,
            stream=sys.stderr,
            format="%(levelname)s %(name)s: %(message)s",
        )
        logging.getLogger().setLevel(logging.DEBUG if total > 1 else logging.INFO)
    return verbose


def _verbose_option() -> click.Option:
    return click.Option(
        ["-v", "--verbose"],
        count=True,
        expose_value=False,
        callback=_set_verbosity,
        help=_VERBOSE_HELP,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditor")
@click.option(
    "-v", "--verbose", count=True, expose_value=False, callback=_set_verbosity, help=_VERBOSE_HELP
)
def main() -> None:
    """Graded, read-only architecture review of an AWS account.

    Exit codes: 0 ok, 1 gate failed, 2 usage or input error, 3 scan incomplete.
    """
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")


@main.command()
@aws_options
@click.option(
    "-o",
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("snapshot.json"),
    show_default=True,
    help="Snapshot file to write (.json or .json.gz).",
)
@errors_to_exit
def collect(out: Path, **aws: Any) -> None:
    """Collect a read-only snapshot of the account into a JSON file."""
    from auditor.snapshot.io import save_snapshot

    snapshot = run_collection(**aws)
    save_snapshot(snapshot, out)
    n_gaps = report_gaps(snapshot)
    click.echo(
        f"auditor: collected account {snapshot.account_id} in "
        f"{', '.join(snapshot.regions)}: {snapshot.stats.total_calls} API calls in "
        f"{snapshot.stats.duration_seconds:.2f}s, {n_gaps} gap(s) -> {out}",
        err=True,
    )
    sys.exit(EXIT_INCOMPLETE if n_gaps else EXIT_OK)


_ORG_ARGS = ("org_accounts", "org_exclude", "org_role", "resume", "parallel_accounts")


def _evaluate(
    snapshot: Snapshot, config_path: Path | None, rules_dirs: tuple[Path, ...] = ()
) -> ScanResult:
    from auditor.config import load_setup
    from auditor.engine.evaluate import evaluate

    catalogue, config = load_setup(config_path, rules_dirs)
    return evaluate(snapshot, catalogue, config)


@main.command(short_help="Collect (or load --snapshot), evaluate, grade, write the review.")
@aws_options
@click.option(
    "--snapshot",
    "snapshot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Evaluate a saved snapshot offline (no AWS call at all).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (thresholds, disabled rules, waivers). Default: ./.auditor.yaml if present.",
)
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("auditor-report"),
    show_default=True,
    help="Where results.json and the reports (report.html, report.md) are written.",
)
@formats_option
@click.option(
    "--save-snapshot",
    is_flag=True,
    help="Also write the collected snapshot as snapshot.json.gz in the output folder.",
)
@click.option(
    "--history",
    "history_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also keep results.json in this history folder, under the scan's date "
    "(see `auditor history`).",
)
@org_options
@rules_dir_option
@errors_to_exit
def scan(
    snapshot_path: Path | None,
    config_path: Path | None,
    output_dir: Path,
    formats: tuple[str, ...],
    save_snapshot: bool,
    history_dir: Path | None,
    org: bool,
    rules_dirs: tuple[Path, ...],
    **aws: Any,
) -> None:
    """Collect (or load --snapshot), evaluate every rule, grade, write results and the review.

    With --org: every account of the organization, one review each in
    OUTPUT_DIR/org/<account-id>/ and the organization review in OUTPUT_DIR/org/.
    """
    org_args = {k: aws.pop(k) for k in _ORG_ARGS}
    if not org:
        from auditor.commands.org import check_no_org_options

        check_no_org_options(**org_args)
    if org:
        from auditor.commands.org import run_org_scan

        if snapshot_path is not None or save_snapshot:
            from auditor.errors import InputError

            raise InputError(
                "--org scans live accounts: it cannot take --snapshot or --save-snapshot"
            )
        sys.exit(
            run_org_scan(
                output_dir=output_dir,
                formats=formats,
                config_path=config_path,
                history_dir=history_dir,
                **org_args,
                **aws,
            )
        )
    from auditor.render.json import write_results
    from auditor.render.reports import write_reports
    from auditor.render.terminal import make_console, print_view
    from auditor.render.view import build_view
    from auditor.snapshot.io import load_snapshot
    from auditor.snapshot.io import save_snapshot as write_snapshot

    if snapshot_path is not None:
        snapshot = load_snapshot(snapshot_path)
    else:
        # Validate the config and user rules before spending time on AWS calls.
        if config_path is not None or rules_dirs:
            from auditor.config import load_setup

            load_setup(config_path, rules_dirs)
        snapshot = run_collection(**aws)
        if save_snapshot:
            write_snapshot(snapshot, output_dir / "snapshot.json.gz")
    result = _evaluate(snapshot, config_path, rules_dirs)
    write_results(result, output_dir / "results.json")
    view = build_view(result)
    if history_dir is not None:
        from dataclasses import replace

        from auditor.history.store import store_result, trend_points

        stored = store_result(result, history_dir)
        click.echo(f"auditor: history -> {stored}", err=True)
        view = replace(view, trend=trend_points(stored.parent))
    reports = write_reports(result, output_dir, formats, view=view)
    n_gaps = report_gaps(snapshot)
    print_view(view, make_console())
    click.echo(f"auditor: results -> {output_dir / 'results.json'}", err=True)
    for path in reports:
        click.echo(f"auditor: {path.name} -> {path}", err=True)
    sys.exit(EXIT_INCOMPLETE if n_gaps else EXIT_OK)


@main.command(name="rules", short_help="The rule catalogue, or one rule's documentation.")
@click.argument("rule_id", required=False)
@click.option("--markdown", is_flag=True, help="Print the whole catalogue as Markdown.")
@click.option(
    "--frameworks",
    "frameworks",
    is_flag=True,
    help="Print each compliance framework's controls and which rules decide them.",
)
@rules_dir_option
@errors_to_exit
def rules_cmd(
    rule_id: str | None, markdown: bool, frameworks: bool, rules_dirs: tuple[Path, ...]
) -> None:
    """List the rule catalogue (with your --rules-dir rules), or show one rule's documentation."""
    from auditor.config import load_setup
    from auditor.engine.docs import catalogue_markdown, rule_markdown

    catalogue, _ = load_setup(None, rules_dirs)
    if frameworks:
        from auditor.engine.frameworks import load_frameworks
        from auditor.render.compliance_text import coverage_text

        pairs = [(r.id, r.frameworks) for r in catalogue]
        click.echo(coverage_text(load_frameworks(), pairs), nl=False)
        return
    if markdown:
        click.echo(catalogue_markdown(catalogue), nl=False)
        return
    if rule_id:
        click.echo(rule_markdown(catalogue.get(rule_id), heading="#"))
        return
    width = max((len(r.id) for r in catalogue), default=5)
    for r in catalogue:
        click.echo(f"{r.id:{width}}  {r.severity.value:8}  {r.principle.label:22}  {r.slug}")


def _register_extra_commands() -> None:
    """Commands of other areas live in auditor/commands/<area>.py, each exposing COMMANDS."""
    import importlib
    import pkgutil

    import auditor.commands as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name == "common":
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for command in getattr(module, "COMMANDS", ()):
            main.add_command(command)
    for command in main.commands.values():
        command.params.append(_verbose_option())


_register_extra_commands()
