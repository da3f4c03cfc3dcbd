"""report.html: self-contained, escaped, bounded; parsed with html.parser."""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter

import pytest
from jinja2 import StrictUndefined

from auditor.engine.frameworks import load_frameworks
from auditor.render.compliance_view import MAX_FAILING
from auditor.render.html import content_security_policy, environment, render_html
from auditor.render.view import MAX_OTHER_ROWS, MAX_ROWS, MAX_WAIVED, build_view
from tests.render.hostile import crafted_result, hostile_result, payloads
from tests.render.htmlscan import Scan, scan_html
from tests.render.synthetic import synthetic_result

#: Every element and attribute the template itself writes: anything else was injected.
_TAGS = """a article body button code dd details div dl dt figure footer h1 h2 h3 h4 head
header html input li line link main meta nav option p pre rect script section select span strong
style summary svg table tbody td text th thead title tr ul"""
_ATTRS = """aria-label charset class content data-principle data-severity data-status height href
http-equiv id lang name open placeholder rel role rx text-anchor type value viewbox width x x1 x2
xmlns y y1 y2"""
#: ... and what the architecture diagram (auditor/render/diagram.py) writes.
_DIAGRAM_TAGS = "defs g marker path tspan"
_DIAGRAM_ATTRS = """aria-label d fill font-family font-size font-weight marker-end markerheight
markerwidth orient refx refy stroke stroke-dasharray stroke-width"""
TEMPLATE_TAGS = frozenset(_TAGS.split() + _DIAGRAM_TAGS.split())
TEMPLATE_ATTRS = frozenset(_ATTRS.split() + _DIAGRAM_ATTRS.split())


def _sha(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def _assert_only_template_markup(scan: Scan) -> None:
    assert set(scan.tags) <= TEMPLATE_TAGS, set(scan.tags) - TEMPLATE_TAGS
    assert {name for _, name, _ in scan.attrs} <= TEMPLATE_ATTRS
    counts = Counter(scan.tags)
    assert (counts["script"], counts["style"], counts["link"]) == (1, 1, 1)
    diagrams = scan.attrs.count(("svg", "class", "arch-diagram"))
    assert diagrams <= 1 and counts["svg"] == 2 + diagrams  # two charts, the diagram if any
    for tag, name, value in scan.attrs:
        assert not name.startswith("on")
        if name == "href":
            assert value.startswith("#") or (tag, value) == ("link", "data:,"), value
        assert "javascript:" not in value.lower()


@pytest.fixture(scope="module")
def reference_html() -> str:
    return render_html(build_view(synthetic_result(2_000)))


def test_page_is_self_contained(reference_html: str) -> None:
    scan = scan_html(reference_html)
    _assert_only_template_markup(scan)
    # nothing that fetches: no src at all, links only to anchors, one inline script and style
    assert not [a for a in scan.attrs if a[1] == "src"]
    assert not re.search(r"url\(|@import|https?://(?!www\.w3\.org/2000/svg)", scan.styles[0])
    assert "http" not in scan.scripts[0] and "fetch(" not in scan.scripts[0]
    xmlns = {v for _, n, v in scan.attrs if n == "xmlns"}
    assert xmlns == {"http://www.w3.org/2000/svg"}  # a namespace name, never fetched


def test_content_security_policy_allows_exactly_the_inline_style_and_script(
    reference_html: str,
) -> None:
    scan = scan_html(reference_html)
    (csp,) = [v for _, n, v in scan.attrs if n == "content" and "default-src" in v]
    assert csp == content_security_policy(scan.styles[0], scan.scripts[0])
    assert f"script-src 'sha256-{_sha(scan.scripts[0])}'" in csp
    assert f"style-src 'sha256-{_sha(scan.styles[0])}'" in csp
    assert "default-src 'none'" in csp


def test_review_sections_are_all_there(reference_html: str) -> None:
    text = scan_html(reference_html).all_text
    for heading in (
        "Grades by principle",
        "Strengths and weaknesses",
        "Recommendations by priority",
        "Do now",
        "Findings by principle",
        "Accepted risks",
        "Expired waivers",
        "Coverage",
    ):
        assert heading in text
    assert "logs:DescribeLogGroups" in text  # the access-denied gap names its permission
    assert "bastion retired in Q3" in text  # the expired waiver


def test_environment_is_autoescaping_and_strict() -> None:
    env = environment()
    assert env.autoescape is True
    assert env.undefined is StrictUndefined


@pytest.mark.parametrize("make", [hostile_result, crafted_result])
def test_hostile_strings_stay_text(make: object) -> None:
    assert callable(make)
    html = render_html(build_view(make()))
    scan = scan_html(html)
    _assert_only_template_markup(scan)
    text = scan.all_text
    for payload in payloads()[:9]:
        # every payload shows as the very text AWS returned (one line, clipped)
        assert payload.replace("\n", " ")[:60] in text, payload
    assert "{{ 7*7 }}{% if true %}JINJA{% endif %}" in text  # not evaluated
    assert "\x1b" not in html and "\u202e" not in html
    assert "\\x1b[31mred" in text and "invoice\\u202egnp.exe" in text
    assert "L" * 7000 not in html  # very long strings are clipped
    # a payload closing the style or script element did not: their content is ours
    assert "beacon" not in "".join(scan.scripts + scan.styles)


def test_100k_results_render_summarised_and_small() -> None:
    result = synthetic_result(100_000)
    html = render_html(build_view(result))  # speed: bench/render_bench.py
    scan = scan_html(html)
    size_mb = len(html.encode()) / 1e6
    assert size_mb < 5, f"{size_mb:.1f} MB"
    # summarised per rule, never one giant table: rows per rule are bounded
    rows = Counter(scan.tags)["tr"]
    per_rule = MAX_ROWS + 3 * MAX_OTHER_ROWS + 4  # + a header row per table
    # the compliance section: per framework, one row per control and section, and
    # at most MAX_FAILING failing rows (+ a header) per control
    compliance = sum(
        len(fw.controls) * (MAX_FAILING + 3) + len(fw.sections) + 4 for fw in load_frameworks()
    )
    assert rows <= len(result.rules) * per_rule + MAX_WAIVED + 50 + compliance, rows
    assert "more failing not listed here (all" in scan.all_text


def test_commands_are_whole_and_one_per_line_in_html_and_markdown() -> None:
    """No "... (+2 chars)"; a block of several commands keeps its line breaks
    (``trim_blocks`` once ran them together: "--region us-west-2aws ecs ...")."""
    from auditor.render.markdown import render_markdown
    from tests.render.factories import info, result_of, rr

    rule = info("OB901")
    long_arn = "arn:aws:sns:us-west-2:123456789012:" + "t" * 900
    publish = f"aws sns publish --topic-arn {long_arn} --region us-west-2"
    first = f"# Your decision: who is notified\n{publish}"
    results = [
        rr(rule, "a").model_copy(update={"remediation_cmd": first}),
        rr(rule, "b").model_copy(update={"remediation_cmd": "aws ecs update-service --service b"}),
    ]
    view = build_view(result_of([rule], results))
    (rec,) = view.recommendations
    assert rec.commands == (
        "# Your decision: who is notified",
        publish,
        "aws ecs update-service --service b",
    )
    html = render_html(view)
    block = html.split(f'id="rec-{rule.id}"')[1].split("<pre><code>")[1].split("</code></pre>")[0]
    assert block == "\n".join(rec.commands)
    md = render_markdown(view)
    assert "```sh\n" + "\n".join(rec.commands) + "\n```" in md
    for text in (html, md):
        assert "chars)" not in text and "us-west-2aws" not in text
