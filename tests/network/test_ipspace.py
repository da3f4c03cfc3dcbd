"""Interval sets and CIDRs: the set algebra the reachability analysis stands on."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.analysis.ipspace import (
    ALL_PORTS,
    EMPTY,
    INTERNET_V4,
    INTERNET_V6,
    NON_INTERNET_V4,
    IntervalSet,
    admits_the_internet,
    format_ports,
    internet_scale,
    port_set,
)

SMALL = 120

spans = st.lists(
    st.tuples(st.integers(0, SMALL), st.integers(0, SMALL)).map(lambda t: (min(t), max(t))),
    max_size=6,
)


def as_set(s: IntervalSet) -> set[int]:
    return {v for lo, hi in s for v in range(lo, hi + 1)}


def of(raw: list[tuple[int, int]]) -> IntervalSet:
    return IntervalSet.of(*raw)


@given(spans, spans)
def test_union_intersection_difference_agree_with_python_sets(a: list, b: list) -> None:
    x, y = of(a), of(b)
    sx = {v for lo, hi in a for v in range(lo, hi + 1)}
    sy = {v for lo, hi in b for v in range(lo, hi + 1)}
    assert as_set(x) == sx
    assert as_set(x | y) == sx | sy
    assert as_set(x & y) == sx & sy
    assert as_set(x - y) == sx - sy
    assert (x & y).overlaps(x) == bool(sx & sy)
    assert (x - y).issubset(x)
    assert (x & y).size == len(sx & sy)
    assert all((v in x) == (v in sx) for v in range(-1, SMALL + 2))


@given(spans)
def test_normal_form_is_canonical(a: list) -> None:
    """Sorted, disjoint, not adjacent: equal sets compare equal whatever the input order."""
    x = of(a)
    assert x == of(list(reversed(a)))
    for (lo1, hi1), (lo2, _) in zip(x.spans, x.spans[1:], strict=False):
        assert lo1 <= hi1 < lo2 - 1


v4_networks = st.builds(
    lambda addr, prefix: ipaddress.ip_network(
        f"{ipaddress.IPv4Address(addr)}/{prefix}", strict=False
    ),
    st.integers(0, 2**32 - 1),
    st.integers(0, 32),
)
v6_networks = st.builds(
    lambda addr, prefix: ipaddress.ip_network(
        f"{ipaddress.IPv6Address(addr)}/{prefix}", strict=False
    ),
    st.integers(0, 2**128 - 1),
    st.integers(0, 128),
)


@given(v4_networks, st.integers(0, 2**32 - 1))
def test_an_ipv4_cidr_covers_exactly_its_addresses(net: ipaddress.IPv4Network, addr: int) -> None:
    s = IntervalSet.from_cidr(str(net))
    assert (addr in s) == (ipaddress.IPv4Address(addr) in net)
    assert int(net.network_address) in s
    assert int(net.broadcast_address) in s
    assert s.size == net.num_addresses
    if int(net.network_address) > 0:
        assert int(net.network_address) - 1 not in s
    if int(net.broadcast_address) < 2**32 - 1:
        assert int(net.broadcast_address) + 1 not in s


@given(v6_networks, st.integers(0, 2**128 - 1))
def test_an_ipv6_cidr_covers_exactly_its_addresses(net: ipaddress.IPv6Network, addr: int) -> None:
    s = IntervalSet.from_cidr(str(net))
    assert (addr in s) == (ipaddress.IPv6Address(addr) in net)
    assert s.size == net.num_addresses


def test_host_bits_are_ignored_as_aws_does() -> None:
    assert IntervalSet.from_cidr("10.0.0.5/24") == IntervalSet.from_cidr("10.0.0.0/24")


_EDGES = sorted(
    {
        int(edge) + delta
        for cidr in (*NON_INTERNET_V4, "192.0.2.0/24", "203.0.113.0/24")
        for edge in (
            ipaddress.ip_network(cidr).network_address,
            ipaddress.ip_network(cidr).broadcast_address,
        )
        for delta in (-1, 0, 1)
        if 0 <= int(edge) + delta < 2**32
    }
)


@settings(max_examples=300)
@given(st.one_of(st.integers(0, 2**32 - 1), st.sampled_from(_EDGES)))
def test_the_ipv4_internet_is_every_address_outside_the_non_routed_ranges(addr: int) -> None:
    ip = ipaddress.IPv4Address(addr)
    never = (
        (ip.is_private and not _is_documentation(ip))
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_loopback
        or ip.is_link_local
        or ip in ipaddress.ip_network("100.64.0.0/10")
        or ip in ipaddress.ip_network("0.0.0.0/8")
    )
    # ipaddress also calls a few IETF ranges "private" (192.0.0.0/24, 198.18.0.0/15):
    # they are not in our list, so compare outside them.
    if ip in ipaddress.ip_network("192.0.0.0/24") or ip in ipaddress.ip_network("198.18.0.0/15"):
        return
    assert (addr in INTERNET_V4) == (not never)


def _is_documentation(ip: ipaddress.IPv4Address) -> bool:
    return any(
        ip in ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
    )


def test_documentation_addresses_count_as_internet_addresses() -> None:
    assert int(ipaddress.IPv4Address("203.0.113.7")) in INTERNET_V4
    assert int(ipaddress.IPv6Address("2001:db8::1")) in INTERNET_V6
    assert int(ipaddress.IPv6Address("fd00::1")) not in INTERNET_V6
    assert int(ipaddress.IPv6Address("fe80::1")) not in INTERNET_V6


@given(v4_networks)
def test_internet_scale_means_at_least_a_slash_8_of_internet_addresses(
    net: ipaddress.IPv4Network,
) -> None:
    s = IntervalSet.from_cidr(str(net))
    public = (s & INTERNET_V4).size
    assert internet_scale(s, 4) == (public >= 2**24)
    if net.prefixlen >= 9:
        assert not internet_scale(s, 4)


def test_world_cidrs_are_internet_scale_and_narrow_ones_are_not() -> None:
    assert internet_scale(IntervalSet.from_cidr("0.0.0.0/0"), 4)
    assert internet_scale(IntervalSet.from_cidr("::/0"), 6)
    assert internet_scale(IntervalSet.from_cidr("54.0.0.0/8"), 4)
    assert not internet_scale(IntervalSet.from_cidr("10.0.0.0/8"), 4)  # private
    assert not internet_scale(IntervalSet.from_cidr("203.0.113.7/32"), 4)
    assert not internet_scale(IntervalSet.from_cidr("2600:1f14::/48"), 6)
    # A few denied ranges in front of a world rule leave it internet-scale.
    blocked = IntervalSet.from_cidr("0.0.0.0/0") - IntervalSet.from_cidr("1.0.0.0/8")
    assert internet_scale(blocked, 4)


# --- one definition of "the internet" for every network rule (admits_the_internet)

#: Written out from the RFCs here, apart from the module's constants: the oracle.
_NEVER_ON_THE_INTERNET_V4 = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # RFC 791 "this network"
        "10.0.0.0/8",  # RFC 1918
        "100.64.0.0/10",  # RFC 6598 shared address space
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local
        "172.16.0.0/12",  # RFC 1918
        "192.168.0.0/16",  # RFC 1918
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved
    )
]
_GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")


def _overlap(a: ipaddress._BaseNetwork, b: ipaddress._BaseNetwork) -> int:
    if a.subnet_of(b):  # type: ignore[arg-type]
        return a.num_addresses
    if b.subnet_of(a):  # type: ignore[arg-type]
        return b.num_addresses
    return 0


def _oracle(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    """At least a /8 (IPv6: a /32) worth of internet addresses, counted by hand."""
    if net.version == 4:
        public = net.num_addresses - sum(_overlap(net, n) for n in _NEVER_ON_THE_INTERNET_V4)
        return public >= 2**24
    return _overlap(net, _GLOBAL_UNICAST_V6) >= 2**96


wide_v4 = st.builds(
    lambda addr, prefix: ipaddress.ip_network(
        f"{ipaddress.IPv4Address(addr)}/{prefix}", strict=False
    ),
    st.integers(0, 2**32 - 1),
    st.integers(0, 12),
)
wide_v6 = st.builds(
    lambda addr, prefix: ipaddress.ip_network(
        f"{ipaddress.IPv6Address(addr)}/{prefix}", strict=False
    ),
    st.integers(0, 2**128 - 1),
    st.integers(0, 40),
)


@given(st.one_of(wide_v4, wide_v6, v4_networks, v6_networks))
def test_admits_the_internet_agrees_with_an_oracle(
    net: ipaddress.IPv4Network | ipaddress.IPv6Network,
) -> None:
    assert admits_the_internet(str(net)) == _oracle(net)


@given(st.one_of(wide_v4, wide_v6))
def test_a_supernet_of_a_range_admitting_the_internet_admits_it_too(
    net: ipaddress.IPv4Network | ipaddress.IPv6Network,
) -> None:
    if admits_the_internet(str(net)) and net.prefixlen:
        assert admits_the_internet(str(net.supernet()))


def test_admits_the_internet_examples() -> None:
    for cidr in ("0.0.0.0/0", "::/0", "0.0.0.0/1", "128.0.0.0/1", "8.0.0.0/7", "3.0.0.0/8"):
        assert admits_the_internet(cidr), cidr
    for cidr in ("::/1", "2000::/3", "2600::/16", "2600:1f00::/32"):
        assert admits_the_internet(cidr), cidr
    for cidr in ("10.0.0.0/8", "3.0.0.0/9", "203.0.113.7/32", "fc00::/7", "2600:1f00::/33"):
        assert not admits_the_internet(cidr), cidr
    assert not admits_the_internet("")
    assert not admits_the_internet("pl-123")  # not a CIDR: never guessed to be the internet


def test_ports() -> None:
    assert port_set(None, None) == ALL_PORTS
    assert port_set(-1, -1) == ALL_PORTS
    assert port_set(22, 22) == IntervalSet.span(22, 22)
    assert port_set(30, 20) == EMPTY
    assert format_ports(ALL_PORTS) == "all ports"
    assert format_ports(IntervalSet.of((22, 22), (80, 90))) == "22, 80-90"
