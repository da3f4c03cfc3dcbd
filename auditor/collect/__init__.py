"""Collection: the only package that talks to AWS (boto3 lives here and nowhere else).

:func:`collect` fans out over (service x region) on a bounded thread pool.
A collector is a plain function ``(clients, region) -> Section`` that stays
linear; this runner turns any AWS error it raises into a recorded gap.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from botocore.parsers import ResponseParserError

from auditor import __version__
from auditor.collect.common import CALL_SLOTS
from auditor.collect.gaps import classify_client_error as classify_client_error
from auditor.collect.gaps import gap_for, resource_gaps, strict_default
from auditor.collect.session import ClientFactory, SessionClients
from auditor.errors import CollectionError
from auditor.services import GLOBAL_REGION, SERVICES, ServiceSpec, expand
from auditor.snapshot import SECTION_ATTRS, CallStats, CollectionStatus, Coverage, Section, Snapshot
from auditor.snapshot.base import NOT_REQUESTED

log = logging.getLogger(__name__)

ProgressCallback = Callable[[Coverage], None]


@dataclass(frozen=True)
class Task:
    spec: ServiceSpec
    region: str  # GLOBAL_REGION for global services
    client_region: str


def _run_task(
    task: Task,
    clients: ClientFactory,
    deadline: float | None,
    strict: bool = False,
    slots: threading.Semaphore | None = None,
) -> tuple[Section | None, list[Coverage]]:
    """Run one unit: its section and coverage (the unit's record, then its resource gaps)."""
    service, region = task.spec.name, task.region
    if deadline is not None and time.monotonic() > deadline:
        return None, [
            Coverage(
                service=service,
                region=region,
                status=CollectionStatus.SKIPPED,
                message="time budget exhausted",
            )
        ]
    module_name, func_name = task.spec.collector.split(":")
    collector = getattr(importlib.import_module(module_name), func_name)
    token = CALL_SLOTS.set(slots)
    try:
        with resource_gaps(service, region, strict=strict) as per_resource:
            try:
                section = collector(clients, task.client_region)
            except Exception as exc:
                gap = gap_for(exc, service, region, strict=strict)
                if gap is None:
                    raise
                log.info("gap: %s/%s %s: %s", service, region, gap.operation, gap.error_code)
                return None, [gap]
    finally:
        CALL_SLOTS.reset(token)
    unit = Coverage(service=service, region=region, status=CollectionStatus.OK)
    return section, [unit, *sorted(per_resource, key=lambda c: (c.resource, c.operation))]


def identity(clients: ClientFactory, region: str) -> tuple[str, str]:
    """(account id, partition) of the scanning credentials."""
    try:
        ident = clients("sts", region).get_caller_identity()
    except NoCredentialsError:
        raise CollectionError("no AWS credentials found (try --profile or AWS_PROFILE)") from None
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        raise CollectionError(f"cannot identify the account: {exc}") from None
    arn = str(ident["Arn"])
    return str(ident["Account"]), arn.split(":")[1]


def enabled_regions(clients: ClientFactory, region: str) -> list[str]:
    """Regions enabled for the account (``ec2:DescribeRegions`` without opt-in regions left off)."""
    try:
        regions = clients("ec2", region).describe_regions(AllRegions=False)["Regions"]
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        raise CollectionError(f"cannot list enabled regions: {exc}") from None
    return sorted(
        r["RegionName"]
        for r in regions
        if r.get("OptInStatus", "opt-in-not-required") != "not-opted-in"
    )


def plan(
    services: Iterable[str],
    regions: Sequence[str],
    supported: Callable[[str], set[str] | None] | None = None,
) -> list[Task]:
    """The (service, region) tasks to run; global services once."""
    tasks: list[Task] = []
    for name in services:
        spec = SERVICES[name]
        if spec.is_global:
            tasks.append(Task(spec, GLOBAL_REGION, regions[0]))
            continue
        allowed = supported(spec.clients[0]) if supported else None
        for region in regions:
            if allowed is None or region in allowed:
                tasks.append(Task(spec, region, region))
    return tasks


def collect(
    clients: SessionClients,
    regions: Sequence[str],
    services: Sequence[str] | None = None,
    *,
    all_regions: bool = False,
    workers: int = 8,
    deadline: float | None = None,
    on_progress: ProgressCallback | None = None,
    strict: bool | None = None,
) -> Snapshot:
    """Collect every asked service in every region into one :class:`Snapshot`.

    ``regions[0]`` is the home region (identity, region listing, global
    services). With ``all_regions`` the account's enabled regions replace
    ``regions``, each service limited to the regions it exists in.
    ``deadline`` (a ``time.monotonic()`` value) stops starting new tasks:
    those not started are recorded as skipped, so the snapshot is honest.
    ``strict`` (default: ``AUDITOR_STRICT``) lets an unexpected exception in a
    collector propagate (tests); otherwise it becomes an ``internal_error`` gap.
    """
    strict = strict_default() if strict is None else strict
    if not regions:
        raise CollectionError("no region given (use --region or set AWS_REGION)")
    started = time.monotonic()
    collected_at = datetime.now(UTC).replace(microsecond=0)
    home = regions[0]
    account_id, partition = identity(clients, home)
    names = expand(list(services)) if services is not None else list(SERVICES)
    supported: Callable[[str], set[str] | None] | None = None
    if all_regions:
        regions = enabled_regions(clients, home)
        if home not in regions:
            home = regions[0]

        def supported(boto_name: str) -> set[str] | None:
            available = set(clients.session.get_available_regions(boto_name, partition))
            return available or None

    tasks = plan(names, regions, supported)
    for task in tasks:  # create clients up front: creation is not thread-safe, use is
        for client_name in task.spec.clients:
            clients(client_name, task.client_region)

    sections: dict[str, list[Section]] = {SERVICES[name].section_key: [] for name in names}
    coverage: list[Coverage] = []
    # Units run on ``workers`` threads; their independent calls share ``workers`` more slots.
    slots = threading.BoundedSemaphore(max(1, workers))
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="collect") as pool:
        futures: list[tuple[Task, Future[tuple[Section | None, list[Coverage]]]]] = [
            (task, pool.submit(_run_task, task, clients, deadline, strict, slots)) for task in tasks
        ]
        for task, future in futures:
            section, covs = future.result()
            coverage.extend(covs)
            if section is not None:
                sections[task.spec.section_key].append(section)
            if on_progress is not None:
                on_progress(covs[0])
    for name in SERVICES:
        if name not in names:
            coverage.append(
                Coverage(
                    service=name,
                    region=GLOBAL_REGION if SERVICES[name].is_global else "*",
                    status=CollectionStatus.SKIPPED,
                    message=NOT_REQUESTED,
                )
            )

    fields: dict[str, Any] = {}
    for name, parts in sections.items():
        attr = SECTION_ATTRS[name]
        section_cls = Snapshot.model_fields[attr].annotation
        assert isinstance(section_cls, type)
        assert issubclass(section_cls, Section)
        fields[attr] = section_cls.merge(parts)
    return Snapshot(
        tool_version=__version__,
        account_id=account_id,
        partition=partition,
        regions=tuple(regions),
        collected_at=collected_at,
        coverage=tuple(sorted(coverage, key=lambda c: (c.service, c.region, c.resource))),
        stats=CallStats(
            duration_seconds=round(time.monotonic() - started, 3),
            operations=clients.recorder.operations(),
        ),
        **fields,
    )
