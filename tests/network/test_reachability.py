"""Reachability analysis: subnets, placements, gates, evidence (hand-built snapshots, no moto)."""

from __future__ import annotations

from typing import Any

from auditor.analysis.ipspace import IntervalSet, format_ports
from auditor.analysis.network import internet_routes, subnet_is_public
from auditor.analysis.reachability import analyse, path_text, reach_of, subnet_class
from auditor.snapshot.ec2 import (
    Ec2Section,
    InternetGateway,
    NaclEntry,
    NetworkAcl,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
)
from auditor.snapshot.rds import DbInstance, DbSubnetGroup, RdsSection
from tests.rules.helpers import ACCOUNT_ID, REGION, instance, interface, make_snapshot

LOCAL = Route(destination_cidr="10.0.0.0/16", target="local")


def subnet(sid: str) -> Subnet:
    return Subnet(
        id=sid,
        region=REGION,
        vpc_id="vpc-1",
        cidr="10.0.0.0/24",
        availability_zone=f"{REGION}a",
        map_public_ip_on_launch=False,
    )


def table(tid: str, subnets: tuple[str, ...], *routes: Route, main: bool = False) -> RouteTable:
    return RouteTable(
        id=tid,
        region=REGION,
        vpc_id="vpc-1",
        is_main=main,
        subnet_ids=subnets,
        routes=(LOCAL, *routes),
    )


def group(gid: str, *ingress: SgRule) -> SecurityGroup:
    return SecurityGroup(
        id=gid, region=REGION, name=gid, description="", vpc_id="vpc-1", ingress=ingress, egress=()
    )


def tcp(port: int, cidr: str = "0.0.0.0/0") -> SgRule:
    if ":" in cidr:
        return SgRule(protocol="tcp", from_port=port, to_port=port, ipv6_cidr=cidr)
    return SgRule(protocol="tcp", from_port=port, to_port=port, cidr=cidr)


def entry(number: int, allow: bool, *, egress: bool = False, **kw: Any) -> NaclEntry:
    kw.setdefault("protocol", "-1")
    if "ipv6_cidr" not in kw:
        kw.setdefault("cidr", "0.0.0.0/0")
    return NaclEntry(rule_number=number, egress=egress, allow=allow, **kw)


def acl(
    aid: str, subnets: tuple[str, ...], *entries: NaclEntry, default: bool = False
) -> NetworkAcl:
    return NetworkAcl(
        id=aid,
        region=REGION,
        vpc_id="vpc-1",
        is_default=default,
        subnet_ids=subnets,
        entries=entries,
    )


IGW = InternetGateway(id="igw-1", region=REGION, vpc_ids=("vpc-1",))


def snapshot(**ec2: Any) -> Any:
    rds = ec2.pop("rds", None)
    extra = {"rds": rds} if rds is not None else {}
    return make_snapshot(ec2=Ec2Section(**ec2), **extra)


# ------------------------------------------------------------------ subnets


def test_subnets_are_classified_by_longest_prefix_match() -> None:
    snap = snapshot(
        subnets=tuple(
            subnet(s)
            for s in ("s-default", "s-main", "s-office", "s-halves", "s-eigw", "s-pl", "s-hole")
        ),
        route_tables=(
            table(
                "rtb-default", ("s-default",), Route(destination_cidr="0.0.0.0/0", target="igw-1")
            ),
            table("rtb-main", (), Route(destination_ipv6_cidr="::/0", target="igw-1"), main=True),
            # Only an office range goes to the gateway: public for those addresses.
            table(
                "rtb-office",
                ("s-office",),
                Route(destination_cidr="198.51.100.0/24", target="igw-1"),
            ),
            # A default route to the gateway that never wins: both halves go to a NAT.
            table(
                "rtb-halves",
                ("s-halves",),
                Route(destination_cidr="0.0.0.0/0", target="igw-1"),
                Route(destination_cidr="0.0.0.0/1", target="nat-1"),
                Route(destination_cidr="128.0.0.0/1", target="nat-1"),
            ),
            table("rtb-eigw", ("s-eigw",), Route(destination_ipv6_cidr="::/0", target="eigw-1")),
            table("rtb-pl", ("s-pl",), Route(destination_prefix_list_id="pl-1", target="igw-1")),
            # A longer blackhole route wins over the default route and drops the traffic.
            table(
                "rtb-hole",
                ("s-hole",),
                Route(destination_cidr="0.0.0.0/0", target="igw-1"),
                Route(destination_cidr="54.0.0.0/8", target="igw-old", state="blackhole"),
            ),
        ),
    )
    public = {sid for (_, sid), c in analyse(snap).subnets.items() if c.public}
    assert public == {"s-default", "s-main", "s-office", "s-hole"}
    for sid in ("s-default", "s-main", "s-office", "s-halves", "s-eigw", "s-pl", "s-hole"):
        assert subnet_is_public(snap, sid) == (sid in public)
    cls = subnet_class(snap, REGION, "s-halves")
    assert cls is not None
    assert cls.reason == "narrower routes of rtb-halves override its 0.0.0.0/0 route to igw-1"
    hole = internet_routes(snap.ec2.route_tables[-1], 4)
    assert len(hole) == 1
    assert int(IntervalSet.from_cidr("54.1.2.3/32").first) not in hole[0].addresses
    assert int(IntervalSet.from_cidr("55.1.2.3/32").first) in hole[0].addresses
    main = subnet_class(snap, REGION, "s-main")
    assert main is not None and main.reason == "rtb-main sends ::/0 to igw-1"


