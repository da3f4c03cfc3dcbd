"""The ``auditor`` command line.

Only click is imported at module level so ``auditor --help`` stays fast;
every command imports what it needs (boto3, pydantic models, rich) itself.
Human output goes to stderr; machine output goes to files.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from auditor import __version__
from auditor.errors import EXIT_INCOMPLETE, EXIT_OK, AuditorError

if TYPE_CHECKING:
    from auditor.collect.session import SessionClients
    from auditor.engine.results import ScanResult
    from auditor.snapshot import Snapshot

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str, code: int) -> None:
    click.echo(f"auditor: error: {message}", err=True)
    sys.exit(code)


def _errors_to_exit(fn: F) -> F:
    """Turn an :class:`AuditorError` into one line on stderr and its exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AuditorError as exc:
            _fail(str(exc), exc.exit_code)

    return wrapper  # type: ignore[return-value]


def _split_services(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> list[str] | None:
    if not value:
        return None
    from auditor.services import SERVICES

    names = [v.strip().lower() for v in value.split(",") if v.strip()]
    unknown = [n for n in names if n not in SERVICES]
    if unknown:
        raise click.BadParameter(
            f"unknown service(s) {', '.join(unknown)}; known: {', '.join(SERVICES)}"
        )
    return names


def aws_options(fn: F) -> F:
    """The options every AWS-facing command shares."""
    options = [
        click.option("--profile", help="AWS named profile (default: the usual credential chain)."),
        click.option("--role-arn", help="Assume this role for the scan (read-only use)."),
        click.option("--external-id", help="External id for --role-arn."),
        click.option(
            "--region",
            "regions",
            multiple=True,
            help="Region to scan (repeatable). Default: the session's region.",
        ),
        click.option(
            "--all-regions", is_flag=True, help="Scan every region enabled for the account."
        ),
        click.option(
            "--endpoint-url",
            envvar="AWS_ENDPOINT_URL",
            help="Any AWS-API-compatible endpoint (e.g. a moto server). Honours AWS_ENDPOINT_URL.",
        ),
        click.option(
            "--services",
            callback=_split_services,
            help="Comma-separated services to collect (default: all).",
        ),
        click.option(
            "--workers",
            type=click.IntRange(1, 64),
            default=8,
            show_default=True,
            help="Concurrent (service, region) collections.",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _open_clients(
    profile: str | None,
    role_arn: str | None,
    external_id: str | None,
    regions: tuple[str, ...],
    endpoint_url: str | None,
    workers: int,
) -> tuple[SessionClients, list[str]]:
    from auditor.collect.session import SessionClients, make_boto_session
    from auditor.errors import CollectionError

    session = make_boto_session(
        profile=profile,
        region=regions[0] if regions else None,
        role_arn=role_arn,
        external_id=external_id,
        endpoint_url=endpoint_url,
    )
    region_list = list(dict.fromkeys(regions)) or (
        [session.region_name] if session.region_name else []
    )
    if not region_list:
        raise CollectionError("no region given: use --region or set AWS_REGION")
    return SessionClients(session, endpoint_url=endpoint_url, max_pool=workers * 2), region_list


def run_collection(
    *,
    profile: str | None,
    role_arn: str | None,
    external_id: str | None,
    regions: tuple[str, ...],
    all_regions: bool,
    endpoint_url: str | None,
    services: list[str] | None,
    workers: int,
) -> Snapshot:
    """Collect a snapshot, with a progress bar on stderr when it is a terminal."""
    from auditor.collect import collect, plan

    clients, region_list = _open_clients(
        profile, role_arn, external_id, regions, endpoint_url, workers
    )
    from auditor.services import SERVICES

    if not sys.stderr.isatty():
        return collect(clients, region_list, services, all_regions=all_regions, workers=workers)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    total = len(plan(services or list(SERVICES), region_list)) if not all_regions else None
    console = Console(stderr=True)
    with Progress(
        TextColumn("collecting"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    ) as progress:
        bar = progress.add_task("collect", total=total)
        return collect(
            clients,
            region_list,
            services,
            all_regions=all_regions,
            workers=workers,
            on_progress=lambda _cov: progress.advance(bar),
        )


def _report_gaps(snapshot: Snapshot) -> int:
    from auditor.snapshot import CollectionStatus

    gaps = [
        g
        for g in snapshot.gaps
        if not (g.status is CollectionStatus.SKIPPED and g.message == "not requested")
    ]
    for gap in gaps:
        detail = " ".join(x for x in (gap.operation, gap.error_code) if x)
        click.echo(
            f"auditor: gap: {gap.service} in {gap.region}: {gap.status.value}"
            + (f" ({detail})" if detail else ""),
            err=True,
        )
    return len(gaps)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditor")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
def main(verbose: int) -> None:
    """Graded, read-only architecture review of an AWS account.

    Exit codes: 0 ok, 1 gate failed, 2 usage or input error, 3 scan incomplete.
    """
    if verbose:
        logging.basicConfig(
            level=logging.DEBUG if verbose > 1 else logging.INFO,
            stream=sys.stderr,
            format="%(levelname)s %(name)s: %(message)s",
        )
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")


@main.command()
@aws_options
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("snapshot.json"),
    show_default=True,
    help="Snapshot file to write (.json or .json.gz).",
)
@_errors_to_exit
def collect(out: Path, **aws: Any) -> None:
    """Collect a read-only snapshot of the account into a JSON file."""
    from auditor.snapshot.io import save_snapshot

    snapshot = run_collection(**aws)
    save_snapshot(snapshot, out)
    n_gaps = _report_gaps(snapshot)
    click.echo(
        f"auditor: collected account {snapshot.account_id} in "
        f"{', '.join(snapshot.regions)}: {snapshot.stats.total_calls} API calls in "
        f"{snapshot.stats.duration_seconds:.2f}s, {n_gaps} gap(s) -> {out}",
        err=True,
    )
    sys.exit(EXIT_INCOMPLETE if n_gaps else EXIT_OK)


def _evaluate(snapshot: Snapshot, config_path: Path | None) -> ScanResult:
    from auditor.config import load_config
    from auditor.engine.catalogue import load_catalogue
    from auditor.engine.evaluate import evaluate

    catalogue = load_catalogue()
    config = load_config(config_path, catalogue)
    return evaluate(snapshot, catalogue, config)


@main.command()
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
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("auditor-report"),
    show_default=True,
    help="Where results.json (and the reports) are written.",
)
@click.option(
    "--save-snapshot",
    is_flag=True,
    help="Also write the collected snapshot as snapshot.json.gz in the output folder.",
)
@_errors_to_exit
def scan(
    snapshot_path: Path | None,
    config_path: Path | None,
    output_dir: Path,
    save_snapshot: bool,
    **aws: Any,
) -> None:
    """Collect (or load --snapshot), evaluate every rule, grade, write results."""
    from auditor.render.json import write_results
    from auditor.render.terminal import make_console, print_summary
    from auditor.snapshot.io import load_snapshot
    from auditor.snapshot.io import save_snapshot as write_snapshot

    if snapshot_path is not None:
        snapshot = load_snapshot(snapshot_path)
    else:
        # Validate the config before spending time on AWS calls.
        if config_path is not None:
            from auditor.config import load_config
            from auditor.engine.catalogue import load_catalogue

            load_config(config_path, load_catalogue())
        snapshot = run_collection(**aws)
        if save_snapshot:
            write_snapshot(snapshot, output_dir / "snapshot.json.gz")
    result = _evaluate(snapshot, config_path)
    write_results(result, output_dir / "results.json")
    n_gaps = _report_gaps(snapshot)
    print_summary(result, make_console())
    click.echo(f"auditor: results -> {output_dir / 'results.json'}", err=True)
    sys.exit(EXIT_INCOMPLETE if n_gaps else EXIT_OK)


@main.command(name="rules")
@click.argument("rule_id", required=False)
@click.option("--markdown", is_flag=True, help="Print the whole catalogue as Markdown.")
@_errors_to_exit
def rules_cmd(rule_id: str | None, markdown: bool) -> None:
    """List the rule catalogue, or show one rule's documentation."""
    from auditor.engine.catalogue import load_catalogue
    from auditor.engine.docs import catalogue_markdown, rule_markdown

    catalogue = load_catalogue()
    if markdown:
        click.echo(catalogue_markdown(catalogue), nl=False)
        return
    if rule_id:
        click.echo(rule_markdown(catalogue.get(rule_id), heading="#"))
        return
    for r in catalogue:
        click.echo(f"{r.id}  {r.severity.value:8}  {r.principle.label:22}  {r.slug}")
