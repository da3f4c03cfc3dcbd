"""Network Isolation rules (NI...)."""

from __future__ import annotations

import json
import shlex
from typing import Any

from auditor.rules.network_isolation import (
    databases_and_admin_ports_not_internet_reachable,
    databases_and_admin_ports_not_one_change_from_internet,
    ecs_service_no_public_ip,
    rds_not_publicly_accessible,
    rds_subnet_group_private,
    sg_no_world_admin_ports,
    sg_no_world_all_ports,
    sg_no_world_database_ports,
)

from auditor.engine.model import Status
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
    Vpc,
)
from auditor.snapshot.ecs import EcsSection, EcsService
from auditor.snapshot.lambda_ import LambdaFunction, LambdaSection
from auditor.snapshot.rds import DbSubnetGroup, RdsSection
from tests.rules.helpers import (
    ACCOUNT_ID,
    REGION,
    command,
    db_cluster,
    db_instance,
    evidence,
    failing,
    instance,
    interface,
    make_snapshot,
    passing,
    results,
    statuses,
)

# ---------------------------------------------------------------- factories


def perm(
    protocol: str = "tcp",
    port: int | None = None,
    to: int | None = None,
    *,
    cidr: str = "",
    v6: str = "",
    sg: str = "",
    prefix: str = "",
) -> SgRule:
    to_port = to if to is not None else port
    return SgRule(
        protocol=protocol,
        from_port=port,
        to_port=to_port,
        cidr=cidr,
        ipv6_cidr=v6,
        source_group_id=sg,
        prefix_list_id=prefix,
    )


def world(protocol: str = "tcp", port: int | None = None, to: int | None = None) -> SgRule:
    return perm(protocol, port, to, cidr="0.0.0.0/0")


def world6(protocol: str = "tcp", port: int | None = None, to: int | None = None) -> SgRule:
    return perm(protocol, port, to, v6="::/0")


ALL_TRAFFIC_OUT = perm("-1", cidr="0.0.0.0/0")


def group(
    name: str, *ingress: SgRule, egress: tuple[SgRule, ...] = (ALL_TRAFFIC_OUT,)
) -> SecurityGroup:
    return SecurityGroup(
        id=f"sg-{name}",
        region=REGION,
        name=name,
        description=name,
        vpc_id="vpc-1",
        ingress=ingress,
        egress=egress,
    )


def sg_snapshot(*groups: SecurityGroup) -> Any:
    return make_snapshot(ec2=Ec2Section(security_groups=groups))


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
    local = Route(destination_cidr="10.0.0.0/16", target="local")
    return RouteTable(
        id=tid,
        region=REGION,
        vpc_id="vpc-1",
        is_main=main,
        subnet_ids=subnets,
        routes=(local, *routes),
    )


def network() -> Ec2Section:
    """A VPC with public subnets (explicit igw table, or the main table) and private ones."""
    return Ec2Section(
        vpcs=(Vpc(id="vpc-1", region=REGION, cidr="10.0.0.0/16", is_default=False),),
        subnets=tuple(
            subnet(s)
            for s in (
                "subnet-pub-a",
                "subnet-pub-main",
                "subnet-priv-a",
                "subnet-priv-b",
                "subnet-dead",
            )
        ),
        route_tables=(
            table(
                "rtb-public", ("subnet-pub-a",), Route(destination_cidr="0.0.0.0/0", target="igw-1")
            ),
            table(
                "rtb-private",
                ("subnet-priv-a", "subnet-priv-b"),
                Route(destination_cidr="0.0.0.0/0", target="nat-1"),
            ),
            # A route to a deleted internet gateway routes nowhere.
            table(
                "rtb-dead",
                ("subnet-dead",),
                Route(destination_cidr="0.0.0.0/0", target="igw-gone", state="blackhole"),
            ),
            # subnet-pub-main has no explicit association: the main table applies.
            table("rtb-main", (), Route(destination_ipv6_cidr="::/0", target="igw-1"), main=True),
        ),
    )


def sn_group(name: str, *subnets: str) -> DbSubnetGroup:
    return DbSubnetGroup(name=name, vpc_id="vpc-1", subnet_ids=subnets)


def ecs_service(name: str, **kw: Any) -> EcsService:
    fields: dict[str, Any] = {
        "arn": f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:service/ops/{name}",
        "name": name,
        "region": REGION,
        "cluster_arn": f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:cluster/ops",
        "status": "ACTIVE",
        "launch_type": "FARGATE",
        "task_definition_arn": "td",
        "desired_count": 1,
    }
    fields.update(kw)
    return EcsService.model_validate(fields)


def revoked_permissions(cmd: str) -> Any:
    """The JSON the command passes to ``--ip-permissions`` (parsed as the shell would)."""
    argv = shlex.split(cmd)
    return json.loads(argv[argv.index("--ip-permissions") + 1])


# ------------------------------------------------------------------ NI001


def test_ni001_flags_publicly_accessible_instances() -> None:
    snap = make_snapshot(
        rds=RdsSection(
            instances=(
                db_instance("pass-private"),
                db_instance("fail-public", publicly_accessible=True, endpoint_address="x.rds"),
                # Aurora members carry the flag themselves: judged per instance.
                db_instance("fail-aurora-member", publicly_accessible=True, cluster_id="aur"),
            ),
            clusters=(db_cluster("aur", member_ids=("fail-aurora-member",)),),
        )
    )
    assert failing(rds_not_publicly_accessible, snap) == {"fail-public", "fail-aurora-member"}
    assert passing(rds_not_publicly_accessible, snap) == {"pass-private"}
    assert "x.rds" in evidence(rds_not_publicly_accessible, snap, "fail-public")
    assert command(rds_not_publicly_accessible, snap, "fail-public") == (
        "aws rds modify-db-instance --db-instance-identifier fail-public "
        "--no-publicly-accessible --apply-immediately --region us-west-2"
    )


