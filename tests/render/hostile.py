"""Hostile data: names, tags, evidence and metadata crafted to break out of a report.

Two sources, both ending in a :class:`ScanResult`:

* :func:`hostile_result` evaluates a *snapshot* whose ECS clusters, services,
  task definitions and secrets carry the payloads (built with
  ``tests.rules.helpers.make_snapshot``): the real rules put them in resource
  names, evidence and remediation commands, as a scan of such an account would.
* :func:`crafted_result` is a results file an attacker wrote by hand
  (``auditor report evil.json``): every string field, rule metadata included,
  holds a payload.

Payloads that would *act* if they ever ran mark the page
(``data-pwned``) or fetch from ``beacon`` (a URL the browser test serves and
watches), so a test can tell.
"""

from __future__ import annotations

from datetime import date

from auditor.analysis.architecture import (
    ArchEdge,
    ArchExposure,
    ArchGateway,
    Architecture,
    ArchNode,
    ArchSubnet,
    ArchVerdict,
    ArchVpc,
)
from auditor.config import Config
from auditor.engine.catalogue import load_catalogue
from auditor.engine.evaluate import evaluate
from auditor.engine.model import Principle, Severity, Status
from auditor.engine.results import (
    AppliedWaiver,
    RuleInfo,
    RuleResult,
    ScanResult,
    Waiver,
)
from auditor.engine.scoring import category_scores, score_all
from auditor.snapshot.base import CollectionStatus, Coverage, EnvVar
from auditor.snapshot.ecs import (
    ContainerDefinition,
    EcsCluster,
    EcsSection,
    EcsService,
    TaskDefinition,
)
from auditor.snapshot.secretsmanager import Secret, SecretsSection
from tests.rules.helpers import NOW, REGION, make_snapshot

DEFAULT_BEACON = "http://127.0.0.1:9/beacon"
LONG = "L" * 6000 + "-tail-never-shown"
RTL = "invoice\u202egnp.exe"
ANSI = "\x1b[31mred\x1b[0m\x1b]0;owned-title\x07"
RICH = "[bold red]RICH[/bold red][link=https://evil.example]x[/link]"
_MARK = "document.documentElement.setAttribute"


def payloads(beacon: str = DEFAULT_BEACON) -> tuple[str, ...]:
    """Every payload; ``beacon`` is a URL that must never be requested."""
    return (
        "<script>document.documentElement.setAttribute('data-pwned','script')</script>",
        f"<img src={beacon}/img onerror=\"{_MARK}('data-pwned','img')\">",
        f'"><svg onload="{_MARK}(\'data-pwned\',\'svg\')"><image href="{beacon}/svg"/>',
        f"</style></script></textarea><iframe src={beacon}/iframe></iframe>",
        f"<link rel=stylesheet href={beacon}/css><!--",
        "{{ 7*7 }}{% if true %}JINJA{% endif %}${7*7}",
        f"[click me]({beacon}/md-link) ![pixel]({beacon}/md-img) <{beacon}/autolink>",
        f"{beacon}/bare www.evil.example @octocat #1 $x^2$",
        RICH,
        "pipe | in | name \\| and `back`ticks ``` and *stars* _under_ ~~strike~~",
        "# heading\n- list\n> quote\n```\ncode\n```",
        ANSI,
        RTL,
        LONG,
        "Zürich 東京 🚀 naïve",
    )


def _cluster(i: int, name: str) -> EcsCluster:
    return EcsCluster(
        arn=f"arn:aws:ecs:{REGION}:123456789012:cluster/hostile-{i}",
        name=name,
        region=REGION,
        status="ACTIVE",
        container_insights="disabled",
        tags={"Owner": name},
    )


def _service(i: int, name: str) -> EcsService:
    return EcsService(
        arn=f"arn:aws:ecs:{REGION}:123456789012:service/hostile-{i}/svc-{i}",
        name=name,
        region=REGION,
        cluster_arn=f"arn:aws:ecs:{REGION}:123456789012:cluster/hostile-{i}",
        status="ACTIVE",
        launch_type="FARGATE",
        task_definition_arn=f"arn:aws:ecs:{REGION}:123456789012:task-definition/td-{i}:1",
        desired_count=1,
        assign_public_ip="ENABLED",
    )


def _task(i: int, name: str) -> TaskDefinition:
    return TaskDefinition(
        arn=f"arn:aws:ecs:{REGION}:123456789012:task-definition/td-{i}:1",
        family=f"td-{i}",
        revision=1,
        region=REGION,
        status="ACTIVE",
        containers=(
            ContainerDefinition(
                name=name,
                image=f"123456789012.dkr.ecr.{REGION}.amazonaws.com/app:latest",
                environment=(
                    EnvVar(name="DB_PASSWORD", looks_secret=True, reason="name:PASSWORD"),
                ),
            ),
        ),
    )


def _secret(i: int, name: str) -> Secret:
    return Secret(
        arn=f"arn:aws:secretsmanager:{REGION}:123456789012:secret:hostile-{i}",
        name=name,
        region=REGION,
        description=name,
        rotation_enabled=False,
        tags={"note": name},
    )


