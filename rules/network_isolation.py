"""Network Isolation: databases and workloads are not placed on, or opened to, the internet.

Rules here judge one setting at a time (a database flag, a subnet group, a
security group rule, a service's public-address setting). Whether a workload
is *actually* reachable from the internet (public address + route + network
ACL + security group together) is a separate analysis with its own rule.

Security group rules are judged on *ingress only* and on *world* sources
only (``0.0.0.0/0`` or ``::/0``): a rule admitting another security group, a
prefix list or a narrower CIDR (down to a ``/32``) is not "open to the
internet", and neither is 80/443 open to the world (a load balancer's job).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from auditor.analysis.network import subnet_is_public
from auditor.engine.model import Check, Principle, Severity, rule
from auditor.snapshot import Snapshot
from auditor.snapshot.ec2 import ALL_PROTOCOLS, SecurityGroup, SgRule
from auditor.snapshot.rds import DbCluster, DbInstance, DbSubnetGroup

#: Remote administration: SSH and RDP (CIS 5.2/5.3 count TCP, UDP and all-traffic rules).
ADMIN_PORTS: tuple[int, ...] = (22, 3389)
#: Database engines' default ports, and what listens there.
DATABASE_PORTS: dict[int, str] = {
    3306: "MySQL/MariaDB",
    5432: "PostgreSQL",
    1433: "SQL Server",
    1521: "Oracle",
    27017: "MongoDB",
    6379: "Redis",
    9200: "Elasticsearch/OpenSearch",
}
#: How many offending rules evidence names before it says "+N more".
_EVIDENCE_RULES = 3


# ----------------------------------------------------------------- helpers


def _source(r: SgRule) -> str:
    return r.cidr or r.ipv6_cidr or r.prefix_list_id or r.source_group_id


def _port_range(r: SgRule) -> str:
    if r.protocol == ALL_PROTOCOLS:
        return "all ports"
    if r.protocol in ("tcp", "udp") and r.all_ports:
        return "all ports"
    if r.from_port is None or r.to_port is None or r.from_port == r.to_port:
        return str(r.from_port) if r.from_port is not None else "all ports"
    return f"{r.from_port}-{r.to_port}"


def describe_rule(r: SgRule) -> str:
    """``tcp 22 from 0.0.0.0/0``, ``all traffic from ::/0``, ``udp 0-1024 from ...``."""
    if r.protocol == ALL_PROTOCOLS:
        return f"all traffic from {_source(r)}"
    return f"{r.protocol} {_port_range(r)} from {_source(r)}"


def ip_permissions(rules: Iterable[SgRule]) -> str:
    """The rules as the ``--ip-permissions`` JSON that revokes exactly them."""
    out: list[dict[str, Any]] = []
    for r in rules:
        perm: dict[str, Any] = {"IpProtocol": r.protocol}
        if r.protocol != ALL_PROTOCOLS and r.from_port is not None:
            perm["FromPort"] = r.from_port
            perm["ToPort"] = r.to_port if r.to_port is not None else r.from_port
        if r.cidr:
            perm["IpRanges"] = [{"CidrIp": r.cidr}]
        elif r.ipv6_cidr:
            perm["Ipv6Ranges"] = [{"CidrIpv6": r.ipv6_cidr}]
        elif r.prefix_list_id:
            perm["PrefixListIds"] = [{"PrefixListId": r.prefix_list_id}]
        elif r.source_group_id:
            pair = {"GroupId": r.source_group_id}
            if r.source_group_owner_id:
                pair["UserId"] = r.source_group_owner_id
            perm["UserIdGroupPairs"] = [pair]
        out.append(perm)
    return json.dumps(out, separators=(",", ":"))


def _listing(rules: list[SgRule]) -> str:
    shown = "; ".join(describe_rule(r) for r in rules[:_EVIDENCE_RULES])
    more = len(rules) - _EVIDENCE_RULES
    return shown + (f" (+{more} more)" if more > 0 else "")


def _opens_any(r: SgRule, ports: Iterable[int], protocols: tuple[str, ...]) -> bool:
    return any(r.covers_port(p, proto) for p in ports for proto in protocols)


def _world_sg_checks(
    snap: Snapshot, offends: Callable[[SgRule], bool], what: str
) -> Iterator[Check]:
    """One check per security group: FAIL when an ingress rule open to the world ``offends``."""
    for sg in snap.ec2.security_groups:
        bad = [r for r in sg.ingress if r.open_to_world and offends(r)]
        yield _sg_check(sg, bad, what)


def _sg_check(sg: SecurityGroup, bad: list[SgRule], what: str) -> Check:
    if bad:
        return Check.of(
            sg,
            ok=False,
            evidence=f"{sg.id} allows {_listing(bad)}",
            permissions=ip_permissions(bad),
        )
    return Check.of(
        sg,
        ok=True,
        evidence=f"{sg.id}: no ingress rule opens {what} to 0.0.0.0/0 or ::/0",
        permissions="[]",
    )


def _standalone_instances(snap: Snapshot) -> Iterator[DbInstance]:
    """Instances judged on their own: not members of a cluster present in the snapshot."""
    clusters = {(c.region, c.id) for c in snap.rds.clusters}
    for db in snap.rds.instances:
        if not (db.cluster_id and (db.region, db.cluster_id) in clusters):
            yield db


# ------------------------------------------------------------------- rules


@rule(
    id="NI001",
    slug="rds-not-publicly-accessible",
    title="RDS DB instances are not publicly accessible",
    principle=Principle.NETWORK_ISOLATION,
    severity=Severity.CRITICAL,
    needs=("rds",),
    effort_minutes=15,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws rds modify-db-instance --db-instance-identifier {name} "
        "--no-publicly-accessible --apply-immediately --region {region}"
    ),
    frameworks={"cis": ["2.3.3"], "fsbp": ["RDS.2"]},
)
def rds_not_publicly_accessible(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every RDS DB instance (Aurora members included: the setting is per
    instance) has `PubliclyAccessible` false.

    ## Why it matters
    A publicly accessible instance gets an endpoint that resolves to a public
    IP address. One security group rule or a subnet route away from the
    internet, the database is then exposed to password spraying and engine
    exploits; nothing legitimate needs it when applications run in the VPC.

    ## Remediation
    Turn the flag off (applied immediately, no data change; the endpoint name
    stays, it resolves to a private address). Reach the database from inside
    the VPC: the application's security group, a Lambda query bridge, or SSM
    port forwarding for people.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html#rds-2
    - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html
    """
    for db in snap.rds.instances:
        if db.publicly_accessible:
            where = f" (endpoint {db.endpoint_address})" if db.endpoint_address else ""
            yield Check.of(db, ok=False, evidence=f"PubliclyAccessible is true{where}")
        else:
            yield Check.of(db, ok=True, evidence="PubliclyAccessible is false")


