"""Network placement: which subnets route to the internet."""

from __future__ import annotations

from auditor.analysis import per_snapshot
from auditor.snapshot import Snapshot
from auditor.snapshot.ec2 import RouteTable

WORLD_V4 = "0.0.0.0/0"
WORLD_V6 = "::/0"


def route_table_for(snap: Snapshot, subnet_id: str) -> RouteTable | None:
    """The subnet's explicitly associated route table, else its VPC's main table."""
    vpc_id = ""
    for subnet in snap.ec2.subnets:
        if subnet.id == subnet_id:
            vpc_id = subnet.vpc_id
            break
    main: RouteTable | None = None
    for table in snap.ec2.route_tables:
        if subnet_id in table.subnet_ids:
            return table
        if table.is_main and table.vpc_id == vpc_id:
            main = table
    return main


def routes_to_internet_gateway(table: RouteTable | None) -> bool:
    if table is None:
        return False
    return any(
        r.target.startswith("igw-")
        and r.state != "blackhole"
        and (r.destination_cidr == WORLD_V4 or r.destination_ipv6_cidr == WORLD_V6)
        for r in table.routes
    )


def subnet_is_public(snap: Snapshot, subnet_id: str) -> bool:
    """True when the subnet's default route goes to an internet gateway."""
    return subnet_id in _public_subnets(snap)


@per_snapshot
def _public_subnets(snap: Snapshot) -> frozenset[str]:
    return frozenset(
        s.id for s in snap.ec2.subnets if routes_to_internet_gateway(route_table_for(snap, s.id))
    )


@per_snapshot
def vpcs_in_use(snap: Snapshot) -> frozenset[str]:
    """VPCs where something runs: an interface, instance, database, function or ECS service."""
    subnet_vpc = {s.id: s.vpc_id for s in snap.ec2.subnets}
    used = {eni.vpc_id for eni in snap.ec2.network_interfaces}
    used |= {i.vpc_id for i in snap.ec2.instances}
    used |= {db.subnet_group.vpc_id for db in snap.rds.instances if db.subnet_group}
    used |= {fn.vpc_id for fn in snap.lambda_.functions if fn.vpc_id}
    used |= {subnet_vpc.get(sid, "") for fn in snap.lambda_.functions for sid in fn.subnet_ids}
    used |= {subnet_vpc.get(sid, "") for svc in snap.ecs.services for sid in svc.subnet_ids}
    return frozenset(used - {""})


def is_unused_default_vpc(snap: Snapshot, vpc_id: str) -> bool:
    """A default VPC nothing runs in: no traffic to log or filter (skipped, like Prowler does)."""
    return any(v.id == vpc_id and v.is_default for v in snap.ec2.vpcs) and (
        vpc_id not in vpcs_in_use(snap)
    )
