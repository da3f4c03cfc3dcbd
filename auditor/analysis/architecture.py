"""The architecture as a graph: networks, workloads, who talks to whom, what the internet reaches.

:func:`build_architecture` is a pure function of the snapshot (memoised per
snapshot). It is what the review's diagram draws and what its verdicts
(:mod:`auditor.analysis.verdicts`) judge; it travels in ``results.json`` so a
report re-rendered from results alone still has its picture.

What is in it
-------------
* **VPCs** with their subnets, each *public* or *private* as
  :func:`auditor.analysis.reachability.subnet_class` judges it (longest-prefix
  route to an internet gateway), and the egress of a private subnet (the NAT
  gateway its default route goes to, or none); internet and NAT gateways.
* **Workloads** (:class:`ArchNode`): ECS services (awsvpc), Lambda functions
  (in a VPC, placed by their subnets; or outside any VPC), RDS DB instances,
  EC2 instances not terminated, and network interfaces the internet reaches
  (load balancers, Elastic IPs). A workload's tier is ``public`` when any of
  its subnets is public (RDS and ECS may place it in any of them), else
  ``private``; ``none`` outside a VPC.
* **Security-group edges** (:class:`ArchEdge`): group A -> group B when an
  ingress rule of B admits A, with the protocol and ports, for groups some
  workload holds; workload X may connect to workload Y when X holds A and Y
  holds B (:meth:`Architecture.links`). A group admitting itself links the
  workloads sharing it. Rules admitting address ranges inside the network are
  not edges (no workload is named by them); rules open to the internet show
  as exposures when a path exists.
* **Exposures** (:class:`ArchExposure`): every internet path today, from
  :func:`auditor.analysis.reachability.analyse` (address, route, network ACL
  and security group all open), plus Lambda function URLs with
  ``AuthType NONE``.

Every collection is sorted, so the same snapshot gives the same document.
The lambda function's ``VpcId`` is not used when its subnets are known (moto
answers a fixed one): the VPC is the subnets' VPC.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Literal

from auditor.analysis import per_snapshot
from auditor.analysis.ipspace import format_ports, port_set
from auditor.analysis.network import route_table_for
from auditor.analysis.reachability import analyse, engine_port, path_text
from auditor.engine.model import Principle
from auditor.snapshot import Snapshot
from auditor.snapshot.base import Model
from auditor.snapshot.ec2 import ALL_PROTOCOLS, NetworkInterface, SgRule, Subnet

Tier = Literal["public", "private", "none"]
NodeKind = Literal["ecs-service", "lambda", "database", "instance", "interface"]
Judgement = Literal["strength", "weakness", "note"]

#: Reachability kinds -> node kinds.
_REACH_KINDS: dict[str, NodeKind] = {
    "instance": "instance",
    "db-instance": "database",
    "ecs-service": "ecs-service",
    "lambda-function": "lambda",
    "network-interface": "interface",
}
_GONE = frozenset({"terminated", "shutting-down"})


class ArchSubnet(Model):
    id: str
    name: str
    zone: str
    cidr: str
    tier: Literal["public", "private"]
    #: The gateway the default route goes to (``igw-...``, ``nat-...``), "" when none.
    egress: str = ""
    #: Why public or private (from the route table).
    reason: str = ""


class ArchGateway(Model):
    id: str
    name: str
    kind: Literal["internet", "nat"]
    #: A NAT gateway's subnet ("" for internet gateways).
    subnet_id: str = ""
    state: str = ""


class ArchVpc(Model):
    id: str
    region: str
    name: str
    cidr: str
    is_default: bool
    subnets: tuple[ArchSubnet, ...] = ()
    gateways: tuple[ArchGateway, ...] = ()


class ArchNode(Model):
    """One workload."""

    #: Unique in the document: ``<kind>:<region>:<id>``.
    key: str
    kind: NodeKind
    #: The AWS id (ARN for ECS services and functions).
    id: str
    name: str
    region: str
    #: "" outside any VPC.
    vpc_id: str = ""
    tier: Tier = "none"
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    #: Has (or may get, for RDS/ECS) a public IPv4 address.
    public_address: bool = False
    #: A short description: ``FARGATE``, ``python3.12``, ``postgres 5432 single-AZ``.
    detail: str = ""
    #: A database's listening port.
    port: int | None = None
    #: A database's Multi-AZ setting (None for other kinds and Aurora members).
    multi_az: bool | None = None


class ArchEdge(Model):
    """Security group ``target_group`` admits ``source_group`` on ``ports``.

    Kept at the group level (one per referencing rule set, so the document grows with the
    rules, not with workloads squared); the workloads behind each side are the nodes holding
    the group (:meth:`Architecture.links`).
    """

    region: str
    source_group: str
    target_group: str
    #: E.g. ``tcp 5432``, ``all traffic``; one entry per distinct grant, sorted.
    ports: tuple[str, ...]


class ArchExposure(Model):
    """An internet path to a workload that exists today."""

    target: str
    #: ``tcp``, ``udp`` or ``https`` (function URLs).
    protocol: str
    ports: str
    #: Internet-scale sources (``0.0.0.0/0``...), not a few known addresses.
    world: bool
    #: The internet gateway on the path ("" for function URLs).
    gateway: str
    #: Hop by hop: ``internet -> igw-1 -> rtb-1 (0.0.0.0/0) -> ... -> instance i-1``.
    path: str


class ArchVerdict(Model):
    """A recognised pattern, judged: what an expert reviewer would say about it."""

    key: str
    title: str
    judgement: Judgement
    principle: Principle
    #: The judgement in a sentence or two.
    text: str
    #: What was seen, one fact per line.
    evidence: tuple[str, ...] = ()


class Architecture(Model):
    vpcs: tuple[ArchVpc, ...] = ()
    nodes: tuple[ArchNode, ...] = ()
    edges: tuple[ArchEdge, ...] = ()
    exposures: tuple[ArchExposure, ...] = ()
    verdicts: tuple[ArchVerdict, ...] = ()

    def node(self, key: str) -> ArchNode:
        for n in self.nodes:
            if n.key == key:
                return n
        raise KeyError(key)

    def members(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """(region, group id) -> keys of the nodes holding that group."""
        out: dict[tuple[str, str], list[str]] = defaultdict(list)
        for n in self.nodes:
            for sg in n.security_group_ids:
                out[(n.region, sg)].append(n.key)
        return {k: tuple(v) for k, v in out.items()}

    def links(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """(source node, target node) -> ports: which workload may connect to which.

        Workloads squared in the worst case: for tests and small accounts; the diagram works
        on the drawn boxes instead.
        """
        members = self.members()
        out: dict[tuple[str, str], set[str]] = defaultdict(set)
        for e in self.edges:
            for t in members.get((e.region, e.target_group), ()):
                for s in members.get((e.region, e.source_group), ()):
                    if s != t:
                        out[(s, t)].update(e.ports)
        return {k: tuple(sorted(v)) for k, v in sorted(out.items())}


# ------------------------------------------------------------------------ helpers


def node_key(kind: NodeKind, region: str, ident: str) -> str:
    return f"{kind}:{region}:{ident}"


def _name_tag(tags: dict[str, str], fallback: str) -> str:
    return tags.get("Name", "") or fallback


def describe_grant(rule: SgRule) -> str:
    """``tcp 5432``, ``tcp 1024-65535``, ``all traffic``, ``udp all ports``, ``icmp``."""
    if rule.protocol == ALL_PROTOCOLS:
        return "all traffic"
    if rule.protocol in ("tcp", "udp"):
        return f"{rule.protocol} {format_ports(port_set(rule.from_port, rule.to_port))}"
    return rule.protocol


def _tier(subnet_ids: Iterable[str], public: set[tuple[str, str]], region: str) -> Tier:
    ids = list(subnet_ids)
    if not ids:
        return "none"
    return "public" if any((region, s) in public for s in ids) else "private"


def _egress(snap: Snapshot, subnet: Subnet) -> str:
    table = route_table_for(snap, subnet.id)
    if table is None:
        return ""
    for r in table.routes:
        active = r.destination_cidr == "0.0.0.0/0" and r.state == "active"
        if active and r.target.startswith(("igw-", "nat-")):
            return r.target
    return ""


# ------------------------------------------------------------------------ building


def _vpcs(snap: Snapshot, public: set[tuple[str, str]]) -> tuple[ArchVpc, ...]:
    reach = analyse(snap)
    subnets: dict[tuple[str, str], list[ArchSubnet]] = defaultdict(list)
    for s in snap.ec2.subnets:
        cls = reach.subnet(s.region, s.id)
        subnets[(s.region, s.vpc_id)].append(
            ArchSubnet(
                id=s.id,
                name=_name_tag(s.tags, s.id),
                zone=s.availability_zone,
                cidr=s.cidr,
                tier="public" if (s.region, s.id) in public else "private",
                egress=_egress(snap, s),
                reason=cls.reason if cls is not None else "",
            )
        )
    gateways: dict[tuple[str, str], list[ArchGateway]] = defaultdict(list)
    for igw in snap.ec2.internet_gateways:
        for vpc_id in igw.vpc_ids:
            gateways[(igw.region, vpc_id)].append(
                ArchGateway(id=igw.id, name=_name_tag(igw.tags, igw.id), kind="internet")
            )
    for nat in snap.ec2.nat_gateways:
        if nat.state in ("deleted", "deleting", "failed"):
            continue
        gateways[(nat.region, nat.vpc_id)].append(
            ArchGateway(
                id=nat.id,
                name=_name_tag(nat.tags, nat.id),
                kind="nat",
                subnet_id=nat.subnet_id,
                state=nat.state,
            )
        )
    out = []
    for v in snap.ec2.vpcs:
        key = (v.region, v.id)
        out.append(
            ArchVpc(
                id=v.id,
                region=v.region,
                name=_name_tag(v.tags, v.id),
                cidr=v.cidr,
                is_default=v.is_default,
                subnets=tuple(sorted(subnets.get(key, []), key=lambda s: (s.zone, s.name, s.id))),
                gateways=tuple(sorted(gateways.get(key, []), key=lambda g: (g.kind, g.name, g.id))),
            )
        )
    return tuple(sorted(out, key=lambda v: (v.region, v.name, v.id)))


def _nodes(snap: Snapshot, public: set[tuple[str, str]]) -> list[ArchNode]:
    subnet_vpc = {(s.region, s.id): s.vpc_id for s in snap.ec2.subnets}

    def vpc_of(region: str, subnet_ids: Iterable[str], fallback: str) -> str:
        for sid in sorted(subnet_ids):
            if (region, sid) in subnet_vpc:
                return subnet_vpc[(region, sid)]
        return fallback

    nodes: list[ArchNode] = []
    for svc in snap.ecs.services:
        if svc.status == "INACTIVE":
            continue
        nodes.append(
            ArchNode(
                key=node_key("ecs-service", svc.region, svc.arn),
                kind="ecs-service",
                id=svc.arn,
                name=svc.name,
                region=svc.region,
                vpc_id=vpc_of(svc.region, svc.subnet_ids, ""),
                tier=_tier(svc.subnet_ids, public, svc.region),
                subnet_ids=tuple(sorted(svc.subnet_ids)),
                security_group_ids=tuple(sorted(svc.security_group_ids)),
                public_address=svc.assign_public_ip == "ENABLED",
                detail=f"ECS service · {svc.launch_type or 'ECS'}",
            )
        )
    for fn in snap.lambda_.functions:
        in_vpc = bool(fn.subnet_ids)
        nodes.append(
            ArchNode(
                key=node_key("lambda", fn.region, fn.arn),
                kind="lambda",
                id=fn.arn,
                name=fn.name,
                region=fn.region,
                vpc_id=vpc_of(fn.region, fn.subnet_ids, fn.vpc_id) if in_vpc else "",
                tier=_tier(fn.subnet_ids, public, fn.region),
                subnet_ids=tuple(sorted(fn.subnet_ids)),
                security_group_ids=tuple(sorted(fn.security_group_ids)),
                detail="Lambda · " + (fn.runtime or "container image"),
            )
        )
    for db in snap.rds.instances:
        group = db.subnet_group
        subnet_ids = tuple(sorted(group.subnet_ids)) if group else ()
        port = engine_port(db)
        member = bool(db.cluster_id)
        az = " · cluster member" if member else (" · Multi-AZ" if db.multi_az else " · single-AZ")
        nodes.append(
            ArchNode(
                key=node_key("database", db.region, db.id),
                kind="database",
                id=db.id,
                name=db.id,
                region=db.region,
                vpc_id=vpc_of(db.region, subnet_ids, group.vpc_id if group else ""),
                tier=_tier(subnet_ids, public, db.region),
                subnet_ids=subnet_ids,
                security_group_ids=tuple(sorted(db.security_group_ids)),
                public_address=db.publicly_accessible,
                detail=f"RDS {db.engine}{az}",
                port=port,
                multi_az=None if member else db.multi_az,
            )
        )
    for i in snap.ec2.instances:
        if i.state in _GONE:
            continue
        nodes.append(
            ArchNode(
                key=node_key("instance", i.region, i.id),
                kind="instance",
                id=i.id,
                name=_name_tag(i.tags, i.id),
                region=i.region,
                vpc_id=vpc_of(i.region, (i.subnet_id,), i.vpc_id),
                tier=_tier((i.subnet_id,) if i.subnet_id else (), public, i.region),
                subnet_ids=(i.subnet_id,) if i.subnet_id else (),
                security_group_ids=tuple(sorted(i.security_group_ids)),
                public_address=bool(i.public_ip),
                detail=f"EC2 {i.instance_type}" + ("" if i.state == "running" else f" · {i.state}"),
            )
        )
    # Interfaces only when the internet reaches them (a load balancer, an Elastic IP...).
    for r in analyse(snap).resources:
        eni = r.resource
        if not isinstance(eni, NetworkInterface) or not r.reachable:
            continue
        nodes.append(
            ArchNode(
                key=node_key("interface", eni.region, eni.id),
                kind="interface",
                id=eni.id,
                name=_name_tag(eni.tags, eni.id),
                region=eni.region,
                vpc_id=eni.vpc_id,
                tier=_tier((eni.subnet_id,), public, eni.region),
                subnet_ids=(eni.subnet_id,),
                security_group_ids=tuple(sorted(eni.security_group_ids)),
                public_address=bool(eni.public_ip),
                detail="network interface · " + (eni.interface_type or "interface"),
            )
        )
    nodes.sort(key=lambda n: (n.region, n.vpc_id, n.kind, n.name, n.key))
    return nodes


def _edges(snap: Snapshot, nodes: list[ArchNode]) -> tuple[ArchEdge, ...]:
    """Group -> group grants where both groups are held by some workload."""
    held = {(n.region, sg) for n in nodes for sg in n.security_group_ids}
    found: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for group in snap.ec2.security_groups:
        if (group.region, group.id) not in held:
            continue
        for rule in group.ingress:
            source = rule.source_group_id
            if not source or rule.source_group_owner_id or (group.region, source) not in held:
                continue
            found[(group.region, source, group.id)].add(describe_grant(rule))
    return tuple(
        ArchEdge(region=r, source_group=src, target_group=dst, ports=tuple(sorted(p)))
        for (r, src, dst), p in sorted(found.items())
    )


def _exposures(snap: Snapshot, keys: set[str]) -> tuple[ArchExposure, ...]:
    out: list[ArchExposure] = []
    for r in analyse(snap).resources:
        if not r.reachable:
            continue
        ident = str(getattr(r.resource, "arn", "") or getattr(r.resource, "id", ""))
        if r.kind == "db-instance":
            ident = str(getattr(r.resource, "id", ""))
        key = node_key(_REACH_KINDS[r.kind], r.resource.region, ident)
        if key not in keys:
            continue
        for protocol in ("tcp", "udp"):
            ports = r.reachable_ports(protocol)
            if not ports:
                continue
            best = r.path(protocol, ports.first)
            if best is None:
                continue
            placement, grant = best
            out.append(
                ArchExposure(
                    target=key,
                    protocol=protocol,
                    ports=format_ports(ports),
                    world=bool(r.world_ports(protocol)),
                    gateway=grant.gateway,
                    path=path_text(placement, grant, r.label),
                )
            )
    for fn in snap.lambda_.functions:
        if fn.url is not None and fn.url.auth_type == "NONE":
            out.append(
                ArchExposure(
                    target=node_key("lambda", fn.region, fn.arn),
                    protocol="https",
                    ports="443",
                    world=True,
                    gateway="",
                    path=f"internet -> function URL (AuthType NONE) -> Lambda function {fn.name}",
                )
            )
    return tuple(sorted(out, key=lambda e: (e.target, e.protocol, e.ports)))


@per_snapshot
def build_architecture(snap: Snapshot) -> Architecture:
    """The architecture graph of ``snap`` (no verdicts: see :mod:`auditor.analysis.verdicts`)."""
    reach = analyse(snap)
    public = {key for key, cls in reach.subnets.items() if cls.public}
    nodes = _nodes(snap, public)
    return Architecture(
        vpcs=_vpcs(snap, public),
        nodes=tuple(nodes),
        edges=_edges(snap, nodes),
        exposures=_exposures(snap, {n.key for n in nodes}),
    )
