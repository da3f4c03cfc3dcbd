"""Snapshot factories for rule tests (no moto): build exactly the resources a test needs.

Resources are named ``pass-*`` / ``fail-*`` so assertions read as sets of names.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from auditor.engine.evaluate import evaluate_rule
from auditor.engine.model import Rule, Status
from auditor.services import GLOBAL_REGION, SERVICES
from auditor.snapshot import SECTION_ATTRS, CallStats, CollectionStatus, Coverage, Snapshot
from auditor.snapshot.ec2 import Instance, NetworkInterface
from auditor.snapshot.rds import DbCluster, DbInstance

REGION = "us-west-2"
ACCOUNT_ID = "123456789012"
#: The "now" of every test snapshot; rules must use ``snap.collected_at``, not the clock.
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def make_snapshot(
    *,
    gaps: dict[str, str] | None = None,
    regions: tuple[str, ...] = (REGION,),
    collected_at: datetime = NOW,
    **sections: Any,
) -> Snapshot:
    """A snapshot with every service collected OK except those in ``gaps``.

    ``gaps`` maps a service to a status (``access_denied``...), or
    ``"service@region"`` to a status to gap one region only.
    ``sections`` are snapshot sections by service key, e.g. ``ecs=EcsSection(...)``
    (``lambda_=LambdaSection(...)`` for Lambda).
    """
    gaps = gaps or {}
    coverage = []
    for name, spec in SERVICES.items():
        for region in (GLOBAL_REGION,) if spec.is_global else regions:
            status = gaps.get(f"{name}@{region}") or gaps.get(name) or "ok"
            coverage.append(
                Coverage(
                    service=name,
                    region=region,
                    status=CollectionStatus(status),
                    operation="" if status == "ok" else "Test",
                    error_code="" if status == "ok" else "TestError",
                )
            )
    # keys are service names or snapshot attributes (``lambda_``, since ``lambda`` is a keyword)
    fields = {SECTION_ATTRS.get(k, k): v for k, v in sections.items()}
    return Snapshot(
        tool_version="test",
        account_id=ACCOUNT_ID,
        partition="aws",
        regions=regions,
        collected_at=collected_at,
        coverage=tuple(coverage),
        stats=CallStats(duration_seconds=0, operations=()),
        **fields,
    )


def results(rule: Rule, snap: Snapshot, **thresholds: Any) -> list[Any]:
    from auditor.config import Config

    config = Config(thresholds={rule.id: thresholds}) if thresholds else None
    return evaluate_rule(rule, snap, config)


def _names(rule: Rule, snap: Snapshot, status: Status, **thresholds: Any) -> set[str]:
    return {
        r.resource_name or r.resource_id
        for r in results(rule, snap, **thresholds)
        if r.status is status
    }


def failing(rule: Rule, snap: Snapshot, **thresholds: Any) -> set[str]:
    """Names of the resources the rule FAILs."""
    return _names(rule, snap, Status.FAIL, **thresholds)


def passing(rule: Rule, snap: Snapshot, **thresholds: Any) -> set[str]:
    """Names of the resources the rule PASSes."""
    return _names(rule, snap, Status.PASS, **thresholds)


def statuses(rule: Rule, snap: Snapshot) -> set[Status]:
    return {r.status for r in results(rule, snap)}


def evidence(rule: Rule, snap: Snapshot, name: str) -> str:
    for r in results(rule, snap):
        if (r.resource_name or r.resource_id) == name:
            return str(r.evidence)
    raise KeyError(name)


def command(rule: Rule, snap: Snapshot, name: str) -> str:
    for r in results(rule, snap):
        if (r.resource_name or r.resource_id) == name:
            return str(r.remediation_cmd)
    raise KeyError(name)


def fix_line(cmd: str) -> str:
    """The last line of a fix block: the command itself, uncommented when the block
    leaves it commented until the user has made their decision."""
    line = cmd.splitlines()[-1]
    return line[2:] if line.startswith("# ") else line


def decision(cmd: str) -> str:
    """The words of a fix block that asks the user to decide something first ("" if none)."""
    return next((line for line in cmd.splitlines() if line.startswith("# Your decision")), "")


# ------------------------------------------------------------- shared factories


def db_instance(name: str, **kw: Any) -> DbInstance:
    fields: dict[str, Any] = {
        "id": name,
        "arn": f"arn:aws:rds:{REGION}:{ACCOUNT_ID}:db:{name}",
        "region": REGION,
        "engine": "postgres",
        "engine_version": "16.3",
        "instance_class": "db.t4g.micro",
        "status": "available",
        "publicly_accessible": False,
        "storage_encrypted": True,
        "deletion_protection": True,
        "backup_retention_days": 7,
        "iam_auth": False,
        "multi_az": False,
    }
    fields.update(kw)
    return DbInstance.model_validate(fields)


def db_cluster(name: str, **kw: Any) -> DbCluster:
    fields: dict[str, Any] = {
        "id": name,
        "arn": f"arn:aws:rds:{REGION}:{ACCOUNT_ID}:cluster:{name}",
        "region": REGION,
        "engine": "aurora-postgresql",
        "engine_version": "16.3",
        "status": "available",
        "storage_encrypted": True,
        "deletion_protection": True,
        "backup_retention_days": 7,
        "iam_auth": False,
    }
    fields.update(kw)
    return DbCluster.model_validate(fields)


def instance(iid: str, subnet_id: str, *groups: str, **kw: Any) -> Instance:
    fields: dict[str, Any] = {
        "id": iid,
        "region": REGION,
        "state": "running",
        "instance_type": "t4g.nano",
        "image_id": "ami-1",
        "vpc_id": "vpc-1",
        "subnet_id": subnet_id,
        "private_ip": "10.0.0.10",
        "security_group_ids": groups,
    }
    fields.update(kw)
    return Instance.model_validate(fields)


def interface(eid: str, subnet_id: str, *groups: str, **kw: Any) -> NetworkInterface:
    fields: dict[str, Any] = {
        "id": eid,
        "region": REGION,
        "vpc_id": "vpc-1",
        "subnet_id": subnet_id,
        "description": "",
        "interface_type": "interface",
        "status": "in-use",
        "private_ip": "10.0.0.20",
        "security_group_ids": groups,
    }
    fields.update(kw)
    return NetworkInterface.model_validate(fields)