# ---------------------------------------------------------------- placements


def _public_network(*groups: SecurityGroup, **kw: Any) -> dict[str, Any]:
    return {
        "subnets": (subnet("s-pub"), subnet("s-pub-2")),
        "route_tables": (
            table(
                "rtb-pub",
                ("s-pub", "s-pub-2"),
                Route(destination_cidr="0.0.0.0/0", target="igw-1"),
                Route(destination_ipv6_cidr="::/0", target="igw-1"),
            ),
        ),
        "internet_gateways": (IGW,),
        "security_groups": groups,
        **kw,
    }


def test_an_instance_is_judged_through_each_of_its_interfaces() -> None:
    snap = snapshot(
        **_public_network(
            group("sg-web", tcp(443)),
            group("sg-ssh", tcp(22)),
            instances=(instance("i-1", "s-pub", "sg-web", public_ip="54.0.0.1"),),
            network_interfaces=(
                # The primary interface: the instance's public IP is on it.
                interface("eni-primary", "s-pub", "sg-web", attached_instance_id="i-1"),
                # A second interface with its own Elastic IP and its own group.
                interface(
                    "eni-second",
                    "s-pub-2",
                    "sg-ssh",
                    public_ip="54.0.0.2",
                    attached_instance_id="i-1",
                ),
            ),
        )
    )
    r = reach_of(snap, snap.ec2.instances[0])
    assert r is not None
    assert format_ports(r.world_ports("tcp")) == "22, 443"
    found = r.path("tcp", 22)
    assert found is not None
    assert path_text(*found, r.label) == (
        "internet -> igw-1 -> rtb-pub (0.0.0.0/0)"
        " -> no network ACL collected (AWS default allows all)"
        " -> sg-ssh tcp 22 from 0.0.0.0/0 -> eni-second 54.0.0.2 in s-pub-2 -> instance i-1"
    )
    web = r.path("tcp", 443)
    assert web is not None and web[0].interface == "eni-primary 54.0.0.1"
    # Interfaces of instances are not reported again on their own.
    assert [x.kind for x in analyse(snap).resources] == ["instance"]


def test_ipv6_addresses_are_reachable_through_ipv6_routes_and_rules_only() -> None:
    snap = snapshot(
        **_public_network(
            group("sg-v6", tcp(22, "::/0")),
            group("sg-v4", tcp(22)),
            instances=(
                instance("i-v6", "s-pub", "sg-v6"),
                instance("i-v6-rule-v4-only", "s-pub", "sg-v4"),
            ),
            network_interfaces=(
                interface(
                    "eni-a",
                    "s-pub",
                    "sg-v6",
                    ipv6_addresses=("2600::1",),
                    attached_instance_id="i-v6",
                ),
                interface(
                    "eni-b",
                    "s-pub",
                    "sg-v4",
                    ipv6_addresses=("2600::2",),
                    attached_instance_id="i-v6-rule-v4-only",
                ),
            ),
        )
    )
    v6, v4_rule = (reach_of(snap, i) for i in snap.ec2.instances)
    assert v6 is not None and v4_rule is not None
    assert format_ports(v6.world_ports("tcp")) == "22"
    assert {g.family for g in v6.grants} == {6}
    assert not v4_rule.reachable


def test_the_default_acl_applies_without_an_explicit_association() -> None:
    snap = snapshot(
        **_public_network(
            group("sg-ssh", tcp(22)),
            instances=(instance("i-1", "s-pub", "sg-ssh", public_ip="54.0.0.1"),),
            network_acls=(
                acl(
                    "acl-default",
                    (),
                    entry(10, False, protocol="6", from_port=22, to_port=22),
                    entry(100, True),
                    entry(100, True, egress=True),
                    default=True,
                ),
                acl("acl-other", ("s-pub-2",), entry(100, True), entry(100, True, egress=True)),
            ),
        )
    )
    r = reach_of(snap, snap.ec2.instances[0])
    assert r is not None and not r.reachable
    assert r.blockers == (
        "acl-default denies what the security groups open to the internet: tcp 22 (in s-pub)",
    )


