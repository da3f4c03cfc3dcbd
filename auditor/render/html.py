"""``report.html``: the review as one self-contained page.

Inline CSS, inline SVG charts and one small inline script (filters, print
expansion); no external resource of any kind, so it works offline and from a
mail attachment. A Content-Security-Policy with the hashes of that one style
block and that one script forbids everything else (other scripts, event
handlers, fetches, frames, forms), a second wall behind autoescaping.

Templates live in ``reports/`` (:func:`auditor.resources.reports_dir`);
Jinja2 runs with ``autoescape=True`` and ``StrictUndefined``, and this module
builds no markup itself: chart geometry is numbers, laid out by the template.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from dataclasses import dataclass

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from auditor import __version__
from auditor.render.view import (
    DocBlock,
    PrincipleRow,
    ReportView,
    doc_blocks,
    fmt_score,
)
from auditor.resources import reports_dir

TEMPLATE = "report.html.j2"
CSS_FILE = "report.css"
JS_FILE = "report.js"

# Chart geometry (SVG user units).
_LABEL_W = 170
_BAR_W = 300
_ROW_H = 26
_BAR_H = 16
_TOP = 22


@dataclass(frozen=True)
class Bar:
    """One principle's bar in the grade chart."""

    label: str
    grade: str
    letter: str
    score: str
    y: float
    width: float
    text_x: float


@dataclass(frozen=True)
class Segment:
    kind: str  # earned | cap | lost | na
    x: float
    width: float
    title: str


@dataclass(frozen=True)
class StackRow:
    label: str
    y: float
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Charts:
    width: int
    height: int
    label_w: int
    bar_w: int
    bar_h: int
    grid: tuple[tuple[float, str], ...]
    bars: tuple[Bar, ...]
    stacks: tuple[StackRow, ...]


def _x(score: float) -> float:
    return round(_LABEL_W + _BAR_W * max(0.0, min(score, 100.0)) / 100, 1)


def charts(rows: tuple[PrincipleRow, ...]) -> Charts:
    """Geometry of the two charts: grade per principle, and where each score went."""
    bars: list[Bar] = []
    stacks: list[StackRow] = []
    for i, row in enumerate(rows):
        y = _TOP + i * _ROW_H
        score = row.grade.score
        width = 0.0 if score is None else _x(score) - _LABEL_W
        bars.append(
            Bar(
                label=row.title,
                grade=row.grade.grade,
                letter=row.grade.letter,
                score=fmt_score(score),
                y=y,
                width=round(width, 1),
                text_x=round(_LABEL_W + width + 6, 1),
            )
        )
        if score is None:
            segments: tuple[Segment, ...] = (
                Segment("na", _LABEL_W, _BAR_W, "N/A: nothing to evaluate"),
            )
        else:
            uncapped = row.uncapped if row.uncapped is not None else score
            cap_loss = max(0.0, uncapped - score)
            lost = max(0.0, 100 - uncapped)
            parts = [
                ("earned", score, f"earned {score:.0f} points"),
                ("cap", cap_loss, f"{cap_loss:.0f} points held back by the cap: {row.cap}"),
                ("lost", lost, f"{lost:.0f} points lost to failing checks"),
            ]
            x = float(_LABEL_W)
            segs = []
            for kind, amount, title in parts:
                w = round(_BAR_W * amount / 100, 1)
                if w > 0:
                    segs.append(Segment(kind, round(x, 1), w, title))
                x += w
            segments = tuple(segs)
        stacks.append(StackRow(label=row.title, y=y, segments=segments))
    height = _TOP + len(rows) * _ROW_H + 8
    grid = tuple((_x(v), label) for v, label in ((60, "D"), (70, "C-"), (80, "B-"), (90, "A-")))
    return Charts(
        width=_LABEL_W + _BAR_W + 60,
        height=height,
        label_w=_LABEL_W,
        bar_w=_BAR_W,
        bar_h=_BAR_H,
        grid=grid,
        bars=tuple(bars),
        stacks=tuple(stacks),
    )


def _blocks(text: str) -> tuple[DocBlock, ...]:
    return doc_blocks(text)


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(reports_dir()),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["blocks"] = _blocks
    env.filters["score"] = fmt_score
    return env


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@functools.cache
def _assets() -> tuple[str, str]:
    folder = reports_dir()
    css = (folder / CSS_FILE).read_text(encoding="utf-8")
    js = (folder / JS_FILE).read_text(encoding="utf-8")
    return css, js


def content_security_policy(css: str, js: str) -> str:
    """Nothing loads or runs but the report's own style block and script."""
    return (
        "default-src 'none'; "
        f"style-src {_csp_hash(css)}; "
        f"script-src {_csp_hash(js)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def render_html(view: ReportView) -> str:
    css, js = _assets()
    template = environment().get_template(TEMPLATE)
    return template.render(
        view=view,
        h=view.headline,
        charts=charts(view.principles),
        # Our own files, not data: their exact text is what the CSP hashes allow.
        css=Markup(css),
        js=Markup(js),
        csp=content_security_policy(css, js),
        version=__version__,
        # Built by auditor.render.diagram, which escapes every AWS string it draws.
        diagram=Markup(view.architecture.svg) if view.architecture is not None else "",
    )
