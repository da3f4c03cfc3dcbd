"""Synthetic accounts of any size for the architecture diagram (tests, ``bench/diagram_bench.py``).

:func:`synthetic_snapshot` builds ``n`` workloads over ``max(1, n // 60)`` VPCs
(at most 12), each VPC with two public subnets (default route to its
internet gateway), two private subnets (default route to its NAT gateway)
and four security groups: ``app`` and ``fn`` (no ingress), ``db`` (admits
``app`` and ``fn`` on tcp 5432) and ``bastion`` (tcp 22 from 0.0.0.0/0).
Workloads cycle through ten kinds in the order of ``_SPREAD`` (so ``n=3``
is an ECS service, a Lambda function in the VPC and a database): 0-3 an ECS
service (private), 4 and 6 a Lambda function in the VPC, 5 a Lambda function
outside any VPC, 7-8 a PostgreSQL database (private), 9 an EC2 instance: in a
public subnet with a public IP and the ``bastion`` group (internet-reachable
on SSH) every fifth time, else private with the ``app`` group.
"""

from __future__ import annotations

from auditor.snapshot import Snapshot
from auditor.snapshot.ec2 import (
    Ec2Section,
    Instance,
    InternetGateway,
    NatGateway,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
    Vpc,
)
from auditor.snapshot.ecs import EcsSection, EcsService
from auditor.snapshot.lambda_ import LambdaFunction, LambdaSection
from auditor.snapshot.rds import DbInstance, DbSubnetGroup, RdsSection
from tests.rules.helpers import ACCOUNT_ID, REGION, make_snapshot

#: The kind of workload ``i`` (see the module doc); tiny accounts start ECS, Lambda, database.
_SPREAD = (0, 4, 7, 1, 5, 8, 9, 2, 6, 3)


def _vpc_ids(v: int) -> dict[str, str]:
    vid = f"vpc-{v:04d}"
    return {
        "vpc": vid,
        "pub-a": f"subnet-{v:04d}0a",
        "pub-b": f"subnet-{v:04d}0b",
        "priv-a": f"subnet-{v:04d}1a",
        "priv-b": f"subnet-{v:04d}1b",
        "igw": f"igw-{v:04d}",
        "nat": f"nat-{v:04d}",
        "app": f"sg-{v:04d}app",
        "fn": f"sg-{v:04d}fn",
        "db": f"sg-{v:04d}db",
        "bastion": f"sg-{v:04d}bastion",
    }


