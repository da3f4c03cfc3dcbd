"""What every command shares: error handling, AWS options, collection with progress.

Only click is imported at module level (``auditor --help`` stays fast).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from auditor.errors import AuditorError

if TYPE_CHECKING:
    from auditor.collect.session import SessionClients
    from auditor.snapshot import Snapshot

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int) -> None:
    click.echo(f"auditor: error: {message}", err=True)
    sys.exit(code)


def errors_to_exit(fn: F) -> F:
    """Turn an :class:`AuditorError` into one line on stderr and its exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AuditorError as exc:
            fail(str(exc), exc.exit_code)

    return wrapper  # type: ignore[return-value]


def _split_services(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> list[str] | None:
    if not value:
        return None
    from auditor.services import SERVICES, expand

    names = [v.strip().lower() for v in value.split(",") if v.strip()]
    known = {s.name for s in SERVICES.values()} | {s.section_key for s in SERVICES.values()}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise click.BadParameter(
            f"unknown service(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return expand(names)


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


def report_gaps(snapshot: Snapshot) -> int:

    gaps = [g for g in snapshot.gaps if g.requested]
    for gap in gaps:
        detail = " ".join(x for x in (gap.operation, gap.error_code) if x)
        click.echo(
            f"auditor: gap: {gap.service} in {gap.region}: {gap.status.value}"
            + (f" ({detail})" if detail else "")
            + (f" for {gap.resource}" if gap.resource else ""),
            err=True,
        )
    return len(gaps)
