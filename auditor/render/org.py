"""The organization review (``org-review.html``, ``org-review.md``) from an :class:`OrgResult`.

Same layers as the single-account review: :func:`build_org_view` makes
display-ready values (grades as :class:`~auditor.render.view.Grade`, AWS
strings through :func:`~auditor.render.view.clip`), the heat map is numbers
laid out by the template, and the HTML and Markdown environments of
:mod:`auditor.render.html` and :mod:`auditor.render.markdown` do the escaping
(autoescape, and the Markdown ``finalize``/``cell``/``code`` filters). No
score is computed here: every grade comes from the org result.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditor import __version__
from auditor.atomic import write_text_atomic
from auditor.engine.model import Principle
from auditor.engine.org import AccountGrade, AccountSummary, OrgResult, ordered
from auditor.engine.results import CategoryScore, PrincipleScore
from auditor.render.view import MAX_NAME, Grade, TrendPoint, clip, fmt_score

HTML_FILE = "org-review.html"
MD_FILE = "org-review.md"
RESULTS_FILE = "org-results.json"

#: Heat-map geometry (SVG user units).
_LABEL_W = 260
_CELL_W = 64
_CELL_H = 22
_TOP = 64
#: Fix groups and account rows listed (the rest is counted).
MAX_FIXES = 25
MAX_ACCOUNTS = 500


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    grade: str
    letter: str
    title: str


@dataclass(frozen=True)
class HeatRow:
    label: str
    y: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class HeatMap:
    width: int
    height: int
    cell_w: int
    cell_h: int
    columns: tuple[tuple[int, str], ...]
    rows: tuple[HeatRow, ...]


@dataclass(frozen=True)
class AccountRow:
    account_id: str
    name: str
    status: str
    message: str
    overall: Grade
    security: Grade
    operations: Grade
    grades: tuple[Grade, ...]
    failed: int
    link: str


@dataclass(frozen=True)
class FixRow:
    rule_id: str
    title: str
    principle: str
    severity: str
    resources: int
    accounts: int
    account_ids: tuple[str, ...]
    example_command: str

    @property
    def text(self) -> str:
        """E.g. ``ECS clusters have Container Insights enabled: 14 resources in 6 accounts``."""
        res = "resource" if self.resources == 1 else "resources"
        acc = "account" if self.accounts == 1 else "accounts"
        return f"{self.title}: fix {self.resources} {res} in {self.accounts} {acc}"


@dataclass(frozen=True)
class PrincipleLine:
    title: str
    grade: Grade
    cap: str


@dataclass(frozen=True)
class OrgView:
    management_account: str
    org_role: str
    regions: tuple[str, ...]
    collected_at: str
    overall: Grade
    security: Grade
    operations: Grade
    principles: tuple[PrincipleLine, ...]
    accounts: tuple[AccountRow, ...]
    more_accounts: int
    gaps: tuple[AccountRow, ...]
    fixes: tuple[FixRow, ...]
    more_fixes: int
    heatmap: HeatMap
    scanned: int
    total: int
    #: The organization's overall grade over the latest runs (``--history``), oldest first.
    trend: tuple[TrendPoint, ...] = ()


def _g(score: PrincipleScore | CategoryScore | AccountGrade | None) -> Grade:
    if score is None:
        return Grade("N/A", None, True)
    return Grade(score.grade, score.score, score.incomplete)


def _account_row(a: AccountSummary) -> AccountRow:
    return AccountRow(
        account_id=clip(a.account_id, 40),
        name=clip(a.name, MAX_NAME),
        status=a.status,
        message=clip(a.message),
        overall=_g(a.overall),
        security=_g(a.security),
        operations=_g(a.operations),
        grades=tuple(_g(a.principles.get(p)) for p in Principle),
        failed=a.failed,
        link=f"{a.account_id}/report.html" if a.status != "gap" else "",
    )


def _heatmap(rows: tuple[AccountRow, ...]) -> HeatMap:
    columns = tuple(
        (_LABEL_W + i * _CELL_W + _CELL_W // 2, p.label) for i, p in enumerate(Principle)
    )
    heat_rows = []
    for j, row in enumerate(rows):
        y = _TOP + j * _CELL_H
        label = f"{row.account_id} {row.name}"
        cells = tuple(
            Cell(
                x=_LABEL_W + i * _CELL_W,
                y=y,
                grade="gap" if row.status == "gap" else g.grade,
                letter="N" if row.status == "gap" else g.letter,
                title=f"{row.account_id}: {p.label} "
                + ("not scanned" if row.status == "gap" else f"{g.grade} ({g.percent})"),
            )
            for i, (p, g) in enumerate(zip(Principle, row.grades, strict=True))
        )
        heat_rows.append(HeatRow(label=clip(label, 40), y=y, cells=cells))
    return HeatMap(
        width=_LABEL_W + len(columns) * _CELL_W + 10,
        height=_TOP + len(rows) * _CELL_H + 10,
        cell_w=_CELL_W,
        cell_h=_CELL_H,
        columns=columns,
        rows=tuple(heat_rows),
    )


def build_org_view(org: OrgResult) -> OrgView:
    accounts = tuple(_account_row(a) for a in ordered(org.accounts))
    shown = accounts[:MAX_ACCOUNTS]
    fixes = tuple(
        FixRow(
            rule_id=f.rule_id,
            title=clip(f.title),
            principle=f.principle.label,
            severity=f.severity.value,
            resources=f.resources,
            accounts=len(f.accounts),
            account_ids=tuple(clip(a, 40) for a in f.accounts[:10]),
            example_command=clip(f.example_command, 800),
        )
        for f in org.fixes
    )
    return OrgView(
        management_account=clip(org.management_account, 40),
        org_role=clip(org.org_role, MAX_NAME),
        regions=tuple(clip(r, 40) for r in org.regions),
        collected_at=org.collected_at.isoformat() if org.collected_at else "-",
        overall=_g(org.overall),
        security=_g(org.security),
        operations=_g(org.operations),
        principles=tuple(
            PrincipleLine(title=p.title, grade=_g(p), cap=clip(p.cap)) for p in org.principles
        ),
        accounts=shown,
        more_accounts=len(accounts) - len(shown),
        gaps=tuple(a for a in accounts if a.status == "gap"),
        fixes=fixes[:MAX_FIXES],
        more_fixes=max(0, len(fixes) - MAX_FIXES),
        heatmap=_heatmap(shown),
        scanned=sum(1 for a in accounts if a.status != "gap"),
        total=len(accounts),
    )


def render_org_html(view: OrgView) -> str:
    from markupsafe import Markup

    from auditor.render.html import _assets, content_security_policy, environment

    css, js = _assets()
    return (
        environment()
        .get_template("org-review.html.j2")
        .render(
            view=view,
            css=Markup(css),
            csp=content_security_policy(css, js),
            version=__version__,
        )
    )


def render_org_markdown(view: OrgView) -> str:
    import re

    from auditor.render.markdown import environment

    text = environment().get_template("org-review.md.j2").render(view=view, version=__version__)
    return re.sub(r"\n{3,}", "\n\n", text)


def write_org_review(
    org: OrgResult,
    output_dir: Path,
    formats: tuple[str, ...] = ("html", "md"),
    *,
    trend: tuple[TrendPoint, ...] = (),
) -> list[Path]:
    """``org-results.json`` plus the asked reviews, each written atomically."""
    from dataclasses import replace

    from auditor.engine.org import org_result_json

    view = replace(build_org_view(org), trend=trend)
    rendered: dict[str, str] = {RESULTS_FILE: org_result_json(org)}
    if "html" in formats:
        rendered[HTML_FILE] = render_org_html(view)
    if "md" in formats:
        rendered[MD_FILE] = render_org_markdown(view)
    paths = []
    for name, text in rendered.items():
        write_text_atomic(output_dir / name, text)
        paths.append(output_dir / name)
    return paths


__all__ = ["build_org_view", "fmt_score", "write_org_review"]
