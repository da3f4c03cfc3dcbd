"""Architecture diagram benchmark: snapshot -> architecture + verdicts -> SVG.

For each size N it builds a synthetic account of N workloads
(``tests/render/arch_synthetic.py``: ECS services, Lambda functions in and out
of VPCs, PostgreSQL databases, private workers and SSH bastions over
``max(1, N // 60)`` VPCs, at most 12), then times, the best of ``--repeat``
runs each, on a fresh snapshot object every time (the analyses are memoised
per snapshot):

* ``reach``: :func:`auditor.analysis.reachability.analyse` alone (a scan pays
  it anyway: the network rules use it);
* ``arch``: :func:`auditor.analysis.verdicts.review_architecture` (graph and
  verdicts; includes ``reach``);
* ``svg``: :func:`auditor.render.diagram.render_svg` on that architecture (what
  ``auditor report`` pays to redraw it from results.json);

and reports the boxes drawn, the SVG size and the architecture's share of
results.json.

    python bench/diagram_bench.py                      # sizes 3,30,300,3000
    python bench/diagram_bench.py --sizes 300 --repeat 5
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from auditor.analysis.reachability import analyse  # noqa: E402
from auditor.analysis.verdicts import review_architecture  # noqa: E402
from auditor.render.diagram import node_count, render_svg  # noqa: E402
from auditor.snapshot import Snapshot  # noqa: E402

T = TypeVar("T")


def _best(fn: Callable[[], T], repeat: int) -> tuple[T, float]:
    best = float("inf")
    value: T | None = None
    for _ in range(repeat):
        started = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - started)
    assert value is not None
    return value, best


def measure(n: int, repeat: int) -> list[str]:
    from tests.render.arch_synthetic import synthetic_snapshot

    raw = synthetic_snapshot(n).model_dump_json()

    def fresh() -> Snapshot:
        return Snapshot.model_validate_json(raw)

    _, t_reach = _best(lambda: analyse(fresh()), repeat)
    snaps = [fresh() for _ in range(repeat)]
    arch, t_arch = _best(lambda: review_architecture(snaps.pop()), repeat)
    svg, t_svg = _best(lambda: render_svg(arch), repeat)
    return [
        str(n),
        str(len(arch.nodes)),
        str(len(arch.edges)),
        str(len(arch.exposures)),
        f"{t_reach * 1000:.1f}",
        f"{t_arch * 1000:.1f}",
        f"{t_svg * 1000:.1f}",
        str(node_count(svg.splitlines())),
        f"{len(svg.encode()) / 1e3:.0f}",
        f"{len(arch.model_dump_json().encode()) / 1e3:.0f}",
    ]


HEADER = (
    "| workloads | nodes | SG grants | exposures | reach (ms) | arch+verdicts (ms) "
    "| svg (ms) | boxes drawn | SVG (KB) | in results.json (KB) |"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3,30,300,3000", help="comma-separated N")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure (best kept)")
    args = parser.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes must be integers, not {args.sizes!r}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    rows = [measure(n, args.repeat) for n in sizes]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        "# Diagram benchmark",
        "",
        f"Python {platform.python_version()} on {platform.machine()} "
        f"({platform.system()}); best of {args.repeat}; peak RSS {peak_mb:.0f} MB.",
        "",
        HEADER,
        "|" + "---|" * HEADER.count(" | ") + "---|",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
