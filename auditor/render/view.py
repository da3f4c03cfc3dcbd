"""The review as plain data: one view model feeds the HTML, Markdown and terminal reports.

:func:`build_view` turns a :class:`~auditor.engine.results.ScanResult` (and
nothing else) into frozen dataclasses holding display-ready values: the
headline, the per-principle table, strengths and weaknesses, the prioritised
recommendations and the findings detail. Renderers only lay these out.

Three things happen here and nowhere else:

* **Prioritisation** (documented in ``docs/report.md``): one recommendation
  per failing rule, grouped across its resources, placed in "Do now", "Do
  soon" or "Do later" from its severity, the share of the estate it affects,
  the grade steps its fix lifts, its effort and its cost.
* **"The grade a fix would lift"**: formatted from the answer of
  :func:`auditor.engine.scoring.grades_without` (the recommendation's FAILs
  turned PASS, scored by the engine; no formula here).
* **Hostile text made visible**: every string that came from AWS (or from a
  results file) goes through :func:`visible`, which shows control characters
  (ANSI escapes, bidi overrides, zero-width characters) as ``\\x1b``-style
  text instead of letting them act, and :func:`clip`, which bounds its
  length. Format-specific escaping (HTML autoescape, Markdown code spans,
  rich ``Text``) comes on top, in each renderer.

Sizes are bounded whatever the number of results: rows are capped per rule
group (the totals say how many more there are), so 100,000 results give a
report of a few thousand rows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from auditor.engine.model import ACCOUNT, Principle, Severity, Status
from auditor.engine.model import Tier as Rung
from auditor.engine.results import (
    CategoryScore,
    PrincipleScore,
    RuleInfo,
    RuleResult,
    ScanResult,
    Waiver,
)
from auditor.engine.scoring import GRADE_ORDER, NOT_APPLICABLE, grade_rank, grades_without
from auditor.snapshot.base import Coverage

if TYPE_CHECKING:
    from auditor.render.compliance_view import ComplianceView

# --------------------------------------------------------------------------- constants

#: Rows of one status shown per rule group (the rest is counted, not listed).
MAX_ROWS = 50
#: Passing, waived and undecided rows shown per rule group (they need no action).
MAX_OTHER_ROWS = 20
#: Remediation commands listed per recommendation.
MAX_COMMANDS = 10
#: Resource names listed per recommendation.
MAX_RESOURCES = 10
#: Strengths and weaknesses listed.
MAX_POINTS = 8
#: Accepted risks listed in the summary section.
MAX_WAIVED = 100
#: Longest name / evidence / message shown (the full text stays in results.json).
MAX_NAME = 200
MAX_TEXT = 400

Tier = Literal["now", "soon", "later"]
TIERS: tuple[tuple[Tier, str, str], ...] = (
    ("now", "Do now", "high value, low effort"),
    ("soon", "Do soon", "high value with more effort, or medium value with low effort"),
    ("later", "Do later", "the rest: lower value, or more effort and cost"),
)

# Prioritisation thresholds (docs/report.md explains them).
HIGH_VALUE = 4.0
MEDIUM_VALUE = 1.5
LOW_EFFORT_MINUTES = 60
LOW_COST_USD = 10.0
#: Extra value of a fix on the lowest unmet rung of an operations ladder (as if
#: it lifted two more grades): the next rung is what the grade is waiting for.
NEXT_RUNG_VALUE = 2.0
#: Grades whose steps count half in a fix's value (see Lift.value_steps).
_A_BAND = frozenset({"A+", "A", "A-"})

#: The best practice each principle is held against (one line, shown beside its grade).
BEST_PRACTICE: dict[Principle, str] = {
    Principle.LEAST_PRIVILEGE: (
        "Each identity holds only what its job needs; the root user is locked away "
        "(MFA, no keys); no wildcard or self-escalating grants."
    ),
    Principle.DEFENSE_IN_DEPTH: (
        "Independent layers: data encrypted and backed up, deletion protected, "
        "flow logs on, default security groups closed, images scanned."
    ),
    Principle.ZERO_TRUST: (
        "No persistent or public access path: no bastions, no SSH keys, no "
        "unauthenticated URLs, short-lived credentials instead of user keys."
    ),
    Principle.SECRETS_MANAGEMENT: (
        "Credentials live in Secrets Manager, rotate automatically and never sit "
        "in plaintext environment variables."
    ),
    Principle.AUDIT_LOGGING: (
        "A logging multi-region CloudTrail, validated and encrypted; logs retained; "
        "GuardDuty, Config and Access Analyzer switched on."
    ),
    Principle.NETWORK_ISOLATION: (
        "Databases and workloads in private subnets; no admin, database or all-port "
        "access from 0.0.0.0/0 or ::/0."
    ),
    Principle.OBSERVABILITY: (
        "Every service has metrics, a dashboard and alarms that notify someone; "
        "saved log queries; the CIS security alarms."
    ),
    Principle.DEPLOYMENT_AUTOMATION: (
        "Every deploy goes through a pipeline with automatic rollback; images pinned "
        "and immutable; supported runtimes."
    ),
}

_PRINCIPLE_ORDER = {p: i for i, p in enumerate(Principle)}

# --------------------------------------------------------------------------- hostile text

# Control characters (C0, DEL, C1), line/paragraph separators, bidi overrides and
# isolates, zero-width characters and the BOM: shown as escapes, never acted on. Lone
# surrogates (a results file's JSON can hold "\ud800") too: no encoder can write them.
_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
    "\ud800-\udfff]"
)


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    if match.group() in "\t\n\r":
        return " "
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, lines: bool = False) -> str:
    """``text`` with every control or invisible formatting character shown as an escape.

    Tabs and line breaks become spaces (a field shows on one line), unless
    ``lines``: then ``\\n`` is kept (multi-paragraph rule documentation).
    """
    if text.isascii() and text.isprintable():  # the common case, checked in C
        return text
    if lines:
        return "\n".join(_INVISIBLE.sub(_escape_char, line) for line in text.splitlines())
    return _INVISIBLE.sub(_escape_char, text)


def clip(text: str, limit: int = MAX_TEXT, *, lines: bool = False) -> str:
    """Bound a display string; the cut says how much was left out."""
    text = visible(text, lines=lines)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… (+{len(text) - limit} chars)"


@dataclass(frozen=True)
class DocBlock:
    """A block of rule documentation: a paragraph, a list item or a code block.

    ``parts`` alternate plain text and inline code (``is_code``), so a renderer
    can show `code` without interpreting anything else as markup.
    """

    kind: Literal["p", "li", "code"]
    parts: tuple[tuple[bool, str], ...]


_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def _inline(text: str) -> tuple[tuple[bool, str], ...]:
    pieces = text.split("`")
    if len(pieces) % 2 == 0:  # an odd number of backticks: show them as they are
        return ((False, text),)
    return tuple((i % 2 == 1, piece) for i, piece in enumerate(pieces) if piece)


def doc_blocks(text: str) -> tuple[DocBlock, ...]:
    """Split rule documentation (a small Markdown subset) into display blocks.

    Paragraphs, ``-``/``*`` list items and fenced code blocks are recognised;
    everything else is text. Nothing is ever rendered as HTML or links.
    """
    raw_blocks: list[tuple[Literal["p", "li", "code"], list[str]]] = []
    in_code = False
    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if in_code:
            if _FENCE.match(line):
                in_code = False
            else:
                raw_blocks[-1][1].append(line)
            continue
        last = raw_blocks[-1] if raw_blocks else None
        if _FENCE.match(line):
            raw_blocks.append(("code", []))
            in_code = True
        elif not stripped:
            raw_blocks.append(("p", []))  # a paragraph break
        elif stripped[:2] in ("- ", "* "):
            raw_blocks.append(("li", [stripped[2:].strip()]))
        elif last is not None and last[0] in ("p", "li") and last[1]:
            last[1].append(stripped)  # continuation of a paragraph or list item
        else:
            raw_blocks.append(("p", [stripped]))
    blocks: list[DocBlock] = []
    for kind, lines in raw_blocks:
        if kind == "code":
            blocks.append(DocBlock("code", ((True, "\n".join(lines)),)))
        elif lines:
            blocks.append(DocBlock(kind, _inline(" ".join(lines))))
    return tuple(blocks)


# --------------------------------------------------------------------------- formatting


def fmt_score(score: float | None) -> str:
    return "-" if score is None else f"{score:.0f}%"


def fmt_effort(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h" if rest == 0 else f"{hours} h {rest} min"


def fmt_cost(usd: float) -> str:
    if usd == 0:
        return "$0"
    if usd < 10 and usd != int(usd):
        return f"${usd:.2f}/month"
    return f"${usd:,.0f}/month"


def fmt_frameworks(frameworks: dict[str, tuple[str, ...]]) -> str:
    names = {"cis": "CIS", "fsbp": "FSBP"}
    return " · ".join(
        f"{names.get(k, k.upper())} {', '.join(ids)}"
        for k, ids in sorted(frameworks.items())
        if ids
    )


# --------------------------------------------------------------------------- view types


@dataclass(frozen=True)
class Grade:
    grade: str
    score: float | None
    incomplete: bool

    @property
    def percent(self) -> str:
        return fmt_score(self.score)

    @property
    def letter(self) -> str:
        """The letter alone (A, B, ... F, or N for N/A): a CSS/colour class."""
        return "N" if self.grade == NOT_APPLICABLE else self.grade[:1]


@dataclass(frozen=True)
class GapView:
    service: str
    region: str
    status: str
    operation: str
    error_code: str
    message: str
    #: The IAM permission whose absence (or failure) made the gap, e.g. ``logs:DescribeLogGroups``.
    permission: str
    #: The one resource a resource gap is about ("" for a whole service and region).
    resource: str = ""


@dataclass(frozen=True)
class Headline:
    overall: Grade
    security: Grade
    operations: Grade
    account_id: str
    partition: str
    regions: tuple[str, ...]
    scanned_at: str
    tool_version: str
    complete: bool
    gaps: tuple[GapView, ...]
    #: Services left out of the scan on purpose (``--services``).
    not_scanned: tuple[str, ...]
    passed: int
    failed: int
    waived: int
    unknown: int
    errors: int
    rules: int


@dataclass(frozen=True)
class PrincipleRow:
    key: str
    title: str
    category: str
    grade: Grade
    #: Score before the severity cap (what the rules earned), None for N/A.
    uncapped: float | None
    cap: str
    found: str
    practice: str
    passed: int
    failed: int
    waived: int
    unknown: int
    errors: int


@dataclass(frozen=True)
class Point:
    """A strength or a weakness: one rule, stated with what we saw."""

    principle: str
    rule_id: str
    severity: str
    text: str
    detail: str


@dataclass(frozen=True)
class Lift:
    principle: str
    before: Grade
    after: Grade
    overall_before: Grade
    overall_after: Grade

    @property
    def steps(self) -> int:
        """Letter-grade steps gained by the principle (F -> D is 1)."""
        if self.before.grade == NOT_APPLICABLE or self.after.grade == NOT_APPLICABLE:
            return 0
        return grade_rank(self.before.grade) - grade_rank(self.after.grade)

    @property
    def value_steps(self) -> float:
        """Grade steps as value: a step into or within the A band is polish, worth half.

        Lifting C to B repairs something; lifting A- to A+ perfects it.
        """
        if self.steps <= 0:
            return 0.0
        after = grade_rank(self.after.grade)
        return sum(
            0.5 if GRADE_ORDER[r] in _A_BAND else 1.0 for r in range(after, after + self.steps)
        )

    @property
    def overall_points(self) -> float:
        before, after = self.overall_before.score, self.overall_after.score
        return 0.0 if before is None or after is None else round(after - before, 1)

    @property
    def text(self) -> str:
        """E.g. ``Observability F → D (45% → 62%)`` or ``Observability stays F (0% → 46%)``."""
        scores = f"({self.before.percent} → {self.after.percent})"
        if self.before.grade == self.after.grade:
            return f"{self.principle} stays {self.before.grade} {scores}"
        return f"{self.principle} {self.before.grade} → {self.after.grade} {scores}"

    @property
    def overall_text(self) -> str:
        """E.g. ``overall D → C (68% → 74%)``."""
        before, after = self.overall_before, self.overall_after
        scores = f"({before.percent} → {after.percent})"
        if before.grade == after.grade:
            return f"overall stays {before.grade} {scores}"
        return f"overall {before.grade} → {after.grade} {scores}"


@dataclass(frozen=True)
class Recommendation:
    rank: int
    tier: Tier
    rule_id: str
    #: What to do ("Enable Container Insights on ops-pipeline-cluster"), from the rule's action.
    title: str
    #: The rule's own title: the state it checks ("ECS clusters have Container Insights enabled").
    rule_title: str
    principle: str
    severity: str
    #: Failing resources, and resources the rule evaluated (PASS + FAIL, waived left out).
    failing: int
    evaluated: int
    share: float
    scope: str
    value: float
    effort_each: int
    effort_minutes: int
    monthly_cost_usd: float
    lift: Lift
    resources: tuple[str, ...]
    #: The fix as shell lines, in order, each line once (a topic the alarms share is created
    #: once); never shortened: a command is shown whole or not at all.
    commands: tuple[str, ...]
    #: Distinct commands not listed (they are in results.json).
    more_commands: int
    #: Files the commands read (``file://NAME``), written to ``fixes/`` beside the report.
    files: tuple[str, ...]
    rationale: str
    remediation: str
    frameworks: str

    @property
    def effort(self) -> str:
        return fmt_effort(self.effort_minutes)

    @property
    def cost(self) -> str:
        return fmt_cost(self.monthly_cost_usd)

    @property
    def more_resources(self) -> int:
        return self.failing - len(self.resources) if self.resources else 0


@dataclass(frozen=True)
class TierView:
    key: Tier
    title: str
    meaning: str
    items: tuple[Recommendation, ...]

    @property
    def effort(self) -> str:
        return fmt_effort(sum(r.effort_minutes for r in self.items))

    @property
    def cost(self) -> str:
        return fmt_cost(sum(r.monthly_cost_usd for r in self.items))


@dataclass(frozen=True)
class Row:
    """One result of a rule on one resource, ready to show."""

    resource: str
    resource_id: str
    region: str
    status: str
    evidence: str
    command: str
    waiver_reason: str
    waiver_expires: str
    #: The rule id whose FAIL counts this same problem in the score ("" when this one counts).
    counted_under: str = ""


@dataclass(frozen=True)
class RuleGroup:
    """Every result of one rule, summarised; rows capped per status."""

    rule_id: str
    title: str
    severity: str
    #: fail | waived | unknown | error | pass: the worst status present.
    status: str
    passed: int
    failed: int
    waived: int
    unknown: int
    errors: int
    rationale: str
    remediation: str
    frameworks: str
    effort: str
    cost: str
    failing_rows: tuple[Row, ...]
    waived_rows: tuple[Row, ...]
    unknown_rows: tuple[Row, ...]
    passing_rows: tuple[Row, ...]

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.waived + self.unknown + self.errors


@dataclass(frozen=True)
class PrincipleSection:
    row: PrincipleRow
    groups: tuple[RuleGroup, ...]


@dataclass(frozen=True)
class WaivedView:
    rule_id: str
    title: str
    resource: str
    region: str
    reason: str
    expires: str


@dataclass(frozen=True)
class ExpiredWaiverView:
    rule_id: str
    resource: str
    region: str
    account: str
    reason: str
    expires: str


@dataclass(frozen=True)
class TrendPoint:
    """One earlier (or this) run's overall grade, from a history folder (``--history``)."""

    date: str
    grade: str
    incomplete: bool

    @property
    def letter(self) -> str:
        return "N" if self.grade == NOT_APPLICABLE else self.grade[:1]


