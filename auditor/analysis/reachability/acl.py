"""Network ACL evaluation: entries in rule-number order turned into address segments.

A network ACL is stateless and evaluated entry by entry, the first matching
entry deciding. :func:`acl_segments` turns one direction's entries into
segments of addresses that every entry treats alike, each with the ports it
allows them, so a path check is set algebra, not a loop over addresses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise

from auditor.analysis.ipspace import (
    ALL_PORTS,
    EMPTY,
    EPHEMERAL_PORTS,
    IntervalSet,
    all_addresses,
    internet,
    port_set,
)
from auditor.analysis.reachability.model import FAMILIES, PROTOCOLS, union
from auditor.snapshot.ec2 import ALL_PROTOCOLS, NaclEntry, protocol_number


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


def open_acl(family: int) -> tuple[AclSegment, ...]:
    return (AclSegment(all_addresses(family), ((0, ALL_PORTS),)),)


def reply_entry(segments: tuple[AclSegment, ...], addresses: IntervalSet) -> int:
    for seg in segments:
        if seg.addresses.overlaps(addresses):
            for number, ports in seg.allowed:
                if ports & EPHEMERAL_PORTS:
                    return number
    return 0


def pieces(
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


#: One direction's segments for (egress, family, protocol).
SegmentsOf = Callable[[bool, int, str], tuple[AclSegment, ...]]


def acl_is_open(segments: SegmentsOf) -> bool:
    """True when the ACL lets every internet address in on every port, and replies out."""
    is_open = True
    for family in FAMILIES:
        for protocol in PROTOCOLS:
            full = union(
                s.addresses for s in segments(False, family, protocol) if s.ports == ALL_PORTS
            )
            replies = union(
                s.addresses for s in segments(True, family, protocol) if s.ports & EPHEMERAL_PORTS
            )
            if not (internet(family).issubset(full) and internet(family).issubset(replies)):
                is_open = False
    return is_open


def acl_blocker(acl_id: str, segments: SegmentsOf) -> str:
    """Why the ACL alone closes every path ("" when it admits something and lets replies out)."""
    inbound = outbound = False
    for family in FAMILIES:
        for protocol in PROTOCOLS:
            pub = internet(family)
            inbound |= any(
                s.ports and s.addresses.overlaps(pub) for s in segments(False, family, protocol)
            )
            outbound |= any(
                (s.ports & EPHEMERAL_PORTS) and s.addresses.overlaps(pub)
                for s in segments(True, family, protocol)
            )
    if not inbound:
        return f"{acl_id} admits no TCP/UDP from the internet"
    if not outbound:
        return f"{acl_id} lets no reply out to the internet"
    return ""
