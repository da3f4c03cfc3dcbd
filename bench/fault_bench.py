"""Fault benchmark: how much slower a reference collection gets under each API fault.

Builds the reference account (``auditor.demo``) on a moto server in this
process (127.0.0.1, random port), puts the fault proxy of the test suite
(``tests/faults/proxy.py``) in front of it, and collects the account through
it with auditor's real session (read-only guard, adaptive retries with the
default 8 attempts, response checks), once per scenario. Prints a Markdown
table: wall time, ratio to the clean run, gaps, faults injected.

    python bench/fault_bench.py                 # every scenario, 2 runs each (median)
    python bench/fault_bench.py --runs 3 --only clean,slow-ec2,throttle-storm

Target (issue 14): slow-ec2 and throttle-storm under 2x the clean run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import statistics
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-west-2",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
}
REGION = "us-west-2"


@dataclass(frozen=True)
class Scenario:
    name: str
    what: str
    faults: tuple[object, ...]


def scenarios() -> list[Scenario]:
    from tests.faults.proxy import Fault

    return [
        Scenario("clean", "no fault", ()),
        Scenario("slow-ec2", "every EC2 call answers 1 s late", (Fault("delay", "ec2"),)),
        Scenario("slow-all", "every call answers 0.2 s late", (Fault("delay", "*", seconds=0.2),)),
        Scenario(
            "throttle-storm",
            "30% of all calls throttled",
            (Fault("throttle", "*", rate=0.3),),
        ),
        Scenario(
            "5xx-burst", "10% of all calls answer 503", (Fault("unavailable", "*", rate=0.1),)
        ),
        Scenario("resets", "5% of all connections reset", (Fault("reset", "*", rate=0.05),)),
        Scenario("denied-ecs", "every ECS call denied", (Fault("deny", "ecs"),)),
        Scenario(
            "malformed-ecs",
            "every DescribeTaskDefinition truncated",
            (Fault("truncate", "ecs", "DescribeTaskDefinition"),),
        ),
    ]


def _collect(url: str, retry_mode: str = "adaptive") -> tuple[float, int]:
    import boto3

    from auditor.collect import collect
    from auditor.collect.session import SessionClients

    clients = SessionClients(
        boto3.Session(region_name=REGION),
        endpoint_url=url,
        retry_mode=retry_mode,  # type: ignore[arg-type]
    )
    started = time.perf_counter()
    snap = collect(clients, [REGION], strict=True)
    wall = time.perf_counter() - started
    gaps = [g for g in snap.gaps if g.service not in ("accessanalyzer", "logs-queries")]
    return wall, len(gaps)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="runs per scenario (median kept)")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument(
        "--retry-mode", choices=("adaptive", "standard"), default="adaptive", help="botocore's"
    )
    args = parser.parse_args(argv)
    saved = dict(os.environ)
    os.environ.update(_ENV)
    os.environ.pop("AWS_MAX_ATTEMPTS", None)
    sys.path.insert(0, str(REPO))
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    try:
        from moto.server import ThreadedMotoServer

        from auditor.demo import build_reference
        from tests.faults.proxy import FaultProxy
        from tests.scenarios.reference import server_clients

        chosen = [s for s in scenarios() if not args.only or s.name in args.only.split(",")]
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        upstream = f"http://{host}:{port}"
        try:
            with urllib.request.urlopen(
                urllib.request.Request(f"{upstream}/moto-api/reset", method="POST"), timeout=10
            ):
                pass
            build_reference(server_clients(upstream), REGION)
            rows: list[tuple[Scenario, float, int, int]] = []
            with FaultProxy(upstream) as proxy:
                proxy.set_faults([])
                _collect(proxy.url, args.retry_mode)  # warm up: imports, models, connections
                for scenario in chosen:
                    walls, gaps, injected = [], 0, 0
                    for run in range(args.runs):
                        proxy.set_faults(scenario.faults, seed=run)  # type: ignore[arg-type]
                        with contextlib.redirect_stdout(io.StringIO()):  # moto's chatter
                            wall, gaps = _collect(proxy.url, args.retry_mode)
                        walls.append(wall)
                        injected = sum(proxy.injected.values())
                    rows.append((scenario, statistics.median(walls), gaps, injected))
        finally:
            server.stop()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    clean = next((wall for s, wall, _, _ in rows if s.name == "clean"), None)
    lines = [
        f"Fault benchmark: reference account, {REGION}, {args.retry_mode} retries, "
        f"median of {args.runs} run(s)",
        "",
        "| scenario | fault | wall (s) | x clean | gaps | faults injected (last run) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for scenario, wall, gaps, injected in rows:
        ratio = f"{wall / clean:.2f}" if clean else "-"
        lines.append(
            f"| {scenario.name} | {scenario.what} | {wall:.2f} | {ratio} | {gaps} | {injected} |"
        )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