def synthetic_snapshot(n: int) -> Snapshot:
    """A snapshot of ``n`` workloads (see the module doc)."""
    n_vpcs = min(12, max(1, n // 60))
    vpcs, subnets, tables, igws, nats, groups = [], [], [], [], [], []
    per_vpc: list[dict[str, str]] = []
    for v in range(n_vpcs):
        ids = _vpc_ids(v)
        per_vpc.append(ids)
        vpcs.append(
            Vpc(
                id=ids["vpc"],
                region=REGION,
                cidr=f"10.{v}.0.0/16",
                is_default=False,
                tags={"Name": f"app-{v:02d}"},
            )
        )
        for key, octet, zone in (
            ("pub-a", 0, "a"),
            ("pub-b", 1, "b"),
            ("priv-a", 10, "a"),
            ("priv-b", 11, "b"),
        ):
            subnets.append(
                Subnet(
                    id=ids[key],
                    region=REGION,
                    vpc_id=ids["vpc"],
                    cidr=f"10.{v}.{octet}.0/24",
                    availability_zone=f"{REGION}{zone}",
                    map_public_ip_on_launch=False,
                    tags={"Name": f"app-{v:02d}-{key}"},
                )
            )
        tables.append(
            RouteTable(
                id=f"rtb-{v:04d}pub",
                region=REGION,
                vpc_id=ids["vpc"],
                is_main=False,
                subnet_ids=(ids["pub-a"], ids["pub-b"]),
                routes=(
                    Route(destination_cidr=f"10.{v}.0.0/16", target="local"),
                    Route(destination_cidr="0.0.0.0/0", target=ids["igw"]),
                ),
            )
        )
        tables.append(
            RouteTable(
                id=f"rtb-{v:04d}priv",
                region=REGION,
                vpc_id=ids["vpc"],
                is_main=True,
                subnet_ids=(ids["priv-a"], ids["priv-b"]),
                routes=(
                    Route(destination_cidr=f"10.{v}.0.0/16", target="local"),
                    Route(destination_cidr="0.0.0.0/0", target=ids["nat"]),
                ),
            )
        )
        igws.append(InternetGateway(id=ids["igw"], region=REGION, vpc_ids=(ids["vpc"],)))
        nats.append(
            NatGateway(
                id=ids["nat"],
                region=REGION,
                vpc_id=ids["vpc"],
                subnet_id=ids["pub-a"],
                state="available",
                public_ips=(f"52.0.{v}.1",),
            )
        )
        egress = (SgRule(protocol="-1", from_port=None, to_port=None, cidr="0.0.0.0/0"),)
        for name in ("app", "fn"):
            groups.append(
                SecurityGroup(
                    id=ids[name],
                    region=REGION,
                    name=f"{name}-{v}",
                    description=name,
                    vpc_id=ids["vpc"],
                    ingress=(),
                    egress=egress,
                )
            )
        groups.append(
            SecurityGroup(
                id=ids["db"],
                region=REGION,
                name=f"db-{v}",
                description="db",
                vpc_id=ids["vpc"],
                egress=egress,
                ingress=(
                    SgRule(
                        protocol="tcp", from_port=5432, to_port=5432, source_group_id=ids["app"]
                    ),
                    SgRule(protocol="tcp", from_port=5432, to_port=5432, source_group_id=ids["fn"]),
                ),
            )
        )
        groups.append(
            SecurityGroup(
                id=ids["bastion"],
                region=REGION,
                name=f"bastion-{v}",
                description="ssh",
                vpc_id=ids["vpc"],
                egress=egress,
                ingress=(SgRule(protocol="tcp", from_port=22, to_port=22, cidr="0.0.0.0/0"),),
            )
        )

    services, functions, dbs, instances = [], [], [], []
    for i in range(n):
        ids = per_vpc[i % n_vpcs]
        kind = _SPREAD[i % 10]
        private = (ids["priv-a"], ids["priv-b"])
        if kind <= 3:
            services.append(
                EcsService(
                    arn=f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:service/c/svc-{i:05d}",
                    name=f"svc-{i:05d}",
                    region=REGION,
                    cluster_arn=f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:cluster/c",
                    status="ACTIVE",
                    launch_type="FARGATE",
                    task_definition_arn=f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:task-definition/t{i}:1",
                    desired_count=1,
                    assign_public_ip="DISABLED",
                    subnet_ids=private,
                    security_group_ids=(ids["app"],),
                )
            )
        elif kind in (4, 5, 6):
            in_vpc = kind != 5
            functions.append(
                LambdaFunction(
                    arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:fn-{i:05d}",
                    name=f"fn-{i:05d}",
                    region=REGION,
                    runtime="python3.12",
                    role_arn=f"arn:aws:iam::{ACCOUNT_ID}:role/fn",
                    vpc_id=ids["vpc"] if in_vpc else "",
                    subnet_ids=private if in_vpc else (),
                    security_group_ids=(ids["fn"],) if in_vpc else (),
                )
            )
        elif kind in (7, 8):
            dbs.append(
                DbInstance(
                    id=f"db-{i:05d}",
                    arn=f"arn:aws:rds:{REGION}:{ACCOUNT_ID}:db:db-{i:05d}",
                    region=REGION,
                    engine="postgres",
                    engine_version="16.3",
                    instance_class="db.t4g.micro",
                    status="available",
                    publicly_accessible=False,
                    storage_encrypted=True,
                    deletion_protection=True,
                    backup_retention_days=7,
                    iam_auth=False,
                    multi_az=i % 3 == 0,
                    subnet_group=DbSubnetGroup(
                        name=f"dbs-{ids['vpc']}", vpc_id=ids["vpc"], subnet_ids=private
                    ),
                    security_group_ids=(ids["db"],),
                    port=5432,
                )
            )
        else:
            bastion = (i // 10) % 5 == 0
            instances.append(
                Instance(
                    id=f"i-{i:05d}",
                    region=REGION,
                    state="running",
                    instance_type="t4g.nano",
                    image_id="ami-1",
                    vpc_id=ids["vpc"],
                    subnet_id=ids["pub-a"] if bastion else ids["priv-a"],
                    private_ip="10.0.0.10",
                    public_ip="54.0.0.1" if bastion else "",
                    security_group_ids=(ids["bastion"] if bastion else ids["app"],),
                    tags={"Name": f"{'bastion' if bastion else 'worker'}-{i:05d}"},
                )
            )
    return make_snapshot(
        ec2=Ec2Section(
            vpcs=tuple(vpcs),
            subnets=tuple(subnets),
            route_tables=tuple(tables),
            internet_gateways=tuple(igws),
            nat_gateways=tuple(nats),
            security_groups=tuple(groups),
            instances=tuple(instances),
        ),
        ecs=EcsSection(services=tuple(services)),
        lambda_=LambdaSection(functions=tuple(functions)),
        rds=RdsSection(instances=tuple(dbs)),
    )
