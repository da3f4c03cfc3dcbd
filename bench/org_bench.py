"""Organization benchmark: ``auditor scan --org`` against a moto server with N member accounts.

For each N it resets a moto server (in this process, on 127.0.0.1, random
port), builds an Organization with N members, each a copy of the reference
architecture (``--scenario reference``) or the small estate (``small``),
then runs the real CLI in a subprocess:

* once as a single-account scan of one member (``auditor scan --role-arn``),
  the baseline per-account cost;
* once as ``auditor scan --org`` over the N members (the management account
  left out).

It reports wall time, peak RSS of the largest scan process (the CLI or any
of its account workers), API calls and retries (from the CLI's per-account
lines), accounts finished and lost, and the per-account cost (wall / N).

    python bench/org_bench.py                       # N = 10,50, reference members
    python bench/org_bench.py --sizes 10 --scenario small

The moto server runs in this process and answers every account: on a small
machine it, not the scanner, is often the bottleneck (see the load average
printed with the figures).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REGION = "us-west-2"
ORG_ROLE = "OrganizationAccountAccessRole"
#: Not simulated by moto: left out so the figures are about what is scanned.
SKIP_SERVICES = {"accessanalyzer", "logs-queries"}

_ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}
_DROP = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
)

#: Runs the CLI and reports its wall time and the peak RSS of it or its largest descendant.
_LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
import resource
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": time.perf_counter() - started,
                  "maxrss_kib": max(usage.ru_maxrss, children),
                  "exit": os.waitstatus_to_exitcode(status)}))
"""

_LINE = re.compile(r"auditor: org: \[\d+/\d+\] \S+ .*?: overall \S+, (\d+) calls, (\d+) retries")


@dataclass(frozen=True)
class Measured:
    wall: float
    maxrss_mib: float
    exit: int
    stderr: str


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROP}
    env.update(_ENV)
    env["PYTHONPATH"] = str(REPO)
    return env


def run_cli(args: list[str], cwd: Path) -> Measured:
    cmd = [sys.executable, "-m", "auditor", *args]
    with tempfile.TemporaryFile() as err:
        out = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, *cmd],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            env=_env(),
            cwd=cwd,
            check=True,
        )
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    m = json.loads(out.stdout)
    return Measured(float(m["wall"]), round(int(m["maxrss_kib"]) / 1024, 1), int(m["exit"]), stderr)


def _reset(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def _services() -> str:
    from auditor.services import SERVICES

    return ",".join(name for name in SERVICES if name not in SKIP_SERVICES)


@dataclass(frozen=True)
class Row:
    n: int
    build: float
    single: Measured
    org: Measured
    finished: int
    gaps: int
    calls: int
    retries: int


def measure(url: str, n: int, scenario: str, work: Path) -> Row:
    from auditor.demo.organization import build_organization

    _reset(url)
    started = time.perf_counter()
    org = build_organization(url, n, region=REGION, reference=n if scenario == "reference" else 0)
    build = time.perf_counter() - started
    common = ["--endpoint-url", url, "--region", REGION, "--services", _services()]
    out = work / f"n{n}"
    member = org.members[0]
    single = run_cli(
        [
            "scan",
            *common,
            "--role-arn",
            f"arn:aws:iam::{member}:role/{ORG_ROLE}",
            "--output-dir",
            str(out / "single"),
        ],
        work,
    )
    scan = run_cli(
        [
            "scan",
            "--org",
            *common,
            "--exclude-accounts",
            org.management,
            "--output-dir",
            str(out),
        ],
        work,
    )
    lines = _LINE.findall(scan.stderr)
    finished = len(list((out / "org").glob("*/results.json")))
    gaps = scan.stderr.count("auditor: org: gap:")
    return Row(
        n=n,
        build=round(build, 1),
        single=single,
        org=scan,
        finished=finished,
        gaps=gaps,
        calls=sum(int(c) for c, _ in lines),
        retries=sum(int(r) for _, r in lines),
    )


def report(rows: list[Row], scenario: str) -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    out = [
        f"# Organization scan benchmark ({scenario} members)",
        "",
        f"{os.cpu_count()} CPUs, load average {load} (shared machine), "
        f"Python {sys.version.split()[0]}, moto server in the bench process.",
        "",
        "| N | org wall (s) | per account (s) | single-account wall (s) | peak RSS org (MiB) "
        "| peak RSS single (MiB) | calls | retries | finished | gaps | lost | exit |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lost = r.n - r.finished - r.gaps
        out.append(
            f"| {r.n} | {r.org.wall:.1f} | {r.org.wall / r.n:.2f} | {r.single.wall:.1f} "
            f"| {r.org.maxrss_mib} | {r.single.maxrss_mib} | {r.calls} | {r.retries} "
            f"| {r.finished} | {r.gaps} | {lost} | {r.org.exit} |"
        )
    out.append("")
    out.append(
        "Build times of the organizations (not part of the scan): "
        + ", ".join(f"N={r.n}: {r.build}s" for r in rows)
    )
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,50", help="Comma-separated member counts.")
    parser.add_argument("--scenario", choices=("reference", "small"), default="reference")
    parser.add_argument("--results", type=Path, help="Also write the Markdown report here.")
    args = parser.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes: comma-separated integers")
    if not sizes or min(sizes) < 1:
        parser.error("--sizes: at least one size >= 1")
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(_env())
    try:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        rows = []
        with tempfile.TemporaryDirectory() as tmp:
            for n in sizes:
                rows.append(measure(url, n, args.scenario, Path(tmp)))
                print(f"N={n} done", file=sys.stderr)
        server.stop()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    text = report(rows, args.scenario)
    print(text, end="")
    if args.results:
        args.results.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
