"""Least Privilege, containers: an ECS task gets no more power over its host than it needs.

Three settings of a task definition decide what a compromised container can
do beyond its own process: privileged mode (root on the host), the host's
network namespace combined with the root user, and a writable root
filesystem. Task definitions judged are the ones collected: the revisions
services run and the latest active revision of each family.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.model import Check, Principle, Severity, rule
from auditor.snapshot import Snapshot
from auditor.snapshot.ecs import ContainerDefinition, TaskDefinition

#: ``jq`` program that copies a task definition into ``register-task-definition`` input,
#: applying ``{change}`` to every container. Braces are doubled for ``str.format``.
_REGISTER_WITH = (
    "aws ecs describe-task-definition --task-definition {{name}} --region {{region}} "
    "--query taskDefinition --output json | jq "
    "'{{{{family, taskRoleArn, executionRoleArn, networkMode, requiresCompatibilities, cpu, "
    "memory, runtimePlatform, ephemeralStorage, pidMode, ipcMode, proxyConfiguration, "
    "volumes, placementConstraints, containerDefinitions: [.containerDefinitions[] | "
    "{change}]}}}} | with_entries(select(.value != null))' > taskdef.json && "
    "aws ecs register-task-definition --cli-input-json file://taskdef.json --region {{region}}"
)
#: Users that are root: by name or by uid 0, with or without a group.
_ROOT = frozenset({"", "root", "0"})


def _check(td: TaskDefinition, *, ok: bool, evidence: str) -> Check:
    return Check(
        resource_id=td.arn,
        ok=ok,
        evidence=evidence,
        region=td.region,
        name=f"{td.family}:{td.revision}",
    )


def _names(containers: list[ContainerDefinition]) -> str:
    shown = ", ".join(c.name for c in containers[:3])
    more = len(containers) - 3
    return shown + (f" (+{more} more)" if more > 0 else "")


def runs_as_root(container: ContainerDefinition) -> bool:
    """True for a container whose user is unset (the image's default, root for most
    images), ``root`` or uid ``0``, with or without a group (``root:staff``, ``0:0``)."""
    return container.user.split(":", 1)[0].strip() in _ROOT


@rule(
    id="LP030",
    slug="ecs-containers-not-privileged",
    title="ECS containers do not run in privileged mode",
    action="Run the containers of {target} unprivileged",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.HIGH,
    needs=("ecs",),
    effort_minutes=30,
    monthly_cost_usd=0,
    remediation_cmd=_REGISTER_WITH.format(change="del(.privileged)"),
    frameworks={"fsbp": ["ECS.4"]},
)
def ecs_containers_not_privileged(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No container of a collected ECS task definition has `privileged` set to
    true.

    ## Why it matters
    A privileged container runs with every Linux capability and the host's
    devices: code running in it is root on the EC2 host, can reach every
    other task's containers and the instance role's credentials. One
    vulnerable dependency becomes the whole host. (Fargate refuses the
    setting; it matters for the EC2 launch type.)

    ## Remediation
    Grant only the capabilities the container needs (`linuxParameters.
    capabilities.add`, e.g. `NET_ADMIN`) instead of full privilege. The
    command (needs `jq`) registers a copy of the revision without
    `privileged`; then `aws ecs update-service --task-definition <family>`
    rolls it out. Test first: a container that truly needs a device will
    fail to start.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html#ecs-4
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_security
    """
    for td in snap.ecs.task_definitions:
        bad = [c for c in td.containers if c.privileged]
        if bad:
            yield _check(td, ok=False, evidence=f"privileged container(s): {_names(bad)}")
        else:
            yield _check(td, ok=True, evidence="no container is privileged")


@rule(
    id="LP031",
    slug="ecs-host-network-containers-not-root",
    title="ECS tasks on the host network do not run containers as root",
    action="Run the host-network containers of {target} as a non-root user",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.HIGH,
    needs=("ecs",),
    effort_minutes=60,
    monthly_cost_usd=0,
    frameworks={"fsbp": ["ECS.1"]},
)
def ecs_host_network_containers_not_root(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    A task definition with network mode `host` has no container that is not
    privileged and runs as root: `user` unset (the image's default user,
    root for most images), `root` or uid `0` (with or without a group).
    This is the semantics of FSBP ECS.1; a privileged container is LP030's
    finding. Task definitions in `awsvpc`, `bridge` or `none` mode pass.

    ## Why it matters
    In host network mode a container shares the EC2 host's network stack:
    as root it can bind any port of the host, sniff and spoof the host's
    traffic, and reach the instance metadata service as the host does,
    with the instance role's credentials.

    ## Remediation
    Prefer `awsvpc` mode (each task gets its own interface and security
    group). If host networking is needed, set `user` to a non-root uid the
    image supports (for example `"user": "1000"`) in every container, and
    register a new revision. No single command fits: the uid depends on the
    image.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html#ecs-1
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-networking.html
    """
    for td in snap.ecs.task_definitions:
        if td.network_mode != "host":
            mode = td.network_mode or "default"
            yield _check(td, ok=True, evidence=f"network mode {mode}, not host")
            continue
        bad = [c for c in td.containers if not c.privileged and runs_as_root(c)]
        if bad:
            users = ", ".join(f"{c.name} ({c.user or 'user unset'})" for c in bad[:3])
            yield _check(
                td, ok=False, evidence=f"host network mode with root container(s): {users}"
            )
        else:
            yield _check(
                td, ok=True, evidence="host network mode, every container runs as non-root"
            )


@rule(
    id="LP032",
    slug="ecs-containers-read-only-root-filesystem",
    title="ECS containers have read-only root filesystems",
    action="Make the root filesystems of {target} read-only",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.LOW,
    needs=("ecs",),
    effort_minutes=60,
    monthly_cost_usd=0,
    remediation_cmd=_REGISTER_WITH.format(change=".readonlyRootFilesystem = true"),
    frameworks={"fsbp": ["ECS.5"]},
)
def ecs_containers_read_only_root_filesystem(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every container of a collected ECS task definition has
    `readonlyRootFilesystem` set to true.

    ## Why it matters
    With a writable root filesystem, code an attacker runs in the container
    can replace the application's binaries and libraries, plant tools and
    persist until the task is replaced. Read-only, the container can write
    only where a volume says so. It is hardening, not an exposure, so the
    severity is low (FSBP rates ECS.5 high).

    ## Remediation
    Mount a volume (or a `tmpfs` on the EC2 launch type) for the paths the
    application writes (`/tmp`, caches), then set `readonlyRootFilesystem`:
    the command (needs `jq`) registers a copy of the revision with every
    container read-only; roll it out with `aws ecs update-service
    --task-definition <family>` after testing that the application starts.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html#ecs-5
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_storage
    """
    for td in snap.ecs.task_definitions:
        bad = [c for c in td.containers if not c.readonly_root_filesystem]
        if bad:
            yield _check(
                td, ok=False, evidence=f"writable root filesystem in container(s): {_names(bad)}"
            )
        elif td.containers:
            yield _check(td, ok=True, evidence="every container's root filesystem is read-only")
        else:
            yield _check(td, ok=True, evidence="no containers")
