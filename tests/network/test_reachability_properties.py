"""Property tests: the set-algebra reachability agrees with a per-packet oracle.

One public subnet world (an instance with a public IP, its subnet's route
table, network ACL and one security group), with generated routes, ACL
entries and security group rules. The oracle evaluates one packet the way the
AWS documentation describes it, with ``ipaddress`` and nothing from the
analysis: longest-prefix route, first ACL entry by rule number (inbound to the
port, outbound to some ephemeral port), any security group rule.
"""

from __future__ import annotations

import functools
import ipaddress
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.analysis.ipspace import EPHEMERAL_LOW, MAX_PORT, NON_INTERNET_V4
from auditor.analysis.reachability import ResourceReach, acl_segments, analyse
from auditor.snapshot.ec2 import (
    Ec2Section,
    Instance,
    InternetGateway,
    NaclEntry,
    NetworkAcl,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
)
from tests.rules.helpers import REGION, make_snapshot

CIDRS = (
    "0.0.0.0/0",
    "0.0.0.0/1",
    "128.0.0.0/1",
    "54.0.0.0/8",
    "54.10.0.0/16",
    "54.10.20.0/24",
    "54.10.20.30/32",
    "10.0.0.0/8",
    "203.0.113.0/24",
    "198.51.100.7/32",
)
PORTS = (0, 22, 80, 443, 1023, 1024, 3389, 5432, 32768, 65535)
PROFILE = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _port_range(draw: Any) -> tuple[int, int]:
    a, b = draw(st.sampled_from(PORTS)), draw(st.sampled_from(PORTS))
    return min(a, b), max(a, b)


@st.composite
def nacl_entries(draw: Any, numbers: list[int] | None = None) -> tuple[NaclEntry, ...]:
    count = draw(st.integers(0, 6))
    nums = numbers or draw(
        st.lists(st.integers(1, 32766), min_size=count, max_size=count, unique=True)
    )
    out = []
    for number in nums[:count]:
        protocol = draw(st.sampled_from(("-1", "6", "17")))
        lo, hi = _port_range(draw)
        out.append(
            NaclEntry(
                rule_number=number,
                egress=draw(st.booleans()),
                protocol=protocol,
                allow=draw(st.booleans()),
                cidr=draw(st.sampled_from(CIDRS)),
                from_port=None if protocol == "-1" else lo,
                to_port=None if protocol == "-1" else hi,
            )
        )
    return tuple(out)


@st.composite
def sg_rules(draw: Any) -> tuple[SgRule, ...]:
    out = []
    for _ in range(draw(st.integers(0, 4))):
        protocol = draw(st.sampled_from(("-1", "tcp", "udp")))
        lo, hi = _port_range(draw)
        out.append(
            SgRule(
                protocol=protocol,
                from_port=None if protocol == "-1" else lo,
                to_port=None if protocol == "-1" else hi,
                cidr=draw(st.sampled_from(CIDRS)),
            )
        )
    return tuple(out)


@st.composite
def routes(draw: Any) -> tuple[Route, ...]:
    out = [Route(destination_cidr="10.0.0.0/16", target="local")]
    for dest in draw(st.lists(st.sampled_from(CIDRS[:7]), unique=True, max_size=4)):
        target = draw(st.sampled_from(("igw-1", "nat-1", "pcx-1")))
        state = draw(st.sampled_from(("active", "active", "blackhole")))
        out.append(Route(destination_cidr=dest, target=target, state=state))
    return tuple(out)


def world(
    table: tuple[Route, ...], entries: tuple[NaclEntry, ...], rules: tuple[SgRule, ...]
) -> Any:
    return make_snapshot(
        ec2=Ec2Section(
            subnets=(
                Subnet(
                    id="subnet-1",
                    region=REGION,
                    vpc_id="vpc-1",
                    cidr="10.0.0.0/24",
                    availability_zone=f"{REGION}a",
                    map_public_ip_on_launch=True,
                ),
            ),
            route_tables=(
                RouteTable(
                    id="rtb-1",
                    region=REGION,
                    vpc_id="vpc-1",
                    is_main=False,
                    subnet_ids=("subnet-1",),
                    routes=table,
                ),
            ),
            internet_gateways=(InternetGateway(id="igw-1", region=REGION, vpc_ids=("vpc-1",)),),
            network_acls=(
                NetworkAcl(
                    id="acl-1",
                    region=REGION,
                    vpc_id="vpc-1",
                    is_default=False,
                    subnet_ids=("subnet-1",),
                    entries=entries,
                ),
            ),
            security_groups=(
                SecurityGroup(
                    id="sg-1",
                    region=REGION,
                    name="sg-1",
                    description="",
                    vpc_id="vpc-1",
                    ingress=rules,
                    egress=(),
                ),
            ),
            instances=(
                Instance(
                    id="i-1",
                    region=REGION,
                    state="running",
                    instance_type="t4g.nano",
                    image_id="ami-1",
                    vpc_id="vpc-1",
                    subnet_id="subnet-1",
                    private_ip="10.0.0.10",
                    public_ip="54.200.0.1",
                    security_group_ids=("sg-1",),
                ),
            ),
        )
    )


