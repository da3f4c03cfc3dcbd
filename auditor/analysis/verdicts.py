"""Architecture verdicts: recognised patterns, judged with their evidence.

The rules judge resources one by one; a reviewer also judges the shape. Each
function here recognises one pattern in the :class:`Architecture` (and the
snapshot facts it needs) and says what an expert would say about it:

* **Database access path**: who may open a connection to each database. Only
  in-VPC functions (a *bridge*) and application services: stricter than a
  bastion (no persistent host, no inbound shell, every query an invocation in
  the logs). An EC2 instance admitted: a bastion, a host to patch and guard;
  one the internet reaches on SSH or RDP: a weakness. A database the internet
  reaches: a weakness whatever else holds.
* **No SSH anywhere**: no EC2 instance runs, no security group admits SSH (22)
  or RDP (3389) from an address range, no key pair is used.
* **Secrets referenced by ARN**: task definitions take credentials through
  ``secrets``/``valueFrom`` (Secrets Manager or Parameter Store), and no
  credential-like environment variable sits in a task definition or function.
* **Private subnets with NAT egress**: workloads run in private subnets whose
  default route goes to a NAT gateway (or have no internet egress at all);
  nothing runs in a public subnet.
* **Single-AZ database**: a DB instance (not an Aurora member) without Multi-AZ.
* **Internet exposure**: no internet path to any workload, or the paths.

Positive verdicts are ``strength``; the review lists them with the rules'
strengths. Verdicts never change a score: the rules do the grading.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from auditor.analysis import per_snapshot
from auditor.analysis.architecture import (
    ArchEdge,
    Architecture,
    ArchNode,
    ArchSubnet,
    ArchVerdict,
    build_architecture,
    describe_grant,
)
from auditor.engine.model import Principle
from auditor.snapshot import Snapshot
from auditor.snapshot.ec2 import SecurityGroup, SgRule

#: Evidence lines kept per verdict (the rest is counted).
MAX_EVIDENCE = 8
ADMIN_PORTS = (22, 3389)

_KIND_NOUN = {
    "ecs-service": ("ECS service", "ECS services"),
    "lambda": ("Lambda function", "Lambda functions"),
    "database": ("database", "databases"),
    "instance": ("EC2 instance", "EC2 instances"),
    "interface": ("network interface", "network interfaces"),
}


def count(n: int, kind: str) -> str:
    one, many = _KIND_NOUN[kind]
    return f"{n} {one if n == 1 else many}"


def _cap(lines: Iterable[str]) -> tuple[str, ...]:
    items = list(lines)
    if len(items) <= MAX_EVIDENCE:
        return tuple(items)
    return (*items[: MAX_EVIDENCE - 1], f"… and {len(items) - MAX_EVIDENCE + 1} more")


def _first(fmt: Callable[[ArchNode], str], nodes: list[ArchNode]) -> list[str]:
    """``fmt`` of the nodes :func:`_cap` keeps, and a placeholder per node it will count."""
    if len(nodes) <= MAX_EVIDENCE:
        return [fmt(n) for n in nodes]
    return [fmt(n) for n in nodes[: MAX_EVIDENCE - 1]] + [""] * (len(nodes) - MAX_EVIDENCE + 1)


@dataclass(frozen=True)
class _Clients:
    """The workloads a database admits (through their security groups), and on which ports."""

    nodes: list[ArchNode]
    kinds: frozenset[str]
    bridge: bool
    ports: tuple[str, ...]


def _names(nodes: Iterable[ArchNode], limit: int = 4) -> str:
    names = sorted({n.name for n in nodes})
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


# ------------------------------------------------------------------ database access


def _database_access(arch: Architecture) -> list[ArchVerdict]:
    by_key = {n.key: n for n in arch.nodes}
    exposed = {e.target for e in arch.exposures}
    dbs = [n for n in arch.nodes if n.kind == "database"]
    if not dbs:
        return []
    members = arch.members()
    admits: dict[tuple[str, str], list[ArchEdge]] = defaultdict(list)
    for e in arch.edges:
        admits[(e.region, e.target_group)].append(e)
    # Databases sharing their groups share their clients: computed once per group set.
    cache: dict[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], _Clients] = {}

    def clients_of(d: ArchNode) -> _Clients:
        grants = tuple(
            sorted(
                {
                    (e.source_group, e.ports)
                    for sg in d.security_group_ids
                    for e in admits.get((d.region, sg), ())
                }
            )
        )
        key = (d.region, grants)
        if key not in cache:
            keys = sorted({k for src, _ in grants for k in members.get((d.region, src), ())})
            nodes = [by_key[k] for k in keys]
            cache[key] = _Clients(
                nodes=nodes,
                kinds=frozenset(n.kind for n in nodes),
                bridge=any(n.kind == "lambda" and n.vpc_id for n in nodes),
                ports=tuple(sorted({p for _, ps in grants for p in ps})),
            )
        return cache[key]

    clients = {d.key: clients_of(d) for d in dbs}
    public_db, bastion, bridge, app_only, closed = [], [], [], [], []
    for d in dbs:
        c = clients[d.key]
        if d.key in exposed:
            public_db.append(d)
        elif c.kinds & {"instance", "interface"}:
            bastion.append(d)
        elif c.bridge:
            bridge.append(d)
        elif c.nodes:
            app_only.append(d)
        else:
            closed.append(d)

    def who(d: ArchNode) -> str:
        c = clients[d.key]
        mine = [n for n in c.nodes if n.key != d.key]
        if not mine:
            return f"{d.name}: no workload's security group is admitted"
        parts = []
        for kind in ("lambda", "ecs-service", "instance", "interface", "database"):
            of_kind = [n for n in mine if n.kind == kind]
            if of_kind:
                parts.append(f"{count(len(of_kind), kind)} ({_names(of_kind)})")
        return f"{d.name} admits {', '.join(parts)} on {', '.join(c.ports)}"

    out: list[ArchVerdict] = []
    if public_db:
        paths = [e.path for e in arch.exposures if e.target in {d.key for d in public_db}]
        out.append(
            ArchVerdict(
                key="db-internet",
                title="Database reachable from the internet",
                judgement="weakness",
                principle=Principle.NETWORK_ISOLATION,
                text=(
                    f"{_names(public_db)} can be reached from the internet: a database "
                    "belongs in private subnets, reached only by the workloads that use it."
                ),
                evidence=_cap(paths),
            )
        )
    if bastion:
        instances = {
            n.key
            for d in bastion
            for n in clients[d.key].nodes
            if n.kind in ("instance", "interface")
        }
        open_admin = [
            e
            for e in arch.exposures
            if e.target in instances and any(_port_in(p, e.ports) for p in ADMIN_PORTS)
        ]
        out.append(
            ArchVerdict(
                key="db-bastion",
                title="Database reached through a bastion host",
                judgement="weakness" if open_admin else "note",
                principle=Principle.ZERO_TRUST,
                text=(
                    "An EC2 instance may connect to the database: a persistent host to patch "
                    "and guard, and a shell next to the data. "
                    + (
                        "The internet reaches it on SSH/RDP: close that and use SSM Session "
                        "Manager port forwarding."
                        if open_admin
                        else "No internet path reaches it; SSM port forwarding keeps it so. "
                        "An in-VPC function (a query bridge) needs no host at all."
                    )
                ),
                evidence=_cap([*_first(who, bastion), *(e.path for e in open_admin)]),
            )
        )
    if bridge:
        out.append(
            ArchVerdict(
                key="db-bridge",
                title="Database reached only through an in-VPC function (a bridge)",
                judgement="strength",
                principle=Principle.ZERO_TRUST,
                text=(
                    "No instance, bastion or internet path reaches the database; people query "
                    "it through a Lambda function inside the VPC. More restrictive than a "
                    "bastion: no persistent host, no inbound shell, every query is an "
                    "invocation in CloudTrail and the function's logs."
                ),
                evidence=_cap(_first(who, bridge)),
            )
        )
    if app_only:
        out.append(
            ArchVerdict(
                key="db-app-only",
                title="Database reached only by application services",
                judgement="strength",
                principle=Principle.NETWORK_ISOLATION,
                text=(
                    "Only the services that use the database may connect to it; no instance, "
                    "bastion or internet path reaches it."
                ),
                evidence=_cap(_first(who, app_only)),
            )
        )
    if closed:
        out.append(
            ArchVerdict(
                key="db-closed",
                title="Database no workload may connect to",
                judgement="note",
                principle=Principle.NETWORK_ISOLATION,
                text=(
                    "No workload's security group is admitted by the database's groups (access "
                    "may come from address ranges, or the database is unused)."
                ),
                evidence=_cap(_first(who, closed)),
            )
        )
    return out


def _port_in(port: int, ports: str) -> bool:
    if ports == "all ports":
        return True
    for part in ports.split(","):
        lo, _, hi = part.strip().partition("-")
        if lo.isdigit() and int(lo) <= port <= int(hi or lo):
            return True
    return False


# ------------------------------------------------------------------ no SSH


def _admits_admin(rule: SgRule) -> bool:
    """An address-range rule admitting SSH or RDP (group references are not a shell path)."""
    if not (rule.cidr or rule.ipv6_cidr or rule.prefix_list_id):
        return False
    return any(rule.covers_port(p, "tcp") for p in ADMIN_PORTS)


def _no_ssh(snap: Snapshot, arch: Architecture) -> list[ArchVerdict]:
    instances = [n for n in arch.nodes if n.kind == "instance"]
    in_use = {(n.region, sg) for n in arch.nodes for sg in n.security_group_ids}
    admin: list[tuple[SecurityGroup, SgRule]] = [
        (g, r)
        for g in sorted(snap.ec2.security_groups, key=lambda g: (g.region, g.id))
        if (g.region, g.id) in in_use
        for r in g.ingress
        if _admits_admin(r)
    ]
    keys = sorted(
        f"{i.id} uses key pair {i.key_name}"
        for i in snap.ec2.instances
        if i.key_name and i.state not in ("terminated", "shutting-down")
    )
    exposed_admin = [
        e
        for e in arch.exposures
        if e.protocol == "tcp" and any(_port_in(p, e.ports) for p in ADMIN_PORTS)
    ]
    compute = [n for n in arch.nodes if n.kind in ("ecs-service", "lambda")]
    if not arch.nodes:
        return []  # nothing runs: "no SSH" would be vacuous
    if not instances and not admin:
        facts = [
            "no EC2 instance runs",
            "no security group in use admits tcp 22 or 3389 from an address range",
        ]
        if compute:
            kinds = sorted({n.kind for n in compute})
            facts.append(
                "compute is "
                + " and ".join(count(sum(n.kind == k for n in compute), k) for k in kinds)
            )
        return [
            ArchVerdict(
                key="no-ssh",
                title="No SSH anywhere",
                judgement="strength",
                principle=Principle.ZERO_TRUST,
                text=(
                    "No host accepts a shell: nothing to patch, no keys to lose, no bastion "
                    "to attack. Stricter than the usual bastion set-up."
                ),
                evidence=tuple(facts),
            )
        ]
    evidence = [
        f"{g.id} ({g.name}) admits {r.protocol} {_rule_ports(r)} from {_src(r)}" for g, r in admin
    ]
    evidence += keys
    evidence += [e.path for e in exposed_admin]
    return [
        ArchVerdict(
            key="ssh",
            title=(
                "SSH or RDP reachable from the internet"
                if exposed_admin
                else "SSH possible inside the network"
                if admin or keys
                else "Instances without SSH access"
            ),
            judgement="weakness" if exposed_admin else "note",
            principle=Principle.ZERO_TRUST,
            text=(
                f"{count(len(instances), 'instance')} run; "
                + (
                    "the internet reaches a shell port. Close it; use SSM Session Manager."
                    if exposed_admin
                    else "shell access exists inside the network (key pairs or admin-port "
                    "rules). SSM Session Manager removes the need for both."
                    if admin or keys
                    else "none has a key pair or an admin-port rule."
                )
            ),
            evidence=_cap(evidence or [f"{count(len(instances), 'instance')} without key pairs"]),
        )
    ]


def _rule_ports(rule: SgRule) -> str:
    grant = describe_grant(rule)
    return grant.split(" ", 1)[1] if " " in grant else grant


def _src(rule: SgRule) -> str:
    return rule.cidr or rule.ipv6_cidr or rule.prefix_list_id or rule.source_group_id


# ------------------------------------------------------------------ secrets


def _secrets(snap: Snapshot) -> list[ArchVerdict]:
    used = {s.task_definition_arn for s in snap.ecs.services if s.status != "INACTIVE"}
    tasks = [t for t in snap.ecs.task_definitions if not used or t.arn in used]
    tasks.sort(key=lambda t: (t.family, t.revision, t.arn))
    refs: list[str] = []
    plain: list[str] = []
    count_refs = 0
    for t in tasks:
        for c in t.containers:
            if c.secrets:
                count_refs += len(c.secrets)
                names = ", ".join(s.name for s in c.secrets)
                sources = ", ".join(sorted({_secret_source(s.value_from) for s in c.secrets}))
                refs.append(f"{t.family}/{c.name}: {names} from {sources}")
            for env in c.environment:
                if env.looks_secret and not env.is_reference:
                    plain.append(f"task {t.family}/{c.name}: {env.name} ({env.reason})")
    for fn in sorted(snap.lambda_.functions, key=lambda f: (f.region, f.name)):
        for env in fn.environment:
            if env.looks_secret and not env.is_reference:
                plain.append(f"function {fn.name}: {env.name} ({env.reason})")
    if plain:
        return [
            ArchVerdict(
                key="secrets-plaintext",
                title="Credentials in plaintext environment variables",
                judgement="weakness",
                principle=Principle.SECRETS_MANAGEMENT,
                text=(
                    "Credential-like values sit in task definition or function environments, "
                    "readable by anyone who can describe them. Reference them from Secrets "
                    "Manager by ARN instead."
                ),
                evidence=_cap(plain),
            )
        ]
    if not refs:
        return []
    families = len({t.family for t in tasks if any(c.secrets for c in t.containers)})
    return [
        ArchVerdict(
            key="secrets-by-arn",
            title="Secrets referenced by ARN from task definitions",
            judgement="strength",
            principle=Principle.SECRETS_MANAGEMENT,
            text=(
                f"{families} task definition{'s' if families != 1 else ''} take "
                f"{count_refs} credential{'s' if count_refs != 1 else ''} from a secret store "
                "through valueFrom, injected at start by the execution role; no credential-like "
                "environment variable in any task definition or function."
            ),
            evidence=_cap(refs),
        )
    ]


_SECRET_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")


def _secret_source(value_from: str) -> str:
    """``Secrets Manager ops-pipeline/db-credentials`` from a valueFrom ARN (suffix and JSON
    key dropped); ``Parameter Store /app/db`` for parameters."""
    if ":secretsmanager:" in value_from and ":secret:" in value_from:
        name = value_from.split(":secret:", 1)[1].split(":", 1)[0]
        return f"Secrets Manager {_SECRET_SUFFIX.sub('', name)}"
    if ":ssm:" in value_from and ":parameter" in value_from:
        return "Parameter Store " + value_from.split(":parameter", 1)[1]
    if not value_from.startswith("arn:"):
        return f"Parameter Store {value_from}"
    return value_from


# ------------------------------------------------------------------ private subnets


def _private_subnets(arch: Architecture) -> list[ArchVerdict]:
    out: list[ArchVerdict] = []
    in_vpc = [n for n in arch.nodes if n.vpc_id and n.kind != "interface"]
    if not in_vpc:
        return out
    subnets = {(v.region, s.id): (v, s) for v in arch.vpcs for s in v.subnets}
    in_public = [n for n in in_vpc if n.tier == "public"]
    if in_public:
        out.append(
            ArchVerdict(
                key="workloads-public-subnets",
                title="Workloads in public subnets",
                judgement="weakness",
                principle=Principle.NETWORK_ISOLATION,
                text=(
                    "Some workloads run (or may be placed) in subnets routed to an internet "
                    "gateway: one public address or open rule away from the internet. "
                    "Private subnets with NAT egress keep them out of reach."
                ),
                evidence=_cap(
                    f"{n.name} ({n.kind}) in {', '.join(n.subnet_ids)}" for n in in_public
                ),
            )
        )
        return out
    used: dict[tuple[str, str], list[ArchNode]] = {}
    for n in in_vpc:
        for sid in n.subnet_ids:
            used.setdefault((n.region, sid), []).append(n)
    egress = {key: subnets[key][1].egress for key in used if key in subnets}
    nat = sorted({e for e in egress.values() if e.startswith("nat-")})
    isolated = sorted(sid for (_, sid), e in egress.items() if not e)
    kinds = sorted({n.kind for n in in_vpc})
    what = ", ".join(count(sum(n.kind == k for n in in_vpc), k) for k in kinds)
    facts = [f"{what} run in {len(used)} private subnet{'s' if len(used) != 1 else ''}"]
    facts += [
        f"{_subnet_name(subnets[(r, sid)][1])} ({subnets[(r, sid)][1].zone}) sends 0.0.0.0/0 to {e}"
        for (r, sid), e in sorted(egress.items())
        if e
    ]
    if isolated:
        facts.append(f"no internet egress from {', '.join(isolated)}")
    facts.append("nothing runs in a public subnet")
    out.append(
        ArchVerdict(
            key="private-subnets-nat" if nat else "private-subnets",
            title="Private subnets with NAT egress"
            if nat
            else "Private subnets, no internet egress",
            judgement="strength",
            principle=Principle.NETWORK_ISOLATION,
            text=(
                "Every workload sits in a private subnet: nothing inbound from the internet, "
                + (
                    f"outbound calls leave through {', '.join(nat)}."
                    if nat
                    else "and no way out either (VPC endpoints reach AWS APIs)."
                )
            ),
            evidence=_cap(facts),
        )
    )
    return out


def _subnet_name(s: ArchSubnet) -> str:
    return s.id if s.name == s.id else f"{s.name} {s.id}"


# ------------------------------------------------------------------ single-AZ


def _single_az(arch: Architecture) -> list[ArchVerdict]:
    single = [n for n in arch.nodes if n.kind == "database" and n.multi_az is False]
    multi = [n for n in arch.nodes if n.kind == "database" and n.multi_az]
    out = []
    if single:
        out.append(
            ArchVerdict(
                key="db-single-az",
                title="Single-AZ database",
                judgement="weakness",
                principle=Principle.DEFENSE_IN_DEPTH,
                text=(
                    "One availability zone: a zone outage or a host failure stops the "
                    "database until RDS replaces it. Multi-AZ adds a synchronous standby "
                    "(about twice the instance cost); fine to defer for a solo project with "
                    "backups."
                ),
                evidence=_cap(f"{n.name}: MultiAZ false ({n.detail})" for n in single),
            )
        )
    if multi and not single:
        out.append(
            ArchVerdict(
                key="db-multi-az",
                title="Multi-AZ databases",
                judgement="strength",
                principle=Principle.DEFENSE_IN_DEPTH,
                text="Every database has a standby in another availability zone.",
                evidence=_cap(f"{n.name}: MultiAZ true" for n in multi),
            )
        )
    return out


# ------------------------------------------------------------------ exposure


def _exposure(arch: Architecture) -> list[ArchVerdict]:
    if not arch.nodes:
        return []
    if not arch.exposures:
        return [
            ArchVerdict(
                key="no-exposure",
                title="No internet path to any workload",
                judgement="strength",
                principle=Principle.NETWORK_ISOLATION,
                text=(
                    "Every path from the internet is closed at some gate (public address, "
                    "route, network ACL or security group); no function URL is open."
                ),
                evidence=(f"{len(arch.nodes)} workloads analysed, 0 reachable",),
            )
        ]
    targets = sorted({e.target for e in arch.exposures})
    return [
        ArchVerdict(
            key="exposure",
            title="Internet exposure paths",
            judgement="weakness",
            principle=Principle.NETWORK_ISOLATION,
            text=(
                f"The internet reaches {len(targets)} workload{'s' if len(targets) != 1 else ''} "
                "(drawn in red in the diagram)."
            ),
            evidence=_cap(f"{e.protocol} {e.ports}: {e.path}" for e in arch.exposures),
        )
    ]


# ------------------------------------------------------------------ all


_ORDER = {"strength": 0, "weakness": 1, "note": 2}


@per_snapshot
def review_architecture(snap: Snapshot) -> Architecture:
    """The architecture of ``snap`` with its verdicts (strengths first, then weaknesses, notes)."""
    arch = build_architecture(snap)
    judges: tuple[tuple[tuple[str, ...], Callable[[], list[ArchVerdict]]], ...] = (
        (("ec2", "rds"), lambda: _database_access(arch)),
        (("ec2", "ecs", "lambda"), lambda: _no_ssh(snap, arch)),
        (("ecs", "lambda"), lambda: _secrets(snap)),
        (("ec2", "ecs", "lambda", "rds"), lambda: _private_subnets(arch)),
        (("rds",), lambda: _single_az(arch)),
        (("ec2", "ecs", "lambda", "rds"), lambda: _exposure(arch)),
    )
    verdicts: list[ArchVerdict] = []
    missing: set[str] = set()
    for needs, judge in judges:
        lacking = [n for n in needs if not snap.is_complete(n)]
        if lacking:
            missing.update(lacking)  # no verdict on half the evidence
        else:
            verdicts.extend(judge())
    if missing:
        verdicts.append(
            ArchVerdict(
                key="not-judged",
                title="Some patterns not judged",
                judgement="note",
                principle=Principle.NETWORK_ISOLATION,
                text="Verdicts needing these services were left out: they were not fully "
                "collected, and a missing resource could change the picture.",
                evidence=tuple(f"{n} not collected everywhere" for n in sorted(missing)),
            )
        )
    order = {v.key: i for i, v in enumerate(verdicts)}
    verdicts.sort(key=lambda v: (_ORDER[v.judgement], order[v.key]))
    return arch.model_copy(update={"verdicts": tuple(verdicts)})
