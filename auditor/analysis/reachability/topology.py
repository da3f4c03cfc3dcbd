"""The account's network as the analysis sees it: indexes over the snapshot.

Which route table and network ACL govern a subnet (its own, else the VPC's
main table or default ACL), the internet gateway of a VPC, a table's
internet routes and an ACL's segments (cached), and whether a subnet is
public (:meth:`Topology.classify`).
"""

from __future__ import annotations

from auditor.analysis.network import InternetRoute, internet_routes
from auditor.analysis.reachability.acl import AclSegment, acl_is_open, acl_segments, open_acl
from auditor.analysis.reachability.model import FAMILIES, SubnetClass
from auditor.snapshot import Snapshot
from auditor.snapshot.ec2 import NetworkAcl, RouteTable, SecurityGroup


class Topology:
    """Indexes over the snapshot's network, and caches shared by every resource."""

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
        self._acl_open: dict[tuple[str, str], bool] = {}

    def groups_of(self, region: str, group_ids: tuple[str, ...]) -> list[SecurityGroup]:
        """The collected groups among ``group_ids``, in their order."""
        return [g for gid in group_ids if (g := self.groups.get((region, gid))) is not None]

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
            return open_acl(family)
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
        return SubnetClass(subnet_id, region, vpc, False, table.id, default_route_note(table))

    # --- one placement

    def acl_is_open(self, acl: NetworkAcl) -> bool:
        """True when the ACL lets every internet address in on every port, and replies out."""
        key = (acl.region, acl.id)
        if key not in self._acl_open:
            self._acl_open[key] = acl_is_open(lambda e, f, p: self.segments(acl, e, f, p))
        return self._acl_open[key]


def default_route_note(table: RouteTable) -> str:
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