def reach(snap: Any) -> ResourceReach:
    found = analyse(snap).of(snap.ec2.instances[0])
    assert found is not None
    return found


# ------------------------------------------------------------------- the oracle


@functools.cache
def _net(cidr: str) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(cidr)


def _internet(ip: ipaddress.IPv4Address) -> bool:
    return not any(ip in _net(c) for c in NON_INTERNET_V4)


def _within(port: int, lo: int | None, hi: int | None) -> bool:
    if lo is None or hi is None:
        return True
    return lo <= port <= hi


def _acl_allows(
    entries: tuple[NaclEntry, ...], egress: bool, ip: ipaddress.IPv4Address, port: int, proto: str
) -> bool:
    number = {"tcp": "6", "udp": "17"}[proto]
    for e in sorted(entries, key=lambda x: x.rule_number):
        if e.egress != egress or not e.cidr or ip not in _net(e.cidr):
            continue
        if e.protocol not in ("-1", number):
            continue
        if e.protocol != "-1" and not _within(port, e.from_port, e.to_port):
            continue
        return e.allow
    return False  # the final "*" entry


def oracle(
    table: tuple[Route, ...],
    entries: tuple[NaclEntry, ...],
    rules: tuple[SgRule, ...],
    address: int,
    port: int,
    proto: str,
) -> bool:
    ip = ipaddress.IPv4Address(address)
    if not _internet(ip):
        return False
    matching = [r for r in table if r.destination_cidr and ip in _net(r.destination_cidr)]
    if not matching:
        return False
    best = max(matching, key=lambda r: _net(r.destination_cidr).prefixlen)
    if not (best.target.startswith("igw-") and best.state == "active"):
        return False
    if not _acl_allows(entries, False, ip, port, proto):
        return False
    # Some ephemeral port the client may pick must be let out; the decision only
    # changes at entries' port bounds, so those (and the range's ends) suffice.
    bounds = {EPHEMERAL_LOW, MAX_PORT}
    for e in entries:
        for b in (e.from_port, e.to_port):
            if b is not None:
                bounds.update((b - 1, b, b + 1))
    candidates = [q for q in bounds if EPHEMERAL_LOW <= q <= MAX_PORT]
    if not any(_acl_allows(entries, True, ip, q, proto) for q in candidates):
        return False
    for r in rules:
        if not r.cidr or ip not in _net(r.cidr):
            continue
        if r.protocol == "-1" or (r.protocol == proto and _within(port, r.from_port, r.to_port)):
            return True
    return False


def analysed(r: ResourceReach, address: int, port: int, proto: str) -> bool:
    return any(
        g.family == 4 and g.protocol == proto and port in g.ports and address in g.addresses
        for g in r.grants
    )


def sample_addresses(seed: int) -> list[int]:
    rnd = random.Random(seed)
    out = [rnd.randrange(2**32) for _ in range(20)]
    for cidr in (*CIDRS, *NON_INTERNET_V4):
        net = _net(cidr)
        for edge in (int(net.network_address), int(net.broadcast_address)):
            out.extend(a for a in (edge - 1, edge, edge + 1) if 0 <= a < 2**32)
    return out


SAMPLE_PORTS = sorted({p + d for p in PORTS for d in (-1, 0, 1) if 0 <= p + d <= MAX_PORT})


# ------------------------------------------------------------------- properties


@PROFILE
@given(routes(), nacl_entries(), sg_rules(), st.integers(0, 2**16))
def test_analysis_agrees_with_the_per_packet_oracle(
    table: tuple[Route, ...], entries: tuple[NaclEntry, ...], rules: tuple[SgRule, ...], seed: int
) -> None:
    r = reach(world(table, entries, rules))
    rnd = random.Random(seed)
    addresses = sample_addresses(seed)
    for _ in range(150):
        address = rnd.choice(addresses)
        port = rnd.choice(SAMPLE_PORTS)
        proto = rnd.choice(("tcp", "udp"))
        assert analysed(r, address, port, proto) == oracle(
            table, entries, rules, address, port, proto
        ), (ipaddress.IPv4Address(address), port, proto)


