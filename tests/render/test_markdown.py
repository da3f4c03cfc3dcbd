"""report.md: the same review in GitHub-flavoured Markdown; hostile strings render inert.

The Markdown is rendered with markdown-it-py (CommonMark with raw HTML *on*,
plus GFM tables and strikethrough), so anything that escaped the escaping
would show up as an element in the output.
"""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from auditor.engine.frameworks import load_frameworks
from auditor.render.compliance_view import MAX_FAILING
from auditor.render.markdown import (
    MAX_MD_ROWS,
    md_cell,
    md_code,
    md_fence,
    md_text,
    render_markdown,
)
from auditor.render.view import build_view
from tests.render.hostile import crafted_result, hostile_result, payloads
from tests.render.htmlscan import scan_html
from tests.render.synthetic import synthetic_result

#: What the template itself produces once rendered.
MD_TAGS = frozenset(
    {"h1", "h2", "h3", "h4", "p", "strong", "em", "code", "pre", "table", "thead", "tbody"}
    | {"tr", "th", "td", "ul", "li", "blockquote", "hr", "details", "summary"}
)


def _render(md: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(md)


def _table_rows(md: str) -> list[str]:
    return [line for line in md.splitlines() if line.startswith("| ")]


def test_review_reads_like_the_expert_one() -> None:
    md = render_markdown(build_view(synthetic_result(2_000)))
    for heading in (
        "# Architecture review: account `123456789012`",
        "## Grades by principle",
        "## Strengths and weaknesses",
        "## Recommendations by priority",
        "### Do now (high value, low effort)",
        "## Findings by principle",
        "## Accepted risks",
        "**Expired waivers**",
        "## Coverage",
    ):
        assert heading in md
    assert re.search(r"\*\*Overall: [A-F][+-]? \(\d+%\)\*\* · Security: \*\*", md)
    assert "```sh\naws service fix-" in md  # commands in code blocks
    # every table row has as many cells as its header
    html = _render(md)
    for table in re.findall(r"<table>.*?</table>", html, re.S):
        head = len(re.findall(r"<th[\s>]", table.split("</thead>")[0]))
        for row in re.findall(r"<tbody>.*?</tbody>", table, re.S)[0].split("<tr>")[1:]:
            assert len(re.findall(r"<td[\s>]", row)) == head


@pytest.mark.parametrize("make", [hostile_result, crafted_result])
def test_hostile_strings_render_inert(make: object) -> None:
    assert callable(make)
    md = render_markdown(build_view(make()))
    html = _render(md)
    scan = scan_html(html)
    # the one image is our architecture diagram beside the report (both results carry one)
    images = [value for tag, name, value in scan.attrs if (tag, name) == ("img", "src")]
    assert images == ["architecture.svg"]
    ours = {"img"}
    assert set(scan.tags) <= MD_TAGS | ours, set(scan.tags) - MD_TAGS  # no a, script, iframe...
    assert {name for _, name, _ in scan.attrs} <= {"open", "class"} | (
        {"src", "alt"} if ours else set()
    )
    assert not scan.comments  # no "<!--" swallowed the rest of the page
    text = scan.all_text
    # (the scan lists 10 resources per rule: hostile-0..4 and 10..14 sort first)
    shown = payloads()[:9] if make is crafted_result else payloads()[:5]
    for payload in shown:
        assert payload.replace("\n", " ")[:50] in text, payload
    assert "{{ 7*7 }}{% if true %}JINJA{% endif %}" in text
    assert "\x1b" not in md and "\u202e" not in md
    # pipes did not split cells: each row has the header's number of cells
    for table in re.findall(r"<table>.*?</table>", html, re.S):
        head = len(re.findall(r"<th[\s>]", table.split("</thead>")[0]))
        body = re.findall(r"<tbody>.*?</tbody>", table, re.S)
        for row in body[0].split("<tr>")[1:] if body else []:
            assert len(re.findall(r"<td[\s>]", row)) == head


def test_code_span_survives_backticks_and_pipes() -> None:
    assert md_code("a`b") == "``a`b``"
    assert md_code("`edge`") == "`` `edge` ``"
    assert md_cell("a|b") == "`a\\|b`"
    assert md_cell("a\\|b") == "`a\\\\|b`"  # an attacker's own backslash cannot unescape
    assert md_code("") == ""
    rendered = _render(f"| x |\n|---|\n| {md_cell('p|q `r` s')} |\n")
    assert rendered.count("<td>") == 1
    assert "<code>p|q `r` s</code>" in rendered


def test_fence_is_longer_than_any_backtick_run() -> None:
    block = md_fence("echo ```` done")
    assert block.startswith("`````sh\n") and block.endswith("\n`````")
    assert "<pre><code" in _render(block) and "done" in _render(block)


def test_text_escaping_defuses_links_and_autolinks() -> None:
    assert md_text("see [x](http://a.b) ![i](http://c.d)") == (
        "see \\[x\\]\\(http\\://a.b\\) \\!\\[i\\]\\(http\\://c.d\\)"
    )
    assert md_text("www.example.com") == "www\\.example.com"
    assert md_text(42) == "42"
    html = _render(md_text("[x](http://a.b) <b>bold</b> https://auto.link www.x.y"))
    assert "<a" not in html and "<b>" not in html


def test_100k_results_markdown_is_bounded() -> None:
    md = render_markdown(build_view(synthetic_result(100_000)))
    assert len(md.encode()) < 1_000_000
    # at most MAX_MD_ROWS rows (+ header and delimiter) per rule and status
    rules = len({r.rule_id for r in synthetic_result(1_000).results})
    # + the compliance section: per framework, a row per section and per control, and at
    # most MAX_FAILING failing rows (+ header and delimiter) per control
    compliance = sum(
        len(fw.controls) * (MAX_FAILING + 3) + len(fw.sections) + 6 for fw in load_frameworks()
    )
    assert len(_table_rows(md)) < rules * 3 * (MAX_MD_ROWS + 2) + 100 + compliance
    assert "more failing not listed" in md


def test_evidence_tables_inside_details_render_as_tables() -> None:
    """Each rule's evidence table under its <details> is a real table, one row per line."""
    view = build_view(synthetic_result(2_000))
    md = render_markdown(view)
    evidence_tables = sum(
        bool(rows)
        for sec in view.sections
        for g in sec.groups
        if g.status != "pass"
        for rows in (g.failing_rows, g.waived_rows, g.unknown_rows)
    )
    assert evidence_tables > 10
    html = _render(md)
    # the compliance section lists each failing control's resources in a table too
    evidence_tables += sum(1 for fw in view.compliance for c in fw.attention if c.failing)
    headers = re.findall(r"<thead>\s*<tr>\s*<th>Resource</th>", html)
    assert len(headers) == evidence_tables
    others = 1 + bool(view.waived) + bool(view.expired_waivers) + bool(view.headline.gaps)
    others += 2 * len(view.compliance)  # per framework: totals by section, all controls
    assert html.count("<table>") == evidence_tables + others
    assert "\\| Resource \\|" not in md
