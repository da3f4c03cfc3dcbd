"""``history.html`` / ``history.md``: the trend of each account, and a terminal summary.

Chart geometry is numbers (one polyline per principle, x by run, y by score);
the templates lay it out and the HTML/Markdown environments of
:mod:`auditor.render` escape every string. Account ids, resource names and
regions come from results files: they go through :func:`clip`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditor import __version__
from auditor.atomic import write_text_atomic
from auditor.engine.model import Principle
from auditor.history.trend import MAX_FINDINGS, OVERALL, AccountTrend, Change
from auditor.render.view import MAX_NAME, clip

HTML_FILE = "history.html"
MD_FILE = "history.md"

_LEFT = 40
_TOP = 16
_PLOT_W = 560
_PLOT_H = 200
_LEGEND_W = 190
#: One colour per line (principles in order, then overall), readable on white.
COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#333333",
)


@dataclass(frozen=True)
class Line:
    title: str
    colour: str
    points: str  # "x,y x,y ..." (numbers only)
    dots: tuple[tuple[float, float, str], ...]  # x, y, tooltip
    dashed: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    plot_w: int
    plot_h: int
    grid: tuple[tuple[float, str], ...]
    xlabels: tuple[tuple[float, str], ...]
    lines: tuple[Line, ...]
    legend_x: int


@dataclass(frozen=True)
class ChangeView:
    date: str
    title: str
    before: str
    after: str
    dropped: bool
    incomplete: bool
    new: tuple[str, ...]
    more_new: int
    fixed: tuple[str, ...]
    more_fixed: int


@dataclass(frozen=True)
class AccountView:
    account_id: str
    runs: int
    first: str
    last: str
    incomplete_runs: tuple[str, ...]
    latest: tuple[tuple[str, str], ...]  # (title, grade)
    chart: Chart
    changes: tuple[ChangeView, ...]


_GRID = ((60, "D"), (70, "C-"), (80, "B-"), (90, "A-"), (100, ""))


def _y(score: float) -> float:
    return round(_TOP + _PLOT_H * (1 - max(0.0, min(score, 100.0)) / 100), 1)


def chart(trend: AccountTrend) -> Chart:
    n = len(trend.runs)
    step = _PLOT_W / (n - 1) if n > 1 else 0.0
    xs = [round(_LEFT + (i * step if n > 1 else _PLOT_W / 2), 1) for i in range(n)]
    subjects = [p.value for p in Principle] + [OVERALL]
    lines = []
    for i, subject in enumerate(subjects):
        pts: list[tuple[float, float, str]] = []
        for x, run in zip(xs, trend.runs, strict=True):
            grade, score = run.grades.get(subject, ("N/A", None))
            if score is None:
                continue
            title = "Overall" if subject == OVERALL else Principle(subject).label
            pts.append((x, _y(score), f"{run.date} {title}: {grade} ({score:.0f}%)"))
        if not pts:
            continue
        lines.append(
            Line(
                title="Overall" if subject == OVERALL else Principle(subject).label,
                colour=COLOURS[i % len(COLOURS)],
                points=" ".join(f"{x},{y}" for x, y, _ in pts),
                dots=tuple(pts),
                dashed=subject == OVERALL,
            )
        )
    labels = tuple(
        (x, run.collected_at.strftime("%Y-%m-%d")) for x, run in zip(xs, trend.runs, strict=True)
    )
    if n > 8:  # keep the axis readable: first, last and a few between
        keep = {0, n - 1, *range(0, n, max(1, n // 6))}
        labels = tuple(label for j, label in enumerate(labels) if j in keep)
    return Chart(
        width=_LEFT + _PLOT_W + 20 + _LEGEND_W,
        height=_TOP + _PLOT_H + 40,
        left=_LEFT,
        top=_TOP,
        plot_w=_PLOT_W,
        plot_h=_PLOT_H,
        grid=tuple(
            (_y(v), label)
            for v, label in ((60, "D"), (70, "C-"), (80, "B-"), (90, "A-"), (100, ""))
        ),
        xlabels=labels,
        lines=tuple(lines),
        legend_x=_LEFT + _PLOT_W + 20,
    )


def _change(c: Change) -> ChangeView:
    return ChangeView(
        date=c.date,
        title=c.title,
        before=c.before,
        after=c.after,
        dropped=c.dropped,
        incomplete=c.incomplete,
        new=tuple(clip(f.text, MAX_NAME) for f in c.new[:MAX_FINDINGS]),
        more_new=max(0, len(c.new) - MAX_FINDINGS),
        fixed=tuple(clip(f.text, MAX_NAME) for f in c.fixed[:MAX_FINDINGS]),
        more_fixed=max(0, len(c.fixed) - MAX_FINDINGS),
    )


def build_history_view(trends: list[AccountTrend]) -> tuple[AccountView, ...]:
    views = []
    for t in trends:
        last = t.runs[-1]
        latest = tuple(
            ("Overall" if s == OVERALL else Principle(s).label, g)
            for s, (g, _) in last.grades.items()
        )
        views.append(
            AccountView(
                account_id=clip(t.account_id, 40),
                runs=len(t.runs),
                first=t.runs[0].date,
                last=last.date,
                incomplete_runs=tuple(r.date for r in t.runs if r.incomplete),
                latest=latest,
                chart=chart(t),
                changes=tuple(_change(c) for c in t.changes),
            )
        )
    return tuple(views)


def render_history_html(views: tuple[AccountView, ...]) -> str:
    from markupsafe import Markup

    from auditor.render.html import _assets, content_security_policy, environment

    css, js = _assets()
    return (
        environment()
        .get_template("history.html.j2")
        .render(
            accounts=views,
            css=Markup(css),
            csp=content_security_policy(css, js),
            version=__version__,
        )
    )


def render_history_markdown(views: tuple[AccountView, ...]) -> str:
    import re

    from auditor.render.markdown import environment

    text = environment().get_template("history.md.j2").render(accounts=views, version=__version__)
    return re.sub(r"\n{3,}", "\n\n", text)


def write_history(
    trends: list[AccountTrend], output_dir: Path, formats: tuple[str, ...] = ("html", "md")
) -> list[Path]:
    views = build_history_view(trends)
    rendered: dict[str, str] = {}
    if "html" in formats:
        rendered[HTML_FILE] = render_history_html(views)
    if "md" in formats:
        rendered[MD_FILE] = render_history_markdown(views)
    paths = []
    for name, text in rendered.items():
        write_text_atomic(output_dir / name, text)
        paths.append(output_dir / name)
    return paths


def summary_lines(trends: list[AccountTrend]) -> list[str]:
    """Plain text for the terminal (AWS strings made visible, not interpreted)."""
    lines = []
    for view in build_history_view(trends):
        lines.append(
            f"account {view.account_id}: {view.runs} run(s) {view.first} .. {view.last}; "
            "latest " + ", ".join(f"{t} {g}" for t, g in view.latest)
        )
        for c in view.changes:
            flag = " (incomplete run)" if c.incomplete else ""
            lines.append(f"  {c.date}: {c.title} {c.before} -> {c.after}{flag}")
            lines.extend(f"    new: {f}" for f in c.new)
            lines.extend(f"    fixed: {f}" for f in c.fixed)
    return lines
