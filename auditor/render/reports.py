"""Write the review files (``report.html``, ``report.md``) for a result.

Everything is rendered in memory first, then each file is written atomically
(temp file + rename): a failure leaves no half-written report behind, and a
reader never sees one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from auditor.atomic import write_text_atomic
from auditor.engine.results import ScanResult
from auditor.render.view import ReportView, build_view

#: Report format -> file name. ``results.json`` is written by the caller, always.
FILES: dict[str, str] = {"html": "report.html", "md": "report.md"}
FORMATS: tuple[str, ...] = tuple(FILES)


def _renderer(fmt: str) -> Callable[[ReportView], str]:
    if fmt == "html":
        from auditor.render.html import render_html

        return render_html
    if fmt == "md":
        from auditor.render.markdown import render_markdown

        return render_markdown
    raise ValueError(f"unknown report format {fmt!r} (known: {', '.join(FORMATS)})")


def render_reports(
    result: ScanResult, formats: Iterable[str], *, view: ReportView | None = None
) -> dict[str, str]:
    """File name -> rendered text, for each asked format (in :data:`FORMATS` order)."""
    wanted = set(formats)
    unknown = wanted - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown report format(s) {', '.join(sorted(unknown))}")
    view = view if view is not None else build_view(result)
    return {FILES[f]: _renderer(f)(view) for f in FORMATS if f in wanted}


#: Folder beside the reports holding the files the fix commands read (``file://NAME``).
FIXES_DIR = "fixes"
_FIX_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


def fix_files(result: ScanResult) -> dict[str, str]:
    """File name -> content of every file an open finding's command reads.

    Names come from the rules (built from resource names, so checked here
    again: one plain file name, no path); the first content for a name wins.
    """
    files: dict[str, str] = {}
    for r in result.results:
        if not r.counts_as_fail:
            continue
        for name, content in r.fix_files.items():
            if _FIX_NAME.match(name) and name not in files:
                files[name] = content
    return dict(sorted(files.items()))


def write_reports(
    result: ScanResult,
    output_dir: Path,
    formats: Iterable[str] = FORMATS,
    *,
    view: ReportView | None = None,
) -> list[Path]:
    """Render, then write each report atomically into ``output_dir``, and the files the
    fix commands read into ``output_dir/fixes/``; returns the report paths."""
    rendered = render_reports(result, formats, view=view)
    fixes = fix_files(result)
    paths = []
    for name, text in rendered.items():
        path = output_dir / name
        write_text_atomic(path, text)
        paths.append(path)
    for name, text in fixes.items():
        write_text_atomic(output_dir / FIXES_DIR / name, text)
    if fixes:
        paths.append(output_dir / FIXES_DIR)
    return paths