def test_ni001_unknown_when_rds_not_collected() -> None:
    assert statuses(rds_not_publicly_accessible, make_snapshot(gaps={"rds": "access_denied"})) == {
        Status.UNKNOWN
    }


# ------------------------------------------------------------------ NI002


def test_ni002_flags_subnet_groups_with_internet_routed_subnets() -> None:
    snap = make_snapshot(
        ec2=network(),
        rds=RdsSection(
            instances=(
                db_instance(
                    "pass-private", subnet_group=sn_group("priv", "subnet-priv-a", "subnet-priv-b")
                ),
                db_instance(
                    "fail-mixed", subnet_group=sn_group("mixed", "subnet-pub-a", "subnet-priv-a")
                ),
                db_instance(
                    "fail-main-table",
                    subnet_group=sn_group("main", "subnet-pub-main", "subnet-priv-b"),
                ),
                db_instance(
                    "pass-blackhole", subnet_group=sn_group("dead", "subnet-dead", "subnet-priv-a")
                ),
                # Judged through its cluster.
                db_instance(
                    "member-1",
                    cluster_id="fail-cluster",
                    subnet_group=sn_group("c", "subnet-pub-a"),
                ),
                db_instance("classic"),  # no subnet group: nothing to judge
            ),
            clusters=(
                db_cluster(
                    "fail-cluster", subnet_group=sn_group("c", "subnet-pub-a", "subnet-priv-a")
                ),
                db_cluster(
                    "pass-cluster", subnet_group=sn_group("p", "subnet-priv-a", "subnet-priv-b")
                ),
            ),
        ),
    )
    assert failing(rds_subnet_group_private, snap) == {
        "fail-mixed",
        "fail-main-table",
        "fail-cluster",
    }
    assert passing(rds_subnet_group_private, snap) == {
        "pass-private",
        "pass-blackhole",
        "pass-cluster",
    }
    assert evidence(rds_subnet_group_private, snap, "fail-mixed") == (
        "subnet group mixed includes subnet-pub-a routed to an internet gateway"
    )
    assert command(rds_subnet_group_private, snap, "fail-mixed") == (
        "aws rds modify-db-subnet-group --db-subnet-group-name mixed "
        """--subnet-ids '["subnet-priv-a"]' --region us-west-2"""
    )


def test_ni002_unknown_without_network_data() -> None:
    snap = make_snapshot(
        gaps={"ec2": "access_denied"},
        rds=RdsSection(instances=(db_instance("pass-x", subnet_group=sn_group("g", "subnet-a")),)),
    )
    assert statuses(rds_subnet_group_private, snap) == {Status.UNKNOWN}


# ------------------------------------------------------------------ NI003


def test_ni003_flags_ssh_and_rdp_open_to_the_world() -> None:
    snap = sg_snapshot(
        group("pass-https", world("tcp", 443), world6("tcp", 443)),
        group("pass-http", world("tcp", 80)),
        group("pass-ssh-office", perm("tcp", 22, cidr="203.0.113.7/32")),
        group("pass-ssh-from-sg", perm("tcp", 22, sg="sg-bastion")),
        group("pass-ping", world("icmp", -1, -1)),
        group("pass-ssh-egress", egress=(world("tcp", 22),)),
        group("pass-no-ingress"),
        group("fail-ssh", world("tcp", 22)),
        group("fail-rdp-v6", world6("tcp", 3389)),
        group("fail-rdp-udp", world("udp", 3389)),
        group("fail-low-range", world("tcp", 0, 1024)),
        group("fail-all-traffic", world("-1")),
    )
    assert failing(sg_no_world_admin_ports, snap) == {
        "fail-ssh",
        "fail-rdp-v6",
        "fail-rdp-udp",
        "fail-low-range",
        "fail-all-traffic",
    }
    assert passing(sg_no_world_admin_ports, snap) == {
        "pass-https",
        "pass-http",
        "pass-ssh-office",
        "pass-ssh-from-sg",
        "pass-ping",
        "pass-ssh-egress",
        "pass-no-ingress",
    }


