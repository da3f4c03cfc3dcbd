"""Network Isolation rules (NI...)."""

from __future__ import annotations

import json
import shlex
from typing import Any

from auditor.rules.network_isolation import (
    ecs_service_no_public_ip,
    rds_not_publicly_accessible,
    rds_subnet_group_private,
    sg_no_world_admin_ports,
    sg_no_world_all_ports,
    sg_no_world_database_ports,
)

from auditor.engine.model import Status
from auditor.snapshot.ec2 import Ec2Section, Route, RouteTable, SecurityGroup, SgRule, Subnet, Vpc
from auditor.snapshot.ecs import EcsSection, EcsService
from auditor.snapshot.rds import DbCluster, DbInstance, DbSubnetGroup, RdsSection
from tests.rules.helpers import (
    ACCOUNT_ID,
    REGION,
    command,
    evidence,
    failing,
    make_snapshot,
    passing,
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


def db_instance(name: str, **kw: Any) -> DbInstance:
    fields: dict[str, Any] = {
        "id": name,
        "arn": f"arn:aws:rds:{REGION}:{ACCOUNT_ID}:db:{name}",
        "region": REGION,
        "engine": "postgres",
        "engine_version": "16.3",
        "instance_class": "db.t4g.micro",
        "status": "available",
        "publicly_accessible": False,
        "storage_encrypted": True,
        "deletion_protection": True,
        "backup_retention_days": 7,
        "iam_auth": False,
        "multi_az": False,
    }
    fields.update(kw)
    return DbInstance.model_validate(fields)


def db_cluster(name: str, **kw: Any) -> DbCluster:
    fields: dict[str, Any] = {
        "id": name,
        "arn": f"arn:aws:rds:{REGION}:{ACCOUNT_ID}:cluster:{name}",
        "region": REGION,
        "engine": "aurora-postgresql",
        "engine_version": "16.3",
        "status": "available",
        "storage_encrypted": True,
        "deletion_protection": True,
        "backup_retention_days": 7,
        "iam_auth": False,
    }
    fields.update(kw)
    return DbCluster.model_validate(fields)


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
        group("pass-ssh-prefix-list", perm("tcp", 22, prefix="pl-123")),
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
        "pass-ssh-prefix-list",
        "pass-ping",
        "pass-ssh-egress",
        "pass-no-ingress",
    }


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
    ):
        assert statuses(rule, snap) == {Status.PASS}, rule.id
