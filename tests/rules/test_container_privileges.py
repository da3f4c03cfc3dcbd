"""LP030-LP032: what an ECS container may do beyond its own process (no moto)."""

from __future__ import annotations

import shlex
from typing import Any

from auditor.rules.container_privileges import (
    ecs_containers_not_privileged,
    ecs_containers_read_only_root_filesystem,
    ecs_host_network_containers_not_root,
)

from auditor.engine.model import Status
from auditor.snapshot.ecs import ContainerDefinition, EcsSection, TaskDefinition
from tests.rules.helpers import (
    REGION,
    command,
    evidence,
    failing,
    make_snapshot,
    passing,
    statuses,
)

REGISTER = [
    "aws",
    "ecs",
    "register-task-definition",
    "--cli-input-json",
    "file://taskdef.json",
    "--region",
    REGION,
]


def container(name: str = "app", **kw: Any) -> ContainerDefinition:
    return ContainerDefinition(name=name, image="123.dkr.ecr/app:1", **kw)


def td(family: str, *containers: ContainerDefinition, mode: str = "awsvpc") -> TaskDefinition:
    return TaskDefinition(
        arn=f"arn:aws:ecs:{REGION}:111122223333:task-definition/{family}:3",
        family=family,
        revision=3,
        region=REGION,
        status="ACTIVE",
        network_mode=mode,
        containers=containers or (container(),),
    )


def ecs(*tds: TaskDefinition) -> Any:
    return make_snapshot(ecs=EcsSection(task_definitions=tds))


# ------------------------------------------------------------------ LP030 (ECS.4)


def test_lp030_flags_task_definitions_with_a_privileged_container() -> None:
    snap = ecs(
        td("fail-privileged", container(privileged=True), mode="bridge"),
        td("fail-sidecar", container("app"), container("agent", privileged=True), mode="host"),
        td("pass-unprivileged", container(privileged=False)),
        td("pass-root-but-not-privileged", container(user="root"), mode="host"),
    )
    assert failing(ecs_containers_not_privileged, snap) == {"fail-privileged:3", "fail-sidecar:3"}
    assert passing(ecs_containers_not_privileged, snap) == {
        "pass-unprivileged:3",
        "pass-root-but-not-privileged:3",
    }
    assert evidence(ecs_containers_not_privileged, snap, "fail-sidecar:3") == (
        "privileged container(s): agent"
    )
    words = shlex.split(command(ecs_containers_not_privileged, snap, "fail-privileged:3"))
    assert words[3:5] == ["--task-definition", "fail-privileged:3"]
    assert "[.containerDefinitions[] | del(.privileged)]}" in words[words.index("jq") + 1]
    assert words[-7:] == REGISTER


def test_lp030_unknown_when_ecs_not_collected() -> None:
    assert statuses(
        ecs_containers_not_privileged, make_snapshot(gaps={"ecs": "access_denied"})
    ) == {Status.UNKNOWN}


# ------------------------------------------------------------------ LP031 (ECS.1)


def test_lp031_flags_host_network_tasks_with_root_containers() -> None:
    snap = ecs(
        td("fail-host-user-unset", container(), mode="host"),
        td("fail-host-root", container(user="root"), mode="host"),
        td("fail-host-uid0-group", container(user="0:0"), mode="host"),
        td("fail-host-one-of-two", container("a", user="1000"), container("b"), mode="host"),
        td("pass-host-non-root", container(user="1000:1000"), mode="host"),
        td("pass-host-named-user", container(user="app"), mode="host"),
        # ECS.1 semantics: a privileged container is LP030's finding, not this one's
        td("pass-host-privileged", container(privileged=True), mode="host"),
        td("pass-awsvpc-root", container(user="root"), mode="awsvpc"),
        td("pass-bridge-unset", container(), mode="bridge"),
        td("pass-default-mode", container(), mode=""),
    )
    assert failing(ecs_host_network_containers_not_root, snap) == {
        "fail-host-user-unset:3",
        "fail-host-root:3",
        "fail-host-uid0-group:3",
        "fail-host-one-of-two:3",
    }
    assert passing(ecs_host_network_containers_not_root, snap) == {
        "pass-host-non-root:3",
        "pass-host-named-user:3",
        "pass-host-privileged:3",
        "pass-awsvpc-root:3",
        "pass-bridge-unset:3",
        "pass-default-mode:3",
    }
    assert evidence(ecs_host_network_containers_not_root, snap, "fail-host-one-of-two:3") == (
        "host network mode with root container(s): b (user unset)"
    )


# ------------------------------------------------------------------ LP032 (ECS.5)


def test_lp032_flags_containers_with_a_writable_root_filesystem() -> None:
    snap = ecs(
        td("fail-writable", container()),
        td(
            "fail-one-writable",
            container("app", readonly_root_filesystem=True),
            container("sidecar"),
        ),
        td("pass-read-only", container(readonly_root_filesystem=True)),
        td(
            "pass-all-read-only",
            container("a", readonly_root_filesystem=True),
            container("b", readonly_root_filesystem=True),
        ),
    )
    assert failing(ecs_containers_read_only_root_filesystem, snap) == {
        "fail-writable:3",
        "fail-one-writable:3",
    }
    assert passing(ecs_containers_read_only_root_filesystem, snap) == {
        "pass-read-only:3",
        "pass-all-read-only:3",
    }
    assert evidence(ecs_containers_read_only_root_filesystem, snap, "fail-one-writable:3") == (
        "writable root filesystem in container(s): sidecar"
    )


def test_lp032_command_registers_a_read_only_copy_of_the_revision() -> None:
    snap = ecs(td("fail-writable", container()))
    cmd = command(ecs_containers_read_only_root_filesystem, snap, "fail-writable:3")
    words = shlex.split(cmd)
    assert words[:7] == [
        "aws",
        "ecs",
        "describe-task-definition",
        "--task-definition",
        "fail-writable:3",
        "--region",
        REGION,
    ]
    program = words[words.index("jq") + 1]
    assert program.startswith("{family, taskRoleArn,")
    assert "[.containerDefinitions[] | .readonlyRootFilesystem = true]}" in program
    assert words[-7:] == REGISTER