def test_defect_ni003_to_ni005_missed_rules_open_to_half_the_internet() -> None:
    # Before, only 0.0.0.0/0 and ::/0 were "the internet" for NI003-NI005 while the
    # path analysis (NI007) already counted any range holding a /8 of internet addresses.
    snap = sg_snapshot(
        group("fail-ssh-half", perm("tcp", 22, cidr="0.0.0.0/1")),
        group("fail-ssh-upper-half", perm("tcp", 22, cidr="128.0.0.0/1")),
        group("fail-rdp-v6-half", perm("tcp", 3389, v6="::/1")),
        group("fail-ssh-public-slash8", perm("tcp", 22, cidr="3.0.0.0/8")),
        group("fail-mysql-slash7", perm("tcp", 3306, cidr="8.0.0.0/7")),
        group("fail-all-v6-global", perm("-1", v6="2000::/3")),
        group("pass-ssh-office-slash24", perm("tcp", 22, cidr="198.51.100.0/24")),
        group("pass-ssh-public-slash9", perm("tcp", 22, cidr="3.0.0.0/9")),
        group("pass-ssh-private-slash8", perm("tcp", 22, cidr="10.0.0.0/8")),
        group("pass-ssh-cgnat", perm("tcp", 22, cidr="100.64.0.0/10")),
        group("pass-ssh-unique-local-v6", perm("tcp", 22, v6="fc00::/7")),
        group("pass-ssh-v6-slash33", perm("tcp", 22, v6="2600:1f00::/33")),
    )
    assert failing(sg_no_world_admin_ports, snap) == {
        "fail-ssh-half",
        "fail-ssh-upper-half",
        "fail-rdp-v6-half",
        "fail-ssh-public-slash8",
        "fail-all-v6-global",
    }
    assert failing(sg_no_world_database_ports, snap) == {"fail-mysql-slash7", "fail-all-v6-global"}
    assert failing(sg_no_world_all_ports, snap) == {"fail-all-v6-global"}
    assert {n for n in passing(sg_no_world_admin_ports, snap) if n.startswith("pass-")} == {
        "pass-ssh-office-slash24",
        "pass-ssh-public-slash9",
        "pass-ssh-private-slash8",
        "pass-ssh-cgnat",
        "pass-ssh-unique-local-v6",
        "pass-ssh-v6-slash33",
    }
    assert evidence(sg_no_world_admin_ports, snap, "fail-ssh-half") == (
        "sg-fail-ssh-half allows tcp 22 from 0.0.0.0/1"
    )


def test_ni003_to_ni005_unknown_for_prefix_lists_covering_their_ports() -> None:
    # Managed prefix lists' entries are not collected: whether one admits the
    # internet cannot be told, so the group is undecided, never a silent PASS.
    snap = sg_snapshot(
        group("unknown-ssh-prefix-list", perm("tcp", 22, prefix="pl-123")),
        group("unknown-all-prefix-list", perm("-1", prefix="pl-456")),
        group("pass-https-prefix-list", perm("tcp", 443, prefix="pl-789")),
        group("fail-ssh-world-and-list", world("tcp", 22), perm("tcp", 22, prefix="pl-123")),
    )
    verdicts = results(sg_no_world_admin_ports, snap)
    unknown = {r.resource_name for r in verdicts if r.status is Status.UNKNOWN}
    assert unknown == {"unknown-ssh-prefix-list", "unknown-all-prefix-list"}
    assert passing(sg_no_world_admin_ports, snap) == {"pass-https-prefix-list"}
    assert failing(sg_no_world_admin_ports, snap) == {"fail-ssh-world-and-list"}
    assert passing(sg_no_world_all_ports, snap) == {
        "unknown-ssh-prefix-list",
        "pass-https-prefix-list",
        "fail-ssh-world-and-list",
    }
    assert "pl-123" in evidence(sg_no_world_admin_ports, snap, "unknown-ssh-prefix-list")


def test_ni003_evidence_and_command_name_the_offending_rules() -> None:
    snap = sg_snapshot(
        group("fail-ssh", world("tcp", 443), world("tcp", 22), world6("tcp", 3389)),
        group(
            "fail-many",
            world("tcp", 22),
            world("tcp", 20, 30),
            world("udp", 3389),
            world6("tcp", 22),
            world("-1"),
        ),
    )
    assert evidence(sg_no_world_admin_ports, snap, "fail-ssh") == (
        "sg-fail-ssh allows tcp 22 from 0.0.0.0/0; tcp 3389 from ::/0"
    )
    cmd = command(sg_no_world_admin_ports, snap, "fail-ssh")
    assert cmd.startswith("aws ec2 revoke-security-group-ingress --group-id sg-fail-ssh ")
    assert cmd.endswith(" --region us-west-2")
    # Exactly the offending rules, never the 443 rule.
    assert revoked_permissions(cmd) == [
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {
            "IpProtocol": "tcp",
            "FromPort": 3389,
            "ToPort": 3389,
            "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
        },
    ]
    many = evidence(sg_no_world_admin_ports, snap, "fail-many")
    assert many.endswith("(+2 more)")
    assert "tcp 20-30 from 0.0.0.0/0" in many
    assert {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]} in revoked_permissions(
        command(sg_no_world_admin_ports, snap, "fail-many")
    )


def test_ni003_unknown_when_ec2_not_collected() -> None:
    assert statuses(sg_no_world_admin_ports, make_snapshot(gaps={"ec2": "access_denied"})) == {
        Status.UNKNOWN
    }


# ------------------------------------------------------------------ NI004