def hostile_result(beacon: str = DEFAULT_BEACON) -> ScanResult:
    """A scan of an account whose resources carry the payloads, through the real rules."""
    names = payloads(beacon)
    snap = make_snapshot(
        ecs=EcsSection(
            clusters=tuple(_cluster(i, n) for i, n in enumerate(names)),
            services=tuple(_service(i, n) for i, n in enumerate(names)),
            task_definitions=tuple(_task(i, n) for i, n in enumerate(names)),
        ),
        secretsmanager=SecretsSection(secrets=tuple(_secret(i, n) for i, n in enumerate(names))),
    )
    waiver = Waiver(
        rule="OB001",
        resource="arn:aws:ecs:*:cluster/hostile-1",
        reason=names[0] + " " + names[6],
        expires=date(2027, 1, 1),
    )
    expired = Waiver(rule="SM001", resource=names[1], reason=names[2], expires=date(2026, 1, 1))
    return evaluate(snap, load_catalogue(), Config(waivers=(waiver, expired)))


def crafted_result(beacon: str = DEFAULT_BEACON) -> ScanResult:
    """A hand-written results file with a payload in every string field."""
    names = payloads(beacon)
    infos = []
    results = []
    for i, text in enumerate(names):
        principle = list(Principle)[i % len(Principle)]
        severity = list(Severity)[i % len(Severity)]
        rule_id = f"{principle.prefix}9{i:02d}"
        infos.append(
            RuleInfo(
                id=rule_id,
                slug=f"hostile-{i}",
                title=text,
                principle=principle,
                severity=severity,
                effort_minutes=5,
                monthly_cost_usd=0,
                rationale=f"Why: {text}\n\n- item `{text}`\n\n```\n{text}\n```",
                remediation=text,
                frameworks={"cis": (text,)},
            )
        )
        for status, waiver in (
            (Status.FAIL, None),
            (Status.PASS, None),
            (Status.UNKNOWN, None),
            (
                Status.FAIL,
                AppliedWaiver(reason=text, expires=date(2027, 1, 1), resource_pattern=text),
            ),
        ):
            results.append(
                RuleResult(
                    finding_id=f"{rule_id}/{text}/{status.value}/{waiver is not None}",
                    rule_id=rule_id,
                    principle=principle,
                    severity=severity,
                    status=status,
                    resource_id=f"arn:{text}",
                    resource_name=text,
                    region=text,
                    evidence=text,
                    remediation_cmd=f"aws fix --name {text}" if status is Status.FAIL else "",
                    waiver=waiver,
                )
            )
    principles = score_all(results)
    security, operations, overall = category_scores(principles)
    return ScanResult(
        tool_version=names[0],
        account_id=names[1],
        partition=names[8],
        regions=(names[6], names[11]),
        collected_at=NOW,
        gaps=tuple(
            Coverage(
                service=text,
                region=text,
                status=CollectionStatus.ACCESS_DENIED,
                operation=text,
                error_code=text,
                message=text,
            )
            for text in names
        ),
        principles=principles,
        security=security,
        operations=operations,
        overall=overall,
        rules=tuple(infos),
        results=tuple(results),
        expired_waivers=tuple(
            Waiver(
                rule=text[:20], resource=text, region=text, reason=text, expires=date(2026, 1, 1)
            )
            for text in names
        ),
        architecture=crafted_architecture(beacon),
    )


#: Characters XML cannot carry (NUL, a lone surrogate, U+FFFE) next to a terminal escape.
LONE = "nul\x00 esc\x1b lone \ud800 surrogate \ufffe"


def crafted_architecture(beacon: str = DEFAULT_BEACON) -> Architecture:
    """A results file's architecture an attacker wrote: every string a payload."""
    bad = (*payloads(beacon), LONE)
    p = bad[0]
    node = {
        "region": bad[1],
        "vpc_id": bad[2],
        "subnet_ids": (bad[3],),
        "security_group_ids": (bad[4],),
    }
    nodes = tuple(
        ArchNode(key=f"k{i}{b}", kind=kind, id=b, name=b, detail=bad[-i], tier=tier, **node)  # type: ignore[arg-type]
        for i, (b, kind, tier) in enumerate(
            zip(
                bad,
                ["ecs-service", "lambda", "database", "instance", "interface"] * 4,
                ["public", "private"] * 10,
                strict=False,
            )
        )
    )
    return Architecture(
        vpcs=(
            ArchVpc(
                id=bad[2], region=bad[1], name=p, cidr=bad[5], is_default=True,
                subnets=tuple(
                    ArchSubnet(id=b, name=b, zone=b, cidr=b, tier=t, egress="nat-" + b, reason=b)  # type: ignore[arg-type]
                    for b, t in zip(bad, ["public", "private"] * 10, strict=False)
                ),
                gateways=(
                    ArchGateway(id=bad[6], name=bad[7], kind="internet"),
                    ArchGateway(
                        id=bad[8], name=bad[9], kind="nat", subnet_id=bad[10], state=bad[11]
                    ),
                ),
            ),
        ),
        nodes=nodes,
        edges=(ArchEdge(region=bad[1], source_group=bad[4], target_group=bad[4], ports=bad[:3]),),
        exposures=tuple(
            ArchExposure(target=n.key, protocol=b, ports=b, world=True, gateway=bad[6], path=b)
            for n, b in zip(nodes, bad, strict=True)
        ),
        verdicts=(
            ArchVerdict(
                key=p, title=p, judgement="strength", principle=Principle.ZERO_TRUST, text=p,
                evidence=bad,
            ),
        ),
    )  # fmt: skip