@dataclass(frozen=True)
class ReportView:
    headline: Headline
    principles: tuple[PrincipleRow, ...]
    strengths: tuple[Point, ...]
    more_strengths: int
    weaknesses: tuple[Point, ...]
    more_weaknesses: int
    tiers: tuple[TierView, ...]
    sections: tuple[PrincipleSection, ...]
    waived: tuple[WaivedView, ...]
    waived_total: int
    expired_waivers: tuple[ExpiredWaiverView, ...]
    rule_errors: tuple[str, ...]
    results_total: int
    #: The architecture drawn and judged (None for results without one).
    architecture: ArchitectureView | None = None
    #: Overall grade of the latest runs, oldest first; empty without history.
    trend: tuple[TrendPoint, ...] = ()
    #: Where the account stands per compliance framework (auditor/render/compliance_view.py).
    compliance: tuple[ComplianceView, ...] = ()

    @property
    def recommendations(self) -> tuple[Recommendation, ...]:
        return tuple(r for t in self.tiers for r in t.items)


# --------------------------------------------------------------------------- architecture

#: Verdicts' evidence lines shown (the rest are in results.json).
MAX_VERDICT_EVIDENCE = 8
#: Exposure paths listed under the diagram.
MAX_EXPOSURES = 20
#: The diagram file written beside report.md.
DIAGRAM_FILE = "architecture.svg"