def test_ni004_flags_database_ports_open_to_the_world() -> None:
    snap = sg_snapshot(
        group("pass-https", world("tcp", 443)),
        group("pass-pg-from-app-sg", perm("tcp", 5432, sg="sg-app")),
        group("pass-pg-one-host", perm("tcp", 5432, cidr="198.51.100.4/32")),
        group("pass-udp-5432", world("udp", 5432)),
        group("pass-ssh-only", world("tcp", 22)),
        group("fail-postgres", world("tcp", 5432)),
        group("fail-mysql", world("tcp", 3306)),
        group("fail-mssql", world("tcp", 1433)),
        group("fail-oracle", world("tcp", 1521)),
        group("fail-mongo", world("tcp", 27017)),
        group("fail-redis-v6", world6("tcp", 6379)),
        group("fail-elastic", world("tcp", 9200)),
        group("fail-wide-range", world("tcp", 1000, 10000)),
        group("fail-all-traffic", world("-1")),
    )
    assert failing(sg_no_world_database_ports, snap) == {
        "fail-postgres",
        "fail-mysql",
        "fail-mssql",
        "fail-oracle",
        "fail-mongo",
        "fail-redis-v6",
        "fail-elastic",
        "fail-wide-range",
        "fail-all-traffic",
    }
    assert passing(sg_no_world_database_ports, snap) == {
        "pass-https",
        "pass-pg-from-app-sg",
        "pass-pg-one-host",
        "pass-udp-5432",
        "pass-ssh-only",
    }
    assert evidence(sg_no_world_database_ports, snap, "fail-redis-v6") == (
        "sg-fail-redis-v6 allows tcp 6379 from ::/0"
    )
    assert revoked_permissions(command(sg_no_world_database_ports, snap, "fail-postgres")) == [
        {
            "IpProtocol": "tcp",
            "FromPort": 5432,
            "ToPort": 5432,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
        }
    ]


# ------------------------------------------------------------------ NI005


def test_ni005_flags_all_ports_open_to_the_world() -> None:
    snap = sg_snapshot(
        group("pass-https", world("tcp", 443)),
        group("pass-range", world("tcp", 1000, 2000)),
        group("pass-all-from-itself", perm("-1", sg="sg-pass-all-from-itself")),
        group("pass-all-from-vpn", perm("-1", cidr="10.8.0.0/16")),
        group("pass-ping", world("icmp", -1, -1)),
        group("fail-all-traffic", world("-1")),
        group("fail-all-traffic-v6", world6("-1")),
        group("fail-all-tcp", world("tcp", 0, 65535)),
        group("fail-all-udp", world("udp", 0, 65535)),
    )
    assert failing(sg_no_world_all_ports, snap) == {
        "fail-all-traffic",
        "fail-all-traffic-v6",
        "fail-all-tcp",
        "fail-all-udp",
    }
    assert passing(sg_no_world_all_ports, snap) == {
        "pass-https",
        "pass-range",
        "pass-all-from-itself",
        "pass-all-from-vpn",
        "pass-ping",
    }
    assert evidence(sg_no_world_all_ports, snap, "fail-all-traffic-v6") == (
        "sg-fail-all-traffic-v6 allows all traffic from ::/0"
    )
    assert evidence(sg_no_world_all_ports, snap, "fail-all-tcp") == (
        "sg-fail-all-tcp allows tcp all ports from 0.0.0.0/0"
    )
    assert revoked_permissions(command(sg_no_world_all_ports, snap, "fail-all-traffic")) == [
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ]


# ------------------------------------------------------------------ NI006


def test_ni006_flags_services_assigning_public_ips() -> None:
    snap = make_snapshot(
        ecs=EcsSection(
            services=(
                ecs_service("pass-private", assign_public_ip="DISABLED", subnet_ids=("subnet-a",)),
                ecs_service("pass-bridge-mode", launch_type="EC2"),
                ecs_service(
                    "fail-public",
                    assign_public_ip="ENABLED",
                    subnet_ids=("subnet-a", "subnet-b"),
                    security_group_ids=("sg-1",),
                ),
                ecs_service("gone", assign_public_ip="ENABLED", status="INACTIVE"),
            )
        )
    )
    assert failing(ecs_service_no_public_ip, snap) == {"fail-public"}
    assert passing(ecs_service_no_public_ip, snap) == {"pass-private", "pass-bridge-mode"}
    assert command(ecs_service_no_public_ip, snap, "fail-public") == (
        "aws ecs update-service --cluster ops --service fail-public --network-configuration "
        "'awsvpcConfiguration={subnets=[subnet-a,subnet-b],securityGroups=[sg-1],"
        "assignPublicIp=DISABLED}' --region us-west-2"
    )


def test_ni006_unknown_when_ecs_not_collected() -> None:
    assert statuses(ecs_service_no_public_ip, make_snapshot(gaps={"ecs": "throttled"})) == {
        Status.UNKNOWN
    }


# -------------------------------------------------- the reference account


def test_reference_shape_passes_every_network_isolation_rule() -> None:
    """Private RDS reachable only from the app's security groups; default egress only."""
    tasks = group("ecs-tasks-sg")
    bridge = group("db-query-lambda-sg")
    rds_sg = group(
        "rds-sg",
        perm("tcp", 5432, sg="sg-ecs-tasks-sg"),
        perm("tcp", 5432, sg="sg-db-query-lambda-sg"),
    )
    default = group("default", perm("-1", sg="sg-default"))
    snap = make_snapshot(
        ec2=network().model_copy(update={"security_groups": (tasks, bridge, rds_sg, default)}),
        rds=RdsSection(
            instances=(
                db_instance(
                    "trading-db",
                    subnet_group=sn_group("trading-db-subnets", "subnet-priv-a", "subnet-priv-b"),
                    security_group_ids=("sg-rds-sg",),
                ),
            )
        ),
        ecs=EcsSection(
            services=(
                ecs_service(
                    "dispatcher-service",
                    assign_public_ip="DISABLED",
                    subnet_ids=("subnet-priv-a", "subnet-priv-b"),
                ),
            )
        ),
    )
    for rule in (
        rds_not_publicly_accessible,
        rds_subnet_group_private,
        sg_no_world_admin_ports,
        sg_no_world_database_ports,
        sg_no_world_all_ports,
        ecs_service_no_public_ip,
        databases_and_admin_ports_not_internet_reachable,
        databases_and_admin_ports_not_one_change_from_internet,
    ):
        assert statuses(rule, snap) == {Status.PASS}, rule.id


