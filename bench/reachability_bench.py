"""Reachability benchmark: the network path analysis over a large synthetic snapshot.

No AWS and no moto: the snapshot is built in memory, deterministically (seeded),
to the shape of a big account: for each size N, N instances each with its own
security group (3-6 ingress rules, some world-open, some narrow, some by group
reference) plus one shared group, N/4 standalone interfaces, N/10 RDS
databases, N/20 ECS services and N/20 Lambda functions, spread over N/50 VPCs
of 20 subnets each (half public, half behind a NAT), each subnet with its own
network ACL of 6-12 entries (some deny rules in front of allow-all).

It times, in this process: building the analysis cold (``analyse``, every
resource's grants, blockers and one-change-away paths), then the three rules
that use it (NI007, NI008, ZT001) on the memoised analysis, and reports the
counts found. Writes a Markdown report.

    python bench/reachability_bench.py                      # sizes 1000,5000
    python bench/reachability_bench.py --sizes 10000 --out report.md
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # benchmark this checkout's auditor

from auditor import __version__  # noqa: E402
from auditor.snapshot import CallStats, CollectionStatus, Coverage, Snapshot  # noqa: E402
from auditor.snapshot.ec2 import (  # noqa: E402
    Ec2Section,
    Instance,
    InternetGateway,
    NaclEntry,
    NetworkAcl,
    NetworkInterface,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
    Vpc,
)
from auditor.snapshot.ecs import EcsSection, EcsService  # noqa: E402
from auditor.snapshot.lambda_ import LambdaFunction, LambdaSection  # noqa: E402
from auditor.snapshot.rds import DbInstance, DbSubnetGroup, RdsSection  # noqa: E402

REGION = "us-west-2"
ACCOUNT = "123456789012"
SUBNETS_PER_VPC = 20
PORTS = (22, 80, 443, 3306, 3389, 5432, 6379, 8080, 9200, 27017)
NARROW = ("203.0.113.7/32", "198.51.100.0/24", "10.0.0.0/8", "54.10.0.0/16")


def _rule(rnd: random.Random, groups: list[str]) -> SgRule:
    port = rnd.choice(PORTS)
    kind = rnd.random()
    if kind < 0.25:
        return SgRule(protocol="tcp", from_port=port, to_port=port, cidr="0.0.0.0/0")
    if kind < 0.3:
        return SgRule(protocol="tcp", from_port=port, to_port=port, ipv6_cidr="::/0")
    if kind < 0.32:
        return SgRule(protocol="-1", from_port=None, to_port=None, cidr="0.0.0.0/0")
    if kind < 0.7:
        return SgRule(protocol="tcp", from_port=port, to_port=port, cidr=rnd.choice(NARROW))
    return SgRule(protocol="tcp", from_port=port, to_port=port, source_group_id=rnd.choice(groups))


def _acl(rnd: random.Random, acl_id: str, vpc: str, subnet: str) -> NetworkAcl:
    entries = []
    for i in range(rnd.randint(4, 10)):
        port = rnd.choice(PORTS)
        entries.append(
            NaclEntry(
                rule_number=10 + i * 10,
                egress=False,
                protocol="6",
                allow=rnd.random() < 0.4,
                cidr=rnd.choice(("0.0.0.0/0", *NARROW)),
                from_port=port,
                to_port=port,
            )
        )
    entries += [
        NaclEntry(rule_number=200, egress=False, protocol="-1", allow=True, cidr="0.0.0.0/0"),
        NaclEntry(rule_number=200, egress=True, protocol="-1", allow=True, cidr="0.0.0.0/0"),
    ]
    return NetworkAcl(
        id=acl_id,
        region=REGION,
        vpc_id=vpc,
        is_default=False,
        subnet_ids=(subnet,),
        entries=tuple(entries),
    )


def build(n: int, seed: int = 7) -> Snapshot:
    rnd = random.Random(seed)
    vpcs, subnets, tables, igws, acls = [], [], [], [], []
    placements: list[tuple[str, str]] = []  # (vpc, subnet)
    for v in range(max(1, n // 50)):
        vpc = f"vpc-{v:05d}"
        vpcs.append(Vpc(id=vpc, region=REGION, cidr="10.0.0.0/16", is_default=False))
        igws.append(InternetGateway(id=f"igw-{v:05d}", region=REGION, vpc_ids=(vpc,)))
        public, private = [], []
        for s in range(SUBNETS_PER_VPC):
            sid = f"subnet-{v:05d}-{s:02d}"
            subnets.append(
                Subnet(
                    id=sid,
                    region=REGION,
                    vpc_id=vpc,
                    cidr=f"10.0.{s}.0/24",
                    availability_zone=f"{REGION}a",
                    map_public_ip_on_launch=s % 2 == 0,
                )
            )
            (public if s % 2 == 0 else private).append(sid)
            acls.append(_acl(rnd, f"acl-{v:05d}-{s:02d}", vpc, sid))
            placements.append((vpc, sid))
        local = Route(destination_cidr="10.0.0.0/16", target="local")
        tables.append(
            RouteTable(
                id=f"rtb-pub-{v:05d}",
                region=REGION,
                vpc_id=vpc,
                is_main=False,
                subnet_ids=tuple(public),
                routes=(local, Route(destination_cidr="0.0.0.0/0", target=f"igw-{v:05d}")),
            )
        )
        tables.append(
            RouteTable(
                id=f"rtb-priv-{v:05d}",
                region=REGION,
                vpc_id=vpc,
                is_main=True,
                subnet_ids=tuple(private),
                routes=(local, Route(destination_cidr="0.0.0.0/0", target=f"nat-{v:05d}")),
            )
        )
    group_ids = [f"sg-{i:06d}" for i in range(n)]
    groups = [
        SecurityGroup(
            id=gid,
            region=REGION,
            name=gid,
            description="",
            vpc_id="vpc-00000",
            ingress=tuple(_rule(rnd, group_ids) for _ in range(rnd.randint(3, 6))),
            egress=(),
        )
        for gid in group_ids
    ]
    shared = SecurityGroup(
        id="sg-shared",
        region=REGION,
        name="shared",
        description="",
        vpc_id="vpc-00000",
        ingress=(SgRule(protocol="tcp", from_port=443, to_port=443, cidr="0.0.0.0/0"),),
        egress=(),
    )
    instances = []
    for i in range(n):
        vpc, sid = rnd.choice(placements)
        instances.append(
            Instance(
                id=f"i-{i:08d}",
                region=REGION,
                state="running",
                instance_type="t4g.small",
                image_id="ami-1",
                vpc_id=vpc,
                subnet_id=sid,
                private_ip="10.0.0.10",
                public_ip=f"54.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"
                if rnd.random() < 0.6
                else "",
                security_group_ids=(group_ids[i], "sg-shared"),
            )
        )
    enis = []
    for i in range(n // 4):
        vpc, sid = rnd.choice(placements)
        enis.append(
            NetworkInterface(
                id=f"eni-{i:08d}",
                region=REGION,
                vpc_id=vpc,
                subnet_id=sid,
                description="ELB app/web",
                interface_type="interface",
                status="in-use",
                private_ip="10.0.0.20",
                public_ip=f"52.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}" if i % 2 else "",
                security_group_ids=(rnd.choice(group_ids),),
            )
        )
    dbs = []
    for i in range(n // 10):
        vpc, _ = rnd.choice(placements)
        v = vpc.split("-")[1]
        dbs.append(
            DbInstance(
                id=f"db-{i:05d}",
                arn=f"arn:aws:rds:{REGION}:{ACCOUNT}:db:db-{i:05d}",
                region=REGION,
                engine=rnd.choice(("postgres", "mysql")),
                engine_version="16",
                instance_class="db.t4g.micro",
                status="available",
                publicly_accessible=rnd.random() < 0.2,
                storage_encrypted=True,
                deletion_protection=True,
                backup_retention_days=7,
                iam_auth=False,
                multi_az=False,
                subnet_group=DbSubnetGroup(
                    name=f"db-{i:05d}",
                    vpc_id=vpc,
                    subnet_ids=tuple(
                        f"subnet-{v}-{s:02d}" for s in rnd.sample(range(SUBNETS_PER_VPC), 3)
                    ),
                ),
                security_group_ids=(rnd.choice(group_ids),),
            )
        )
    services, functions = [], []
    for i in range(n // 20):
        vpc, sid = rnd.choice(placements)
        services.append(
            EcsService(
                arn=f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/c/svc-{i:05d}",
                name=f"svc-{i:05d}",
                region=REGION,
                cluster_arn=f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/c",
                status="ACTIVE",
                launch_type="FARGATE",
                task_definition_arn="td",
                desired_count=2,
                assign_public_ip="ENABLED" if i % 3 == 0 else "DISABLED",
                subnet_ids=(sid,),
                security_group_ids=(rnd.choice(group_ids),),
            )
        )
        functions.append(
            LambdaFunction(
                arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fn-{i:05d}",
                name=f"fn-{i:05d}",
                region=REGION,
                runtime="python3.12",
                role_arn=f"arn:aws:iam::{ACCOUNT}:role/fn",
                vpc_id=vpc,
                subnet_ids=(sid,),
                security_group_ids=(rnd.choice(group_ids),),
            )
        )
    coverage = tuple(
        Coverage(service=s, region=REGION, status=CollectionStatus.OK)
        for s in ("ec2", "rds", "ecs", "lambda")
    )
    return Snapshot(
        tool_version=__version__,
        account_id=ACCOUNT,
        partition="aws",
        regions=(REGION,),
        collected_at=datetime(2026, 11, 1, tzinfo=UTC),
        coverage=coverage,
        stats=CallStats(duration_seconds=0, operations=()),
        ec2=Ec2Section(
            vpcs=tuple(vpcs),
            subnets=tuple(subnets),
            route_tables=tuple(tables),
            internet_gateways=tuple(igws),
            network_acls=tuple(acls),
            security_groups=(*groups, shared),
            network_interfaces=tuple(enis),
            instances=tuple(instances),
        ),
        rds=RdsSection(instances=tuple(dbs)),
        ecs=EcsSection(services=tuple(services)),
        lambda_=LambdaSection(functions=tuple(functions)),
    )


def measure(n: int) -> dict[str, Any]:
    from auditor.analysis.reachability import analyse
    from auditor.engine.catalogue import load_catalogue
    from auditor.engine.evaluate import evaluate_rule
    from auditor.engine.model import Status

    catalogue = load_catalogue()
    t0 = time.perf_counter()
    snap = build(n)
    built = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    found = analyse(snap)
    analysed, analysed_cpu = time.perf_counter() - t0, time.process_time() - c0
    rules: dict[str, tuple[float, int]] = {}
    for rule_id in ("NI007", "NI008", "ZT001"):
        t0 = time.perf_counter()
        results = evaluate_rule(catalogue.get(rule_id), snap)
        rules[rule_id] = (
            time.perf_counter() - t0,
            sum(r.status is Status.FAIL for r in results),
        )
    return {
        "n": n,
        "build": built,
        "analyse": analysed,
        "analyse_cpu": analysed_cpu,
        "resources": len(found.resources),
        "groups": len(snap.ec2.security_groups),
        "rules_in_groups": sum(len(g.ingress) for g in snap.ec2.security_groups),
        "acls": len(snap.ec2.network_acls),
        "subnets": len(snap.ec2.subnets),
        "reachable": sum(r.reachable for r in found.resources),
        "latent": sum(bool(r.latent) for r in found.resources),
        "rules": rules,
    }


def report(rows: list[dict[str, Any]], argv: list[str]) -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    now = datetime.now(UTC).replace(microsecond=0)
    lines = [
        f"# Reachability benchmark — {now.date()}",
        "",
        f"`python bench/reachability_bench.py {' '.join(argv)}` at {now.isoformat()}: "
        f"auditor {__version__}, Python {platform.python_version()}, {os.cpu_count()} CPU(s) "
        f"(load average {load} when the report was written). One process, one thread; "
        "times are wall-clock seconds (`time.perf_counter`), and CPU seconds of this process "
        "(`time.process_time`) for the analysis, since a loaded machine stretches wall time.",
        "",
        "Synthetic snapshot per size N (seeded, built in memory): N instances, each with its "
        "own security group of 3-6 ingress rules (a quarter world-open, some narrow CIDRs, some "
        "group references) plus one shared group; N/4 standalone interfaces; N/10 RDS "
        "databases (3 subnets each); N/20 ECS services; N/20 Lambda functions in a VPC; N/50 "
        "VPCs of 20 subnets (half public), one network ACL per subnet with 6-12 entries.",
        "",
        "*analyse* is the cold analysis of every resource (grants, blockers and one-change-away "
        "paths); the rule columns then run on the memoised analysis.",
        "",
        "| N | resources | security groups | SG rules | ACLs | build (s) | analyse wall (s) "
        "| analyse CPU (s) "
        "| NI007 (s) | NI008 (s) | ZT001 (s) | reachable | one change away | NI007 FAIL "
        "| NI008 FAIL | ZT001 FAIL |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        rules = r["rules"]
        lines.append(
            f"| {r['n']} | {r['resources']} | {r['groups']} | {r['rules_in_groups']} "
            f"| {r['acls']} | {r['build']:.2f} | {r['analyse']:.2f} | {r['analyse_cpu']:.2f} "
            f"| {rules['NI007'][0]:.2f} | {rules['NI008'][0]:.2f} | {rules['ZT001'][0]:.2f} "
            f"| {r['reachable']} | {r['latent']} | {rules['NI007'][1]} | {rules['NI008'][1]} "
            f"| {rules['ZT001'][1]} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--sizes", default="1000,5000", help="comma-separated instance counts")
    parser.add_argument("--out", type=Path, help="write the Markdown report here as well")
    args = parser.parse_args(argv)
    rows = []
    for n in (int(x) for x in args.sizes.split(",") if x.strip()):
        row = measure(n)
        print(
            f"N={n}: {row['resources']} resources analysed in {row['analyse']:.2f}s",
            file=sys.stderr,
        )
        rows.append(row)
    text = report(rows, argv)
    if args.out:
        args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