@dataclass(frozen=True)
class VerdictView:
    """A recognised pattern of the architecture, judged (see :mod:`auditor.analysis.verdicts`)."""

    key: str
    title: str
    #: strength | weakness | note
    judgement: str
    principle: str
    text: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class ArchitectureView:
    #: The diagram, a standalone SVG document; every AWS string in it is escaped.
    svg: str
    #: ``1 VPC in use · 5 workloads · 2 security-group grants · no internet exposure path``.
    summary: str
    verdicts: tuple[VerdictView, ...]
    #: Every internet path, hop by hop (capped; the diagram draws them all).
    exposures: tuple[str, ...]
    more_exposures: int
    file: str = DIAGRAM_FILE

    @property
    def strengths(self) -> tuple[Point, ...]:
        """Positive verdicts, as the review's strengths."""
        return tuple(
            Point(
                principle=v.principle,
                rule_id="architecture",
                severity="high",
                text=v.title,
                detail=v.evidence[0] if v.evidence else v.text,
            )
            for v in self.verdicts
            if v.judgement == "strength"
        )


def architecture_view(result: ScanResult) -> ArchitectureView | None:
    """The diagram and verdicts of a result carrying its architecture (None otherwise)."""
    arch = result.architecture
    if arch is None or not (arch.nodes or any(v.key != "not-judged" for v in arch.verdicts)):
        return None  # nothing runs (or was collected): nothing to draw or judge
    from auditor.render.diagram import render_svg, summary

    verdicts = tuple(
        VerdictView(
            key=clip(v.key, 40),
            title=clip(v.title),
            judgement=v.judgement,
            principle=v.principle.label,
            text=clip(v.text, 2 * MAX_TEXT),
            evidence=tuple(clip(e) for e in v.evidence[:MAX_VERDICT_EVIDENCE]),
        )
        for v in arch.verdicts
    )
    paths = [f"{e.protocol} {e.ports}: {e.path}" for e in arch.exposures]
    return ArchitectureView(
        svg=render_svg(arch),
        summary=clip(summary(arch)),
        verdicts=verdicts,
        exposures=tuple(clip(p, 2 * MAX_TEXT) for p in paths[:MAX_EXPOSURES]),
        more_exposures=max(0, len(paths) - MAX_EXPOSURES),
    )


