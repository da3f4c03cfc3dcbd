"""Sets of addresses and ports as sorted disjoint intervals, and what "the internet" is.

Pure and small: the network reachability analysis combines security group
rules, network ACL entries and routes as set algebra over these, so one
computation answers for every source address and every port at once (no
per-address loop).

An :class:`IntervalSet` holds integers: IPv4 addresses (0 .. 2**32-1), IPv6
addresses (0 .. 2**128-1) or ports (0 .. 65535). Spans are closed ``(lo, hi)``
pairs, sorted, disjoint and not adjacent, so equal sets compare equal.

What counts as the internet
---------------------------
Traffic that arrives through an internet gateway comes from addresses that
are routed on the internet. :data:`INTERNET_V4` is every IPv4 address outside
the ranges that never are: "this network" ``0.0.0.0/8``, private
``10.0.0.0/8``, ``172.16.0.0/12``, ``192.168.0.0/16`` (RFC 1918), shared
``100.64.0.0/10`` (RFC 6598), loopback ``127.0.0.0/8``, link-local
``169.254.0.0/16``, multicast ``224.0.0.0/4`` and reserved ``240.0.0.0/4``.
:data:`INTERNET_V6` is the global unicast block ``2000::/3`` (unique-local,
link-local, multicast, loopback and mapped addresses lie outside it). The
documentation ranges (``192.0.2.0/24``, ``198.51.100.0/24``, ``203.0.113.0/24``,
``2001:db8::/32``) stay inside on purpose, so examples behave like the real
addresses they stand for.

A source is *internet-scale* (:func:`internet_scale`) when it holds at least
as many internet addresses as a ``/8`` (IPv4) or a ``/32`` (IPv6, one
provider's whole allocation): ``0.0.0.0/0`` and ``::/0`` always are, an
office ``/32`` or ``/24`` never is. A network ACL that denies a few ranges
in front of an open rule leaves the port internet-scale; one that admits a
single office address does not.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

Span = tuple[int, int]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_PORT = 65535
#: The widest ephemeral range a client may pick its source port from.
EPHEMERAL_LOW = 1024

_ADDRESS_MAX = {4: 2**32 - 1, 6: 2**128 - 1}


@dataclass(frozen=True, slots=True)
class IntervalSet:
    """A set of integers as sorted, disjoint, non-adjacent closed spans."""

    spans: tuple[Span, ...] = ()

    @classmethod
    def of(cls, *spans: Span) -> IntervalSet:
        """The union of ``spans`` (in any order, overlapping or not; empty spans ignored)."""
        return cls(_normalise(spans))

    @classmethod
    def span(cls, lo: int, hi: int) -> IntervalSet:
        return cls(((lo, hi),)) if lo <= hi else EMPTY

    @classmethod
    def from_network(cls, network: Network) -> IntervalSet:
        return cls(((int(network.network_address), int(network.broadcast_address)),))

    @classmethod
    def from_cidr(cls, cidr: str) -> IntervalSet:
        """The addresses of an IPv4 or IPv6 CIDR (host bits are ignored, as AWS does)."""
        return _cidr_set(cidr)

    def __bool__(self) -> bool:
        return bool(self.spans)

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int):
            return False
        lo_i, hi_i = 0, len(self.spans)
        while lo_i < hi_i:  # binary search over the sorted spans
            mid = (lo_i + hi_i) // 2
            lo, hi = self.spans[mid]
            if value < lo:
                hi_i = mid
            elif value > hi:
                lo_i = mid + 1
            else:
                return True
        return False

    def __iter__(self) -> Iterator[Span]:
        return iter(self.spans)

    def __or__(self, other: IntervalSet) -> IntervalSet:
        if not other.spans:
            return self
        if not self.spans:
            return other
        return IntervalSet(_normalise((*self.spans, *other.spans)))

    def __and__(self, other: IntervalSet) -> IntervalSet:
        a, b = self.spans, other.spans
        if not a or not b:
            return EMPTY
        if a[-1][1] < b[0][0] or b[-1][1] < a[0][0]:
            return EMPTY
        if len(a) > len(b):
            a, b = b, a
        if len(a) == 1:  # one span against many: clip each of them
            lo, hi = a[0]
            return IntervalSet(
                tuple(
                    (x if x > lo else lo, y if y < hi else hi) for x, y in b if y >= lo and x <= hi
                )
            )
        out: list[Span] = []
        i = j = 0
        while i < len(a) and j < len(b):
            lo = max(a[i][0], b[j][0])
            hi = min(a[i][1], b[j][1])
            if lo <= hi:
                out.append((lo, hi))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return IntervalSet(tuple(out))

    def __sub__(self, other: IntervalSet) -> IntervalSet:
        if not self.spans or not other.spans:
            return self
        out: list[Span] = []
        b = other.spans
        j = 0
        for lo, hi in self.spans:
            cur = lo
            while j < len(b) and b[j][1] < cur:
                j += 1
            k = j
            while k < len(b) and b[k][0] <= hi:
                if b[k][0] > cur:
                    out.append((cur, b[k][0] - 1))
                cur = max(cur, b[k][1] + 1)
                if cur > hi:
                    break
                k += 1
            if cur <= hi:
                out.append((cur, hi))
        return IntervalSet(tuple(out))

    def issubset(self, other: IntervalSet) -> bool:
        return not (self - other)

    def overlaps(self, other: IntervalSet) -> bool:
        a, b = self.spans, other.spans
        i = j = 0
        while i < len(a) and j < len(b):
            if a[i][1] < b[j][0]:
                i += 1
            elif b[j][1] < a[i][0]:
                j += 1
            else:
                return True
        return False

    @property
    def size(self) -> int:
        """How many integers the set holds."""
        return sum(hi - lo + 1 for lo, hi in self.spans)

    @property
    def first(self) -> int:
        """The smallest member (the set must not be empty)."""
        return self.spans[0][0]


def _normalise(spans: Iterable[Span]) -> tuple[Span, ...]:
    ordered = sorted((lo, hi) for lo, hi in spans if lo <= hi)
    out: list[Span] = []
    for lo, hi in ordered:
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


EMPTY = IntervalSet()
ALL_PORTS = IntervalSet.span(0, MAX_PORT)
EPHEMERAL_PORTS = IntervalSet.span(EPHEMERAL_LOW, MAX_PORT)


@lru_cache(maxsize=65536)
def _cidr_set(cidr: str) -> IntervalSet:
    return IntervalSet.from_network(parse_cidr(cidr))


@lru_cache(maxsize=65536)
def parse_cidr(cidr: str) -> Network:
    """An IPv4 or IPv6 network; host bits set (``10.0.0.5/24``) are dropped, as AWS does."""
    return ipaddress.ip_network(cidr.strip(), strict=False)


def family_of(cidr: str) -> int:
    """4 or 6."""
    return parse_cidr(cidr).version


def all_addresses(family: int) -> IntervalSet:
    return IntervalSet.span(0, _ADDRESS_MAX[family])


def _complement(family: int, *cidrs: str) -> IntervalSet:
    out = all_addresses(family)
    for cidr in cidrs:
        out = out - IntervalSet.from_cidr(cidr)
    return out


#: Ranges never seen as a source through an internet gateway (see the module doc).
NON_INTERNET_V4: tuple[str, ...] = (
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/4",
    "240.0.0.0/4",
)
INTERNET_V4 = _complement(4, *NON_INTERNET_V4)
INTERNET_V6 = IntervalSet.from_cidr("2000::/3")
_INTERNET = {4: INTERNET_V4, 6: INTERNET_V6}

#: How many internet addresses make a source internet-scale: a /8, or an IPv6 /32.
WORLD_SCALE: dict[int, int] = {4: 2**24, 6: 2**96}


def internet(family: int) -> IntervalSet:
    """The internet's addresses of one family."""
    return _INTERNET[family]


