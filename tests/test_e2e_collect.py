"""End to end: the reference account on a moto HTTP server, collected through the real CLI.

The account is built by ``auditor.demo.build_reference`` with plain boto3
clients; ``auditor collect`` then runs in a subprocess against the server, as
a user would run it, twice: once for everything (moto lacks two APIs, so the
scan is honestly incomplete: exit 3 with exactly those two gaps) and once for
the units moto serves completely (exit 0, no gap).
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from auditor.collect import collect
from auditor.collect.session import SessionClients
from auditor.demo import ReferenceInfo, build_reference
from auditor.errors import EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE, SnapshotError
from auditor.services import SERVICES
from auditor.snapshot import CallStats, CollectionStatus, Snapshot
from auditor.snapshot.io import load_snapshot, save_snapshot, snapshot_to_json
from tests.conftest import REGION
from tests.scenarios.reference import (
    COMPLETE_ON_MOTO,
    MOTO_UNSUPPORTED,
    deny_access,
    moto_gaps,
    server_clients,
    unexpected_gaps,
)

REPO_ROOT = Path(__file__).resolve().parents[1]


def _run_cli(
    url: str, out: Path, *extra: str, prefix: tuple[str, ...] = ("-m", "auditor")
) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, *prefix, "collect", "--endpoint-url", url, "--region", REGION]
    # The environment (fake credentials, dead proxy for non-loopback hosts) is inherited.
    return subprocess.run(
        [*args, *extra, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO_ROOT,
        check=False,
    )


def _gap_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("auditor: gap: ")]


@dataclass(frozen=True)
class Collected:
    info: ReferenceInfo
    #: ``auditor collect`` of every unit.
    full: subprocess.CompletedProcess[str]
    full_path: Path
    #: ``auditor collect --services <COMPLETE_ON_MOTO>``.
    complete: subprocess.CompletedProcess[str]
    complete_path: Path


@pytest.fixture(scope="module")
def collected(_moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Collected:
    """The reference account built once and collected by the CLI, fully and completely."""
    reset = urllib.request.Request(f"{_moto_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=10) as response:
        assert response.status == 200
    info = build_reference(server_clients(_moto_server), REGION)
    folder = tmp_path_factory.mktemp("e2e")
    full, complete = folder / "snapshot.json", folder / "complete.json.gz"
    return Collected(
        info,
        _run_cli(_moto_server, full),
        full,
        _run_cli(_moto_server, complete, "--services", ",".join(COMPLETE_ON_MOTO)),
        complete,
    )


@pytest.fixture
def snap(collected: Collected) -> Snapshot:
    return load_snapshot(collected.full_path)


# --------------------------------------------------------------- the CLI runs


@pytest.mark.e2e
def test_full_collection_is_incomplete_only_where_moto_lacks_the_api(
    collected: Collected, snap: Snapshot
) -> None:
    result = collected.full
    assert result.returncode == EXIT_INCOMPLETE, result.stderr
    assert result.stdout == ""
    assert f"{len(MOTO_UNSUPPORTED)} gap(s)" in result.stderr
    assert sorted(line.split()[2] for line in _gap_lines(result.stderr)) == sorted(MOTO_UNSUPPORTED)
    assert unexpected_gaps(snap) == []
    assert moto_gaps(snap) == MOTO_UNSUPPORTED
    assert {c.service for c in snap.coverage} == set(SERVICES)
    assert (snap.account_id, snap.regions) == (collected.info.account_id, (REGION,))


@pytest.mark.e2e
def test_collection_of_what_moto_serves_exits_0_without_gaps(collected: Collected) -> None:
    result = collected.complete
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout == "" and _gap_lines(result.stderr) == []
    assert "0 gap(s)" in result.stderr
    snapshot = load_snapshot(collected.complete_path)
    asked = [c for c in snapshot.coverage if c.message != "not requested"]
    assert {c.service for c in asked} == set(COMPLETE_ON_MOTO)
    assert all(c.status is CollectionStatus.OK for c in asked)
    assert snapshot.ecs.clusters and snapshot.iam.roles


@pytest.mark.e2e
def test_snapshot_round_trips(snap: Snapshot, collected: Collected, tmp_path: Path) -> None:
    assert snap.stats.total_calls > 0
    for name in ("again.json", "again.json.gz"):
        path = tmp_path / name
        save_snapshot(snap, path)
        assert load_snapshot(path) == snap
    assert (tmp_path / "again.json").read_bytes() == collected.full_path.read_bytes()


@pytest.mark.e2e
def test_planted_secret_and_env_values_never_reach_the_snapshot_or_the_terminal(
    collected: Collected,
) -> None:
    raw = collected.full_path.read_bytes()
    output = collected.full.stdout + collected.full.stderr
    assert collected.info.planted_values
    for value in collected.info.planted_values:
        for form in (value, json.dumps(value)[1:-1]):
            assert form.encode() not in raw, f"planted value {value!r} is in the snapshot"
            assert form not in output, f"planted value {value!r} was printed"


# --------------------------------------------------- the account, resource by resource


@pytest.mark.e2e
def test_network(snap: Snapshot, collected: Collected) -> None:
    info, ec2 = collected.info, snap.ec2
    vpc = next(v for v in ec2.vpcs if v.id == info.vpc_id)
    assert vpc.cidr == "10.0.0.0/16" and vpc.region == REGION
    subnets = {s.id: s for s in ec2.subnets if s.vpc_id == info.vpc_id}
    assert set(subnets) == {*info.public_subnet_ids, *info.private_subnet_ids}

    def default_target(subnet_id: str) -> str:
        table = next(t for t in ec2.route_tables if subnet_id in t.subnet_ids)
        return next(r.target for r in table.routes if r.destination_cidr == "0.0.0.0/0")

    assert {default_target(s) for s in info.public_subnet_ids} == {info.internet_gateway_id}
    assert {default_target(s) for s in info.private_subnet_ids} == {info.nat_gateway_id}
    (igw,) = (g for g in ec2.internet_gateways if g.id == info.internet_gateway_id)
    assert igw.vpc_ids == (info.vpc_id,)
    (nat,) = (n for n in ec2.nat_gateways if n.id == info.nat_gateway_id)
    assert nat.subnet_id == info.public_subnet_ids[0]

    # Stand-ins for the interfaces AWS would create for RDS, Lambda and Fargate tasks.
    standins = [n for n in ec2.network_interfaces if n.subnet_id in info.private_subnet_ids]

    def groups(description_prefix: str) -> set[tuple[str, ...]]:
        return {
            n.security_group_ids for n in standins if n.description.startswith(description_prefix)
        }

    assert groups("RDSNetworkInterface") == {(info.rds_sg_id,)}
    assert groups("AWS Lambda VPC ENI-") == {(info.lambda_sg_id,)}
    assert groups("arn:aws:ecs:") == {(info.ecs_tasks_sg_id,)}
    assert len(standins) == 1 + 2 + 3 and not any(n.public_ip for n in standins)


@pytest.mark.e2e
def test_security_groups(snap: Snapshot, collected: Collected) -> None:
    info = collected.info
    groups = {g.name: g for g in snap.ec2.security_groups if g.vpc_id == info.vpc_id}
    assert groups["ecs-tasks-sg"].id == info.ecs_tasks_sg_id
    assert groups["db-query-lambda-sg"].id == info.lambda_sg_id
    assert groups["ecs-tasks-sg"].ingress == groups["db-query-lambda-sg"].ingress == ()
    rds = groups["rds-sg"]
    assert rds.id == info.rds_sg_id
    assert {(r.protocol, r.from_port, r.to_port, r.source_group_id) for r in rds.ingress} == {
        ("tcp", 5432, 5432, info.ecs_tasks_sg_id),
        ("tcp", 5432, 5432, info.lambda_sg_id),
    }
    assert not any(r.cidr or r.ipv6_cidr for r in rds.ingress)


@pytest.mark.e2e
def test_database(snap: Snapshot, collected: Collected) -> None:
    info = collected.info
    (db,) = (d for d in snap.rds.instances if d.id == info.db_instance_id)
    assert db.engine == "postgres"
    assert db.publicly_accessible is False
    assert db.storage_encrypted is True
    assert db.deletion_protection is True
    assert db.backup_retention_days == 7
    assert db.security_group_ids == (info.rds_sg_id,)
    assert db.subnet_group is not None
    assert db.subnet_group.name == info.db_subnet_group
    assert set(db.subnet_group.subnet_ids) == set(info.private_subnet_ids)


@pytest.mark.e2e
def test_ecs(snap: Snapshot, collected: Collected) -> None:
    info = collected.info
    (cluster,) = (c for c in snap.ecs.clusters if c.name == info.cluster_name)
    assert cluster.container_insights == "disabled"
    services = {s.name: s for s in snap.ecs.services}
    assert set(services) == set(info.service_names)
    for service in services.values():
        assert service.cluster_arn == cluster.arn
        assert service.launch_type == "FARGATE"
        assert service.assign_public_ip == "DISABLED"
        assert set(service.subnet_ids) == set(info.private_subnet_ids)
        assert service.security_group_ids == (info.ecs_tasks_sg_id,)

    tasks = {t.family: t for t in snap.ecs.task_definitions}
    assert set(tasks) == set(info.task_families)
    assert {t.arn for t in tasks.values()} == {s.task_definition_arn for s in services.values()}
    assert len({t.task_role_arn for t in tasks.values()}) == len(tasks)
    for family, task in tasks.items():
        assert task.execution_role_arn.endswith(f":role/{info.execution_role_name}")
        assert task.task_role_arn.endswith(f":role/{family}-task-role")
        (container,) = task.containers
        assert container.image.endswith(f"/{family}:latest")
        assert (container.log_driver, container.log_group) == ("awslogs", f"/ecs/{family}")
        assert {s.name for s in container.secrets} >= {"DB_USERNAME", "DB_PASSWORD"}
        assert all(s.value_from.startswith("arn:aws:secretsmanager:") for s in container.secrets)
        assert container.environment and not any(e.looks_secret for e in container.environment)


@pytest.mark.e2e
def test_lambda(snap: Snapshot, collected: Collected) -> None:
    info = collected.info
    (fn,) = (f for f in snap.lambda_.functions if f.name == info.function_name)
    assert fn.runtime == "python3.12"
    assert fn.role_arn.endswith(f":role/{info.function_role_name}")
    assert fn.vpc_id  # moto reports a fixed "vpc-123abc" whatever the subnets' VPC
    assert set(fn.subnet_ids) == set(info.private_subnet_ids)
    assert fn.security_group_ids == (info.lambda_sg_id,)
    env = {e.name: e for e in fn.environment}
    assert env["DB_SECRET_ARN"].is_reference
    assert not any(e.looks_secret for e in env.values())
    assert fn.policy is None and fn.url is None


@pytest.mark.e2e
def test_secrets(snap: Snapshot, collected: Collected) -> None:
    info = collected.info
    secrets = {s.name: s for s in snap.secretsmanager.secrets}
    assert set(secrets) == set(info.secret_names)
    db = secrets[info.db_secret_name]
    assert db.arn == info.db_secret_arn
    assert (db.rotation_enabled, db.rotation_days) == (True, 30)
    assert secrets[info.broker_secret_name].rotation_enabled is False


@pytest.mark.e2e
def test_audit_logging(snap: Snapshot, collected: Collected) -> None:
    info = collected.info
    (trail,) = (t for t in snap.cloudtrail.trails if t.name == info.trail_name)
    assert trail.is_multi_region and trail.log_file_validation and trail.is_logging
    assert trail.home_region == REGION
    assert info.trail_kms_key_arn.split("/")[-1] in trail.kms_key_id
    assert trail.s3_bucket == info.trail_bucket
    assert f":log-group:{info.trail_log_group}" in trail.cloudwatch_logs_log_group_arn
    assert any(
        s.include_management_events and s.read_write_type == "All" for s in trail.event_selectors
    )
    assert trail.bucket is not None and trail.bucket.collected
    assert trail.bucket.public_access_blocked

    retention = {g.name: g.retention_days for g in snap.logs.log_groups}
    assert {name: retention.get(name) for name in info.log_group_names} == dict.fromkeys(
        info.log_group_names, 30
    )
    assert retention[info.trail_log_group] == 365

    (detector,) = snap.guardduty.detectors
    assert (detector.id, detector.status) == (info.guardduty_detector_id, "ENABLED")
    assert snap.config.recorders == ()


@pytest.mark.e2e
def test_images_and_deployment(snap: Snapshot, collected: Collected) -> None:
    info = collected.info
    repos = {r.name: r for r in snap.ecr.repositories}
    assert set(repos) == set(info.repository_names)
    for repo in repos.values():
        assert repo.scan_on_push is True
        assert repo.tag_mutability == "MUTABLE"
        assert repo.has_lifecycle_policy is False
    assert snap.codepipeline.pipelines == ()
    assert snap.codebuild.projects == ()
    assert snap.cloudwatch.dashboards == () and snap.cloudwatch.alarms == ()


@pytest.mark.e2e
def test_iam(snap: Snapshot, collected: Collected) -> None:
    info = collected.info
    roles = {r.name: r for r in snap.iam.roles}
    assert set(info.role_names) <= set(roles)
    assert [p.arn for p in snap.iam.oidc_providers] == [info.oidc_provider_arn]

    (statement,) = roles[info.deploy_role_name].trust_policy["Statement"]
    assert statement["Principal"] == {"Federated": info.oidc_provider_arn}
    conditions = statement["Condition"]["StringEquals"]
    assert conditions["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    assert conditions["token.actions.githubusercontent.com:sub"].startswith("repo:")
    assert conditions["token.actions.githubusercontent.com:sub"].endswith(":ref:refs/heads/main")

    fn_policy = roles[info.function_role_name].inline_policies[0].document
    (secret_grant,) = (
        s for s in fn_policy["Statement"] if "secretsmanager:GetSecretValue" in s["Action"]
    )
    assert secret_grant["Resource"] == [info.db_secret_arn]


# ---------------------------------------------------------------- access denied


@pytest.mark.e2e
def test_access_denied_is_a_gap_and_the_rest_is_collected(moto_server: str) -> None:
    info = build_reference(server_clients(moto_server), REGION)
    clients = SessionClients(boto3.Session(region_name=REGION), endpoint_url=moto_server)
    clients.session.events.register("before-call.secrets-manager.ListSecrets", deny_access)

    snapshot = collect(clients, [REGION])

    (gap,) = unexpected_gaps(snapshot)
    assert (gap.service, gap.region, gap.status) == (
        "secretsmanager",
        REGION,
        CollectionStatus.ACCESS_DENIED,
    )
    assert (gap.operation, gap.error_code) == ("ListSecrets", "AccessDeniedException")
    assert snapshot.secretsmanager.secrets == ()
    assert moto_gaps(snapshot) == MOTO_UNSUPPORTED
    others = set(SERVICES) - MOTO_UNSUPPORTED - {"secretsmanager"}
    assert all(snapshot.is_complete(name) for name in others)
    assert [c.name for c in snapshot.ecs.clusters] == [info.cluster_name]
    assert {r.name for r in snapshot.iam.roles} >= set(info.role_names)
    (denied,) = (
        op
        for op in snapshot.stats.operations
        if (op.service, op.operation) == ("secretsmanager", "ListSecrets")
    )
    assert denied.errors == denied.calls >= 1


#: Runs the real CLI with one extra botocore hook: ListSecrets is denied.
_CLI_WITH_LIST_SECRETS_DENIED = """
from auditor.cli import main
from auditor.collect.session import SessionClients
from tests.scenarios.reference import deny_access