# ------------------------------------------------ NI007/NI008: the whole path


def acl_entry(number: int, allow: bool, protocol: str = "-1", **kw: Any) -> NaclEntry:
    egress = kw.pop("egress", False)
    if "cidr" not in kw and "ipv6_cidr" not in kw:
        kw["cidr"] = "0.0.0.0/0"
    return NaclEntry(rule_number=number, egress=egress, protocol=protocol, allow=allow, **kw)


def nacl(acl_id: str, subnets: tuple[str, ...], *entries: NaclEntry, default: bool = False) -> Any:
    return NetworkAcl(
        id=acl_id,
        region=REGION,
        vpc_id="vpc-1",
        is_default=default,
        subnet_ids=subnets,
        entries=entries,
    )


OPEN_ENTRIES = (
    acl_entry(100, True),
    acl_entry(100, True, ipv6_cidr="::/0"),
    acl_entry(100, True, egress=True),
    acl_entry(100, True, ipv6_cidr="::/0", egress=True),
)


def paths_network(*groups: SecurityGroup, **resources: Any) -> Ec2Section:
    """network() plus an attached internet gateway, network ACLs and more public subnets:

    * ``subnet-web-only``: its ACL admits only tcp 443 inbound;
    * ``subnet-no-reply``: its ACL admits everything in but lets replies out only to ports < 1024;
    * ``subnet-order``: its ACL allows SSH at #100 but denies it at #50 (lower wins);
    every other subnet uses the VPC's default ACL, which allows everything.
    """
    base = network()
    extra = ("subnet-web-only", "subnet-no-reply", "subnet-order")
    public_table = base.route_tables[0].model_copy(update={"subnet_ids": ("subnet-pub-a", *extra)})
    return base.model_copy(
        update={
            "subnets": (*base.subnets, *(subnet(s) for s in extra)),
            "route_tables": (public_table, *base.route_tables[1:]),
            "internet_gateways": (InternetGateway(id="igw-1", region=REGION, vpc_ids=("vpc-1",)),),
            "network_acls": (
                nacl("acl-default", (), *OPEN_ENTRIES, default=True),
                nacl(
                    "acl-web-only",
                    ("subnet-web-only",),
                    acl_entry(10, True, "6", from_port=443, to_port=443),
                    acl_entry(100, True, egress=True),
                ),
                nacl(
                    "acl-no-reply",
                    ("subnet-no-reply",),
                    acl_entry(100, True),
                    acl_entry(100, True, "6", egress=True, from_port=0, to_port=1023),
                ),
                nacl(
                    "acl-order",
                    ("subnet-order",),
                    acl_entry(100, True, "6", from_port=22, to_port=22),
                    acl_entry(50, False, "6", from_port=22, to_port=22),
                    acl_entry(200, True),
                    acl_entry(100, True, egress=True),
                ),
            ),
            "security_groups": groups,
            **resources,
        }
    )


def function(name: str, subnet_id: str, *groups: str) -> LambdaFunction:
    return LambdaFunction(
        arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}",
        name=name,
        region=REGION,
        runtime="python3.12",
        role_arn="arn:aws:iam::123456789012:role/fn",
        vpc_id="vpc-1",
        subnet_ids=(subnet_id,),
        security_group_ids=groups,
    )


PATH_GROUPS = (
    group("pg-world", world("tcp", 5432)),
    group("pg-range-world", world("tcp", 15000, 16000)),
    group("pg-from-app", perm("tcp", 5432, sg="sg-app")),
    group("ssh-world", world("tcp", 22)),
    group("ssh-office", perm("tcp", 22, cidr="203.0.113.7/32")),
    group("https-world", world("tcp", 443)),
    group("all-world", world("-1")),
    group("mongo-world6", world6("tcp", 27017)),
    group("redis-world", world("tcp", 6379)),
    group("rdp-world", world("tcp", 3389)),
    group("app"),
)


def paths_snapshot(**kw: Any) -> Any:
    instances = kw.pop("instances", ())
    enis = kw.pop("enis", ())
    return make_snapshot(
        ec2=paths_network(*PATH_GROUPS, instances=instances, network_interfaces=enis), **kw
    )


