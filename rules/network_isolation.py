"""Network Isolation: databases and workloads are not placed on, or opened to, the internet.

NI001-NI006 judge one setting at a time (a database flag, a subnet group, a
security group rule, a service's public-address setting). NI007 and NI008
judge the whole path from the internet to each resource (public address +
internet-gateway route + network ACL + security group), computed by
:mod:`auditor.analysis.reachability`: NI007 reports databases and admin ports
the internet can reach today, NI008 those that one change would expose.

Security group rules are judged on *ingress only* and on sources that admit
*the internet at large*, one definition for NI003-NI005 and the path rules
(:func:`auditor.analysis.ipspace.admits_the_internet`): ``0.0.0.0/0``,
``::/0``, and any range holding at least a ``/8``'s worth of internet
addresses (an IPv6 ``/32``'s), such as ``0.0.0.0/1``, ``8.0.0.0/7`` or
``::/1``. A rule admitting another security group or a narrower CIDR (an
office ``/24`` or ``/32``, a private ``10.0.0.0/8``) is not "open to the
internet", and neither is 80/443 open to the world (a load balancer's job).
A rule admitting a managed prefix list is undecided (UNKNOWN) when it
covers the ports in question: the lists' entries are not collected.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

from auditor.analysis.ipspace import admits_the_internet, format_ports
from auditor.analysis.network import ip_permissions, subnet_is_public
from auditor.analysis.reachability import (
    PROTOCOLS,
    ResourceReach,
    analyse,
    path_text,
    reach_of,
)
from auditor.engine.model import Check, Principle, Severity, rule
from auditor.snapshot import Snapshot
from auditor.snapshot.ec2 import ALL_PROTOCOLS, SecurityGroup, SgRule
from auditor.snapshot.ecs import EcsService
from auditor.snapshot.rds import DbCluster, DbInstance, DbSubnetGroup

#: Remote administration: SSH and RDP (CIS v5.0 5.3/5.4 count TCP, UDP and all-traffic rules).
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


def _listing(rules: list[SgRule]) -> str:
    shown = "; ".join(describe_rule(r) for r in rules[:_EVIDENCE_RULES])
    more = len(rules) - _EVIDENCE_RULES
    return shown + (f" (+{more} more)" if more > 0 else "")


def _opens_any(r: SgRule, ports: Iterable[int], protocols: tuple[str, ...]) -> bool:
    return any(r.covers_port(p, proto) for p in ports for proto in protocols)


def from_the_internet(r: SgRule) -> bool:
    """The rule's source admits the internet at large (:func:`admits_the_internet`):
    ``0.0.0.0/0``, ``::/0``, and any range holding a /8's worth of internet
    addresses such as ``0.0.0.0/1`` or ``::/1``, the same test the path
    analysis (NI007, ZT001) applies to its sources."""
    source = r.cidr or r.ipv6_cidr
    return bool(source) and admits_the_internet(source)


def _world_sg_checks(
    snap: Snapshot, offends: Callable[[SgRule], bool], what: str
) -> Iterator[Check]:
    """One check per security group: FAIL when an ingress rule from the internet ``offends``;
    UNKNOWN when only a rule from a prefix list (whose entries are not collected) might."""
    for sg in snap.ec2.security_groups:
        bad = [r for r in sg.ingress if from_the_internet(r) and offends(r)]
        unsure = [r for r in sg.ingress if r.prefix_list_id and offends(r)]
        yield _sg_check(sg, bad, unsure, what)


def _sg_check(sg: SecurityGroup, bad: list[SgRule], unsure: list[SgRule], what: str) -> Check:
    if bad:
        return Check.of(
            sg,
            ok=False,
            evidence=f"{sg.id} allows {_listing(bad)}",
            permissions=ip_permissions(bad),
        )
    if unsure:
        return Check.of(
            sg,
            ok=None,
            evidence=f"{sg.id} allows {_listing(unsure)}: the prefix list's entries are "
            "not collected, so whether it admits the internet is unknown",
            permissions="[]",
        )
    return Check.of(
        sg,
        ok=True,
        evidence=f"{sg.id}: no ingress rule opens {what} to the internet",
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
    action="Turn off public accessibility of {target}",
    principle=Principle.NETWORK_ISOLATION,
    severity=Severity.CRITICAL,
    needs=("rds",),
    effort_minutes=15,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws rds modify-db-instance --db-instance-identifier {name} "
        "--no-publicly-accessible --apply-immediately --region {region}"
    ),
    frameworks={"cis": ["2.2.3"], "fsbp": ["RDS.2"]},
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
    action="Move {target} to a subnet group of private subnets",
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
    its DB subnet group routes internet addresses to an internet gateway
    (usually by a default route, `0.0.0.0/0` or `::/0`; a `0.0.0.0/1` route
    counts too: longest prefix match decides), through its own or the VPC's
    main route table.

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
    action="Close SSH and RDP to the internet in {target}",
    principle=Principle.NETWORK_ISOLATION,
    severity=Severity.HIGH,
    needs=("ec2",),
    effort_minutes=15,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws ec2 revoke-security-group-ingress --group-id {id} "
        "--ip-permissions {permissions} --region {region}"
    ),
    frameworks={"cis": ["5.3", "5.4"], "fsbp": ["EC2.13", "EC2.14"]},
)
def sg_no_world_admin_ports(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No security group has an ingress rule from the internet covering port 22
    (SSH) or 3389 (RDP) over TCP, UDP or all protocols. "From the internet"
    means `0.0.0.0/0`, `::/0` or any range holding at least a `/8`'s worth
    of internet addresses (an IPv6 `/32`'s), e.g. `0.0.0.0/1` or `::/1`: the
    same test as NI007's. Rules that admit another security group or a
    narrower CIDR pass; a rule admitting a managed prefix list makes the
    group UNKNOWN (the list's entries are not collected).

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
    action="Close the database ports to the internet in {target}",
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
    No security group has a TCP (or all-traffic) ingress rule from the
    internet (as NI003 defines it: `0.0.0.0/0`, `::/0` or any range holding
    a `/8`'s worth of internet addresses) covering a database port: 3306
    (MySQL/MariaDB), 5432 (PostgreSQL), 1433 (SQL Server), 1521 (Oracle),
    27017 (MongoDB), 6379 (Redis) or 9200 (Elasticsearch/OpenSearch). A
    prefix-list source covering one makes the group UNKNOWN.

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
    action="Close all-port access from the internet in {target}",
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
    No security group has an ingress rule from the internet (as NI003
    defines it) allowing all traffic (protocol `-1`) or every TCP or UDP port
    (`0-65535`). A prefix-list source doing so makes the group UNKNOWN.

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


def _task_exposure(snap: Snapshot, svc: EcsService) -> str:
    """Where the public tasks sit, and what of them the internet reaches."""
    reach = reach_of(snap, svc)
    if reach is None:
        return ""
    public = [s for s in svc.subnet_ids if subnet_is_public(snap, s)]
    if not public:
        return "; its subnets are private (no internet-gateway route), so no path exists today"
    where = f" in public subnets {', '.join(public)}"
    ports = _reachable_text(reach)
    if ports:
        return f"{where}: tasks reachable from the internet on {ports}"
    return f"{where}; no port of the tasks is reachable from the internet today"


def _reachable_text(reach: ResourceReach) -> str:
    parts = [
        f"{protocol} {format_ports(ports)}"
        for protocol in PROTOCOLS
        if (ports := reach.reachable_ports(protocol))
    ]
    return ", ".join(parts)


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
    action="Stop assigning public IP addresses to the tasks of {target}",
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
    EC2) have no such setting and pass. The evidence says whether the
    service's subnets route to an internet gateway and which ports of its
    tasks the internet reaches today through the whole path (route, network
    ACL, security groups); a database or admin port among them is NI007's.

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
                evidence="assignPublicIp is ENABLED for the service's tasks"
                + _task_exposure(snap, svc),
                **fields,
            )
        elif svc.assign_public_ip:
            yield Check.of(
                svc, ok=True, evidence=f"assignPublicIp is {svc.assign_public_ip}", **fields
            )
        else:
            yield Check.of(svc, ok=True, evidence="no awsvpc network configuration", **fields)


# -------------------------------------------------------- the whole path

#: Remote administration ports and what listens there.
_ADMIN_NAMES: dict[int, str] = {22: "SSH", 3389: "RDP"}


def _sensitive_ports(reach: ResourceReach) -> list[tuple[str, int, str]]:
    """(protocol, port, what listens) for admin ports, database ports and the resource's own."""
    out = [(proto, port, name) for port, name in _ADMIN_NAMES.items() for proto in ("tcp", "udp")]
    out += [("tcp", port, name) for port, name in DATABASE_PORTS.items()]
    for port in reach.service_ports:
        if port not in DATABASE_PORTS:
            out.append(("tcp", port, "database port"))
    return out