# --------------------------------------------------------------------------- building


def _grade(score: PrincipleScore | CategoryScore) -> Grade:
    return Grade(score.grade, score.score, score.incomplete)


def _name(r: RuleResult) -> str:
    return clip(r.resource_name or r.resource_id, MAX_NAME)


def _row(r: RuleResult) -> Row:
    return Row(
        resource=_name(r),
        resource_id=clip(r.resource_id, MAX_NAME),
        region=clip(r.region, 40),
        status="WAIVED" if r.waiver is not None and r.status is Status.FAIL else r.status.value,
        evidence=clip(r.evidence),
        command=visible(r.remediation_cmd, lines=True),
        waiver_reason=clip(r.waiver.reason) if r.waiver else "",
        waiver_expires=r.waiver.expires.isoformat() if r.waiver else "",
        counted_under=clip(r.counted_under.split("/", 1)[0], 20),
    )


_IAM_PREFIX = {"accessanalyzer": "access-analyzer", "cloudwatch": "cloudwatch"}
_S3_OPERATIONS = re.compile(r"^(GetBucket|GetPublicAccessBlock|ListBuckets|HeadBucket)")


def _permission(gap: Coverage) -> str:
    if not gap.operation:
        return ""
    prefix = _IAM_PREFIX.get(gap.service, gap.service)
    if _S3_OPERATIONS.match(gap.operation):
        prefix = "s3"
    return clip(f"{prefix}:{gap.operation}", MAX_NAME)


