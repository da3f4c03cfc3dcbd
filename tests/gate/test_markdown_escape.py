"""md_escape: hostile text renders literally and stays inside its table cell."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.render.markdown_escape import md_escape


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain name-1.2", "plain name-1.2"),
        ("a|b", r"a\|b"),
        ("**bold** _it_", r"\*\*bold\*\* \_it\_"),
        ("[click](https://evil)", r"\[click\]\(https://evil\)"),
        ("![img](x)", r"\!\[img\]\(x\)"),
        ("`code`", r"\`code\`"),
        ("<script>alert(1)</script>", r"&lt;script&gt;alert\(1\)&lt;/script&gt;"),
        ("&lt; stays text", "&amp;lt; stays text"),
        ("~~gone~~ $x^2$", r"\~\~gone\~\~ \$x^2\$"),
        ("# heading", r"\# heading"),
        ("- item", r"\- item"),
        ("+ item", r"\+ item"),
        ("=== ", r"\=== "),
        ("1. first", r"1\. first"),
        ("12) twelfth", r"12\) twelfth"),
        ("    indented code", "&#32;&#32;&#32;&#32;indented code"),
        ("line\nbreak\r\nand\ttab", "line break and tab"),
        ("back\\slash", r"back\\slash"),
        ("alice@example.com", "alice@example.com"),
        ("@octocat", "@&#8203;octocat"),
        ("team/@org/admins", "team/@&#8203;org/admins"),
        ("cc @alice, @bob-2", "cc @&#8203;alice, @&#8203;bob-2"),
        ("(@x) a_@b @ alone @-dash", r"\(@&#8203;x\) a\_@b @ alone @-dash"),
        ("rtl\u202eoverride", "rtl override"),
        ("", ""),
    ],
)
def test_md_escape(text: str, expected: str) -> None:
    assert md_escape(text) == expected


_SPECIAL = set("\\`*_[]()!|~$#<>")


@given(st.text())
def test_no_markup_character_is_left_bare(text: str) -> None:
    out = md_escape(text)
    assert "\n" not in out and "\r" not in out
    for entity in ("&#32;", "&amp;", "&lt;", "&gt;", "&#8203;"):
        out = out.replace(entity, " ")
    assert "&" not in out
    i = 0
    while i < len(out):
        ch = out[i]
        if ch == "\\":
            assert i + 1 < len(out) and out[i + 1] in _SPECIAL | set("-+=.)"), out
            i += 2
            continue
        assert ch not in _SPECIAL, (text, out)
        i += 1


_MENTION_SHAPE = __import__("re").compile(r"(?<![A-Za-z0-9_])@[A-Za-z0-9]")


@given(st.text(alphabet=st.sampled_from("@ab1_-/ .,(")))
def test_no_mention_survives(text: str) -> None:
    assert not _MENTION_SHAPE.search(md_escape(text).replace("&#8203;", "\u200b"))


def _outside_code(md: str) -> str:
    """The Markdown without its code spans and fenced blocks (where GitHub links nothing)."""
    re = __import__("re")
    md = re.sub(r"(?ms)^(`{3,}).*?^\1", "", md)
    return re.sub(r"(`+).*?\1", "", md)


def test_defect_mentions_in_resource_names_notified_people() -> None:
    """A resource named ``@octocat`` pinged that GitHub user from every PR comment."""
    from auditor.gate.compare import compare
    from auditor.gate.policy import GatePolicy
    from auditor.gate.report import diff_markdown
    from auditor.render.markdown import render_markdown
    from auditor.render.view import build_view
    from tests.gate.helpers import rr, scan

    for name in ("@octocat", "team/@org/admins"):
        old = scan([rr("NI003", "sg-1", "PASS", name=name)])
        new = scan([rr("NI003", "sg-1", "FAIL", name=name, evidence=f"owner {name}")])
        outcome = compare(old, new, GatePolicy())
        gate_md = diff_markdown(outcome.diff, outcome)
        report_md = render_markdown(build_view(new))
        assert "@&#8203;" in gate_md  # escaped where it stands outside code
        # the report puts every AWS string in code spans, where GitHub pings nobody;
        # either way no mention survives outside code
        for md in (gate_md, report_md):
            visible = _outside_code(md).replace("&#8203;", "\u200b")
            assert not _MENTION_SHAPE.search(visible), md
