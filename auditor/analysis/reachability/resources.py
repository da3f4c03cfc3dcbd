"""The resources with a network presence, and where each sits (its placements).

Instances and their interfaces, in-use interfaces owned by nobody else, RDS
DB instances (every subnet of their group), ECS services with awsvpc
networking and Lambda functions in a VPC, each described by its own facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from auditor.analysis.reachability.model import Kind, Placement, Resource
from auditor.snapshot import Snapshot
from auditor.snapshot.ec2 import Instance, NetworkInterface
from auditor.snapshot.rds import DbInstance

_GONE_INSTANCE_STATES = frozenset({"terminated", "shutting-down"})

#: Default ports of database engines (when RDS does not report one).
ENGINE_PORTS: tuple[tuple[str, int], ...] = (
    ("aurora-postgresql", 5432),
    ("postgres", 5432),
    ("aurora-mysql", 3306),
    ("aurora", 3306),
    ("mysql", 3306),
    ("mariadb", 3306),
    ("sqlserver", 1433),
    ("oracle", 1521),
    ("docdb", 27017),
    ("neptune", 8182),
    ("db2", 50000),
)


def engine_port(db: DbInstance) -> int | None:
    """The database's port: the one RDS reports, else its engine's default."""
    if db.port:
        return db.port
    return next((port for prefix, port in ENGINE_PORTS if db.engine.startswith(prefix)), None)


def _instance_placements(
    instance: Instance, attached: dict[tuple[str, str], list[NetworkInterface]]
) -> tuple[Placement, ...]:
    enis = attached.get((instance.region, instance.id), [])
    if not enis:
        address = f" {instance.public_ip}" if instance.public_ip else ""
        return (
            Placement(
                subnet_id=instance.subnet_id,
                security_group_ids=instance.security_group_ids,
                interface=f"{instance.id}{address}",
                has_ipv4=bool(instance.public_ip),
            ),
        )
    carrier = ""
    if instance.public_ip and not any(e.public_ip == instance.public_ip for e in enis):
        # The instance reports a public IP its interfaces do not: the primary one has it.
        bare = [e for e in enis if not e.public_ip] or enis
        primary = next((e for e in bare if e.subnet_id == instance.subnet_id), bare[0])
        carrier = primary.id
    out = []
    for e in enis:
        public = e.public_ip or (instance.public_ip if e.id == carrier else "")
        placement = _eni_placement(e, public)
        if not placement.security_group_ids:  # an interface always has one: data was partial
            placement = replace(placement, security_group_ids=instance.security_group_ids)
        out.append(placement)
    return tuple(out)


def _eni_placement(eni: NetworkInterface, public_ip: str | None = None) -> Placement:
    public = eni.public_ip if public_ip is None else public_ip
    addresses = [a for a in (public, *eni.ipv6_addresses) if a]
    shown = f" {addresses[0]}" if addresses else ""
    return Placement(
        subnet_id=eni.subnet_id,
        security_group_ids=eni.security_group_ids,
        interface=f"{eni.id}{shown}",
        has_ipv4=bool(public),
        has_ipv6=bool(eni.ipv6_addresses),
    )


_MANAGED_DESCRIPTIONS = ("RDSNetworkInterface", "AWS Lambda VPC ENI", "arn:aws:ecs:")
_MANAGED_REQUESTERS = ("amazon-rds", "amazon-elasticache")


def is_owned_elsewhere(eni: NetworkInterface) -> bool:
    """An interface analysed through its owner: an instance, or RDS, Lambda or ECS
    (by AWS's descriptions and requesters), so it is not reported twice."""
    if eni.attached_instance_id:
        return True
    if eni.interface_type == "lambda" or eni.requester_id in _MANAGED_REQUESTERS:
        return True
    d = eni.description
    return d.startswith(_MANAGED_DESCRIPTIONS) or ":attachment/" in d


def _subnet_placements(
    subnets: tuple[str, ...], groups: tuple[str, ...], interface: str, public: bool
) -> tuple[Placement, ...]:
    return tuple(
        Placement(subnet_id=s, security_group_ids=groups, interface=interface, has_ipv4=public)
        for s in subnets
    )


@dataclass(frozen=True)
class Candidate:
    """A resource to analyse, described by its own facts."""

    kind: Kind
    resource: Resource
    label: str
    #: Why it has, or has no, public address.
    address_note: str
    placements: tuple[Placement, ...]
    service_ports: tuple[int, ...] = ()
    #: The change that would give it a public IPv4 address ("" when none can).
    address_change: str = ""


def candidates(snap: Snapshot) -> Iterable[Candidate]:
    eip = "an Elastic IP address"
    attached: dict[tuple[str, str], list[NetworkInterface]] = {}
    for e in snap.ec2.network_interfaces:
        if e.attached_instance_id:
            attached.setdefault((e.region, e.attached_instance_id), []).append(e)
    for i in snap.ec2.instances:
        if i.state in _GONE_INSTANCE_STATES:
            continue
        name = i.tags.get("Name", "")
        label = f"instance {i.id}" + (f" ({name})" if name else "")
        note = f"public IP {i.public_ip}" if i.public_ip else "no public IPv4 address"
        yield Candidate("instance", i, label, note, _instance_placements(i, attached), (), eip)
    for e in snap.ec2.network_interfaces:
        if is_owned_elsewhere(e) or e.status not in ("in-use", ""):
            continue
        note = f"public IP {e.public_ip}" if e.public_ip else "no public IPv4 address"
        yield Candidate(
            "network-interface", e, f"interface {e.id}", note, (_eni_placement(e),), (), eip
        )
    for db in snap.rds.instances:
        if db.subnet_group is None:
            continue
        public = db.publicly_accessible
        port = engine_port(db)
        yield Candidate(
            "db-instance",
            db,
            f"database {db.id}",
            f"PubliclyAccessible is {'true' if public else 'false'}",
            _subnet_placements(
                db.subnet_group.subnet_ids,
                db.security_group_ids,
                "public address (PubliclyAccessible)" if public else "private address",
                public,
            ),
            (port,) if port else (),
            "turning PubliclyAccessible on",
        )
    for svc in snap.ecs.services:
        if svc.status == "INACTIVE" or not svc.subnet_ids:
            continue
        public = svc.assign_public_ip == "ENABLED"
        yield Candidate(
            "ecs-service",
            svc,
            f"ECS service {svc.name}",
            f"assignPublicIp is {svc.assign_public_ip or 'DISABLED'}",
            _subnet_placements(
                svc.subnet_ids,
                svc.security_group_ids,
                "task public IP (assignPublicIp ENABLED)" if public else "task interface",
                public,
            ),
            (),
            "assignPublicIp ENABLED",
        )
    for fn in snap.lambda_.functions:
        if fn.subnet_ids:
            yield Candidate(
                "lambda-function",
                fn,
                f"Lambda function {fn.name}",
                "Lambda functions get no public address",
                _subnet_placements(fn.subnet_ids, fn.security_group_ids, "function ENI", False),
            )