def _headline(result: ScanResult, counts: dict[str, int]) -> Headline:
    gaps = tuple(
        GapView(
            service=clip(g.service, 60),
            region=clip(g.region, 40),
            status=g.status.value,
            operation=clip(g.operation, 80),
            error_code=clip(g.error_code, 80),
            message=clip(g.message, 200),
            permission=_permission(g),
            resource=clip(g.resource, MAX_NAME),
        )
        for g in result.gaps
        if g.requested
    )
    return Headline(
        overall=_grade(result.overall),
        security=_grade(result.security),
        operations=_grade(result.operations),
        account_id=clip(result.account_id, 60),
        partition=clip(result.partition, 20),
        regions=tuple(clip(r, 40) for r in result.regions),
        scanned_at=result.collected_at.strftime("%Y-%m-%d %H:%M %Z").strip(),
        tool_version=clip(result.tool_version, 40),
        complete=not gaps and not counts["unknown"] and not counts["errors"],
        gaps=gaps,
        not_scanned=tuple(sorted({clip(g.service, 60) for g in result.gaps if not g.requested})),
        passed=counts["passed"],
        failed=counts["failed"],
        waived=counts["waived"],
        unknown=counts["unknown"],
        errors=counts["errors"],
        rules=len({r.id for r in result.rules}),
    )


@dataclass
class _Tally:
    """Per-rule counts and capped rows, gathered in one pass over the results."""

    passed: int = 0
    failed: int = 0
    waived: int = 0
    unknown: int = 0
    errors: int = 0
    #: FAILs (among ``failed``) the score counts under another rule's FAIL.
    counted: int = 0
    first_fail: RuleResult | None = None
    failing: list[RuleResult] = field(default_factory=list)
    waived_list: list[RuleResult] = field(default_factory=list)
    unknown_list: list[RuleResult] = field(default_factory=list)
    passing: list[RuleResult] = field(default_factory=list)
    #: Distinct remediation commands, in order of the results.
    commands: dict[str, None] = field(default_factory=dict)
    #: Names of the files those commands read.
    files: dict[str, None] = field(default_factory=dict)
    fail_names: list[str] = field(default_factory=list)
    fail_ids: list[str] = field(default_factory=list)
    fail_regions: dict[str, None] = field(default_factory=dict)


def _tally(results: Iterable[RuleResult], max_rows: int) -> dict[str, _Tally]:
    """Per-rule tallies, gathered in one pass."""
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    for r in results:
        t = tallies[r.rule_id]
        if r.status is Status.FAIL and r.waiver is not None:
            t.waived += 1
            if len(t.waived_list) < min(max_rows, MAX_OTHER_ROWS):
                t.waived_list.append(r)
        elif r.status is Status.FAIL:
            t.failed += 1
            t.counted += bool(r.counted_under)
            if t.first_fail is None:
                t.first_fail = r
            if len(t.failing) < max_rows:
                t.failing.append(r)
            if r.remediation_cmd:
                t.commands[r.remediation_cmd] = None
            for name in r.fix_files:
                t.files[name] = None
            if len(t.fail_names) < MAX_RESOURCES:
                t.fail_names.append(_name(r))
            if len(t.fail_ids) < 2 * MAX_RESOURCES:
                t.fail_ids.append(r.resource_id)
            t.fail_regions[r.region] = None
        elif r.status is Status.PASS:
            t.passed += 1
            if len(t.passing) < min(max_rows, MAX_OTHER_ROWS):
                t.passing.append(r)
        else:
            if r.status is Status.UNKNOWN:
                t.unknown += 1
            else:
                t.errors += 1
            if len(t.unknown_list) < min(max_rows, MAX_OTHER_ROWS):
                t.unknown_list.append(r)
    return tallies


class _Lifts:
    """The grades a fix would give, asked of :func:`auditor.engine.scoring.grades_without`.

    The view only formats the answer. Results are grouped by principle once,
    so each question rescores one principle's results, not the whole scan.
    """

    def __init__(self, result: ScanResult) -> None:
        self.result = result
        self.by_principle: dict[Principle, list[RuleResult]] = defaultdict(list)
        for r in result.results:
            self.by_principle[r.principle].append(r)

    def lift(self, info: RuleInfo) -> Lift:
        principle = info.principle
        after = grades_without(
            self.by_principle[principle],
            {info.id},
            keep=self.result.principles,
            rules=self.result.rules,
        )
        return Lift(
            principle=principle.label,
            before=_grade(self.result.principle(principle)),
            after=_grade(next(p for p in after.principles if p.principle is principle)),
            overall_before=_grade(self.result.overall),
            overall_after=_grade(after.overall),
        )


def _account_wide(tally: _Tally) -> bool:
    return bool(tally.fail_ids) and all(i.startswith(ACCOUNT) for i in tally.fail_ids)