def internet_scale(addresses: IntervalSet, family: int) -> bool:
    """True when ``addresses`` hold at least a /8's worth (IPv6: a /32's) of internet addresses."""
    if addresses.size < WORLD_SCALE[family]:
        return False
    return (addresses & _INTERNET[family]).size >= WORLD_SCALE[family]


def admits_the_internet(cidr: str) -> bool:
    """Whether a CIDR source admits the internet at large: the one definition every rule uses.

    True when the range holds at least a /8's worth (IPv6: a /32's) of internet
    addresses (:func:`internet_scale`): ``0.0.0.0/0`` and ``::/0``, and as well
    ``0.0.0.0/1``, ``8.0.0.0/7``, a public ``/8``, ``::/1`` or ``2000::/3``. An
    office ``/24``, a private ``10.0.0.0/8`` and unique-local IPv6 do not.
    """
    try:
        network = parse_cidr(cidr)
    except ValueError:
        return False
    return internet_scale(IntervalSet.from_network(network), network.version)


def address_text(value: int, family: int) -> str:
    return str(ipaddress.IPv4Address(value) if family == 4 else ipaddress.IPv6Address(value))


def format_ports(ports: IntervalSet) -> str:
    """``22``, ``80, 443``, ``1024-65535``, ``all ports``."""
    if ports == ALL_PORTS:
        return "all ports"
    return ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ports.spans)


def port_set(from_port: int | None, to_port: int | None) -> IntervalSet:
    """The ports of a rule: None or -1 bounds mean every port."""
    if from_port is None or to_port is None or from_port == -1:
        return ALL_PORTS
    return IntervalSet.span(max(from_port, 0), min(to_port, MAX_PORT))
