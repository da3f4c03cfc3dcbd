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
    for entity in ("&#32;", "&amp;", "&lt;", "&gt;"):
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
