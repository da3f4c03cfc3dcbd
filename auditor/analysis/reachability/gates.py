"""One subnet context's gates together: the internet routes, the network ACL both ways,
and what each security group rule lets through them (:class:`Gates`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from auditor.analysis.ipspace import EMPTY, EPHEMERAL_PORTS, IntervalSet, internet
from auditor.analysis.network import InternetRoute
from auditor.analysis.reachability.acl import AclSegment, pieces
from auditor.analysis.reachability.groups import rule_ports, rule_source
from auditor.analysis.reachability.model import Grant, union
from auditor.snapshot.ec2 import Route, SgRule


def assumed_route(gateway: str, family: int) -> InternetRoute:
    """The default route a "one route away" path assumes."""
    dest = "0.0.0.0/0" if family == 4 else "::/0"
    route = (
        Route(destination_cidr=dest, target=gateway)
        if family == 4
        else Route(destination_ipv6_cidr=dest, target=gateway)
    )
    return InternetRoute(route=route, destination=dest, addresses=internet(family))


@dataclass(frozen=True)
class Gates:
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
        return union(s.ports for s in self.inbound)

    def admit(self, group_id: str, rule: SgRule) -> Iterable[Grant]:
        """What one security group rule lets through the route and the ACL."""
        source = rule_source(rule, self.family)
        ports = rule_ports(rule, self.protocol)
        if not source or ports is None or not ports.overlaps(self.inbound_ports):
            return
        admitted = self.sources & IntervalSet.from_cidr(source)
        if not admitted:
            return
        for seg, addresses in pieces(admitted, self.inbound):
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
