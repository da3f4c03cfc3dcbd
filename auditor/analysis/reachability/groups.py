"""Security group evaluation: what a set of groups' ingress rules admit from the internet.

Sources are CIDR rules only: rules admitting another security group or a
prefix list (whose entries are not collected) admit no internet address.
Security groups are stateful: egress rules do not matter for replies.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.analysis.ipspace import (
    ALL_PORTS,
    EMPTY,
    IntervalSet,
    format_ports,
    internet,
    internet_scale,
    port_set,
)
from auditor.analysis.reachability.model import (
    FAMILIES,
    PROTOCOLS,
    Blocker,
    describe_rule,
    scale_ports,
)
from auditor.snapshot.ec2 import ALL_PROTOCOLS, SecurityGroup, SgRule


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


def group_world(groups: Iterable[SecurityGroup]) -> dict[str, IntervalSet]:
    """Ports the groups alone open to internet-scale sources, per protocol (an upper
    bound of any path's world ports through them)."""
    items: dict[str, list[tuple[int, IntervalSet, IntervalSet, bool]]] = {p: [] for p in PROTOCOLS}
    for g in groups:
        for rule in g.ingress:
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
    return {p: scale_ports(items[p]) for p in PROTOCOLS}


def internet_ports_text(groups: Iterable[SecurityGroup]) -> str:
    """``tcp 22, 5432; udp 53``: what the groups admit from internet sources."""
    groups = list(groups)
    parts = []
    for protocol in PROTOCOLS:
        ports = EMPTY
        for g in groups:
            for rule in g.ingress:
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


def sg_blocker(group_ids: tuple[str, ...], found: list[SecurityGroup]) -> Blocker:
    """The security groups' part of why nothing passes (reason "" when some rule admits
    the internet)."""
    if not found:
        names = ", ".join(group_ids) or "none"
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
