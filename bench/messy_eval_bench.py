"""Offline evaluation of the messy demo snapshot: how long the rules take, cold and warm.

Builds the messy scenario (``auditor/demo/messy.py``) in a moto HTTP server on
127.0.0.1, collects it through the real HTTP path once and saves the snapshot
(``--snapshot PATH``, reused when it exists). Each run then loads the snapshot in a
fresh Python process and times ``evaluate(snapshot, catalogue)`` in CPU seconds: the first
evaluation in the process (cold: what one ``auditor scan --snapshot`` pays,
imports excluded) and a second one on a freshly loaded copy (warm caches).

    python bench/messy_eval_bench.py
    python bench/messy_eval_bench.py --snapshot /tmp/messy.json.gz --runs 5
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
REGION = "us-west-2"

_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    "NO_PROXY": "127.0.0.1,localhost",
}

_TIMER = """
import sys, time
sys.path.insert(0, {repo!r})
from auditor.engine.catalogue import load_catalogue
from auditor.engine.evaluate import evaluate
from pathlib import Path
from auditor.snapshot.io import load_snapshot
catalogue = load_catalogue()
snap = load_snapshot(Path({path!r}))
c0 = time.process_time(); evaluate(snap, catalogue); c1 = time.process_time()
snap = load_snapshot(Path({path!r}))
c2 = time.process_time(); evaluate(snap, catalogue); c3 = time.process_time()
print(f"{{c1 - c0:.4f}} {{c3 - c2:.4f}}")
"""


def build_snapshot(path: Path) -> None:
    """Build the messy scenario in moto, collect it and save the snapshot to ``path``."""
    os.environ.update(_ENV)
    sys.path.insert(0, str(REPO))
    import boto3
    from moto.server import ThreadedMotoServer

    from auditor.collect import collect
    from auditor.collect.session import SessionClients
    from auditor.demo.messy import build_messy
    from auditor.snapshot.io import save_snapshot

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        setup = boto3.Session(region_name=REGION)
        build_messy(
            lambda svc, region: setup.client(svc, region_name=region, endpoint_url=endpoint),
            REGION,
        )
        clients = SessionClients(boto3.Session(region_name=REGION), endpoint_url=endpoint)
        save_snapshot(collect(clients, [REGION]), path)
    finally:
        server.stop()


def time_once(path: Path) -> tuple[float, float]:
    code = _TIMER.format(repo=str(REPO), path=str(path))
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    cold, warm = out.split()
    return float(cold), float(warm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshot", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    scenario = hashlib.sha256((REPO / "auditor" / "demo" / "messy.py").read_bytes()).hexdigest()
    default = Path(tempfile.gettempdir()) / f"auditor-messy-{scenario[:12]}.json.gz"
    path = args.snapshot or default
    if not path.exists():
        build_snapshot(path)
    runs = [time_once(path) for _ in range(args.runs)]
    cold = statistics.median(r[0] for r in runs)
    warm = statistics.median(r[1] for r in runs)
    print(f"snapshot: {path}")
    print(f"offline evaluation (CPU seconds: the machine may be shared), median of {args.runs}:")
    print(f"  cold (first evaluation in a process): {cold:.3f} s")
    print(f"  warm (second evaluation, caches filled): {warm:.3f} s")


if __name__ == "__main__":
    main()
