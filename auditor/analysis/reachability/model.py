"""What the reachability analysis reports: placements, grants, blockers, latent paths.

Plain values, no analysis: a :class:`ResourceReach` per resource (its
placements, what reaches each, why nothing does, what one change would
open), :class:`SubnetClass` per subnet, and the texts the rules quote
(:func:`path_text`, :func:`merge_blockers`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from typing import TYPE_CHECKING, Literal

from auditor.analysis.ipspace import EMPTY, IntervalSet, format_ports, internet_scale, port_set
from auditor.snapshot.ec2 import ALL_PROTOCOLS, Instance, NetworkInterface, SgRule
from auditor.snapshot.ecs import EcsService
from auditor.snapshot.lambda_ import LambdaFunction
from auditor.snapshot.rds import DbInstance

if TYPE_CHECKING:
    from auditor.analysis.reachability.acl import AclSegment

Kind = Literal["instance", "db-instance", "ecs-service", "lambda-function", "network-interface"]
Gate = Literal["address", "route", "acl", "sg"]
Resource = Instance | DbInstance | EcsService | LambdaFunction | NetworkInterface

PROTOCOLS: tuple[str, ...] = ("tcp", "udp")
FAMILIES: tuple[int, ...] = (4, 6)


def describe_rule(rule: SgRule) -> str:
    """``tcp 22 from 0.0.0.0/0``, ``all traffic from ::/0``, ``tcp 5432 from sg-app``."""
    source = rule.cidr or rule.ipv6_cidr or rule.prefix_list_id or rule.source_group_id
    if rule.protocol == ALL_PROTOCOLS:
        return f"all traffic from {source}"
    if rule.protocol in ("tcp", "udp"):
        return (
            f"{rule.protocol} {format_ports(port_set(rule.from_port, rule.to_port))} from {source}"
        )
    return f"{rule.protocol} from {source}"


@dataclass(frozen=True)
class Placement:
    """Where a resource sits: one interface, or one possible subnet of a database or service."""

    subnet_id: str
    security_group_ids: tuple[str, ...]
    #: The interface as a path names it: ``eni-1 54.0.0.1``,
    #: ``public address (PubliclyAccessible)``.
    interface: str
    has_ipv4: bool
    has_ipv6: bool = False


@dataclass(frozen=True)
class Grant:
    """Internet sources that reach some ports, with the hop that admits them at each gate."""

    protocol: str
    family: int
    ports: IntervalSet
    #: Internet addresses admitted end to end (already within the route, ACL and rule source).
    addresses: IntervalSet
    gateway: str
    route_table_id: str
    route_destination: str
    acl_id: str
    #: Rule number of the inbound entry (0: no ACL collected, AWS's default allows all).
    acl_in: int
    group_id: str
    rule: SgRule
    #: The gate a latent path assumed open ("" for a path that exists today).
    assumed: str = ""
    #: The outbound segments, to name the entry letting the reply out (on demand).
    replies: tuple[AclSegment, ...] = field(default=(), repr=False, compare=False)

    @cached_property
    def acl_out(self) -> int:
        """Rule number of the outbound entry letting the reply out (0: no ACL collected)."""
        from auditor.analysis.reachability.acl import reply_entry

        return reply_entry(self.replies, self.addresses)

    @cached_property
    def world(self) -> bool:
        """The sources are internet-scale (e.g. ``0.0.0.0/0``), not a few known addresses."""
        return internet_scale(self.addresses, self.family)


@dataclass(frozen=True)
class Blocker:
    """One gate closing every path of one placement."""

    gate: Gate
    reason: str
    #: The subnet the reason is about (route and ACL gates), "" otherwise.
    subnet_id: str = ""


@dataclass(frozen=True)
class PlacementReach:
    placement: Placement
    grants: tuple[Grant, ...]
    blockers: tuple[Blocker, ...]
    #: :func:`world_ports` of the grants, per protocol.
    world: dict[str, IntervalSet] = field(default_factory=dict)

    def world_ports(self, protocol: str) -> IntervalSet:
        if protocol not in self.world:
            return world_ports(self.grants, protocol)
        return self.world[protocol]


@dataclass(frozen=True)
class Latent:
    """An exposure to the world that one change would open."""

    gate: Gate
    #: The change, as a phrase: "a public IPv4 address", "a route to igw-1 in rtb-2"...
    change: str
    protocol: str
    #: Ports that change would open to the world (none of them is open to it today).
    ports: IntervalSet
    #: The path after the change.
    grant: Grant
    placement: Placement


@dataclass(frozen=True)
class ResourceReach:
    """Internet reachability of one resource."""

    kind: Kind
    resource: Resource
    label: str
    #: Why the resource has (or has no) public address, e.g. "PubliclyAccessible is false".
    address_note: str
    placements: tuple[PlacementReach, ...]
    latent: tuple[Latent, ...] = ()
    #: Ports the resource is known to listen on (a database's port).
    service_ports: tuple[int, ...] = ()

    @property
    def grants(self) -> tuple[Grant, ...]:
        return tuple(g for p in self.placements for g in p.grants)

    @property
    def reachable(self) -> bool:
        return any(p.grants for p in self.placements)

    def reachable_ports(self, protocol: str = "tcp") -> IntervalSet:
        """Ports some internet address can reach."""
        out = EMPTY
        for g in self.grants:
            if g.protocol == protocol:
                out = out | g.ports
        return out

    def world_ports(self, protocol: str = "tcp") -> IntervalSet:
        """Ports the internet at large can reach (internet-scale sources, see the module doc)."""
        out = EMPTY
        for p in self.placements:
            out = out | p.world_ports(protocol)
        return out

    def path(self, protocol: str, port: int) -> tuple[Placement, Grant] | None:
        """The path that best shows ``port`` open: a world-scale grant first, then the widest."""
        best: tuple[Placement, Grant] | None = None
        for p in self.placements:
            for g in p.grants:
                if g.protocol != protocol or port not in g.ports:
                    continue
                if best is None or (g.world, g.addresses.size) > (
                    best[1].world,
                    best[1].addresses.size,
                ):
                    best = (p.placement, g)
        return best

    @property
    def blockers(self) -> tuple[str, ...]:
        """Why no path exists, one phrase per closed gate (merged over placements)."""
        return merge_blockers(b for p in self.placements for b in p.blockers)


def world_ports(grants: Iterable[Grant], protocol: str) -> IntervalSet:
    """Ports whose admitted sources, over all the grants, are internet-scale."""
    return scale_ports(
        [(g.family, g.ports, g.addresses, g.world) for g in grants if g.protocol == protocol]
    )


def scale_ports(items: list[tuple[int, IntervalSet, IntervalSet, bool]]) -> IntervalSet:
    """Ports where the union of the (family, ports, addresses, is-world) items' addresses is
    internet-scale."""
    if not items:
        return EMPTY
    out_world = EMPTY
    for _, ports, _, world in items:
        if world:
            out_world = out_world | ports
    rest = [i for i in items if not i[1].issubset(out_world)]
    together: dict[int, IntervalSet] = {}
    for family, _, addresses, _ in rest:
        together[family] = together.get(family, EMPTY) | addresses
    if not any(internet_scale(a, f) for f, a in together.items()):
        return out_world  # narrow sources, even all together
    cuts: set[int] = set()
    for _, ports, _, _ in rest:
        for lo, hi in ports:
            cuts.update((lo, hi + 1))
    out: list[tuple[int, int]] = []
    for lo, nxt in pairwise(sorted(cuts)):
        by_family: dict[int, IntervalSet] = {}
        for family, ports, addresses, _ in rest:
            if lo in ports:
                by_family[family] = by_family.get(family, EMPTY) | addresses
        if any(internet_scale(a, f) for f, a in by_family.items()):
            out.append((lo, nxt - 1))
    return out_world | IntervalSet.of(*out)


def union(sets: Iterable[IntervalSet]) -> IntervalSet:
    out = EMPTY
    for x in sets:
        out = out | x
    return out


def merge_blockers(blockers: Iterable[Blocker]) -> tuple[str, ...]:
    """Phrases, one per (gate, reason), naming every subnet the reason holds for."""
    order: list[tuple[Gate, str]] = []
    subnets: dict[tuple[Gate, str], list[str]] = {}
    for b in blockers:
        key = (b.gate, b.reason)
        if key not in subnets:
            order.append(key)
            subnets[key] = []
        if b.subnet_id and b.subnet_id not in subnets[key]:
            subnets[key].append(b.subnet_id)
    out = []
    for key in order:
        gate, reason = key
        names = subnets[key]
        if gate == "route" and names:
            noun = "subnet" if len(names) == 1 else "subnets"
            verb = "is" if len(names) == 1 else "are"
            out.append(f"{noun} {', '.join(names)} {verb} private ({reason})")
        elif names:
            out.append(f"{reason} (in {', '.join(names)})")
        else:
            out.append(reason)
    return tuple(out)


def path_text(placement: Placement, grant: Grant, label: str) -> str:
    """``internet -> igw-1 -> rtb-1 (0.0.0.0/0) -> acl-1 (in #100, out #100) ->
    sg-1 tcp 22 from 0.0.0.0/0 -> eni-1 54.0.0.1 in subnet-1 -> instance i-1``."""
    if grant.acl_id:
        acl = f"{grant.acl_id} (in #{grant.acl_in}, out #{grant.acl_out})"
    else:
        acl = "no network ACL collected (AWS default allows all)"
    if grant.assumed == "acl":
        acl = f"{grant.acl_id or 'network ACL'} (if opened)"
    route = f"{grant.route_table_id} ({grant.route_destination})"
    if grant.assumed == "route":
        route = f"{grant.route_table_id or 'route table'} (if it routed to {grant.gateway})"
    interface = placement.interface
    if grant.assumed == "address":
        interface += " (if given a public address)"
    hops = [
        "internet",
        grant.gateway,
        route,
        acl,
        f"{grant.group_id} {describe_rule(grant.rule)}",
        f"{interface} in {placement.subnet_id}",
        label,
    ]
    return " -> ".join(hops)


@dataclass(frozen=True)
class SubnetClass:
    """A subnet judged by its routes."""

    subnet_id: str
    region: str
    vpc_id: str
    public: bool
    route_table_id: str
    #: Why, e.g. ``rtb-1 sends 0.0.0.0/0 to igw-1`` or ``rtb-2 sends 0.0.0.0/0 to nat-1``.
    reason: str


@dataclass(frozen=True)
class Reachability:
    """Every analysed resource and subnet of one snapshot."""

    resources: tuple[ResourceReach, ...]
    subnets: dict[tuple[str, str], SubnetClass] = field(default_factory=dict)
    _index: dict[tuple[str, str, str], ResourceReach] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for r in self.resources:
            self._index.setdefault(_key(r.resource), r)

    def of(self, resource: Resource) -> ResourceReach | None:
        """The analysis of one snapshot resource (None when it has no network presence)."""
        return self._index.get(_key(resource))

    def subnet(self, region: str, subnet_id: str) -> SubnetClass | None:
        return self.subnets.get((region, subnet_id))


def _key(resource: Resource) -> tuple[str, str, str]:
    ident = str(getattr(resource, "arn", "") or getattr(resource, "id", ""))
    return (type(resource).__name__, resource.region, ident)