def test_ni007_flags_databases_and_admin_ports_reachable_from_the_internet() -> None:
    snap = paths_snapshot(
        rds=RdsSection(
            instances=(
                db_instance(
                    "fail-public-db",
                    publicly_accessible=True,
                    subnet_group=sn_group("mixed", "subnet-priv-a", "subnet-pub-a"),
                    security_group_ids=("sg-pg-world",),
                ),
                # Its own port, outside the usual list, inside a world-open range.
                db_instance(
                    "fail-custom-port-db",
                    publicly_accessible=True,
                    port=15432,
                    subnet_group=sn_group("pub", "subnet-pub-a"),
                    security_group_ids=("sg-pg-range-world",),
                ),
                # Look-alikes: the public flag in private subnets; a public subnet, no flag.
                db_instance(
                    "pass-flag-private-subnets",
                    publicly_accessible=True,
                    subnet_group=sn_group("priv", "subnet-priv-a", "subnet-priv-b"),
                    security_group_ids=("sg-pg-world",),
                ),
                db_instance(
                    "pass-no-public-address",
                    subnet_group=sn_group("pub", "subnet-pub-a"),
                    security_group_ids=("sg-pg-world",),
                ),
                db_instance("classic-no-subnet-group", publicly_accessible=True),
            )
        ),
        instances=(
            instance("fail-ssh", "subnet-pub-a", "sg-ssh-world", public_ip="54.0.0.1"),
            instance("fail-v6-mongo", "subnet-pub-main", "sg-mongo-world6"),
            instance("pass-web", "subnet-pub-a", "sg-https-world", public_ip="54.0.0.2"),
            instance("pass-office-ssh", "subnet-pub-a", "sg-ssh-office", public_ip="54.0.0.3"),
            instance("pass-acl-web-only", "subnet-web-only", "sg-all-world", public_ip="54.0.0.4"),
            instance("pass-acl-no-reply", "subnet-no-reply", "sg-all-world", public_ip="54.0.0.5"),
            instance("pass-acl-order", "subnet-order", "sg-ssh-world", public_ip="54.0.0.6"),
            instance("pass-blackhole", "subnet-dead", "sg-all-world", public_ip="54.0.0.7"),
            instance("pass-no-address", "subnet-pub-a", "sg-all-world"),
            instance(
                "gone", "subnet-pub-a", "sg-all-world", public_ip="54.0.0.8", state="terminated"
            ),
        ),
        enis=(
            interface(
                "eni-v6",
                "subnet-pub-main",
                "sg-mongo-world6",
                ipv6_addresses=("2600:1f14::9",),
                attached_instance_id="fail-v6-mongo",
            ),
            interface("fail-eni-rdp", "subnet-pub-a", "sg-rdp-world", public_ip="54.0.0.9"),
            # Managed for RDS: judged through the database, not on its own.
            interface(
                "eni-rds",
                "subnet-pub-a",
                "sg-pg-world",
                public_ip="54.0.0.10",
                description="RDSNetworkInterface",
            ),
        ),
        ecs=EcsSection(
            services=(
                ecs_service(
                    "fail-redis-tasks",
                    assign_public_ip="ENABLED",
                    subnet_ids=("subnet-pub-a",),
                    security_group_ids=("sg-redis-world",),
                ),
                ecs_service(
                    "pass-private-tasks",
                    assign_public_ip="DISABLED",
                    subnet_ids=("subnet-pub-a",),
                    security_group_ids=("sg-ssh-world",),
                ),
            )
        ),
        lambda_=LambdaSection(functions=(function("pass-fn", "subnet-pub-a", "sg-all-world"),)),
    )
    rule = databases_and_admin_ports_not_internet_reachable
    assert failing(rule, snap) == {
        "fail-public-db",
        "fail-custom-port-db",
        "fail-ssh",
        "fail-v6-mongo",
        "fail-eni-rdp",
        "fail-redis-tasks",
    }
    assert passing(rule, snap) == {
        "pass-flag-private-subnets",
        "pass-no-public-address",
        "pass-web",
        "pass-office-ssh",
        "pass-acl-web-only",
        "pass-acl-no-reply",
        "pass-acl-order",
        "pass-blackhole",
        "pass-no-address",
        "pass-private-tasks",
        "pass-fn",
    }
    # The evidence is the path, hop by hop.
    assert evidence(rule, snap, "fail-public-db") == (
        "tcp 5432 (PostgreSQL) reachable from the internet: internet -> igw-1"
        " -> rtb-public (0.0.0.0/0) -> acl-default (in #100, out #100)"
        " -> sg-pg-world tcp 5432 from 0.0.0.0/0"
        " -> public address (PubliclyAccessible) in subnet-pub-a -> database fail-public-db"
    )
    assert evidence(rule, snap, "fail-custom-port-db").startswith(
        "tcp 15432 (database port) reachable from the internet:"
    )
    assert evidence(rule, snap, "fail-v6-mongo") == (
        "tcp 27017 (MongoDB) reachable from the internet: internet -> igw-1 -> rtb-main (::/0)"
        " -> acl-default (in #100, out #100) -> sg-mongo-world6 tcp 27017 from ::/0"
        " -> eni-v6 2600:1f14::9 in subnet-pub-main -> instance fail-v6-mongo"
    )
    assert "-> task public IP (assignPublicIp ENABLED) in subnet-pub-a" in evidence(
        rule, snap, "fail-redis-tasks"
    )
    # Why the private ones are private.
    assert evidence(rule, snap, "pass-flag-private-subnets") == (
        "not reachable from the internet: subnets subnet-priv-a, subnet-priv-b are private"
        " (rtb-private sends 0.0.0.0/0 to nat-1)"
    )
    assert evidence(rule, snap, "pass-no-public-address") == (
        "not reachable from the internet: PubliclyAccessible is false"
    )
    assert evidence(rule, snap, "pass-acl-no-reply") == (
        "not reachable from the internet: acl-no-reply lets no reply out to the internet"
        " (in subnet-no-reply)"
    )
    assert evidence(rule, snap, "pass-blackhole") == (
        "not reachable from the internet: subnet subnet-dead is private"
        " (rtb-dead sends 0.0.0.0/0 to igw-gone, a blackhole)"
    )
    assert evidence(rule, snap, "pass-web") == (
        "no database or admin port reachable from the internet (reachable: tcp 443)"
    )
    assert evidence(rule, snap, "pass-acl-web-only") == (
        "no database or admin port reachable from the internet (reachable: tcp 443)"
    )
    assert evidence(rule, snap, "pass-office-ssh") == (
        "tcp 22 (SSH) reachable only from 203.0.113.7/32, not from the internet at large"
    )
    assert evidence(rule, snap, "pass-fn") == (
        "not reachable from the internet: Lambda functions get no public address"
    )


