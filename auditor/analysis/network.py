"""Network placement: which subnets route to the internet.

A subnet is *public* when some internet address (see
:mod:`auditor.analysis.ipspace`) is best routed, by longest prefix match in
the subnet's effective route table, through an internet gateway: usually the
default route ``0.0.0.0/0`` or ``::/0``, but also a narrower route (say, an
office range) to the gateway. Replies to those addresses leave through the
gateway, so a path in from them can exist. A longer ``blackhole`` route wins
over a shorter one and drops the traffic, as AWS does. Routes to prefix lists
are not expanded (their entries are not collected) and count as no route.
Egress-only gateways (``eigw-``) carry no inbound traffic and do not count.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from auditor.analysis import per_snapshot
from auditor.analysis.ipspace import IntervalSet, internet, parse_cidr
from auditor.snapshot import Snapshot
from auditor.snapshot.ec2 import ALL_PROTOCOLS, Route, RouteTable, SgRule


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


@dataclass(frozen=True)
class InternetRoute:
    """A route to an internet gateway, and the internet addresses it is the best route for."""

    route: Route
    destination: str
    addresses: IntervalSet

    @property
    def gateway(self) -> str:
        return self.route.target


def internet_routes(table: RouteTable | None, family: int) -> tuple[InternetRoute, ...]:
    """The table's internet-gateway routes of one family (4 or 6) that win for some
    internet address, by longest prefix match; empty when none does."""
    if table is None:
        return ()
    routes: list[tuple[int, str, Route]] = []
    for r in table.routes:
        dest = r.destination_cidr if family == 4 else r.destination_ipv6_cidr
        if dest:
            routes.append((parse_cidr(dest).prefixlen, dest, r))
    remaining = internet(family)
    found: list[InternetRoute] = []
    for _, dest, r in sorted(routes, key=lambda t: -t[0]):
        if not remaining:
            break
        claimed = remaining & IntervalSet.from_cidr(dest)
        if not claimed:
            continue
        remaining = remaining - claimed
        if r.to_internet_gateway:
            found.append(InternetRoute(route=r, destination=dest, addresses=claimed))
    return tuple(found)


def routes_to_internet_gateway(table: RouteTable | None) -> bool:
    """True when some internet address (IPv4 or IPv6) is best routed to an internet gateway."""
    return bool(internet_routes(table, 4) or internet_routes(table, 6))


def subnet_is_public(snap: Snapshot, subnet_id: str) -> bool:
    """True when some internet address is best routed through an internet gateway from the
    subnet's effective route table (usually: its default route goes to one)."""
    return subnet_id in _public_subnets(snap)


@per_snapshot
def _public_subnets(snap: Snapshot) -> frozenset[str]:
    explicit: dict[str, RouteTable] = {}
    main: dict[str, RouteTable] = {}
    for t in snap.ec2.route_tables:
        for sid in t.subnet_ids:
            explicit.setdefault(sid, t)
        if t.is_main:
            main.setdefault(t.vpc_id, t)
    verdicts: dict[str, bool] = {}  # per table id: many subnets share a table
    public = set()
    for s in snap.ec2.subnets:
        table: RouteTable | None = explicit.get(s.id) or main.get(s.vpc_id)
        if table is None:
            continue
        if table.id not in verdicts:
            verdicts[table.id] = routes_to_internet_gateway(table)
        if verdicts[table.id]:
            public.add(s.id)
    return frozenset(public)


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


def ip_permissions(rules: Iterable[SgRule]) -> str:
    """The rules as the ``--ip-permissions`` JSON that revokes exactly them."""
    out: list[dict[str, Any]] = []
    for r in rules:
        perm: dict[str, Any] = {"IpProtocol": r.protocol}
        if r.protocol != ALL_PROTOCOLS and r.from_port is not None:
            perm["FromPort"] = r.from_port
            perm["ToPort"] = r.to_port if r.to_port is not None else r.from_port
        if r.cidr:
            perm["IpRanges"] = [{"CidrIp": r.cidr}]
        elif r.ipv6_cidr:
            perm["Ipv6Ranges"] = [{"CidrIpv6": r.ipv6_cidr}]
        elif r.prefix_list_id:
            perm["PrefixListIds"] = [{"PrefixListId": r.prefix_list_id}]
        elif r.source_group_id:
            pair = {"GroupId": r.source_group_id}
            if r.source_group_owner_id:
                pair["UserId"] = r.source_group_owner_id
            perm["UserIdGroupPairs"] = [pair]
        out.append(perm)
    return json.dumps(out, separators=(",", ":"))
