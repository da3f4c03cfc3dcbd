"""Collection benchmark: the real ``auditor collect`` against a seeded moto server.

For each size N it seeds a moto server (in this process, on 127.0.0.1, random
port) with N of each: security groups (two ingress rules each), IAM roles
(with an inline policy), Lambda functions (a small zip, never invoked),
secrets, ECS task definitions (plus a few clusters with services) and log
groups. Then it runs ``python -m auditor collect`` in a subprocess and
measures its wall time and peak RSS, reads the snapshot's per-operation call
counts, and writes a Markdown report.

    python bench/collect_bench.py                    # sizes 200,2000
    python bench/collect_bench.py --sizes 200 --workers 8

Services whose collector is not written yet, or that come back as gaps, are
reported as such: the benchmark still runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

REGION = "us-west-2"
ACCOUNT = "123456789012"
BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # benchmark this checkout's auditor

#: The services the benchmark seeds, and so asks the CLI to collect.
SEEDED = ("ec2", "iam", "lambda", "secretsmanager", "ecs", "logs")

_FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}
_DROP_ENV = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ROLE_ARN",
)


def safe_environ() -> dict[str, str]:
    """This process's environment with fake credentials and no proxy."""
    env = {k: v for k, v in os.environ.items() if k not in _DROP_ENV}
    env.update(_FAKE_AWS_ENV)
    return env


# --- the moto server -------------------------------------------------------------------


