"""Rendering a diff or a gate outcome: terminal (rich), Markdown (PR comment), JSON.

Every string that came from AWS (names, ids, regions, evidence, waiver
reasons) is passed to rich as ``Text`` (never markup) and through
:func:`~auditor.render.markdown_escape.md_escape` in Markdown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.gate.compare import GateOutcome, Reason, Verdict, finding_line
from auditor.gate.diff import Diff, FindingChange, GradeChange, WaiverChange
from auditor.render.markdown_escape import md_escape

#: Reasons shown on the terminal before "... and N more".
TERMINAL_REASONS = 10
#: Rows per Markdown table before "... and N more" (a PR comment holds 65,536 characters).
MARKDOWN_ROWS = 50

_VERDICT_STYLE = {
    Verdict.PASS: "bold green",
    Verdict.FAIL: "bold red",
    Verdict.INCOMPLETE: "bold yellow",
}
_VERDICT_MD = {
    Verdict.PASS: "✅ auditor gate passed",
    Verdict.FAIL: "❌ auditor gate failed",
    Verdict.INCOMPLETE: "⚠️ auditor gate incomplete",
}


def _pct(score: float | None) -> str:
    return "n/a" if score is None else f"{score:g}%"


def _when(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M UTC")


def _grade(g: str, score: float | None, incomplete: bool) -> str:
    return f"{g} ({_pct(score)})" + (" incomplete" if incomplete else "")


def _change_word(g: GradeChange) -> str:
    if g.dropped:
        return "dropped"
    if g.improved:
        return "improved"
    delta = g.score_delta
    if delta:
        return f"{delta:+g} pts"
    if g.newly_incomplete:
        return "incomplete now"
    return ""


# ------------------------------------------------------------------ terminal


def _header(d: Diff) -> Text:
    account = (
        Text(d.current_account)
        if d.baseline_account == d.current_account
        else Text.assemble(Text(d.baseline_account), " -> ", Text(d.current_account))
    )
    return Text.assemble(
        "baseline ",
        _when(d.baseline_collected_at),
        " -> current ",
        _when(d.current_collected_at),
        ", account ",
        account,
    )


def _grade_table(grades: Iterable[GradeChange]) -> Table:
    table = Table(show_edge=False, pad_edge=False, box=None, show_header=False)
    for _ in range(3):
        table.add_column()
    for g in grades:
        word = _change_word(g)
        style = "red" if g.dropped else "green" if g.improved else "yellow" if word else ""
        table.add_row(
            g.title,
            f"{_grade(g.before, g.before_score, g.before_incomplete)} -> "
            f"{_grade(g.after, g.after_score, g.after_incomplete)}",
            Text(word, style=style),
        )
    return table


def _reason_lines(console: Console, mark: str, style: str, reasons: Sequence[Reason]) -> None:
    for r in reasons[:TERMINAL_REASONS]:
        console.print(Text.assemble(("  " + mark + " ", style), Text(r.message)), soft_wrap=True)
    if len(reasons) > TERMINAL_REASONS:
        console.print(
            Text(f"  ... and {len(reasons) - TERMINAL_REASONS} more (auditor diff shows all)")
        )


def _counts(d: Diff) -> str:
    return (
        f"Findings: {len(d.new)} new, {len(d.fixed)} fixed, {len(d.still_failing)} still "
        f"failing, {len(d.unverified)} not re-checked; {len(d.waivers)} waiver change(s)"
    )


def print_outcome(outcome: GateOutcome, console: Console) -> None:
    """One screen on stderr: verdict, changed grades, why, what is incomplete."""
    d = outcome.diff
    console.print(
        Text.assemble(
            ("auditor gate: ", "bold"),
            (
                f"{outcome.verdict.value.upper()} (exit {outcome.exit_code})",
                _VERDICT_STYLE[outcome.verdict],
            ),
        )
    )
    console.print(Text.assemble("  ", _header(d)), soft_wrap=True)
    changed = [g for g in d.grades if g.changed]
    if changed:
        console.print(_grade_table(changed))
    else:
        overall = d.grade("overall")
        console.print(
            Text(f"  grades unchanged: overall {_grade(overall.after, overall.after_score, False)}")
        )
    if outcome.failures:
        console.print(Text("Why it failed:", style="bold"))
        _reason_lines(console, "x", "red", outcome.failures)
        fixes = [f for f in d.new if f.remediation_cmd][:3]
        for f in fixes:
            console.print(
                Text.assemble("    fix: ", Text(one_line_fix(f.remediation_cmd), style="cyan")),
                soft_wrap=True,
            )
    if outcome.incomplete:
        label = (
            "Incomplete (fails the gate: fail_on_incomplete):"
            if outcome.policy.fail_on_incomplete
            else "Incomplete (exit 3 unless something failed):"
        )
        console.print(Text(label, style="bold"))
        _reason_lines(console, "!", "yellow", outcome.incomplete)
    console.print(Text(_counts(d), style="dim"))


def _finding_rows(console: Console, title: str, items: Sequence[FindingChange], limit: int) -> None:
    if not items:
        return
    console.print(Text(f"{title} ({len(items)}):", style="bold"))
    for f in items[:limit]:
        line = Text.assemble("  ", Text(finding_line(f)))
        if f.note:
            line.append(Text(f" [{f.note}]", style="dim"))
        console.print(line, soft_wrap=True)
    if len(items) > limit:
        console.print(Text(f"  ... and {len(items) - limit} more"))


def print_diff(d: Diff, console: Console, limit: int = 25) -> None:
    """The whole diff as terminal text."""
    console.print(Text.assemble(("auditor diff: ", "bold"), _header(d)), soft_wrap=True)
    console.print(_grade_table(d.grades))
    _finding_rows(console, "New", d.new, limit)
    _finding_rows(console, "Fixed", d.fixed, limit)
    _finding_rows(console, "Not re-checked", d.unverified, limit)
    _finding_rows(console, "Still failing", d.still_failing, limit)
    if d.waivers:
        console.print(Text(f"Waivers changed ({len(d.waivers)}):", style="bold"))
        for w in d.waivers:
            console.print(Text.assemble("  ", Text(_waiver_text(w))))
    for title, gaps in (("New gaps", d.new_gaps), ("Closed gaps", d.closed_gaps)):
        if gaps:
            console.print(Text(f"{title}:", style="bold"))
            for g in gaps:
                console.print(Text(f"  {g.service} in {g.region}: {g.status.value}"))
    console.print(Text(_counts(d), style="dim"))


def _waiver_text(w: WaiverChange) -> str:
    def one(x: object) -> str:
        from auditor.engine.results import AppliedWaiver

        if not isinstance(x, AppliedWaiver):
            return "none"
        return f"{x.reason} (until {x.expires.isoformat()})"

    who = f"{w.rule_id} {w.resource_name or w.resource_id} ({w.region})"
    if w.before is None:
        return f"{who}: waived now: {one(w.after)}"
    if w.after is None:
        state = "gone" if w.status is None else w.status.value
        return f"{who}: waiver no longer applies ({state}), was: {one(w.before)}"
    return f"{who}: waiver changed: {one(w.before)} -> {one(w.after)}"


# ------------------------------------------------------------------ Markdown


def _md_grade(g: str, score: float | None, incomplete: bool) -> str:
    return f"{md_escape(g)} ({_pct(score)})" + (" ⚠️" if incomplete else "")


def _md_grades(d: Diff) -> list[str]:
    lines = ["| Grade | Before | After | Change |", "|---|---|---|---|"]
    for g in d.grades:
        word = _change_word(g)
        mark = "🔻 " if g.dropped else "🟢 " if g.improved else ""
        title = f"**{g.title}**" if g.subject in ("overall", "security", "operations") else g.title
        lines.append(
            f"| {title} | {_md_grade(g.before, g.before_score, g.before_incomplete)} "
            f"| {_md_grade(g.after, g.after_score, g.after_incomplete)} | {mark}{md_escape(word)} |"
        )
    return lines


def one_line_fix(command: str) -> str:
    """A fix block on one line (a table cell, a terminal line): its commands joined with
    ``;``, its comments left out (the full report has them)."""
    lines = [line for line in command.splitlines() if line.strip() and not line.startswith("#")]
    if not command:
        return ""
    return " ; ".join(lines) or command.splitlines()[0]


def _md_findings(items: Sequence[FindingChange], with_fix: bool) -> list[str]:
    head = "| Severity | Rule | Resource | Region | Evidence |"
    sep = "|---|---|---|---|---|"
    if with_fix:
        head, sep = head + " Fix |", sep + "---|"
    lines = [head, sep]
    for f in items[:MARKDOWN_ROWS]:
        rule = md_escape(f.rule_id + (f" {f.title}" if f.title else ""))
        evidence = md_escape(f.evidence) + (f" _({md_escape(f.note)})_" if f.note else "")
        row = (
            f"| {f.severity.value} | {rule} | {md_escape(f.name)} | {md_escape(f.region)} "
            f"| {evidence} |"
        )
        if with_fix:
            row += f" {md_escape(one_line_fix(f.remediation_cmd))} |"
        lines.append(row)
    if len(items) > MARKDOWN_ROWS:
        lines.append(f"\n… and {len(items) - MARKDOWN_ROWS} more (see the full report).")
    return lines


def _md_section(title: str, body: list[str], collapsed: bool) -> list[str]:
    if collapsed:
        return ["", f"<details><summary>{title}</summary>", "", *body, "", "</details>"]
    return ["", f"#### {title}", "", *body]


def diff_markdown(d: Diff, outcome: GateOutcome | None = None) -> str:
    """The diff (and the gate verdict, when given) as Markdown for a pull-request comment."""
    overall = d.grade("overall")
    if outcome is not None:
        title = f"### {_VERDICT_MD[outcome.verdict]} (exit {outcome.exit_code})"
    else:
        title = "### auditor diff"
    lines = [
        title,
        "",
        f"**Overall {md_escape(overall.before)} ({_pct(overall.before_score)}) → "
        f"{md_escape(overall.after)} ({_pct(overall.after_score)})** · "
        f"{len(d.new)} new · {len(d.fixed)} fixed · {len(d.still_failing)} still failing"
        + (f" · {len(d.unverified)} not re-checked" if d.unverified else ""),
        "",
        f"Account {md_escape(d.current_account)}"
        + (
            f" (baseline: {md_escape(d.baseline_account)})"
            if d.baseline_account != d.current_account
            else ""
        )
        + f" · baseline {_when(d.baseline_collected_at)} → current {_when(d.current_collected_at)}",
    ]
    if outcome is not None and outcome.failures:
        lines += ["", "**Why it failed**", ""]
        lines += [f"- {md_escape(r.message)}" for r in outcome.failures[:MARKDOWN_ROWS]]
    if outcome is not None and outcome.incomplete:
        label = (
            "fails the gate" if outcome.policy.fail_on_incomplete else "exit 3 if nothing failed"
        )
        lines += ["", f"**Incomplete** ({label})", ""]
        lines += [f"- {md_escape(r.message)}" for r in outcome.incomplete[:MARKDOWN_ROWS]]
    lines += ["", *_md_grades(d)]
    if d.new:
        lines += _md_section(f"New findings ({len(d.new)})", _md_findings(d.new, True), False)
    if d.fixed:
        lines += _md_section(f"Fixed ({len(d.fixed)})", _md_findings(d.fixed, False), False)
    if d.unverified:
        lines += _md_section(
            f"Not re-checked ({len(d.unverified)})", _md_findings(d.unverified, False), True
        )
    if d.still_failing:
        lines += _md_section(
            f"Still failing ({len(d.still_failing)})", _md_findings(d.still_failing, False), True
        )
    if d.waivers or d.expired_waivers:
        body = [f"- {md_escape(_waiver_text(w))}" for w in d.waivers]
        body += [
            f"- expired: {md_escape(w.rule)} {md_escape(w.resource)} "
            f"({md_escape(w.reason)}, {w.expires.isoformat()})"
            for w in d.expired_waivers
        ]
        lines += _md_section(f"Waivers changed ({len(body)})", body, False)
    if d.new_gaps or d.closed_gaps:
        body = [
            f"- new gap: {md_escape(g.service)} in {md_escape(g.region)}: {g.status.value}"
            for g in d.new_gaps
        ] + [
            f"- closed gap: {md_escape(g.service)} in {md_escape(g.region)}" for g in d.closed_gaps
        ]
        lines += _md_section("Coverage", body, False)
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ JSON


def diff_json(d: Diff, outcome: GateOutcome | None = None) -> str:
    """Stable JSON: the diff, or ``{"verdict": ..., "exit_code": ..., ...outcome}``."""
    if outcome is None:
        return d.model_dump_json(indent=1) + "\n"
    doc = {"exit_code": outcome.exit_code, **json.loads(outcome.model_dump_json())}
    return json.dumps(doc, indent=1) + "\n"