def test_a_narrow_source_is_reachable_but_not_by_the_world() -> None:
    """An ACL that admits only an office range turns a world-open rule into a narrow one;
    one that denies a few ranges leaves it internet-scale."""
    net = _public_network(group("sg-ssh", tcp(22)))
    office = snapshot(
        **net,
        instances=(instance("i-1", "s-pub", "sg-ssh", public_ip="54.0.0.1"),),
        network_acls=(
            acl(
                "acl-office",
                ("s-pub",),
                entry(10, True, cidr="203.0.113.0/24"),
                entry(100, True, egress=True),
            ),
        ),
    )
    blocklist = snapshot(
        **net,
        instances=(instance("i-1", "s-pub", "sg-ssh", public_ip="54.0.0.1"),),
        network_acls=(
            acl(
                "acl-blocklist",
                ("s-pub",),
                entry(10, False, cidr="1.0.0.0/8"),
                entry(20, False, cidr="45.0.0.0/8"),
                entry(100, True),
                entry(100, True, egress=True),
            ),
        ),
    )
    narrow = reach_of(office, office.ec2.instances[0])
    wide = reach_of(blocklist, blocklist.ec2.instances[0])
    assert narrow is not None and wide is not None
    assert format_ports(narrow.reachable_ports("tcp")) == "22"
    assert not narrow.world_ports("tcp")
    assert format_ports(wide.world_ports("tcp")) == "22"
    ssh = wide.path("tcp", 22)
    assert (
        ssh is not None and int(IntervalSet.from_cidr("1.2.3.4/32").first) not in ssh[1].addresses
    )


def test_managed_and_detached_interfaces_are_not_resources_of_their_own() -> None:
    snap = snapshot(
        **_public_network(
            group("sg-all", SgRule(protocol="-1", from_port=None, to_port=None, cidr="0.0.0.0/0")),
            network_interfaces=(
                interface(
                    "eni-rds",
                    "s-pub",
                    "sg-all",
                    public_ip="54.0.0.1",
                    description="RDSNetworkInterface",
                ),
                interface("eni-fn", "s-pub", "sg-all", description="AWS Lambda VPC ENI-fn-1234"),
                interface(
                    "eni-task",
                    "s-pub",
                    "sg-all",
                    description=f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:attachment/abcd",
                ),
                interface("eni-spare", "s-pub", "sg-all", public_ip="54.0.0.2", status="available"),
                interface(
                    "eni-lb", "s-pub", "sg-all", public_ip="54.0.0.3", description="ELB app/web/1"
                ),
            ),
        )
    )
    assert [r.resource.id for r in analyse(snap).resources] == ["eni-lb"]  # type: ignore[union-attr]


def test_a_database_is_judged_by_its_most_exposed_subnet_and_says_why_it_is_private() -> None:
    def db(
        name: str, subnets: tuple[str, ...], public: bool, groups: tuple[str, ...]
    ) -> DbInstance:
        return DbInstance(
            id=name,
            arn=f"arn:aws:rds:{REGION}:{ACCOUNT_ID}:db:{name}",
            region=REGION,
            engine="postgres",
            engine_version="16.3",
            instance_class="db.t4g.micro",
            status="available",
            publicly_accessible=public,
            storage_encrypted=True,
            deletion_protection=True,
            backup_retention_days=7,
            iam_auth=False,
            multi_az=False,
            subnet_group=DbSubnetGroup(name=f"{name}-subnets", vpc_id="vpc-1", subnet_ids=subnets),
            security_group_ids=groups,
        )

    snap = snapshot(
        subnets=(subnet("s-pub"), subnet("s-priv-a"), subnet("s-priv-b")),
        route_tables=(
            table("rtb-pub", ("s-pub",), Route(destination_cidr="0.0.0.0/0", target="igw-1")),
            table(
                "rtb-priv",
                ("s-priv-a", "s-priv-b"),
                Route(destination_cidr="0.0.0.0/0", target="nat-1"),
            ),
        ),
        internet_gateways=(IGW,),
        security_groups=(
            group("sg-app"),
            group("sg-bridge"),
            group(
                "sg-rds",
                SgRule(protocol="tcp", from_port=5432, to_port=5432, source_group_id="sg-app"),
                SgRule(protocol="tcp", from_port=5432, to_port=5432, source_group_id="sg-bridge"),
            ),
            group("sg-pg-world", tcp(5432)),
        ),
        rds=RdsSection(
            instances=(
                db("trading-db", ("s-priv-a", "s-priv-b"), False, ("sg-rds",)),
                db("mixed-db", ("s-priv-a", "s-pub"), True, ("sg-pg-world",)),
            )
        ),
    )
    private, mixed = (reach_of(snap, d) for d in snap.rds.instances)
    assert private is not None and mixed is not None
    assert not private.reachable
    assert private.blockers == (
        "PubliclyAccessible is false",
        "subnets s-priv-a, s-priv-b are private (rtb-priv sends 0.0.0.0/0 to nat-1)",
        "sg-rds admits no internet source (tcp 5432 from sg-app; tcp 5432 from sg-bridge)",
    )
    assert private.latent == ()  # three gates closed: more than one change away
    assert format_ports(mixed.world_ports("tcp")) == "5432"
    found = mixed.path("tcp", 5432)
    assert found is not None and found[0].subnet_id == "s-pub"


def test_the_analysis_is_memoised_per_snapshot() -> None:
    snap = snapshot(**_public_network())
    assert analyse(snap) is analyse(snap)