class MotoServer:
    """moto's ThreadedMotoServer on 127.0.0.1 with a random port."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.CRITICAL)  # no line per request or 500
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=30) as response:
            assert response.status == 200

    def stop(self) -> None:
        self._server.stop()


# --- seeding ---------------------------------------------------------------------------

_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["lambda.amazonaws.com", "ecs-tasks.amazonaws.com"]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def _inline_policy(i: int) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:ListBucket"],
                    "Resource": [f"arn:aws:s3:::bench-{i}", f"arn:aws:s3:::bench-{i}/*"],
                },
                {"Effect": "Allow", "Action": "logs:*", "Resource": "*"},
            ],
        }
    )


def _lambda_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("handler.py", "def handler(event, context):\n    return {'ok': True}\n")
    return buf.getvalue()


@dataclass
class Seeded:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


class Seeder:
    """Seeds one account through the server's HTTP API, many calls in parallel."""

    def __init__(self, endpoint: str) -> None:
        session = boto3.Session(region_name=REGION)
        config = Config(retries={"mode": "standard", "max_attempts": 3})
        # Clients are created here, once: creation is not thread-safe, use is.
        self.c = {
            name: session.client(name, endpoint_url=endpoint, config=config)  # type: ignore[call-overload]
            for name in ("ec2", "iam", "lambda", "secretsmanager", "ecs", "logs")
        }
        self._zip = _lambda_zip()

    @staticmethod
    def _concurrently(groups: list[tuple[str, Callable[[int], Any], int]]) -> list[str]:
        """Run each ``(what, fn, count)`` group on its own thread, serially within the group.

        moto's backends are not thread-safe within a service (parallel IAM
        CreateRole answers HTTP 500 now and then), so each service gets one
        thread; the services overlap. A failed call is reported, not fatal.
        """
        errors: list[str] = []

        def run(what: str, fn: Callable[[int], Any], count: int) -> None:
            for i in range(count):
                try:
                    fn(i)
                except Exception as exc:
                    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                    errors.append(f"{what} #{i}: {type(exc).__name__}: {first_line}"[:240])

        with ThreadPoolExecutor(max_workers=len(groups)) as pool:
            for future in [pool.submit(run, *group) for group in groups]:
                future.result()
        return errors

    # one resource of each kind -----------------------------------------------------

    def role(self, i: int) -> None:
        name = f"bench-role-{i:05d}"
        self.c["iam"].create_role(RoleName=name, AssumeRolePolicyDocument=_TRUST, Path="/bench/")
        self.c["iam"].put_role_policy(
            RoleName=name, PolicyName="bench-inline", PolicyDocument=_inline_policy(i)
        )

    def security_group(self, i: int) -> None:
        ec2 = self.c["ec2"]
        group = ec2.create_security_group(
            GroupName=f"bench-sg-{i:05d}", Description=f"bench group {i}", VpcId=self.vpc_id
        )
        ec2.authorize_security_group_ingress(
            GroupId=group["GroupId"],
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "https"}],
                },
                {
                    "IpProtocol": "tcp",
                    "FromPort": 5432,
                    "ToPort": 5432,
                    "IpRanges": [{"CidrIp": f"10.{i % 250}.0.0/16"}],
                },
            ],
        )

    def function(self, i: int) -> None:
        self.c["lambda"].create_function(
            FunctionName=f"bench-fn-{i:05d}",
            Runtime="python3.12",
            Role=f"arn:aws:iam::{ACCOUNT}:role/bench/bench-role-{i % self.n_roles:05d}",
            Handler="handler.handler",
            Code={"ZipFile": self._zip},
            Environment={"Variables": {"STAGE": "bench", "DB_PASSWORD": "not-a-real-secret"}},
            Timeout=10,
            MemorySize=128,
        )

    def secret(self, i: int) -> None:
        self.c["secretsmanager"].create_secret(
            Name=f"bench/secret-{i:05d}",
            SecretString="not-a-real-secret",
            Tags=[{"Key": "bench", "Value": "yes"}],
        )

    def task_definition(self, i: int) -> None:
        self.c["ecs"].register_task_definition(
            family=f"bench-td-{i:05d}",
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            executionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/bench/bench-role-00000",
            containerDefinitions=[
                {
                    "name": "app",
                    "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/app:{i}",
                    "essential": True,
                    "environment": [
                        {"name": "STAGE", "value": "bench"},
                        {"name": "API_TOKEN", "value": "not-a-real-secret"},
                    ],
                    "logConfiguration": {
                        "logDriver": "awslogs",
                        "options": {
                            "awslogs-group": f"/bench/{i:05d}",
                            "awslogs-region": REGION,
                            "awslogs-stream-prefix": "app",
                        },
                    },
                }
            ],
        )

    def log_group(self, i: int) -> None:
        name = f"/bench/{i:05d}"
        self.c["logs"].create_log_group(logGroupName=name)
        if i % 2 == 0:
            self.c["logs"].put_retention_policy(logGroupName=name, retentionInDays=30)

    def cluster(self, i: int) -> None:
        name = f"bench-cluster-{i:03d}"
        self.c["ecs"].create_cluster(
            clusterName=name, settings=[{"name": "containerInsights", "value": "enabled"}]
        )
        for s in range(self.services_per_cluster):
            self.c["ecs"].create_service(
                cluster=name,
                serviceName=f"svc-{s}",
                taskDefinition=f"bench-td-{(i * self.services_per_cluster + s) % self.n:05d}",
                desiredCount=1,
                launchType="FARGATE",
                networkConfiguration={
                    "awsvpcConfiguration": {
                        "subnets": [self.subnet_id],
                        "securityGroups": [self.default_sg_id],
                        "assignPublicIp": "DISABLED",
                    }
                },
            )

    # the whole account -----------------------------------------------------------------

    def seed(self, n: int) -> Seeded:
        started = time.perf_counter()
        self.n = n
        self.n_roles = n
        self.n_clusters = max(1, n // 100)
        self.services_per_cluster = 3
        vpcs = self.c["ec2"].describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])
        self.vpc_id = vpcs["Vpcs"][0]["VpcId"]
        subnets = self.c["ec2"].describe_subnets(
            Filters=[{"Name": "vpc-id", "Values": [self.vpc_id]}]
        )
        self.subnet_id = subnets["Subnets"][0]["SubnetId"]
        groups = self.c["ec2"].describe_security_groups(
            Filters=[
                {"Name": "vpc-id", "Values": [self.vpc_id]},
                {"Name": "group-name", "Values": ["default"]},
            ]
        )
        self.default_sg_id = groups["SecurityGroups"][0]["GroupId"]

        # Functions need their roles, services their task definitions: two phases.
        errors = self._concurrently(
            [
                ("IAM role", self.role, n),
                ("security group", self.security_group, n),
                ("secret", self.secret, n),
                ("log group", self.log_group, n),
                ("ECS task definition", self.task_definition, n),
            ]
        )
        errors += self._concurrently(
            [
                ("Lambda function", self.function, n),
                ("ECS cluster", self.cluster, self.n_clusters),
            ]
        )
        return Seeded(
            counts={
                "security groups": n,
                "IAM roles": n,
                "Lambda functions": n,
                "secrets": n,
                "ECS task definitions": n,
                "ECS clusters": self.n_clusters,
                "ECS services": self.n_clusters * self.services_per_cluster,
                "log groups": n,
            },
            seconds=time.perf_counter() - started,
            errors=errors,
        )