_init = SessionClients.__init__

def _init_and_deny(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self.session.events.register("before-call.secrets-manager.ListSecrets", deny_access)

SessionClients.__init__ = _init_and_deny
main(prog_name="auditor")
"""


@pytest.mark.e2e
def test_cli_exits_3_and_names_the_gap_when_access_is_denied(
    moto_server: str, tmp_path: Path
) -> None:
    build_reference(server_clients(moto_server), REGION)
    out = tmp_path / "snapshot.json.gz"

    result = _run_cli(moto_server, out, prefix=("-c", _CLI_WITH_LIST_SECRETS_DENIED))

    assert result.returncode == EXIT_INCOMPLETE, result.stderr
    assert (
        f"auditor: gap: secretsmanager in {REGION}: access_denied "
        "(ListSecrets AccessDeniedException)"
    ) in result.stderr.splitlines()
    assert f"{len(MOTO_UNSUPPORTED) + 1} gap(s)" in result.stderr
    snapshot = load_snapshot(out)  # the snapshot is still written, the gap recorded
    assert [(g.service, g.operation) for g in unexpected_gaps(snapshot)] == [
        ("secretsmanager", "ListSecrets")
    ]
    assert snapshot.ecs.clusters


# ------------------------------------------------------------ unusable snapshot files


def _minimal_snapshot() -> Snapshot:
    from datetime import UTC, datetime

    return Snapshot(
        tool_version="0.0.0",
        account_id="123456789012",
        partition="aws",
        regions=(REGION,),
        collected_at=datetime(2024, 1, 1, tzinfo=UTC),
        coverage=(),
        stats=CallStats(duration_seconds=0.0, operations=()),
    )


def _bad_files() -> dict[str, bytes]:
    good = snapshot_to_json(_minimal_snapshot()).encode()
    doc = json.loads(good)
    gz = gzip.compress(good, mtime=0)
    return {
        "truncated-gzip": gz[: len(gz) // 2],
        "corrupt-gzip": gz[:10] + b"\x00garbage\xff" * 8,
        "unknown-schema": json.dumps({**doc, "schema_version": 99}).encode(),
        "not-json": b"this is not a snapshot\n",
        "empty": b"",
        "json-but-not-a-snapshot": b"[1, 2, 3]",
        "invalid-field": json.dumps({**doc, "regions": "us-west-2", "stats": {}}).encode(),
        "truncated-json": good[: len(good) // 2],
    }


@pytest.mark.parametrize("case", sorted(_bad_files()))
def test_unusable_snapshot_gives_a_one_line_error_and_exit_2(case: str, tmp_path: Path) -> None:
    path = tmp_path / f"{case}.json"
    path.write_bytes(_bad_files()[case])
    with pytest.raises(SnapshotError) as raised:
        load_snapshot(path)
    message = str(raised.value)
    assert message and "\n" not in message
    assert str(path) in message
    assert raised.value.exit_code == EXIT_USAGE == 2


@pytest.mark.parametrize("case", sorted(_bad_files()))
def test_scan_of_an_unusable_snapshot_exits_2_with_one_line_and_writes_nothing(
    case: str, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from auditor.cli import main

    path = tmp_path / f"{case}.json"
    path.write_bytes(_bad_files()[case])
    out = tmp_path / "report"

    result = CliRunner().invoke(
        main, ["scan", "--snapshot", str(path), "--output-dir", str(out)], catch_exceptions=False
    )

    assert result.exit_code == EXIT_USAGE, result.output
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("auditor: error: ") and str(path) in line
    assert not out.exists()


def test_missing_snapshot_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="cannot read snapshot") as raised:
        load_snapshot(tmp_path / "absent.json")
    assert "\n" not in str(raised.value)


def test_a_valid_minimal_snapshot_loads(tmp_path: Path) -> None:
    path = tmp_path / "ok.json.gz"
    save_snapshot(_minimal_snapshot(), path)
    assert load_snapshot(path) == _minimal_snapshot()


def _gzip_bomb(expanded_mib: int) -> bytes:
    """A valid gzip of ``expanded_mib`` MiB of spaces: one 1 MiB member repeated
    (concatenated gzip members are one stream), a few KB on disk."""
    member = gzip.compress(b" " * (1024 * 1024), compresslevel=9, mtime=0)
    return member * expanded_mib


def test_defect_small_gzip_snapshot_expands_without_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gzip.decompress expanded any file whole: a few KB could take gigabytes of memory."""
    import auditor.snapshot.io as snapshot_io

    monkeypatch.setattr(snapshot_io, "MAX_SNAPSHOT_BYTES", 4 * 1024 * 1024)
    bomb = _gzip_bomb(expanded_mib=64)
    assert len(bomb) < 100_000
    path = tmp_path / "bomb.json.gz"
    path.write_bytes(bomb)
    with pytest.raises(SnapshotError) as raised:
        load_snapshot(path)
    message = str(raised.value)
    assert message == f"{path}: refused: decompresses to more than 4 MiB (the snapshot size limit)"
    assert raised.value.exit_code == EXIT_USAGE

    # through the CLI: one line, exit 2, nothing written
    from click.testing import CliRunner

    from auditor.cli import main

    out = tmp_path / "report"
    result = CliRunner().invoke(
        main, ["scan", "--snapshot", str(path), "--output-dir", str(out)], catch_exceptions=False
    )
    assert result.exit_code == EXIT_USAGE
    (line,) = result.stderr.splitlines()
    assert line == f"auditor: error: {message}"
    assert not out.exists()


def test_snapshot_size_limit_spares_real_snapshots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import auditor.snapshot.io as snapshot_io

    assert 64 * 1024 * 1024 <= snapshot_io.MAX_SNAPSHOT_BYTES <= 1024 * 1024 * 1024
    size = len(snapshot_to_json(_minimal_snapshot()).encode())
    monkeypatch.setattr(snapshot_io, "MAX_SNAPSHOT_BYTES", size)  # exactly at the limit: read
    gz, plain = tmp_path / "ok.json.gz", tmp_path / "ok.json"
    save_snapshot(_minimal_snapshot(), gz)
    save_snapshot(_minimal_snapshot(), plain)
    assert load_snapshot(gz) == load_snapshot(plain) == _minimal_snapshot()
    monkeypatch.setattr(snapshot_io, "MAX_SNAPSHOT_BYTES", size - 1)
    for path in (gz, plain):
        with pytest.raises(SnapshotError, match="refused"):
            load_snapshot(path)