def _ports_text(ports: list[tuple[str, int, str]]) -> str:
    shown = ", ".join(f"{proto} {port} ({name})" for proto, port, name in ports[:_EVIDENCE_RULES])
    more = len(ports) - _EVIDENCE_RULES
    return shown + (f" (+{more} more)" if more > 0 else "")


def _uncollected(snap: Snapshot, services: tuple[str, ...]) -> Iterator[Check]:
    """One UNKNOWN per region where a service holding resources to judge was not
    collected, or some of its resources were not (resource gaps)."""
    missing: dict[str, list[str]] = {}
    for service in services:
        for c in snap.coverage_of(service) + snap.resource_gaps(service):
            if c.is_gap and service not in missing.get(c.region, []):
                missing.setdefault(c.region, []).append(service)
    for region, names in sorted(missing.items()):
        yield Check.account(
            ok=None,
            evidence=f"{', '.join(names)} not (fully) collected in {region}: "
            "those resources' paths from the internet were not judged",
            region=region,
        )


def _not_exposed(reach: ResourceReach, sensitive: list[tuple[str, int, str]]) -> str:
    if not reach.reachable:
        return "not reachable from the internet: " + "; ".join(reach.blockers)
    narrow = [s for s in sensitive if s[1] in reach.reachable_ports(s[0])]
    if narrow:
        proto, port, _ = narrow[0]
        sources = sorted(
            {
                g.rule.cidr or g.rule.ipv6_cidr
                for g in reach.grants
                if g.protocol == proto and port in g.ports
            }
            - {""}
        )
        return (
            f"{_ports_text(narrow)} reachable only from {', '.join(sources[:3])}, "
            "not from the internet at large"
        )
    return (
        "no database or admin port reachable from the internet "
        f"(reachable: {_reachable_text(reach)})"
    )