@rule(
    id="NI002",
    slug="rds-subnet-group-private",
    title="RDS databases sit in subnet groups without internet-routed subnets",
    principle=Principle.NETWORK_ISOLATION,
    severity=Severity.HIGH,
    needs=("rds", "ec2"),
    effort_minutes=60,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws rds modify-db-subnet-group --db-subnet-group-name {group} "
        "--subnet-ids {private_subnet_ids} --region {region}"
    ),
)
def rds_subnet_group_private(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    For every DB cluster and every DB instance outside a cluster, no subnet of
    its DB subnet group has a default route (`0.0.0.0/0` or `::/0`) to an
    internet gateway, through its own or the VPC's main route table.

    ## Why it matters
    RDS may place (or fail over) the database into any subnet of its group.
    In a public subnet, the database is one `PubliclyAccessible` flag or one
    security group rule away from the internet; in private subnets, the
    network itself says no.

    ## Remediation
    Keep only private subnets (in at least two availability zones) in the DB
    subnet group. The command sets the group to the private subnets it already
    has; when fewer than two remain, create private subnets first. RDS refuses
    to remove a subnet the database currently uses: for a Multi-AZ database,
    fail over first; otherwise move the instance to a new subnet group of
    private subnets.

    ## References
    - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html
    - https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Scenario2.html
    """
    databases: list[DbCluster | DbInstance] = [*snap.rds.clusters, *_standalone_instances(snap)]
    for db in databases:
        group: DbSubnetGroup | None = db.subnet_group
        if group is None:
            continue  # outside a VPC subnet group, or the group was not found
        public = [s for s in group.subnet_ids if subnet_is_public(snap, s)]
        private = [s for s in group.subnet_ids if s not in public]
        fields = {
            "group": group.name,
            "private_subnet_ids": json.dumps(private, separators=(",", ":")),
        }
        if public:
            yield Check.of(
                db,
                ok=False,
                evidence=(
                    f"subnet group {group.name} includes {', '.join(public)} "
                    "routed to an internet gateway"
                ),
                **fields,
            )
        else:
            yield Check.of(
                db,
                ok=True,
                evidence=f"subnet group {group.name}: no subnet routes to an internet gateway",
                **fields,
            )


@rule(
    id="NI003",
    slug="sg-no-world-admin-ports",
    title="Security groups do not open SSH or RDP to the internet",
    principle=Principle.NETWORK_ISOLATION,
    severity=Severity.HIGH,
    needs=("ec2",),
    effort_minutes=15,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws ec2 revoke-security-group-ingress --group-id {id} "
        "--ip-permissions {permissions} --region {region}"
    ),
    frameworks={"cis": ["5.2", "5.3"], "fsbp": ["EC2.13", "EC2.14", "EC2.53", "EC2.54"]},
)
def sg_no_world_admin_ports(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No security group has an ingress rule from `0.0.0.0/0` or `::/0` covering
    port 22 (SSH) or 3389 (RDP) over TCP, UDP or all protocols. Rules that
    admit another security group, a prefix list or a narrower CIDR pass.

    ## Why it matters
    Internet-wide scanners find an open SSH or RDP port within minutes and
    start brute-forcing credentials and trying exploits. Remote administration
    needs no open port at all with SSM Session Manager.

    ## Remediation
    Revoke the world-open rules (the command revokes exactly the offending
    rules and nothing else). Use SSM Session Manager (or EC2 Instance Connect
    Endpoint) instead; if a port must stay open, admit only a known `/32`.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-53
    - https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager.html
    """
    yield from _world_sg_checks(
        snap,
        lambda r: _opens_any(r, ADMIN_PORTS, ("tcp", "udp")),
        "port 22 or 3389",
    )


@rule(
    id="NI004",
    slug="sg-no-world-database-ports",
    title="Security groups do not open database ports to the internet",
    principle=Principle.NETWORK_ISOLATION,
    severity=Severity.CRITICAL,
    needs=("ec2",),
    effort_minutes=15,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws ec2 revoke-security-group-ingress --group-id {id} "
        "--ip-permissions {permissions} --region {region}"
    ),
    frameworks={"fsbp": ["EC2.19"]},
)
def sg_no_world_database_ports(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No security group has a TCP (or all-traffic) ingress rule from `0.0.0.0/0`
    or `::/0` covering a database port: 3306 (MySQL/MariaDB), 5432
    (PostgreSQL), 1433 (SQL Server), 1521 (Oracle), 27017 (MongoDB), 6379
    (Redis) or 9200 (Elasticsearch/OpenSearch).

    ## Why it matters
    A database port open to the world is found by scanners within minutes;
    Redis, MongoDB and Elasticsearch in particular have a long history of
    unauthenticated data theft and ransom. Databases should admit only the
    application's security group.

    ## Remediation
    Revoke the world-open rules (the command revokes exactly them), then admit
    the application by security group reference:
    `aws ec2 authorize-security-group-ingress --group-id <db-sg> --protocol tcp
    --port <port> --source-group <app-sg>`.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-19
    - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.RDSSecurityGroups.html
    """
    yield from _world_sg_checks(
        snap,
        lambda r: _opens_any(r, DATABASE_PORTS, ("tcp",)),
        "a database port",
    )


@rule(
    id="NI005",
    slug="sg-no-world-all-ports",
    title="Security groups do not open all ports to the internet",
    principle=Principle.NETWORK_ISOLATION,
    severity=Severity.CRITICAL,
    needs=("ec2",),
    effort_minutes=30,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws ec2 revoke-security-group-ingress --group-id {id} "
        "--ip-permissions {permissions} --region {region}"
    ),
    frameworks={"fsbp": ["EC2.19"]},
)
def sg_no_world_all_ports(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No security group has an ingress rule from `0.0.0.0/0` or `::/0` allowing
    all traffic (protocol `-1`) or every TCP or UDP port (`0-65535`).

    ## Why it matters
    Such a rule turns the security group off: every service listening on the
    attached resources, including ones nobody meant to expose (debug ports,
    metrics endpoints, databases), is reachable by anyone.

    ## Remediation
    Find which ports the workload really serves, authorize only those (from
    the load balancer's security group where there is one), then revoke the
    open rule with the command.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-19
    - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html
    """
    yield from _world_sg_checks(
        snap,
        lambda r: r.protocol == ALL_PROTOCOLS or (r.protocol in ("tcp", "udp") and r.all_ports),
        "all ports",
    )


def _cluster_name(cluster_arn: str) -> str:
    return cluster_arn.rsplit("/", 1)[-1]


def _network_configuration(subnets: tuple[str, ...], groups: tuple[str, ...]) -> str:
    parts = [f"subnets=[{','.join(subnets)}]"]
    if groups:
        parts.append(f"securityGroups=[{','.join(groups)}]")
    parts.append("assignPublicIp=DISABLED")
    return "awsvpcConfiguration={" + ",".join(parts) + "}"


@rule(
    id="NI006",
    slug="ecs-service-no-public-ip",
    title="ECS services do not assign public IP addresses to tasks",
    principle=Principle.NETWORK_ISOLATION,
    severity=Severity.HIGH,
    needs=("ecs",),
    effort_minutes=60,
    monthly_cost_usd=33,
    remediation_cmd=(
        "aws ecs update-service --cluster {cluster} --service {name} "
        "--network-configuration {network} --region {region}"
    ),
    frameworks={"fsbp": ["ECS.2"]},
)
def ecs_service_no_public_ip(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No ECS service has `assignPublicIp` `ENABLED` in its awsvpc network
    configuration. Services without awsvpc networking (bridge/host mode on
    EC2) have no such setting and pass.

    ## Why it matters
    A task with a public address in a public subnet is directly on the
    internet: its security group is the only thing between the container and
    every scanner. Tasks usually get a public IP only to pull images and reach
    APIs, which a NAT gateway or VPC endpoints do without exposing them.

    ## Remediation
    Run the tasks in private subnets that reach out through a NAT gateway
    (about 33 USD a month plus data) or VPC endpoints for ECR, S3, CloudWatch
    Logs and Secrets Manager. The command turns the public address off and
    keeps the service's current subnets and security groups: if those subnets
    are public (no NAT route), replace them with private subnets in the same
    command, or the new tasks cannot pull their images. The change rolls out
    as a new deployment.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html#ecs-2
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html
    """
    for svc in snap.ecs.services:
        if svc.status == "INACTIVE":
            continue
        fields = {
            "cluster": _cluster_name(svc.cluster_arn),
            "network": _network_configuration(svc.subnet_ids, svc.security_group_ids),
        }
        if svc.assign_public_ip == "ENABLED":
            yield Check.of(
                svc,
                ok=False,
                evidence="assignPublicIp is ENABLED for the service's tasks",
                **fields,
            )
        elif svc.assign_public_ip:
            yield Check.of(
                svc, ok=True, evidence=f"assignPublicIp is {svc.assign_public_ip}", **fields
            )
        else:
            yield Check.of(svc, ok=True, evidence="no awsvpc network configuration", **fields)