@PROFILE
@given(st.sampled_from(CIDRS), st.integers(0, 2**32 - 1), st.sampled_from(SAMPLE_PORTS))
def test_a_rule_open_to_a_cidr_covers_exactly_its_internet_addresses(
    cidr: str, address: int, port: int
) -> None:
    """Everything else open: the rule admits exactly the internet addresses of its CIDR."""
    table = (
        Route(destination_cidr="10.0.0.0/16", target="local"),
        Route(destination_cidr="0.0.0.0/0", target="igw-1"),
    )
    entries = (
        NaclEntry(rule_number=100, egress=False, protocol="-1", allow=True, cidr="0.0.0.0/0"),
        NaclEntry(rule_number=100, egress=True, protocol="-1", allow=True, cidr="0.0.0.0/0"),
    )
    rule = SgRule(protocol="tcp", from_port=443, to_port=443, cidr=cidr)
    r = reach(world(table, entries, (rule,)))
    ip = ipaddress.IPv4Address(address)
    expected = ip in _net(cidr) and _internet(ip) and port == 443
    assert analysed(r, address, port, "tcp") is expected
    assert not analysed(r, address, port, "udp")
    # Exposure "to the world" only for internet-scale rules; a /32 never is.
    assert (443 in r.world_ports("tcp")) == (
        cidr in ("0.0.0.0/0", "0.0.0.0/1", "128.0.0.0/1", "54.0.0.0/8")
    )


@PROFILE
@given(nacl_entries(), st.randoms(use_true_random=False))
def test_acl_evaluation_follows_rule_numbers_not_list_order(
    entries: tuple[NaclEntry, ...], rnd: random.Random
) -> None:
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    for egress in (False, True):
        for proto in ("tcp", "udp"):
            a = acl_segments(entries, egress=egress, family=4, protocol=proto)
            b = acl_segments(shuffled, egress=egress, family=4, protocol=proto)
            assert a == b
            addresses = sample_addresses(len(entries))
            for address in rnd.sample(addresses, 12):
                seg = next(s for s in a if address in s.addresses)
                for port in SAMPLE_PORTS:
                    assert (port in seg.ports) == _acl_allows(
                        entries, egress, ipaddress.IPv4Address(address), port, proto
                    )


def _exposure(r: ResourceReach) -> dict[str, Any]:
    return {p: (r.reachable_ports(p), r.world_ports(p)) for p in ("tcp", "udp")}


def _contained(small: ResourceReach, big: ResourceReach, seed: int) -> None:
    for proto in ("tcp", "udp"):
        assert small.reachable_ports(proto).issubset(big.reachable_ports(proto))
        assert small.world_ports(proto).issubset(big.world_ports(proto))
    rnd = random.Random(seed)
    addresses = sample_addresses(seed)
    for _ in range(200):
        address, port = rnd.choice(addresses), rnd.choice(SAMPLE_PORTS)
        proto = rnd.choice(("tcp", "udp"))
        if analysed(small, address, port, proto):
            assert analysed(big, address, port, proto)


@st.composite
def one_entry(draw: Any, allow: bool, taken: set[int]) -> NaclEntry:
    number = draw(st.integers(1, 32766).filter(lambda n: n not in taken))
    protocol = draw(st.sampled_from(("-1", "6", "17")))
    lo, hi = _port_range(draw)
    return NaclEntry(
        rule_number=number,
        egress=draw(st.booleans()),
        protocol=protocol,
        allow=allow,
        cidr=draw(st.sampled_from(CIDRS)),
        from_port=None if protocol == "-1" else lo,
        to_port=None if protocol == "-1" else hi,
    )


@PROFILE
@given(routes(), nacl_entries(), sg_rules(), st.data())
def test_adding_a_deny_never_increases_exposure(
    table: tuple[Route, ...], entries: tuple[NaclEntry, ...], rules: tuple[SgRule, ...], data: Any
) -> None:
    deny = data.draw(one_entry(False, {e.rule_number for e in entries}))
    before = reach(world(table, entries, rules))
    after = reach(world(table, (*entries, deny), rules))
    _contained(after, before, deny.rule_number)


@PROFILE
@given(routes(), nacl_entries(), sg_rules(), st.data())
def test_adding_an_allow_never_decreases_exposure(
    table: tuple[Route, ...], entries: tuple[NaclEntry, ...], rules: tuple[SgRule, ...], data: Any
) -> None:
    allow = data.draw(one_entry(True, {e.rule_number for e in entries}))
    extra = data.draw(sg_rules())
    before = reach(world(table, entries, rules))
    with_acl_allow = reach(world(table, (*entries, allow), rules))
    with_sg_rules = reach(world(table, entries, (*rules, *extra)))
    _contained(before, with_acl_allow, allow.rule_number)
    _contained(before, with_sg_rules, len(extra))
