"""Internet reachability: which resources the internet can reach, on which ports, and why.

Pure functions of the snapshot, memoised per snapshot (:func:`analyse`).

What is analysed
----------------
Every resource with a network presence the snapshot knows, through the
resource's own facts (moto creates no AWS-managed interfaces, and real
accounts' managed interfaces cannot always be tied to their owner):

* **EC2 instances** not terminated, through each attached interface (its
  subnet, security groups, public IPv4 and IPv6 addresses); without collected
  interfaces, through the instance's own subnet, groups and public IP. A
  stopped instance is judged on its configuration: starting it opens the path.
* **RDS DB instances** (Aurora members included) in a DB subnet group:
  ``PubliclyAccessible`` gives a public IPv4 address; RDS may place, or fail
  over, the instance into *any* subnet of its group, so each subnet is a
  possible placement and the worst one counts.
* **ECS services** with awsvpc networking: tasks run in every subnet of the
  service, with a public IPv4 address when ``assignPublicIp`` is ``ENABLED``.
* **Lambda functions** in a VPC: never reachable (a function gets no public
  address and accepts no inbound connection); listed so the evidence says so.
* **Other network interfaces** in use and not attached to an instance nor
  recognisably managed for RDS, Lambda or ECS (load balancers, interfaces
  with an Elastic IP...).

The path
--------
Traffic from an internet address *a* to port *p* reaches a placement only if
every gate lets it through:

1. **address**: the placement has a public address of *a*'s family (IPv4
   public IP / ``PubliclyAccessible`` / ``assignPublicIp``; any IPv6
   address, all of which AWS hands out globally routable);
2. **route**: in the subnet's effective route table (its explicit
   association, else the VPC's main table), the longest-prefix route for *a*
   is an active route to an internet gateway, so the reply can leave (see
   :mod:`auditor.analysis.network`);
3. **network ACL** (the subnet's, else the VPC's default ACL; AWS's default
   "allow all" when none was collected), stateless, evaluated entry by entry
   in ascending rule number, the first matching entry deciding: inbound must
   allow *a* to *p*, and outbound must allow the reply to *a* on some port of
   the ephemeral range 1024-65535 (the client picks its source port, and an
   attacker picks one that passes);
4. **security group**: one ingress rule of one of the placement's groups
   admits *a* on *p* (security groups are stateful: egress rules do not
   matter for replies).

Sources are CIDR rules only: rules admitting another security group or a
prefix list (whose entries are not collected) admit no internet address.
Only TCP and UDP are analysed (ports); ICMP is left out.

What is reported
----------------
For each resource, its grants (:class:`Grant`: protocol, ports, the internet
source addresses admitted, and the hop that let them through at each gate),
from which ``reachable_ports`` (from any internet address) and
``world_ports`` (from an *internet-scale* source, see
:func:`auditor.analysis.ipspace.internet_scale`: ``0.0.0.0/0`` is, an office
``/32`` is not). When nothing is reachable, :attr:`ResourceReach.blockers`
says which gates close the path. And :attr:`ResourceReach.latent` lists what
*one* change would open to the world: giving the resource a public address
(instance, interface, database, ECS service), adding an internet-gateway
route to its subnet (when its VPC has an attached gateway), opening its
network ACL, or, for a database, one security group rule from the world on
its port. :func:`path_text` renders a grant as the evidence path.

Left out
--------
Load balancers (not collected), prefix-list contents, IPv6 on RDS and ECS
(the snapshot holds no such addresses), ICMP, and which subnet of its group
an RDS instance sits in today (``DescribeDBInstances`` gives the zone only:
every subnet of the group counts). Managed interfaces are not tied to their
owners: the owner's own facts are used instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import pairwise
from typing import Literal

from auditor.analysis import per_snapshot
from auditor.analysis.ipspace import (
    ALL_PORTS,
    EMPTY,
    EPHEMERAL_PORTS,
    IntervalSet,
    all_addresses,
    format_ports,
    internet,
    internet_scale,
    port_set,
)
from auditor.analysis.network import InternetRoute, internet_routes
from auditor.snapshot import Snapshot
from auditor.snapshot.ec2 import (
    ALL_PROTOCOLS,
    Instance,
    NaclEntry,
    NetworkAcl,
    NetworkInterface,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    protocol_number,
)
from auditor.snapshot.ecs import EcsService
from auditor.snapshot.lambda_ import LambdaFunction
from auditor.snapshot.rds import DbInstance

Kind = Literal["instance", "db-instance", "ecs-service", "lambda-function", "network-interface"]
Gate = Literal["address", "route", "acl", "sg"]
Resource = Instance | DbInstance | EcsService | LambdaFunction | NetworkInterface

PROTOCOLS: tuple[str, ...] = ("tcp", "udp")
FAMILIES: tuple[int, ...] = (4, 6)
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


# ------------------------------------------------------------------- network ACL


@dataclass(frozen=True)
class AclSegment:
    """Addresses that every entry of one direction treats alike, and what it allows them.

    ``allowed`` pairs the deciding entry's rule number with the ports it allows
    (0 stands for AWS's default allow-all ACL when none was collected).
    """

    addresses: IntervalSet
    allowed: tuple[tuple[int, IntervalSet], ...]

    @property
    def ports(self) -> IntervalSet:
        out = EMPTY
        for _, ports in self.allowed:
            out = out | ports
        return out


def _entry_source(entry: NaclEntry, family: int) -> str:
    return entry.cidr if family == 4 else entry.ipv6_cidr


def _entry_ports(entry: NaclEntry, protocol: str) -> IntervalSet | None:
    """The ports of ``protocol`` the entry matches, None when it does not match the protocol."""
    if entry.protocol == ALL_PROTOCOLS:
        return ALL_PORTS
    if entry.protocol != protocol_number(protocol):
        return None
    return port_set(entry.from_port, entry.to_port)


def acl_segments(
    entries: Iterable[NaclEntry], *, egress: bool, family: int, protocol: str
) -> tuple[AclSegment, ...]:
    """What a network ACL allows in one direction, per address segment.

    Entries are evaluated in ascending rule number; for each address and port
    the first matching entry decides (allow or deny); nothing matching is
    denied (AWS's final ``*`` entry). The result covers the whole address
    space of the family, split where entries' CIDRs begin and end.
    """
    relevant: list[tuple[int, IntervalSet, IntervalSet, bool]] = []
    for e in sorted(entries, key=lambda x: x.rule_number):
        if e.egress != egress:
            continue
        source = _entry_source(e, family)
        ports = _entry_ports(e, protocol)
        if not source or ports is None:
            continue
        relevant.append((e.rule_number, IntervalSet.from_cidr(source), ports, e.allow))
    space = all_addresses(family)
    if not relevant:
        return (AclSegment(space, ()),)
    cuts = {space.first, space.spans[-1][1] + 1}
    for _, addresses, _, _ in relevant:
        for lo, hi in addresses:
            cuts.update((lo, hi + 1))
    points = sorted(cuts)
    segments: list[AclSegment] = []
    for lo, nxt in pairwise(points):
        remaining = ALL_PORTS
        allowed: list[tuple[int, IntervalSet]] = []
        for number, addresses, ports, allow in relevant:
            if lo not in addresses:
                continue
            hit = remaining & ports
            if hit and allow:
                allowed.append((number, hit))
            remaining = remaining - ports
            if not remaining:
                break
        seg = AclSegment(IntervalSet.span(lo, nxt - 1), tuple(allowed))
        if segments and segments[-1].allowed == seg.allowed:
            segments[-1] = AclSegment(segments[-1].addresses | seg.addresses, seg.allowed)
        else:
            segments.append(seg)
    return tuple(segments)


def _open_acl(family: int) -> tuple[AclSegment, ...]:
    return (AclSegment(all_addresses(family), ((0, ALL_PORTS),)),)


# --------------------------------------------------------------- security groups


def rule_source(rule: SgRule, family: int) -> str:
    """The rule's CIDR source of the family ("" for group, prefix-list or other-family rules)."""
    return rule.cidr if family == 4 else rule.ipv6_cidr


def rule_ports(rule: SgRule, protocol: str) -> IntervalSet | None:
    """The ports of ``protocol`` (``tcp``/``udp``) the rule admits, None when it does not."""
    if rule.protocol == ALL_PROTOCOLS:
        return ALL_PORTS
    if rule.protocol != protocol:
        return None
    return port_set(rule.from_port, rule.to_port)


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


# ---------------------------------------------------------------------- results


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
        return _reply_entry(self.replies, self.addresses)

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
    return _scale_ports(
        [(g.family, g.ports, g.addresses, g.world) for g in grants if g.protocol == protocol]
    )


def _scale_ports(items: list[tuple[int, IntervalSet, IntervalSet, bool]]) -> IntervalSet:
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


def _union(sets: Iterable[IntervalSet]) -> IntervalSet:
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


# --------------------------------------------------------------------- analysis


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


_Relax = tuple[bool, bool, bool, tuple[int, ...]]  # address, route, acl, extra world tcp ports
_NO_RELAX: _Relax = (False, False, False, ())
_WORLD_RULE_GROUP = "new rule"


def _pieces(
    addresses: IntervalSet, segments: tuple[AclSegment, ...]
) -> Iterable[tuple[AclSegment, IntervalSet]]:
    """The segments ``addresses`` meet, each with the part of ``addresses`` inside it."""
    lo, hi = addresses.first, addresses.spans[-1][1]
    for seg in segments:
        spans = seg.addresses.spans
        if spans[-1][1] < lo or spans[0][0] > hi:
            continue
        piece = addresses & seg.addresses
        if piece:
            yield seg, piece


def _assumed_route(gateway: str, family: int) -> InternetRoute:
    """The default route a "one route away" path assumes."""
    dest = "0.0.0.0/0" if family == 4 else "::/0"
    route = (
        Route(destination_cidr=dest, target=gateway)
        if family == 4
        else Route(destination_ipv6_cidr=dest, target=gateway)
    )
    return InternetRoute(route=route, destination=dest, addresses=internet(family))


@dataclass(frozen=True)
class _Gates:
    """Route and network ACL of one placement, for one family and protocol."""

    family: int
    protocol: str
    table_id: str
    routes: tuple[InternetRoute, ...]
    acl_id: str
    acl_in: tuple[AclSegment, ...]
    acl_out: tuple[AclSegment, ...]
    assumed: str

    @cached_property
    def sources(self) -> IntervalSet:
        """Internet addresses routed back through a gateway and whose replies the ACL lets out."""
        routed = replies = EMPTY
        for r in self.routes:
            routed = routed | r.addresses
        for seg in self.acl_out:
            if seg.ports & EPHEMERAL_PORTS:
                replies = replies | seg.addresses
        return internet(self.family) & routed & replies

    @cached_property
    def inbound(self) -> tuple[AclSegment, ...]:
        """The inbound segments that allow something to some of the sources."""
        return tuple(s for s in self.acl_in if s.allowed and s.addresses.overlaps(self.sources))

    @cached_property
    def inbound_ports(self) -> IntervalSet:
        return _union(s.ports for s in self.inbound)

    def admit(self, group_id: str, rule: SgRule) -> Iterable[Grant]:
        """What one security group rule lets through the route and the ACL."""
        source = rule_source(rule, self.family)
        ports = rule_ports(rule, self.protocol)
        if not source or ports is None or not ports.overlaps(self.inbound_ports):
            return
        admitted = self.sources & IntervalSet.from_cidr(source)
        if not admitted:
            return
        for seg, addresses in _pieces(admitted, self.inbound):
            for number, allowed in seg.allowed:
                hit = ports & allowed
                if not hit:
                    continue
                route = next(r for r in self.routes if r.addresses.overlaps(addresses))
                yield Grant(
                    protocol=self.protocol,
                    family=self.family,
                    ports=hit,
                    addresses=addresses,
                    gateway=route.gateway,
                    route_table_id=self.table_id,
                    route_destination=route.destination,
                    acl_id=self.acl_id,
                    acl_in=number,
                    group_id=group_id,
                    rule=rule,
                    assumed=self.assumed,
                    replies=self.acl_out,
                )


class _Context:
    """Indexes over the snapshot and caches shared by every resource."""

    def __init__(self, snap: Snapshot) -> None:
        ec2 = snap.ec2
        self.subnets = {(s.region, s.id): s for s in ec2.subnets}
        self.groups = {(g.region, g.id): g for g in ec2.security_groups}
        self.explicit_table: dict[tuple[str, str], RouteTable] = {}
        self.main_table: dict[tuple[str, str], RouteTable] = {}
        for t in ec2.route_tables:
            for sid in t.subnet_ids:
                self.explicit_table[(t.region, sid)] = t
            if t.is_main:
                self.main_table[(t.region, t.vpc_id)] = t
        self.explicit_acl: dict[tuple[str, str], NetworkAcl] = {}
        self.default_acl: dict[tuple[str, str], NetworkAcl] = {}
        for a in ec2.network_acls:
            for sid in a.subnet_ids:
                self.explicit_acl[(a.region, sid)] = a
            if a.is_default:
                self.default_acl[(a.region, a.vpc_id)] = a
        self.gateways: dict[tuple[str, str], str] = {}
        for igw in ec2.internet_gateways:
            for vpc in igw.vpc_ids:
                self.gateways.setdefault((igw.region, vpc), igw.id)
        self._routes: dict[tuple[str, int], tuple[InternetRoute, ...]] = {}
        self._acl: dict[tuple[str, str, bool, int, str], tuple[AclSegment, ...]] = {}
        self._gate_cache: dict[tuple[object, ...], _Gates | None] = {}
        self._group_world: dict[tuple[str, tuple[str, ...]], dict[str, IntervalSet]] = {}
        self._acl_open: dict[tuple[str, str], bool] = {}
        self._grants: dict[tuple[int, str, tuple[int, ...]], tuple[Grant, ...]] = {}
        self._core: dict[
            tuple[object, ...],
            tuple[tuple[Grant, ...], tuple[Blocker, ...], dict[str, IntervalSet]],
        ] = {}

    # --- lookups

    def vpc_of(self, region: str, subnet_id: str) -> str:
        s = self.subnets.get((region, subnet_id))
        return s.vpc_id if s else ""

    def table_for(self, region: str, subnet_id: str) -> RouteTable | None:
        explicit = self.explicit_table.get((region, subnet_id))
        if explicit is not None:
            return explicit
        return self.main_table.get((region, self.vpc_of(region, subnet_id)))

    def acl_for(self, region: str, subnet_id: str) -> NetworkAcl | None:
        explicit = self.explicit_acl.get((region, subnet_id))
        if explicit is not None:
            return explicit
        return self.default_acl.get((region, self.vpc_of(region, subnet_id)))

    def routes(self, table: RouteTable, family: int) -> tuple[InternetRoute, ...]:
        key = (f"{table.region}/{table.id}", family)
        if key not in self._routes:
            self._routes[key] = internet_routes(table, family)
        return self._routes[key]

    def segments(
        self, acl: NetworkAcl | None, egress: bool, family: int, protocol: str
    ) -> tuple[AclSegment, ...]:
        if acl is None:
            return _open_acl(family)
        key = (acl.region, acl.id, egress, family, protocol)
        if key not in self._acl:
            self._acl[key] = acl_segments(
                acl.entries, egress=egress, family=family, protocol=protocol
            )
        return self._acl[key]

    def classify(self, region: str, subnet_id: str) -> SubnetClass:
        table = self.table_for(region, subnet_id)
        vpc = self.vpc_of(region, subnet_id)
        if table is None:
            return SubnetClass(subnet_id, region, vpc, False, "", "no route table")
        found = [r for f in FAMILIES for r in self.routes(table, f)]
        if found:
            first = found[0]
            return SubnetClass(
                subnet_id,
                region,
                vpc,
                True,
                table.id,
                f"{table.id} sends {first.destination} to {first.gateway}",
            )
        return SubnetClass(subnet_id, region, vpc, False, table.id, _default_route_note(table))

    # --- one placement

    def analyse(self, region: str, placement: Placement, relax: _Relax) -> PlacementReach:
        key = (
            region,
            placement.subnet_id,
            placement.security_group_ids,
            placement.has_ipv4,
            placement.has_ipv6,
            relax,
        )
        if key not in self._core:
            grants, blockers = self._compute(region, placement, relax)
            world = {p: world_ports(grants, p) for p in PROTOCOLS}
            self._core[key] = (grants, blockers, world)
        grants, blockers, world = self._core[key]
        return PlacementReach(placement, grants, blockers, world)

    def _compute(
        self, region: str, placement: Placement, relax: _Relax
    ) -> tuple[tuple[Grant, ...], tuple[Blocker, ...]]:
        relax_address, relax_route, relax_acl, extra_ports = relax
        sid = placement.subnet_id
        table = self.table_for(region, sid)
        acl = self.acl_for(region, sid)
        gateway = self.gateways.get((region, self.vpc_of(region, sid)), "")
        groups: list[tuple[str, tuple[SgRule, ...]]] = [
            (g.id, g.ingress)
            for gid in placement.security_group_ids
            if (g := self.groups.get((region, gid))) is not None
        ]
        if extra_ports:
            groups.append(
                (
                    _WORLD_RULE_GROUP,
                    tuple(
                        SgRule(protocol="tcp", from_port=p, to_port=p, cidr="0.0.0.0/0")
                        for p in extra_ports
                    ),
                )
            )
        assumed = (
            "address"
            if relax_address
            else "route"
            if relax_route
            else "acl"
            if relax_acl
            else "sg"
            if extra_ports
            else ""
        )
        families = [
            f
            for f, has in ((4, placement.has_ipv4 or relax_address), (6, placement.has_ipv6))
            if has
        ]
        grants: list[Grant] = []
        for family in families:
            for protocol in PROTOCOLS:
                gates = self._gates(
                    region, table, acl, gateway, relax_route, relax_acl, family, protocol, assumed
                )
                if gates is None:
                    break
                for group_id, ingress in groups:
                    key = (
                        id(gates),
                        group_id,
                        extra_ports if group_id == _WORLD_RULE_GROUP else (),
                    )
                    if key not in self._grants:
                        self._grants[key] = tuple(
                            g for r in ingress for g in gates.admit(group_id, r)
                        )
                    grants.extend(self._grants[key])
        blockers = () if grants or relax != _NO_RELAX else self._blockers(region, placement)
        return tuple(grants), blockers

    def group_world(self, region: str, group_ids: tuple[str, ...]) -> dict[str, IntervalSet]:
        """Ports the groups alone open to internet-scale sources, per protocol (an upper
        bound of any path's world ports through them)."""
        key = (region, group_ids)
        if key not in self._group_world:
            items: dict[str, list[tuple[int, IntervalSet, IntervalSet, bool]]] = {
                p: [] for p in PROTOCOLS
            }
            for gid in group_ids:
                g = self.groups.get((region, gid))
                for rule in g.ingress if g is not None else ():
                    for family in FAMILIES:
                        source = rule_source(rule, family)
                        if not source:
                            continue
                        addresses = IntervalSet.from_cidr(source) & internet(family)
                        for protocol in PROTOCOLS:
                            ports = rule_ports(rule, protocol)
                            if ports is not None and addresses:
                                world = internet_scale(addresses, family)
                                items[protocol].append((family, ports, addresses, world))
            self._group_world[key] = {p: _scale_ports(items[p]) for p in PROTOCOLS}
        return self._group_world[key]

    def acl_is_open(self, acl: NetworkAcl) -> bool:
        """True when the ACL lets every internet address in on every port, and replies out."""
        key = (acl.region, acl.id)
        if key not in self._acl_open:
            is_open = True
            for family in FAMILIES:
                for protocol in PROTOCOLS:
                    full = _union(
                        s.addresses
                        for s in self.segments(acl, False, family, protocol)
                        if s.ports == ALL_PORTS
                    )
                    replies = _union(
                        s.addresses
                        for s in self.segments(acl, True, family, protocol)
                        if s.ports & EPHEMERAL_PORTS
                    )
                    if not (internet(family).issubset(full) and internet(family).issubset(replies)):
                        is_open = False
            self._acl_open[key] = is_open
        return self._acl_open[key]

    def _gates(
        self,
        region: str,
        table: RouteTable | None,
        acl: NetworkAcl | None,
        gateway: str,
        relax_route: bool,
        relax_acl: bool,
        family: int,
        protocol: str,
        assumed: str,
    ) -> _Gates | None:
        """The route and ACL gates of one subnet context (shared by every resource in it);
        None when no internet route exists."""
        key = (
            region,
            table.id if table is not None else "",
            acl.id if acl is not None else "",
            gateway if relax_route else "",
            relax_route,
            relax_acl,
            family,
            protocol,
            assumed,
        )
        if key in self._gate_cache:
            return self._gate_cache[key]
        routes: tuple[InternetRoute, ...]
        if relax_route:
            routes = (_assumed_route(gateway, family),)
        else:
            routes = self.routes(table, family) if table is not None else ()
        gates: _Gates | None = None
        if routes:
            if relax_acl:
                acl_in = acl_out = _open_acl(family)
            else:
                acl_in = self.segments(acl, False, family, protocol)
                acl_out = self.segments(acl, True, family, protocol)
            gates = _Gates(
                family=family,
                protocol=protocol,
                table_id=table.id if table is not None else "",
                routes=routes,
                acl_id=acl.id if acl is not None else "",
                acl_in=acl_in,
                acl_out=acl_out,
                assumed=assumed,
            )
        self._gate_cache[key] = gates
        return gates

    # --- why nothing passes

    def _blockers(self, region: str, placement: Placement) -> tuple[Blocker, ...]:
        sid = placement.subnet_id
        out: list[Blocker] = []
        if not (placement.has_ipv4 or placement.has_ipv6):
            out.append(Blocker("address", ""))  # the resource's own words replace ""
        cls = self.classify(region, sid)
        if not cls.public:
            out.append(Blocker("route", cls.reason, sid))
        acl = self.acl_for(region, sid)
        if acl is not None:
            inbound = outbound = False
            for family in FAMILIES:
                for protocol in PROTOCOLS:
                    pub = internet(family)
                    inbound |= any(
                        s.ports and s.addresses.overlaps(pub)
                        for s in self.segments(acl, False, family, protocol)
                    )
                    outbound |= any(
                        (s.ports & EPHEMERAL_PORTS) and s.addresses.overlaps(pub)
                        for s in self.segments(acl, True, family, protocol)
                    )
            if not inbound:
                out.append(Blocker("acl", f"{acl.id} admits no TCP/UDP from the internet", sid))
            elif not outbound:
                out.append(Blocker("acl", f"{acl.id} lets no reply out to the internet", sid))
        out.append(self._sg_blocker(region, placement))
        out = [b for b in out if b.gate != "sg" or b.reason]
        if not out:  # each gate admits something, but never the same traffic
            opened = self._sg_internet_ports(region, placement)
            if acl is not None and opened:
                reason = f"{acl.id} denies what the security groups open to the internet: {opened}"
                out.append(Blocker("acl", reason, sid))
            else:
                reason = "no port passes the route, network ACL and security groups together"
                out.append(Blocker("sg", reason))
        return tuple(out)

    def _sg_internet_ports(self, region: str, placement: Placement) -> str:
        """``tcp 22, 5432; udp 53``: what the placement's groups admit from internet sources."""
        parts = []
        for protocol in PROTOCOLS:
            ports = EMPTY
            for gid in placement.security_group_ids:
                g = self.groups.get((region, gid))
                for rule in g.ingress if g is not None else ():
                    rp = rule_ports(rule, protocol)
                    if rp is not None and any(
                        (src := rule_source(rule, f))
                        and IntervalSet.from_cidr(src).overlaps(internet(f))
                        for f in FAMILIES
                    ):
                        ports = ports | rp
            if ports:
                parts.append(f"{protocol} {format_ports(ports)}")
        return "; ".join(parts)

    def _sg_blocker(self, region: str, placement: Placement) -> Blocker:
        found: list[SecurityGroup] = []
        for gid in placement.security_group_ids:
            g = self.groups.get((region, gid))
            if g is not None:
                found.append(g)
        if not found:
            names = ", ".join(placement.security_group_ids) or "none"
            return Blocker("sg", f"no security group of the resource was collected ({names})")
        for g in found:
            for rule in g.ingress:
                for family in FAMILIES:
                    source = rule_source(rule, family)
                    if (
                        source
                        and any(rule_ports(rule, p) is not None for p in PROTOCOLS)
                        and IntervalSet.from_cidr(source).overlaps(internet(family))
                    ):
                        return Blocker("sg", "")  # some rule admits the internet
        rules = [describe_rule(r) for g in found for r in g.ingress]
        names = ", ".join(g.id for g in found)
        verb = "admits" if len(found) == 1 else "admit"
        if not rules:
            return Blocker("sg", f"{names} {verb} no inbound traffic")
        shown = "; ".join(rules[:3]) + (f" (+{len(rules) - 3} more)" if len(rules) > 3 else "")
        return Blocker("sg", f"{names} {verb} no internet source ({shown})")


def _reply_entry(segments: tuple[AclSegment, ...], addresses: IntervalSet) -> int:
    for seg in segments:
        if seg.addresses.overlaps(addresses):
            for number, ports in seg.allowed:
                if ports & EPHEMERAL_PORTS:
                    return number
    return 0


def _default_route_note(table: RouteTable) -> str:
    for r in table.routes:
        if r.destination_cidr == "0.0.0.0/0" or r.destination_ipv6_cidr == "::/0":
            dest = r.destination_cidr or r.destination_ipv6_cidr
            target = r.target or "no target"
            if r.state == "blackhole":
                return f"{table.id} sends {dest} to {target}, a blackhole"
            if r.to_internet_gateway:
                return f"narrower routes of {table.id} override its {dest} route to {target}"
            return f"{table.id} sends {dest} to {target}"
    return f"{table.id} has no route to an internet gateway"


# ------------------------------------------------------------------- resources


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
class _Candidate:
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


def _candidates(snap: Snapshot) -> Iterable[_Candidate]:
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
        yield _Candidate("instance", i, label, note, _instance_placements(i, attached), (), eip)
    for e in snap.ec2.network_interfaces:
        if is_owned_elsewhere(e) or e.status not in ("in-use", ""):
            continue
        note = f"public IP {e.public_ip}" if e.public_ip else "no public IPv4 address"
        yield _Candidate(
            "network-interface", e, f"interface {e.id}", note, (_eni_placement(e),), (), eip
        )
    for db in snap.rds.instances:
        if db.subnet_group is None:
            continue
        public = db.publicly_accessible
        port = engine_port(db)
        yield _Candidate(
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
        yield _Candidate(
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
            yield _Candidate(
                "lambda-function",
                fn,
                f"Lambda function {fn.name}",
                "Lambda functions get no public address",
                _subnet_placements(fn.subnet_ids, fn.security_group_ids, "function ENI", False),
            )


def _latent(ctx: _Context, c: _Candidate, today: tuple[PlacementReach, ...]) -> tuple[Latent, ...]:
    """World exposures one change would add, gate by gate, placement by placement."""
    region = c.resource.region
    now = {p: _union(r.world_ports(p) for r in today) for p in PROTOCOLS}
    out: list[Latent] = []
    for placement in c.placements:
        gateway = ctx.gateways.get((region, ctx.vpc_of(region, placement.subnet_id)), "")
        table = ctx.table_for(region, placement.subnet_id)
        acl = ctx.acl_for(region, placement.subnet_id)
        options: list[tuple[Gate, str, _Relax]] = []
        # Opening the address, route or ACL gate exposes at most what the security groups
        # alone open to the world: when that is exposed already, skip those three.
        bound = ctx.group_world(region, placement.security_group_ids)
        if any(bound[p] - now[p] for p in PROTOCOLS):
            if c.address_change and not placement.has_ipv4:
                options.append(("address", c.address_change, (True, False, False, ())))
            if gateway and not ctx.classify(region, placement.subnet_id).public:
                where = f" in {table.id}" if table is not None else ""
                route_change = f"a route to {gateway}{where}"
                options.append(("route", route_change, (False, True, False, ())))
            if acl is not None and not ctx.acl_is_open(acl):
                options.append(("acl", f"opening {acl.id}", (False, False, True, ())))
        if c.service_ports:
            ports = ", ".join(str(p) for p in c.service_ports)
            change = f"one security group rule from 0.0.0.0/0 on tcp {ports}"
            options.append(("sg", change, (False, False, False, c.service_ports)))
        for gate, change, relax in options:
            opened = ctx.analyse(region, placement, relax)
            for protocol in PROTOCOLS:
                new = opened.world_ports(protocol) - now[protocol]
                if not new:
                    continue
                grant = max(
                    (g for g in opened.grants if g.protocol == protocol and g.ports.overlaps(new)),
                    key=lambda g: (g.world, g.addresses.size),
                )
                out.append(Latent(gate, change, protocol, new, grant, placement))
    return tuple(out)


@per_snapshot
def analyse(snap: Snapshot) -> Reachability:
    """Internet reachability of every resource with a network presence, and subnet classes."""
    ctx = _Context(snap)
    resources: list[ResourceReach] = []
    for c in _candidates(snap):
        today = tuple(
            replace(
                r,
                blockers=tuple(
                    Blocker("address", c.address_note) if b.gate == "address" else b
                    for b in r.blockers
                ),
            )
            for r in (ctx.analyse(c.resource.region, p, _NO_RELAX) for p in c.placements)
        )
        resources.append(
            ResourceReach(
                kind=c.kind,
                resource=c.resource,
                label=c.label,
                address_note=c.address_note,
                placements=today,
                latent=_latent(ctx, c, today),
                service_ports=c.service_ports,
            )
        )
    subnets = {(s.region, s.id): ctx.classify(s.region, s.id) for s in snap.ec2.subnets}
    return Reachability(resources=tuple(resources), subnets=subnets)


def reach_of(snap: Snapshot, resource: Resource) -> ResourceReach | None:
    """The reachability of one resource of ``snap`` (None: no network presence analysed)."""
    return analyse(snap).of(resource)


def subnet_class(snap: Snapshot, region: str, subnet_id: str) -> SubnetClass | None:
    """Public or private, and why (None for a subnet the snapshot does not hold)."""
    return analyse(snap).subnet(region, subnet_id)
