"""One account of an organization scan, in a worker process.

:func:`scan_account` assumes the organization role in the account (through
the separate, unguarded base session: the one non-read call), checks the
credentials really are that account's and that the role exists there, then
runs the single-account pipeline unchanged: :func:`~auditor.collect.collect`
with its thread pool, evaluate, write the account's review and, last and
atomically, its ``results.json`` (the marker ``--resume`` trusts). Nothing of
the result is sent back to the parent but a few numbers: memory stays flat in
the number of accounts.

Whatever goes wrong in one account comes back as an :class:`AccountOutcome`
with status ``gap`` and the reason; it never raises into the pool.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

log = logging.getLogger(__name__)

RESULTS_FILE = "results.json"
#: Test hook (tests/org): comma-separated account ids whose worker process exits at once,
#: as a process killed by the OOM killer or a native crash would.
CRASH_HOOK = "AUDITOR_TEST_CRASH_ACCOUNTS"


@dataclass(frozen=True)
class AccountJob:
    account_id: str
    name: str
    role_name: str
    external_id: str | None
    profile: str | None
    regions: tuple[str, ...]
    all_regions: bool
    endpoint_url: str | None
    services: tuple[str, ...] | None
    workers: int
    output_dir: str
    formats: tuple[str, ...]
    config_path: str | None
    history_dir: str | None
    partition: str = "aws"
    #: The scanning credentials' own account: scanned with them, no role assumed.
    caller_account: str = ""
    rate: float = 20.0
    burst: int = 40

    @property
    def role_arn(self) -> str | None:
        if self.account_id == self.caller_account:
            return None
        return f"arn:{self.partition}:iam::{self.account_id}:role/{self.role_name}"


@dataclass(frozen=True)
class AccountOutcome:
    account_id: str
    name: str
    status: Literal["ok", "incomplete", "gap"]
    message: str = ""
    overall: str = ""
    calls: int = 0
    retries: int = 0
    rate_waited: float = 0.0
    seconds: float = 0.0


def _identity_check(clients: Any, job: AccountJob) -> str | None:
    """Why these credentials cannot scan ``job``'s account, or None when they can.

    AssumeRole already fails on AWS when the role is missing or does not trust
    the caller; API simulators (moto) hand out credentials for any role name,
    so the role is also looked up (``iam:GetRole``, part of SecurityAudit).
    A denied lookup proves nothing either way and is not held against it.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    region = job.regions[0]
    try:
        ident = clients("sts", region).get_caller_identity()
    except (ClientError, BotoCoreError) as exc:
        return f"cannot identify the assumed credentials: {exc}"
    if str(ident.get("Account")) != job.account_id:
        return f"the assumed credentials are for account {ident.get('Account')}, not this one"
    if job.role_arn is None:
        return None
    try:
        clients("iam", region).get_role(RoleName=job.role_name)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "NoSuchEntity":
            return f"role {job.role_name} does not exist in the account"
    except BotoCoreError:
        pass
    return None


def scan_account(job: AccountJob, progress: Any = None) -> AccountOutcome:
    """Scan one account and write its review; never raises (see module doc)."""
    started = time.monotonic()

    def gap(message: str) -> AccountOutcome:
        return AccountOutcome(
            job.account_id,
            job.name,
            "gap",
            message=message,
            seconds=round(time.monotonic() - started, 2),
        )

    if job.account_id in os.environ.get(CRASH_HOOK, "").split(","):
        os._exit(70)  # test hook: a worker process dying mid-account (tests/org)
    try:
        return _scan(job, progress, started)
    except Exception as exc:  # one account's failure must never cost the others
        from auditor.errors import AuditorError

        if isinstance(exc, AuditorError):
            return gap(str(exc))
        log.debug("account %s failed:\n%s", job.account_id, traceback.format_exc())
        return gap(f"the scan failed: {type(exc).__name__}: {exc}"[:500])


def _scan(job: AccountJob, progress: Any, started: float) -> AccountOutcome:
    from auditor.collect import collect, plan
    from auditor.collect.session import SessionClients, make_boto_session
    from auditor.config import load_config
    from auditor.engine.catalogue import load_catalogue
    from auditor.engine.evaluate import evaluate
    from auditor.errors import CollectionError
    from auditor.org.ratelimit import RegionBuckets, install_rate_limit
    from auditor.render.json import write_results
    from auditor.render.reports import write_reports
    from auditor.render.view import build_view
    from auditor.services import SERVICES

    catalogue = load_catalogue()
    config = load_config(Path(job.config_path) if job.config_path else None, catalogue)
    try:
        session = make_boto_session(
            profile=job.profile,
            region=job.regions[0],
            role_arn=job.role_arn,
            external_id=job.external_id,
            endpoint_url=job.endpoint_url,
        )
    except CollectionError as exc:
        return AccountOutcome(
            job.account_id,
            job.name,
            "gap",
            message=str(exc),
            seconds=round(time.monotonic() - started, 2),
        )
    clients = SessionClients(
        session, endpoint_url=job.endpoint_url, max_pool=job.workers * 2, retry_mode="adaptive"
    )
    buckets = RegionBuckets(job.rate, job.burst)
    install_rate_limit(session.events, buckets)
    problem = _identity_check(clients, job)
    if problem is not None:
        return AccountOutcome(
            job.account_id,
            job.name,
            "gap",
            message=f"cannot scan with role {job.role_name}: {problem}",
            seconds=round(time.monotonic() - started, 2),
        )
    services = list(job.services) if job.services is not None else None
    on_progress = None
    if progress is not None:
        total = (
            None if job.all_regions else len(plan(services or list(SERVICES), list(job.regions)))
        )
        progress.put(("start", job.account_id, total))

        def on_progress(_cov: Any) -> None:
            progress.put(("advance", job.account_id, 1))

    snapshot = collect(
        clients,
        list(job.regions),
        services,
        all_regions=job.all_regions,
        workers=job.workers,
        on_progress=on_progress,
    )
    result = evaluate(snapshot, catalogue, config)
    out = Path(job.output_dir)
    view = build_view(result)
    if job.history_dir:
        from dataclasses import replace

        from auditor.history.store import store_result, trend_points

        stored = store_result(result, Path(job.history_dir))
        view = replace(view, trend=trend_points(stored.parent))
    write_reports(result, out, job.formats, view=view)
    write_results(result, out / RESULTS_FILE)  # last: its presence means "finished"
    gaps = sum(1 for g in snapshot.gaps if g.requested)
    ops = snapshot.stats.operations
    return AccountOutcome(
        job.account_id,
        job.name,
        "incomplete" if gaps else "ok",
        message=f"{gaps} collection gap(s)" if gaps else "",
        overall=result.overall.grade,
        calls=sum(op.calls for op in ops),
        retries=sum(op.retries for op in ops),
        rate_waited=buckets.waited,
        seconds=round(time.monotonic() - started, 2),
    )