# --- the measured run ------------------------------------------------------------------


def available_collectors(services: Iterable[str]) -> tuple[list[str], list[str]]:
    """(services whose collector module exists, services whose collector is missing)."""
    from auditor.services import SERVICES

    have, missing = [], []
    for name in services:
        module = SERVICES[name].collector.split(":")[0]
        (have if importlib.util.find_spec(module) is not None else missing).append(name)
    return have, missing


@dataclass
class Run:
    size: int
    seeded: Seeded
    wall_seconds: float
    peak_rss_kib: int
    exit_code: int
    stderr_tail: str
    snapshot: dict[str, Any] | None
    collected: list[str]
    missing: list[str]

    @property
    def operations(self) -> list[dict[str, Any]]:
        return list((self.snapshot or {}).get("stats", {}).get("operations", []))

    @property
    def gaps(self) -> list[dict[str, Any]]:
        return [
            c
            for c in (self.snapshot or {}).get("coverage", [])
            if c.get("status") != "ok"
            and not (c.get("status") == "skipped" and c.get("message") == "not requested")
        ]


#: A small launcher that runs the CLI and reports *its* wall time and peak RSS.
#: Forking the CLI from this (large) process would count this process's pages
#: in the child's ``ru_maxrss``; forked from a fresh interpreter it does not.
_LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
proc.returncode = os.waitstatus_to_exitcode(status)
print(json.dumps({"wall": time.perf_counter() - started, "maxrss_kib": usage.ru_maxrss,
                  "exit": proc.returncode}))