def _scope(tally: _Tally) -> str:
    """Where the rule fails: ``account-wide in us-west-2`` or ``on 3 of 5 resources``."""
    if _account_wide(tally):
        regions = [r for r in tally.fail_regions if r != "global"]
        return "account-wide" + (
            f" in {', '.join(clip(r, 40) for r in regions)}" if regions else ""
        )
    evaluated = tally.passed + tally.failed
    noun = "resource" if evaluated == 1 else "resources"
    return f"on {tally.failed} of {evaluated} {noun}"


def command_lines(commands: Iterable[str]) -> tuple[str, ...]:
    """The commands as one shell block: their lines in order, each distinct line once.

    Never clipped (a cut command does not run); control characters are shown
    as escapes (:func:`visible`), line breaks kept.
    """
    lines: dict[str, None] = {}
    for command in commands:
        for line in visible(command, lines=True).splitlines():
            if line.strip():
                lines[line] = None
    return tuple(lines)


#: Failing resources named in a recommendation title; beyond, "and N more".
TITLE_NAMES = 3


def action_title(info: RuleInfo, tally: _Tally) -> str:
    """The rule's action with ``{target}`` filled: the failing resources, by name.

    "Enable Container Insights on ops-pipeline-cluster"; three names at most
    ("a, b and 4 more"); an account-wide finding has no resource to name.
    A results file without actions (older, or hand-made) falls back to the title.
    """
    if not info.action:
        return info.title
    if "{target}" not in info.action:
        return info.action
    names = [] if _account_wide(tally) else tally.fail_names[:TITLE_NAMES]
    if not names:
        target = "the account"
    elif tally.failed > len(names):
        target = f"{', '.join(names)} and {tally.failed - len(names)} more"
    elif len(names) == 1:
        target = names[0]
    else:
        target = f"{', '.join(names[:-1])} and {names[-1]}"
    return info.action.replace("{target}", target)


def value_points(severity: Severity, share: float, grade_steps: float) -> float:
    """How much a fix is worth: severity weight scaled by the estate share, plus grade steps."""
    return round(severity.weight * (1 + share) / 2 + max(grade_steps, 0), 2)


def tier_for(severity: Severity, value: float, effort_minutes: int, monthly_cost: float) -> Tier:
    """Do now / soon / later from value, effort and cost (see docs/report.md)."""
    low_effort = effort_minutes <= LOW_EFFORT_MINUTES and monthly_cost <= LOW_COST_USD
    if severity is Severity.CRITICAL or (value >= HIGH_VALUE and low_effort):
        return "now"
    if value >= HIGH_VALUE or (value >= MEDIUM_VALUE and low_effort):
        return "soon"
    return "later"


def next_rungs(failing: Iterable[RuleInfo]) -> dict[Principle, Rung]:
    """The lowest maturity tier with a failing rule, per operations principle."""
    out: dict[Principle, Rung] = {}
    order = list(Rung)
    for info in failing:
        if info.tier is None:
            continue
        have = out.get(info.principle)
        if have is None or order.index(info.tier) < order.index(have):
            out[info.principle] = info.tier
    return out


def rung_position(info: RuleInfo, rungs: Mapping[Principle, Rung]) -> str:
    """ "next" (the lowest unmet rung of its ladder), "above" it, or "" (no ladder)."""
    lowest = rungs.get(info.principle)
    if info.tier is None or lowest is None:
        return ""
    order = list(Rung)
    return (
        "next"
        if info.tier is lowest
        else ("above" if order.index(info.tier) > order.index(lowest) else "")
    )


def _recommendations(
    result: ScanResult,
    infos: dict[str, RuleInfo],
    tallies: dict[str, _Tally],
    lifts: _Lifts,
) -> tuple[TierView, ...]:
    recs: list[Recommendation] = []
    rungs = next_rungs(infos[rid] for rid, t in tallies.items() if t.failed and rid in infos)
    for rule_id, tally in tallies.items():
        info = infos.get(rule_id)
        if tally.failed == 0 or info is None:
            continue
        evaluated = tally.passed + tally.failed
        share = tally.failed / evaluated
        lift = lifts.lift(info)
        value = value_points(info.severity, share, lift.value_steps)
        effort = info.effort_minutes * tally.failed
        cost = round(info.monthly_cost_usd * tally.failed, 2)
        rung = rung_position(info, rungs)
        if rung == "next":
            value = round(value + NEXT_RUNG_VALUE, 2)
        commands = command_lines(list(tally.commands)[:MAX_COMMANDS])
        more = max(0, len(tally.commands) - MAX_COMMANDS)
        recs.append(
            Recommendation(
                rank=0,
                tier=(
                    "later"
                    if rung == "above" and info.severity is not Severity.CRITICAL
                    else tier_for(info.severity, value, effort, cost)
                ),
                rule_id=rule_id,
                title=clip(action_title(info, tally)),
                rule_title=clip(info.title),
                principle=info.principle.label,
                severity=info.severity.value,
                failing=tally.failed,
                evaluated=evaluated,
                share=share,
                scope=_scope(tally),
                value=value,
                effort_each=info.effort_minutes,
                effort_minutes=effort,
                monthly_cost_usd=cost,
                lift=lift,
                resources=() if _account_wide(tally) else tuple(tally.fail_names),
                commands=commands,
                more_commands=more,
                files=tuple(sorted(tally.files)),
                rationale=clip(info.rationale, 4 * MAX_TEXT, lines=True),
                remediation=clip(info.remediation, 4 * MAX_TEXT, lines=True),
                frameworks=clip(fmt_frameworks(info.frameworks)),
            )
        )
    order = {key: i for i, (key, _, _) in enumerate(TIERS)}
    recs.sort(
        key=lambda r: (
            order[r.tier],
            -r.value,
            -r.lift.overall_points,
            r.effort_minutes,
            r.rule_id,
        )
    )
    ranked = [replace(r, rank=i) for i, r in enumerate(recs, start=1)]
    return tuple(
        TierView(key, title, meaning, tuple(r for r in ranked if r.tier == key))
        for key, title, meaning in TIERS
    )