def test_ni007_network_acl_rule_numbers_decide_not_list_order() -> None:
    snap = paths_snapshot(
        instances=(instance("pass-deny-50", "subnet-order", "sg-ssh-world", public_ip="54.0.0.6"),)
    )
    rule = databases_and_admin_ports_not_internet_reachable
    assert passing(rule, snap) == {"pass-deny-50"}
    # Renumber the deny after the allow: now the allow decides and SSH is reachable.
    ec2 = snap.ec2
    acls = tuple(
        a.model_copy(
            update={
                "entries": tuple(
                    e.model_copy(update={"rule_number": 150}) if not e.allow else e
                    for e in a.entries
                )
            }
        )
        if a.id == "acl-order"
        else a
        for a in ec2.network_acls
    )
    renamed = ec2.instances[0].model_copy(update={"id": "fail-deny-150"})
    snap2 = make_snapshot(
        ec2=ec2.model_copy(update={"network_acls": acls, "instances": (renamed,)})
    )
    assert failing(rule, snap2) == {"fail-deny-150"}
    assert "acl-order (in #100, out #100)" in evidence(rule, snap2, "fail-deny-150")


def test_ni007_command_revokes_the_rule_on_the_path() -> None:
    snap = paths_snapshot(
        rds=RdsSection(
            instances=(
                db_instance(
                    "fail-public-db",
                    publicly_accessible=True,
                    subnet_group=sn_group("pub", "subnet-pub-a"),
                    security_group_ids=("sg-app", "sg-pg-world"),
                ),
            )
        )
    )
    cmd = command(databases_and_admin_ports_not_internet_reachable, snap, "fail-public-db")
    assert cmd.startswith("aws ec2 revoke-security-group-ingress --group-id sg-pg-world ")
    assert revoked_permissions(cmd) == [
        {
            "IpProtocol": "tcp",
            "FromPort": 5432,
            "ToPort": 5432,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
        }
    ]


def test_ni007_unknown_where_databases_or_services_were_not_collected() -> None:
    snap = make_snapshot(
        gaps={"rds": "access_denied"},
        ec2=paths_network(
            *PATH_GROUPS,
            instances=(instance("fail-ssh", "subnet-pub-a", "sg-ssh-world", public_ip="54.0.0.1"),),
        ),
    )
    rule = databases_and_admin_ports_not_internet_reachable
    assert failing(rule, snap) == {"fail-ssh"}
    assert {
        (r.resource_id, r.status) for r in results(rule, snap) if r.status is not Status.FAIL
    } == {(f"account/{REGION}", Status.UNKNOWN)}
    assert statuses(rule, make_snapshot(gaps={"ec2": "access_denied"})) == {Status.UNKNOWN}


def test_ni008_flags_resources_one_change_from_the_internet() -> None:
    snap = paths_snapshot(
        rds=RdsSection(
            instances=(
                # One route away: the flag is on, the group is open, the subnets are private.
                db_instance(
                    "fail-route-away-db",
                    publicly_accessible=True,
                    subnet_group=sn_group("priv", "subnet-priv-a", "subnet-priv-b"),
                    security_group_ids=("sg-pg-world",),
                ),
                # One flag away: public subnet, open group, PubliclyAccessible false.
                db_instance(
                    "fail-flag-away-db",
                    subnet_group=sn_group("pub", "subnet-pub-a"),
                    security_group_ids=("sg-pg-world",),
                ),
                # One security group rule away: public and in a public subnet, app-only group.
                db_instance(
                    "fail-rule-away-db",
                    publicly_accessible=True,
                    subnet_group=sn_group("pub", "subnet-pub-a"),
                    security_group_ids=("sg-pg-from-app",),
                ),
                # Two changes away: private subnets, no flag, app-only group.
                db_instance(
                    "pass-two-changes-db",
                    subnet_group=sn_group("priv", "subnet-priv-a", "subnet-priv-b"),
                    security_group_ids=("sg-pg-from-app",),
                ),
            )
        ),
        instances=(
            # One ACL edit away: SSH open to the world, denied by the subnet's ACL alone.
            instance("fail-acl-away", "subnet-order", "sg-ssh-world", public_ip="54.0.0.6"),
            # Already reachable (NI007's) and nothing else one change away.
            instance("pass-exposed-today", "subnet-pub-a", "sg-ssh-world", public_ip="54.0.0.1"),
            instance("pass-web", "subnet-pub-a", "sg-https-world", public_ip="54.0.0.2"),
            # No public address and a private subnet: two changes.
            instance("pass-private", "subnet-priv-a", "sg-ssh-world"),
        ),
        lambda_=LambdaSection(functions=(function("pass-fn", "subnet-priv-a", "sg-all-world"),)),
    )
    rule = databases_and_admin_ports_not_one_change_from_internet
    assert failing(rule, snap) == {
        "fail-route-away-db",
        "fail-flag-away-db",
        "fail-rule-away-db",
        "fail-acl-away",
    }
    assert passing(rule, snap) == {
        "pass-two-changes-db",
        "pass-exposed-today",
        "pass-web",
        "pass-private",
        "pass-fn",
    }
    assert evidence(rule, snap, "fail-route-away-db") == (
        "one change from the internet: a route to igw-1 in rtb-private would expose"
        " tcp 5432 (PostgreSQL): internet -> igw-1 -> rtb-private (if it routed to igw-1)"
        " -> acl-default (in #100, out #100) -> sg-pg-world tcp 5432 from 0.0.0.0/0"
        " -> public address (PubliclyAccessible) in subnet-priv-a -> database fail-route-away-db"
    )
    assert evidence(rule, snap, "fail-flag-away-db").startswith(
        "one change from the internet: turning PubliclyAccessible on would expose tcp 5432"
        " (PostgreSQL)"
    )
    assert evidence(rule, snap, "fail-rule-away-db").startswith(
        "one change from the internet: one security group rule from 0.0.0.0/0 on tcp 5432"
        " would expose tcp 5432 (PostgreSQL): "
    )
    assert evidence(rule, snap, "fail-acl-away").startswith(
        "one change from the internet: opening acl-order would expose tcp 22 (SSH): "
        "internet -> igw-1 -> rtb-public (0.0.0.0/0) -> acl-order (if opened) -> sg-ssh-world"
    )


