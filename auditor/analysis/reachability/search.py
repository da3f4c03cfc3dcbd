"""The path search: for each placement, which internet sources pass every gate, and
why none does; and what one change (address, route, ACL, one rule) would open."""

from __future__ import annotations

from dataclasses import replace

from auditor.analysis import per_snapshot
from auditor.analysis.ipspace import IntervalSet
from auditor.analysis.network import InternetRoute
from auditor.analysis.reachability.acl import acl_blocker, open_acl
from auditor.analysis.reachability.gates import Gates, assumed_route
from auditor.analysis.reachability.groups import group_world, internet_ports_text, sg_blocker
from auditor.analysis.reachability.model import (
    PROTOCOLS,
    Blocker,
    Gate,
    Grant,
    Latent,
    Placement,
    PlacementReach,
    Reachability,
    Resource,
    ResourceReach,
    SubnetClass,
    union,
    world_ports,
)
from auditor.analysis.reachability.resources import Candidate, candidates
from auditor.analysis.reachability.topology import Topology
from auditor.snapshot import Snapshot
from auditor.snapshot.ec2 import NetworkAcl, RouteTable, SgRule

_Relax = tuple[bool, bool, bool, tuple[int, ...]]  # address, route, acl, extra world tcp ports
_NO_RELAX: _Relax = (False, False, False, ())
_WORLD_RULE_GROUP = "new rule"


class PathSearch:
    """Every placement's paths through the gates of a :class:`Topology`, cached by the
    facts that decide them (placements alike share one computation)."""

    def __init__(self, net: Topology) -> None:
        self.net = net
        self._gate_cache: dict[tuple[object, ...], Gates | None] = {}
        self._group_world: dict[tuple[str, tuple[str, ...]], dict[str, IntervalSet]] = {}
        self._grants: dict[tuple[int, str, tuple[int, ...]], tuple[Grant, ...]] = {}
        self._core: dict[
            tuple[object, ...],
            tuple[tuple[Grant, ...], tuple[Blocker, ...], dict[str, IntervalSet]],
        ] = {}

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
        net = self.net
        table = net.table_for(region, sid)
        acl = net.acl_for(region, sid)
        gateway = net.gateways.get((region, net.vpc_of(region, sid)), "")
        groups: list[tuple[str, tuple[SgRule, ...]]] = [
            (g.id, g.ingress)
            for gid in placement.security_group_ids
            if (g := net.groups.get((region, gid))) is not None
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
            self._group_world[key] = group_world(self.net.groups_of(region, group_ids))
        return self._group_world[key]

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
    ) -> Gates | None:
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
            routes = (assumed_route(gateway, family),)
        else:
            routes = self.net.routes(table, family) if table is not None else ()
        gates: Gates | None = None
        if routes:
            if relax_acl:
                acl_in = acl_out = open_acl(family)
            else:
                acl_in = self.net.segments(acl, False, family, protocol)
                acl_out = self.net.segments(acl, True, family, protocol)
            gates = Gates(
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
        net = self.net
        sid = placement.subnet_id
        out: list[Blocker] = []
        if not (placement.has_ipv4 or placement.has_ipv6):
            out.append(Blocker("address", ""))  # the resource's own words replace ""
        cls = net.classify(region, sid)
        if not cls.public:
            out.append(Blocker("route", cls.reason, sid))
        acl = net.acl_for(region, sid)
        if acl is not None:
            reason = acl_blocker(acl.id, lambda e, f, p: net.segments(acl, e, f, p))
            if reason:
                out.append(Blocker("acl", reason, sid))
        groups = net.groups_of(region, placement.security_group_ids)
        out.append(sg_blocker(placement.security_group_ids, groups))
        out = [b for b in out if b.gate != "sg" or b.reason]
        if not out:  # each gate admits something, but never the same traffic
            opened = internet_ports_text(groups)
            if acl is not None and opened:
                reason = f"{acl.id} denies what the security groups open to the internet: {opened}"
                out.append(Blocker("acl", reason, sid))
            else:
                reason = "no port passes the route, network ACL and security groups together"
                out.append(Blocker("sg", reason))
        return tuple(out)


def _latent(ctx: PathSearch, c: Candidate, today: tuple[PlacementReach, ...]) -> tuple[Latent, ...]:
    """World exposures one change would add, gate by gate, placement by placement."""
    region = c.resource.region
    now = {p: union(r.world_ports(p) for r in today) for p in PROTOCOLS}
    out: list[Latent] = []
    for placement in c.placements:
        net = ctx.net
        gateway = net.gateways.get((region, net.vpc_of(region, placement.subnet_id)), "")
        table = net.table_for(region, placement.subnet_id)
        acl = net.acl_for(region, placement.subnet_id)
        options: list[tuple[Gate, str, _Relax]] = []
        # Opening the address, route or ACL gate exposes at most what the security groups
        # alone open to the world: when that is exposed already, skip those three.
        bound = ctx.group_world(region, placement.security_group_ids)
        if any(bound[p] - now[p] for p in PROTOCOLS):
            if c.address_change and not placement.has_ipv4:
                options.append(("address", c.address_change, (True, False, False, ())))
            if gateway and not net.classify(region, placement.subnet_id).public:
                where = f" in {table.id}" if table is not None else ""
                route_change = f"a route to {gateway}{where}"
                options.append(("route", route_change, (False, True, False, ())))
            if acl is not None and not net.acl_is_open(acl):
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
    ctx = PathSearch(Topology(snap))
    resources: list[ResourceReach] = []
    for c in candidates(snap):
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
    subnets = {(s.region, s.id): ctx.net.classify(s.region, s.id) for s in snap.ec2.subnets}
    return Reachability(resources=tuple(resources), subnets=subnets)


def reach_of(snap: Snapshot, resource: Resource) -> ResourceReach | None:
    """The reachability of one resource of ``snap`` (None: no network presence analysed)."""
    return analyse(snap).of(resource)


def subnet_class(snap: Snapshot, region: str, subnet_id: str) -> SubnetClass | None:
    """Public or private, and why (None for a subnet the snapshot does not hold)."""
    return analyse(snap).subnet(region, subnet_id)
