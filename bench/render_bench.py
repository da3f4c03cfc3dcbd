"""Report rendering benchmark: results.json -> view model -> HTML, Markdown, terminal.

For each size N it builds a synthetic results document of N results over the
real rule catalogue (``tests/render/synthetic.py``: ~70% pass, ~23% fail,
2% waived, the rest unknown or error; real scoring), then times, separately
and in a fresh state each:

* ``load``: reading results.json back (JSON parse + pydantic validation), as
  ``auditor report`` does;
* ``view``: :func:`auditor.render.view.build_view` (tallies, prioritisation,
  grade lifts);
* ``html`` / ``md`` / ``terminal``: each renderer on that view;

and reports the output sizes and the process's peak RSS. With ``--results``
it also renders a real results.json (e.g. the demo's).

    python bench/render_bench.py                       # sizes 1000,10000,100000
    python bench/render_bench.py --sizes 100000 --results auditor-report/results.json
"""

from __future__ import annotations

import argparse
import io
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from auditor.engine.results import ScanResult  # noqa: E402
from auditor.render.html import render_html  # noqa: E402
from auditor.render.json import load_results, write_results  # noqa: E402
from auditor.render.markdown import render_markdown  # noqa: E402
from auditor.render.terminal import make_console, print_view  # noqa: E402
from auditor.render.view import ReportView, build_view  # noqa: E402

T = TypeVar("T")


def _timed(fn: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def _terminal(view: ReportView) -> str:
    out = io.StringIO()
    console = make_console(out)
    console.width = 120
    print_view(view, console)
    return out.getvalue()


def measure(label: str, result: ScanResult, workdir: Path) -> list[str]:
    path = workdir / f"results-{label}.json"
    write_results(result, path)
    loaded, t_load = _timed(lambda: load_results(path))
    view, t_view = _timed(lambda: build_view(loaded))
    html, t_html = _timed(lambda: render_html(view))
    md, t_md = _timed(lambda: render_markdown(view))
    _, t_term = _timed(lambda: _terminal(view))
    render = t_view + t_html + t_md
    return [
        label,
        str(len(loaded.results)),
        f"{path.stat().st_size / 1e6:.1f}",
        f"{t_load:.2f}",
        f"{t_view:.2f}",
        f"{t_html:.2f}",
        f"{t_md:.2f}",
        f"{t_term:.2f}",
        f"{render:.2f}",
        f"{len(html.encode()) / 1e6:.2f}",
        f"{len(md.encode()) / 1e3:.0f}",
        str(len(view.recommendations)),
    ]


HEADER = (
    "| input | results | results.json (MB) | load (s) | view (s) | html (s) | md (s) "
    "| terminal (s) | view+html+md (s) | report.html (MB) | report.md (KB) | recommendations |"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated N")
    parser.add_argument("--results", type=Path, help="also render this results.json")
    args = parser.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes must be integers, not {args.sizes!r}")

    from tests.render.synthetic import synthetic_result

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.results is not None:
            rows.append(measure(args.results.name, load_results(args.results), work))
        for n in sizes:
            rows.append(measure(f"synthetic {n}", synthetic_result(n), work))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        "# Render benchmark",
        "",
        f"Python {platform.python_version()} on {platform.machine()} "
        f"({platform.system()}); peak RSS {peak_mb:.0f} MB.",
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
