"""``auditor scan --org``: every account of an AWS Organization, one review each plus the org's.

The options are added to ``auditor scan`` by :func:`org_options`; the scan
command hands over to :func:`run_org_scan` when ``--org`` is given. Only click
and the standard library are imported at module level.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_ORG_ROLE = "OrganizationAccountAccessRole"
ORG_FOLDER = "org"


def org_options(fn: F) -> F:
    """The organization options of ``auditor scan``."""
    options = [
        click.option(
            "--org",
            "org",
            is_flag=True,
            help="Scan every account of the AWS Organization (run from the management account "
            "or a delegated administrator); writes OUTPUT_DIR/org/.",
        ),
        click.option(
            "--accounts",
            "org_accounts",
            multiple=True,
            metavar="IDS",
            help="With --org: only these account ids (comma-separated, repeatable).",
        ),
        click.option(
            "--exclude-accounts",
            "org_exclude",
            multiple=True,
            metavar="IDS",
            help="With --org: leave these account ids out (comma-separated, repeatable).",
        ),
        click.option(
            "--org-role",
            default=DEFAULT_ORG_ROLE,
            show_default=True,
            help="With --org: the role assumed in each account (--external-id applies to it).",
        ),
        click.option(
            "--resume",
            is_flag=True,
            help="With --org: skip accounts whose results.json an earlier run already wrote.",
        ),
        click.option(
            "--parallel-accounts",
            type=click.IntRange(1, 256),
            help="With --org: accounts scanned at once (processes). Default: CPU count.",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def check_no_org_options(
    *,
    org_accounts: tuple[str, ...],
    org_exclude: tuple[str, ...],
    org_role: str,
    resume: bool,
    parallel_accounts: int | None,
) -> None:
    """The organization options mean nothing without --org: a usage error, not ignored."""
    from auditor.errors import InputError

    given = [
        flag
        for flag, value in (
            ("--accounts", org_accounts),
            ("--exclude-accounts", org_exclude),
            ("--org-role", org_role != DEFAULT_ORG_ROLE),
            ("--resume", resume),
            ("--parallel-accounts", parallel_accounts),
        )
        if value
    ]
    if given:
        raise InputError(f"{given[0]} needs --org")


def _safe(text: str) -> str:
    from auditor.render.view import clip

    return clip(text, 200)


def run_org_scan(
    *,
    output_dir: Path,
    formats: tuple[str, ...],
    config_path: Path | None,
    history_dir: Path | None,
    org_accounts: tuple[str, ...],
    org_exclude: tuple[str, ...],
    org_role: str,
    resume: bool,
    parallel_accounts: int | None,
    profile: str | None,
    role_arn: str | None,
    external_id: str | None,
    regions: tuple[str, ...],
    all_regions: bool,
    endpoint_url: str | None,
    services: list[str] | None,
    workers: int,
) -> int:
    """Run the organization scan; returns the exit code (0, or 3 when anything is missing)."""
    from auditor import __version__
    from auditor.collect import identity
    from auditor.collect.session import SessionClients, make_boto_session
    from auditor.config import load_config
    from auditor.engine.catalogue import load_catalogue
    from auditor.engine.org import OrgBuilder
    from auditor.errors import EXIT_INCOMPLETE, EXIT_OK, CollectionError, InputError
    from auditor.org.discovery import list_accounts, parse_account_ids, select
    from auditor.org.fanout import run_accounts
    from auditor.org.worker import RESULTS_FILE, AccountJob, AccountOutcome
    from auditor.render.json import load_results
    from auditor.render.org import write_org_review

    if role_arn:
        raise InputError(
            "--role-arn cannot be combined with --org: run from the management account "
            "(or a delegated administrator) and name the member role with --org-role"
        )
    if not re.fullmatch(r"[\w+=,.@/-]{1,512}", org_role) or not org_role.strip("/"):
        raise InputError(f"--org-role: {org_role!r} is not a role name")
    include = parse_account_ids(org_accounts, "--accounts")
    exclude = parse_account_ids(org_exclude, "--exclude-accounts")
    load_config(config_path, load_catalogue())  # a bad config fails before any AWS call

    session = make_boto_session(
        profile=profile, region=regions[0] if regions else None, endpoint_url=endpoint_url
    )
    region_list = list(dict.fromkeys(regions)) or (
        [session.region_name] if session.region_name else []
    )
    if not region_list:
        raise CollectionError("no region given: use --region or set AWS_REGION")
    clients = SessionClients(session, endpoint_url=endpoint_url)
    management, partition = identity(clients, region_list[0])
    accounts = select(list_accounts(clients, partition), include, exclude)
    if not accounts:
        raise InputError("no ACTIVE account left to scan after --accounts/--exclude-accounts")

    org_dir = output_dir / ORG_FOLDER
    template = AccountJob(
        account_id="",
        name="",
        role_name=org_role.strip("/"),
        external_id=external_id,
        profile=profile,
        regions=tuple(region_list),
        all_regions=all_regions,
        endpoint_url=endpoint_url,
        services=tuple(services) if services is not None else None,
        workers=workers,
        output_dir="",
        formats=formats,
        config_path=str(config_path) if config_path else None,
        history_dir=str(history_dir) if history_dir else None,
        partition=partition,
        caller_account=management,
    )
    click.echo(
        f"auditor: org: {len(accounts)} account(s) of organization managed by {management}, "
        f"role {org_role}",
        err=True,
    )

    def notify(o: AccountOutcome, done: int, total: int) -> None:
        what = (
            f"not scanned: {_safe(o.message)}"
            if o.status == "gap"
            else f"overall {o.overall}, {o.calls} calls, {o.retries} retries, {o.seconds:.1f}s"
            + (f", {_safe(o.message)}" if o.message else "")
        )
        click.echo(
            f"auditor: org: [{done}/{total}] {o.account_id} {_safe(o.name)}: {what}", err=True
        )

    run = run_accounts(
        accounts,
        template,
        output_dir=org_dir,
        resume=resume,
        pool_size=parallel_accounts,
        notify=notify,
    )
    if run.resumed:
        click.echo(
            f"auditor: org: resumed: {len(run.resumed)} account(s) already finished, not rescanned",
            err=True,
        )

    builder = OrgBuilder(management, org_role, region_list)
    outcomes = {o.account_id: o for o in run.outcomes}
    for account in accounts:
        outcome = outcomes.get(account.account_id)
        if outcome is not None and outcome.status == "gap":
            builder.add_gap(account.account_id, account.name, outcome.message)
            continue
        try:
            result = load_results(org_dir / account.account_id / RESULTS_FILE)
        except InputError as exc:
            builder.add_gap(account.account_id, account.name, f"no usable results: {exc}")
            continue
        builder.add_result(account.name, result)  # one at a time: nothing is held
    org = builder.build(__version__)
    trend: tuple[Any, ...] = ()
    if history_dir is not None:
        from auditor.history.store import store_org_result, trend_points
        from auditor.history.trend import ORG_FOLDER as ORG_HISTORY

        store_org_result(org, history_dir)
        trend = trend_points(history_dir / ORG_HISTORY)
    paths = write_org_review(org, org_dir, formats, trend=trend)
    for gap in org.gaps:
        click.echo(
            f"auditor: org: gap: account {gap.account_id} {_safe(gap.name)}: {_safe(gap.message)}",
            err=True,
        )
    click.echo(
        f"auditor: org: organization {org.overall.grade} ({org.overall.score or 0:.0f}%), "
        f"security {org.security.grade}, operations {org.operations.grade}; "
        f"{len(accounts) - len(org.gaps)} of {len(accounts)} account(s) reviewed",
        err=True,
    )
    for path in paths:
        click.echo(f"auditor: {path.name} -> {path}", err=True)
    incomplete = org.gaps or any(a.status == "incomplete" for a in org.accounts)
    return EXIT_INCOMPLETE if incomplete else EXIT_OK


def org_gate(baseline_path: Path, current_path: Path | None) -> int:
    """``auditor gate`` with an organization baseline: print the reasons, return the exit code."""
    from auditor.org.gate import run_org_gate

    outcome = run_org_gate(baseline_path, current_path)
    for line in outcome.failures:
        click.echo(f"auditor: gate: FAIL {_safe(line)}", err=True)
    for line in outcome.incomplete:
        click.echo(f"auditor: gate: incomplete: {_safe(line)}", err=True)
    for account_id in outcome.new_accounts:
        click.echo(f"auditor: gate: new account {account_id} (not in the baseline)", err=True)
    click.echo(f"auditor: gate: organization {outcome.verdict}", err=True)
    return outcome.exit_code


COMMANDS: tuple[click.Command, ...] = ()