def test_ni008_each_database_is_one_rule_from_its_own_port() -> None:
    """Two public databases in one public subnet behind app-only groups: each evidence
    names the rule on its own port."""
    snap = paths_snapshot(
        rds=RdsSection(
            instances=(
                db_instance(
                    "fail-pg",
                    publicly_accessible=True,
                    subnet_group=sn_group("pub", "subnet-pub-a"),
                    security_group_ids=("sg-app",),
                ),
                db_instance(
                    "fail-mysql",
                    engine="mysql",
                    publicly_accessible=True,
                    subnet_group=sn_group("pub", "subnet-pub-a"),
                    security_group_ids=("sg-app",),
                ),
            )
        )
    )
    rule = databases_and_admin_ports_not_one_change_from_internet
    assert failing(rule, snap) == {"fail-pg", "fail-mysql"}
    assert "new rule tcp 5432 from 0.0.0.0/0" in evidence(rule, snap, "fail-pg")
    assert evidence(rule, snap, "fail-mysql").startswith(
        "one change from the internet: one security group rule from 0.0.0.0/0 on tcp 3306"
        " would expose tcp 3306 (MySQL/MariaDB): "
    )


def test_ni008_needs_an_internet_gateway_for_a_route_to_be_one_change() -> None:
    """Without an attached gateway, a route is not enough: two changes, no finding."""
    db = db_instance(
        "pass-no-gateway",
        publicly_accessible=True,
        subnet_group=sn_group("priv", "subnet-priv-a"),
        security_group_ids=("sg-pg-world",),
    )
    ec2 = paths_network(*PATH_GROUPS).model_copy(update={"internet_gateways": ()})
    snap = make_snapshot(ec2=ec2, rds=RdsSection(instances=(db,)))
    assert passing(databases_and_admin_ports_not_one_change_from_internet, snap) == {
        "pass-no-gateway"
    }
    with_gateway = make_snapshot(ec2=paths_network(*PATH_GROUPS), rds=RdsSection(instances=(db,)))
    assert failing(databases_and_admin_ports_not_one_change_from_internet, with_gateway) == {
        "pass-no-gateway"
    }


def test_ni008_unknown_when_ec2_not_collected() -> None:
    snap = make_snapshot(gaps={"ec2": "access_denied"})
    assert statuses(databases_and_admin_ports_not_one_change_from_internet, snap) == {
        Status.UNKNOWN
    }


def test_ni006_evidence_says_whether_public_tasks_are_reachable() -> None:
    snap = make_snapshot(
        ec2=paths_network(*PATH_GROUPS, group("api", world("tcp", 8080))),
        ecs=EcsSection(
            services=(
                ecs_service(
                    "fail-reachable",
                    assign_public_ip="ENABLED",
                    subnet_ids=("subnet-pub-a",),
                    security_group_ids=("sg-api",),
                ),
                ecs_service(
                    "fail-closed",
                    assign_public_ip="ENABLED",
                    subnet_ids=("subnet-pub-a",),
                    security_group_ids=("sg-app",),
                ),
                ecs_service(
                    "fail-private-subnets",
                    assign_public_ip="ENABLED",
                    subnet_ids=("subnet-priv-a",),
                    security_group_ids=("sg-api",),
                ),
                ecs_service(
                    "pass-disabled",
                    assign_public_ip="DISABLED",
                    subnet_ids=("subnet-pub-a",),
                    security_group_ids=("sg-api",),
                ),
            )
        ),
    )
    assert failing(ecs_service_no_public_ip, snap) == {
        "fail-reachable",
        "fail-closed",
        "fail-private-subnets",
    }
    assert passing(ecs_service_no_public_ip, snap) == {"pass-disabled"}
    assert evidence(ecs_service_no_public_ip, snap, "fail-reachable") == (
        "assignPublicIp is ENABLED for the service's tasks in public subnets subnet-pub-a:"
        " tasks reachable from the internet on tcp 8080"
    )
    assert evidence(ecs_service_no_public_ip, snap, "fail-closed") == (
        "assignPublicIp is ENABLED for the service's tasks in public subnets subnet-pub-a;"
        " no port of the tasks is reachable from the internet today"
    )
    assert evidence(ecs_service_no_public_ip, snap, "fail-private-subnets") == (
        "assignPublicIp is ENABLED for the service's tasks; its subnets are private"
        " (no internet-gateway route), so no path exists today"
    )