def _found(ps: PrincipleScore, rules: Sequence[RuleInfo], tallies: dict[str, _Tally]) -> str:
    """One line of evidence for a principle: its worst failure, or what it verified."""
    mine = [i for i in rules if i.id in tallies]
    if not mine:
        return "No rule of this principle ran."
    failing = sorted(
        (i for i in mine if tallies[i.id].failed),
        key=lambda i: (i.severity.rank, -tallies[i.id].failed, i.id),
    )
    if failing:
        worst = failing[0]
        r = tallies[worst.id].first_fail
        assert r is not None
        where = _name(r)
        line = f"{len(failing)} of {len(mine)} rules fail; worst: {where}: {clip(r.evidence, 160)}"
        if tallies[worst.id].failed > 1:
            line = f"{line} (+{tallies[worst.id].failed - 1} more)"
        if ps.counted_under:
            line += f"; {ps.counted_under} scored once, under another rule's finding"
        return line
    passing = sorted(
        (i for i in mine if tallies[i.id].passed), key=lambda i: (i.severity.rank, i.id)
    )
    if not passing:
        if ps.unknown or ps.errors:
            return "Not evaluated: the data these rules need was not collected."
        if ps.waived:
            return "Only accepted risks (waived findings) here."
        return "Nothing to evaluate (no resources of the kinds these rules look at)."
    lead = "; ".join(clip(i.title, 120) for i in passing[:2])
    extra = len(passing) - 2
    verified = sum(tallies[i.id].passed for i in passing)
    tail = f" (+{extra} more rules)" if extra > 0 else ""
    return f"{lead}{tail}: {verified} checks pass."


def _uncapped(
    ps: PrincipleScore, tallies: dict[str, _Tally], infos: dict[str, RuleInfo]
) -> float | None:
    if not ps.cap:
        return ps.score
    total = earned = 0.0
    for rid, t in tallies.items():
        info = infos.get(rid)
        failed = t.failed - t.counted
        if info is None or info.principle is not ps.principle or not (t.passed + failed):
            continue
        total += info.severity.weight
        earned += info.severity.weight * t.passed / (t.passed + failed)
    return round(100 * earned / total, 1) if total else ps.score


def _points(
    infos: Sequence[RuleInfo], tallies: dict[str, _Tally]
) -> tuple[list[Point], list[Point]]:
    strengths: list[tuple[tuple[int, int, str], Point]] = []
    weaknesses: list[tuple[tuple[int, int, str], Point]] = []
    for info in infos:
        t = tallies.get(info.id)
        if t is None:
            continue
        if t.failed:
            r = t.first_fail
            assert r is not None
            more = f" (+{t.failed - 1} more)" if t.failed > 1 else ""
            weaknesses.append(
                (
                    (info.severity.rank, -t.failed, info.id),
                    Point(
                        principle=info.principle.label,
                        rule_id=info.id,
                        severity=info.severity.value,
                        text=clip(info.title),
                        detail=f"fails on {t.failed} of {t.passed + t.failed}: "
                        f"{_name(r)}: {clip(r.evidence, 200)}{more}",
                    ),
                )
            )
        elif t.passed and info.severity in (Severity.CRITICAL, Severity.HIGH):
            strengths.append(
                (
                    (info.severity.rank, _PRINCIPLE_ORDER[info.principle], info.id),
                    Point(
                        principle=info.principle.label,
                        rule_id=info.id,
                        severity=info.severity.value,
                        text=clip(info.title),
                        detail=f"holds on {t.passed} of {t.passed}",
                    ),
                )
            )
    strengths.sort(key=lambda x: x[0])
    weaknesses.sort(key=lambda x: x[0])
    return [p for _, p in strengths], [p for _, p in weaknesses]


def _group(info: RuleInfo, t: _Tally) -> RuleGroup:
    if t.failed:
        status = "fail"
    elif t.errors:
        status = "error"
    elif t.unknown:
        status = "unknown"
    elif t.waived:
        status = "waived"
    else:
        status = "pass"
    return RuleGroup(
        rule_id=info.id,
        title=clip(info.title),
        severity=info.severity.value,
        status=status,
        passed=t.passed,
        failed=t.failed,
        waived=t.waived,
        unknown=t.unknown,
        errors=t.errors,
        rationale=clip(info.rationale, 4 * MAX_TEXT, lines=True),
        remediation=clip(info.remediation, 4 * MAX_TEXT, lines=True),
        frameworks=clip(fmt_frameworks(info.frameworks)),
        effort=fmt_effort(info.effort_minutes),
        cost=fmt_cost(info.monthly_cost_usd),
        failing_rows=tuple(_row(r) for r in t.failing),
        waived_rows=tuple(_row(r) for r in t.waived_list),
        unknown_rows=tuple(_row(r) for r in t.unknown_list),
        passing_rows=tuple(_row(r) for r in t.passing),
    )