"""


def run_collect(
    endpoint: str, services: list[str], out: Path, workers: int
) -> tuple[float, int, int, str]:
    """Run the real CLI; (wall seconds, peak RSS KiB of the CLI, exit code, stderr tail)."""
    cmd = [
        sys.executable,
        "-m",
        "auditor",
        "collect",
        "--endpoint-url",
        endpoint,
        "--region",
        REGION,
        "--services",
        ",".join(services),
        "--workers",
        str(workers),
        "--out",
        str(out),
    ]
    with tempfile.TemporaryFile() as stderr:
        result = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, *cmd],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env={**safe_environ(), "PYTHONPATH": str(REPO)},
            cwd=out.parent,
            check=True,
        )
        stderr.seek(0)
        tail = stderr.read().decode(errors="replace")[-2000:]
    measured = json.loads(result.stdout)
    return float(measured["wall"]), int(measured["maxrss_kib"]), int(measured["exit"]), tail


def measure(server: MotoServer, size: int, services: list[str] | None, workers: int) -> Run:
    server.reset()
    seeded = Seeder(server.url).seed(size)
    have, missing = available_collectors(services or SEEDED)
    with tempfile.TemporaryDirectory(prefix="auditor-bench-") as tmp:
        out = Path(tmp) / "snapshot.json"
        wall, rss, code, tail = run_collect(server.url, have, out, workers)
        snapshot = json.loads(out.read_text()) if out.is_file() else None
    return Run(size, seeded, wall, rss, code, tail, snapshot, have, missing)


# --- the report ------------------------------------------------------------------------


def _section_counts(snapshot: dict[str, Any] | None) -> dict[str, int]:
    """Resources per snapshot section field, e.g. ``iam.roles``: 200."""
    counts: dict[str, int] = {}
    for section, value in (snapshot or {}).items():
        if section in ("stats", "coverage", "regions") or not isinstance(value, dict):
            continue
        for name, items in value.items():
            if isinstance(items, list) and items:
                counts[f"{section}.{name}"] = len(items)
    return counts


def report(runs: list[Run], workers: int) -> str:
    import auditor

    try:
        import moto

        moto_version = moto.__version__
    except Exception:  # pragma: no cover - moto is a test/bench dependency
        moto_version = "?"
    now = datetime.now(UTC).replace(microsecond=0)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        f"# Collection benchmark — {now.date().isoformat()}",
        "",
        f"`python bench/collect_bench.py --sizes {','.join(str(r.size) for r in runs)}` "
        f"at {now.isoformat()}: auditor {auditor.__version__}, moto {moto_version}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPU(s) "
        f"(load average {load} when the report was written), "
        f"collector workers {workers}. moto serves HTTP on 127.0.0.1 in the benchmark's "
        "process; the measured child process is "
        f"`python -m auditor collect --endpoint-url http://127.0.0.1:PORT --region {REGION} "
        f"--services {','.join(runs[0].collected) if runs else ''} --workers {workers} "
        "--out snapshot.json`. The server answers on one interpreter (one GIL), so "
        "calls/s is bounded by moto's own speed, not by AWS rate limits.",
        "",
        "Seeded per size N: N security groups (2 ingress rules each), N IAM roles "
        "(inline policy each), N Lambda functions (zip, never invoked), N secrets, "
        "N ECS task definitions, N/100 ECS clusters with 3 services each, N log groups.",
        "",
        "## Summary",
        "",
        "Columns: *collect wall* is the CLI process from start to exit; *in-snapshot* is the "
        "collection itself as the snapshot records it; *peak RSS* is the CLI's maximum "
        "resident set; *error answers* include expected ones (a function without a resource "
        "policy answers ResourceNotFound).",
        "",
        "| N | seed (s) | collect wall (s) | in-snapshot (s) | calls/s | peak RSS (MiB) "
        "| API calls | retries | error answers | gaps | exit |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in runs:
        ops = r.operations
        in_snap = (r.snapshot or {}).get("stats", {}).get("duration_seconds")
        calls = sum(o["calls"] for o in ops)
        rate = f"{calls / in_snap:.0f}" if in_snap else "-"
        lines.append(
            f"| {r.size} | {r.seeded.seconds:.1f} | {r.wall_seconds:.2f} | "
            f"{in_snap if in_snap is not None else '-'} | {rate} | {r.peak_rss_kib / 1024:.0f} | "
            f"{calls} | {sum(o['retries'] for o in ops)} | "
            f"{sum(o['errors'] for o in ops)} | {len(r.gaps) + len(r.missing)} | {r.exit_code} |"
        )

    lines += ["", "## Resources in the snapshot", ""]
    keys = sorted({k for r in runs for k in _section_counts(r.snapshot)})
    lines += [
        "| section.field | " + " | ".join(f"N={r.size}" for r in runs) + " |",
        "| --- | " + " | ".join("---:" for _ in runs) + " |",
    ]
    per_run = [_section_counts(r.snapshot) for r in runs]
    for key in keys:
        lines.append(f"| {key} | " + " | ".join(str(c.get(key, 0)) for c in per_run) + " |")

    lines += ["", "## Calls per operation", ""]
    op_keys = sorted({(o["service"], o["operation"]) for r in runs for o in r.operations})
    lines += [
        "| service | operation | " + " | ".join(f"calls N={r.size}" for r in runs) + " |",
        "| --- | --- | " + " | ".join("---:" for _ in runs) + " |",
    ]
    per_op = [{(o["service"], o["operation"]): o["calls"] for o in r.operations} for r in runs]
    for key in op_keys:
        lines.append(
            f"| {key[0]} | {key[1]} | " + " | ".join(str(c.get(key, 0)) for c in per_op) + " |"
        )

    largest = max(runs, key=lambda r: r.size) if runs else None
    if largest is not None and largest.operations:
        per_resource = sorted(
            (o for o in largest.operations if o["calls"] >= largest.size / 2),
            key=lambda o: -o["calls"],
        )
        lines += [
            "",
            f"Operations called about once per resource at N={largest.size} (the ones that "
            "scale with the account, and meet API rate limits first on real AWS): "
            + (
                ", ".join(f"{o['service']}:{o['operation']} ({o['calls']})" for o in per_resource)
                or "none"
            )
            + ".",
        ]

    lines += ["", "## Gaps", ""]
    any_gap = False
    for r in runs:
        for name in r.missing:
            any_gap = True
            lines.append(f"- N={r.size}: `{name}` not collected: its collector is not written yet")
        for g in r.gaps:
            any_gap = True
            detail = " ".join(x for x in (g.get("operation"), g.get("error_code")) if x)
            lines.append(
                f"- N={r.size}: `{g['service']}` in {g['region']}: {g['status']}"
                + (f" ({detail})" if detail else "")
                + (f": {g['message'][:160]}" if g.get("message") else "")
            )
        if r.snapshot is None:
            any_gap = True
            lines.append(f"- N={r.size}: the CLI wrote no snapshot (exit {r.exit_code}):")
            lines += ["", "```", r.stderr_tail.strip()[-1500:], "```", ""]
        for err in r.seeded.errors[:10]:
            any_gap = True
            lines.append(f"- N={r.size}: seeding failed: {err}")
        if len(r.seeded.errors) > 10:
            lines.append(f"- N={r.size}: … and {len(r.seeded.errors) - 10} more seeding failures")
    if not any_gap:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--sizes", default="200,2000", help="comma-separated N values (default: 200,2000)"
    )
    parser.add_argument("--workers", type=int, default=8, help="auditor collect --workers")
    parser.add_argument(
        "--services",
        help=f"services to collect (default: the seeded ones: {','.join(SEEDED)})",
    )
    parser.add_argument(
        "--results",
        type=Path,
        help="Markdown file to write (default: bench/results/collect-<date>.md)",
    )
    args = parser.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes must be comma-separated integers, not {args.sizes!r}")
    if not sizes or min(sizes) < 1:
        parser.error("--sizes needs at least one positive integer")
    services = [s.strip() for s in args.services.split(",")] if args.services else None

    saved_env = dict(os.environ)
    os.environ.clear()
    os.environ.update(safe_environ())  # moto and boto3 in this process read it too
    server = MotoServer()
    runs: list[Run] = []
    try:
        for size in sizes:
            print(f"bench: N={size}: seeding {server.url} ...", file=sys.stderr, flush=True)
            run = measure(server, size, services, args.workers)
            runs.append(run)
            print(
                f"bench: N={size}: seeded in {run.seeded.seconds:.1f}s, collected in "
                f"{run.wall_seconds:.2f}s, peak RSS {run.peak_rss_kib / 1024:.0f} MiB, "
                f"exit {run.exit_code}",
                file=sys.stderr,
                flush=True,
            )
    finally:
        server.stop()
        os.environ.clear()
        os.environ.update(saved_env)

    text = report(runs, args.workers)
    path = args.results or BENCH_DIR / "results" / f"collect-{datetime.now(UTC).date()}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(text)
    print(f"bench: wrote {path}", file=sys.stderr)
    return 0 if all(r.snapshot is not None for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