@rule(
    id="NI007",
    slug="databases-and-admin-ports-not-internet-reachable",
    title="No database or admin port is reachable from the internet",
    action="Close the internet path to {target}",
    principle=Principle.NETWORK_ISOLATION,
    severity=Severity.CRITICAL,
    needs=("ec2",),
    effort_minutes=30,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws ec2 revoke-security-group-ingress --group-id {group_id} "
        "--ip-permissions {permissions} --region {region}"
    ),
    # The same open door, seen from the security group's side (NI003-NI005)
    # and as a bastion (ZT001): counted once, here (docs/scoring.md).
    supersedes=("NI003", "NI004", "NI005", "ZT001"),
)
def databases_and_admin_ports_not_internet_reachable(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    For every resource with a network presence (EC2 instances and their
    interfaces, RDS DB instances, ECS services with awsvpc networking, Lambda
    functions in a VPC, other in-use interfaces such as load balancers'),
    whether the internet at large can reach a database port (3306, 5432,
    1433, 1521, 27017, 6379, 9200, or the database's own port) or an admin
    port (22, 3389; TCP or UDP) through the **whole path**:

    1. a public address (public IP, `PubliclyAccessible`, `assignPublicIp`,
       or an IPv6 address);
    2. a subnet whose effective route table (its own, else the VPC's main
       table) routes the source back through an internet gateway;
    3. a network ACL (the subnet's, else the VPC's default) that admits the
       port inbound and lets the reply out to the ephemeral range 1024-65535,
       entries taken in rule-number order, first match deciding;
    4. a security group rule admitting the port from internet addresses.

    "The internet at large" means an internet-scale source: `0.0.0.0/0`,
    `::/0`, or anything holding at least a `/8` worth of internet addresses
    (an IPv6 `/32`), the same definition as NI003-NI005. A rule admitting a managed
    prefix list counts as admitting no internet address here: the list's
    entries are not collected (NI003-NI005 report such a group as UNKNOWN). A port open only to an office `/32` passes, and the
    evidence says so. A database may sit in any subnet of its DB subnet
    group, so its most exposed subnet counts. Resources whose service was
    not collected get an UNKNOWN per region.

    The evidence is the path: `internet -> igw -> route table (route) ->
    network ACL (inbound and outbound entries) -> security group rule ->
    interface in subnet -> resource`; a resource the internet cannot reach
    gets the reasons instead (no public address, private subnet, the ACL,
    no internet source in its security groups).

    ## Why it matters
    NI001-NI005 each judge one setting, and any one of them can be a false
    alarm or a false comfort: a world-open security group on a private
    database is harmless today, a "private" flag says nothing about an EC2
    database. This rule reports what an attacker actually reaches: a
    database answering password guesses and engine exploits from anywhere,
    or an SSH/RDP port scanned within minutes of going live.

    ## Remediation
    Close the path at the cheapest gate, usually the security group rule
    named in the evidence (the command revokes exactly that rule; if other
    rules open the same port the evidence lists the first, so scan again).
    For an RDS database also turn `PubliclyAccessible` off (`aws rds
    modify-db-instance --db-instance-identifier <db> --no-publicly-accessible
    --apply-immediately`) and keep it in private subnets; reach it from the
    application's security group, or through SSM port forwarding for people.
    For admin ports, use SSM Session Manager or EC2 Instance Connect Endpoint.

    ## References
    - https://docs.aws.amazon.com/vpc/latest/userguide/infrastructure-security.html
    - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html
    - https://docs.aws.amazon.com/vpc/latest/reachability/what-is-reachability-analyzer.html
    """
    yield from _uncollected(snap, ("rds", "ecs"))
    for reach in analyse(snap).resources:
        sensitive = _sensitive_ports(reach)
        world = {protocol: reach.world_ports(protocol) for protocol in PROTOCOLS}
        exposed = [s for s in sensitive if s[1] in world[s[0]]]
        found = reach.path(exposed[0][0], exposed[0][1]) if exposed else None
        if found is None:
            yield Check.of(
                reach.resource,
                ok=True,
                evidence=_not_exposed(reach, sensitive),
                group_id="",
                permissions="[]",
            )
            continue
        placement, grant = found
        yield Check.of(
            reach.resource,
            ok=False,
            evidence=f"{_ports_text(exposed)} reachable from the internet: "
            + path_text(placement, grant, reach.label),
            group_id=grant.group_id,
            permissions=ip_permissions([grant.rule]),
        ).about(grant.group_id)


@rule(
    id="NI008",
    slug="databases-and-admin-ports-not-one-change-from-internet",
    title="No database or admin port is one change away from the internet",
    action="Remove the one-change path to the internet of {target}",
    principle=Principle.NETWORK_ISOLATION,
    severity=Severity.MEDIUM,
    needs=("ec2",),
    effort_minutes=30,
    monthly_cost_usd=0,
)
def databases_and_admin_ports_not_one_change_from_internet(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    For the same resources and ports as NI007, whether a database or admin
    port that the internet cannot reach today *would* be reachable after one
    single change, because every other gate of the path is already open:

    - **a public address**: an instance, interface, ECS service or database
      without one, in a public subnet, behind an open network ACL and a
      security group admitting the port from the world;
    - **a route**: a resource with a public address and a world-open rule in
      a private subnet of a VPC that has an internet gateway attached;
    - **the network ACL**: the ACL is the only thing denying a world-open
      security group rule on a public resource;
    - **one security group rule**: a database with `PubliclyAccessible` in a
      public subnet, whose security group today admits only the application.

    Paths needing two changes or more pass (for example a private database
    in private subnets whose group admits only the application), as do
    ports already reachable today (NI007 reports them).

    ## Why it matters
    Defence in depth means one mistake does not expose a database. When a
    single gate holds, any routine change (a route table reused for a new
    subnet, a "temporary" ACL rule, a console click on "publicly
    accessible") exposes it without anyone meaning to, and the other
    settings no longer warn anyone because they are already wrong.

    ## Remediation
    Close a second gate, the one named "already open" in the path: revoke
    the world-open security group rule and admit the application's security
    group instead; turn `PubliclyAccessible` off; move the resource into
    private subnets. The evidence names the single change that would expose
    the port and the path it would open. No single command fits every case,
    so this rule has none.

    ## References
    - https://docs.aws.amazon.com/vpc/latest/userguide/infrastructure-security.html
    - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html
    """
    yield from _uncollected(snap, ("rds", "ecs"))
    for reach in analyse(snap).resources:
        sensitive = _sensitive_ports(reach)
        hits = []
        for latent in reach.latent:
            opened = [s for s in sensitive if s[0] == latent.protocol and s[1] in latent.ports]
            if opened:
                hits.append((latent, opened))
        if not hits:
            yield Check.of(
                reach.resource,
                ok=True,
                evidence="no database or admin port is one change from the internet",
            )
            continue
        latent, opened = hits[0]
        others = [c for c in dict.fromkeys(h.change for h, _ in hits) if c != latent.change]
        evidence = (
            f"one change from the internet: {latent.change} would expose {_ports_text(opened)}: "
            + path_text(latent.placement, latent.grant, reach.label)
        )
        if others:
            evidence += f" (or: {'; '.join(others)})"
        yield Check.of(reach.resource, ok=False, evidence=evidence)