_STATUS_ORDER = {"fail": 0, "error": 1, "unknown": 2, "waived": 3, "pass": 4}


def _placeholder_info(rule_id: str, sample: RuleResult) -> RuleInfo:
    """A results file may lack a rule's metadata (hand-edited): show its id alone."""
    return RuleInfo(
        id=rule_id,
        slug=rule_id.lower(),
        title=rule_id,
        principle=sample.principle,
        severity=sample.severity,
        effort_minutes=0,
        monthly_cost_usd=0,
        rationale="",
        remediation="",
        frameworks={},
    )


def _expired(w: Waiver) -> ExpiredWaiverView:
    return ExpiredWaiverView(
        rule_id=clip(w.rule, 20),
        resource=clip(w.resource, MAX_NAME),
        region=clip(w.region, 40),
        account=clip(w.account, 40),
        reason=clip(w.reason),
        expires=w.expires.isoformat(),
    )


def build_view(result: ScanResult, *, max_rows: int = MAX_ROWS) -> ReportView:
    """The whole review, from the results document alone."""
    tallies = _tally(result.results, max_rows)
    infos: dict[str, RuleInfo] = {i.id: i for i in result.rules}
    samples: dict[str, RuleResult] = {}
    for r in result.results:
        samples.setdefault(r.rule_id, r)
    for rule_id, sample in samples.items():
        if rule_id not in infos:
            infos[rule_id] = _placeholder_info(rule_id, sample)
    ordered = sorted(infos.values(), key=lambda i: (_PRINCIPLE_ORDER[i.principle], i.id))
    counts = {
        "passed": sum(t.passed for t in tallies.values()),
        "failed": sum(t.failed for t in tallies.values()),
        "waived": sum(t.waived for t in tallies.values()),
        "unknown": sum(t.unknown for t in tallies.values()),
        "errors": sum(t.errors for t in tallies.values()),
    }

    rows: list[PrincipleRow] = []
    sections: list[PrincipleSection] = []
    for ps in result.principles:
        rules_here = [i for i in ordered if i.principle is ps.principle]
        row = PrincipleRow(
            key=ps.principle.value,
            title=ps.title,
            category=ps.category.value,
            grade=_grade(ps),
            uncapped=_uncapped(ps, tallies, infos),
            cap=ps.cap,
            found=_found(ps, rules_here, tallies),
            practice=BEST_PRACTICE.get(ps.principle, ""),
            passed=ps.passed,
            failed=ps.failed,
            waived=ps.waived,
            unknown=ps.unknown,
            errors=ps.errors,
        )
        rows.append(row)
        groups = [_group(i, tallies[i.id]) for i in rules_here if i.id in tallies]
        groups.sort(key=lambda g: (_STATUS_ORDER[g.status], Severity(g.severity).rank, g.rule_id))
        sections.append(PrincipleSection(row=row, groups=tuple(groups)))

    strengths, weaknesses = _points(ordered, tallies)
    architecture = architecture_view(result)
    if architecture is not None:  # the architecture's strengths lead: they are the big picture
        strengths = [*architecture.strengths, *strengths]
    waived_results = [r for t in tallies.values() for r in t.waived_list]
    waived_results.sort(key=lambda r: (r.rule_id, r.region, r.resource_id))
    waived = tuple(
        WaivedView(
            rule_id=r.rule_id,
            title=clip(infos[r.rule_id].title),
            resource=_name(r),
            region=clip(r.region, 40),
            reason=clip(r.waiver.reason) if r.waiver else "",
            expires=r.waiver.expires.isoformat() if r.waiver else "",
        )
        for r in waived_results[:MAX_WAIVED]
    )
    errors = tuple(
        clip(r.evidence)
        for t in tallies.values()
        for r in t.unknown_list
        if r.status is Status.ERROR
    )
    return ReportView(
        headline=_headline(result, counts),
        principles=tuple(rows),
        strengths=tuple(strengths[:MAX_POINTS]),
        more_strengths=max(0, len(strengths) - MAX_POINTS),
        weaknesses=tuple(weaknesses[:MAX_POINTS]),
        more_weaknesses=max(0, len(weaknesses) - MAX_POINTS),
        tiers=_recommendations(result, infos, tallies, _Lifts(result)),
        sections=tuple(sections),
        waived=waived,
        waived_total=counts["waived"],
        expired_waivers=tuple(_expired(w) for w in result.expired_waivers),
        rule_errors=errors,
        results_total=len(result.results),
        architecture=architecture,
        compliance=_compliance(result),
    )


def _compliance(result: ScanResult) -> tuple[ComplianceView, ...]:
    from auditor.render.compliance_view import build_compliance

    return build_compliance(result)
