"""The terminal summary: grades and top recommendations; hostile text printed literally."""

from __future__ import annotations

import io
import re

import pytest

from auditor.engine.results import ScanResult
from auditor.render.terminal import make_console, print_summary, print_view
from auditor.render.view import build_view
from tests.render.hostile import RICH, crafted_result, hostile_result
from tests.render.synthetic import synthetic_result


def _print(result: ScanResult, *, tty: bool = False, top: int = 5) -> str:
    out = io.StringIO()
    console = make_console(out, force_terminal=True if tty else None)
    console.width = 160

    print_summary(result, console, top=top)
    return out.getvalue()


def test_summary_has_grades_and_first_recommendations() -> None:
    text = _print(synthetic_result(2_000))
    assert text.startswith("Overall ")
    for principle in ("Least Privilege", "Network Isolation", "Deployment Automation"):
        assert principle in text
    assert " 1. [Do now] " in text
    assert "$ aws service fix-" in text  # the first command, on one line
    assert "more recommendations in the report" in text
    assert "\x1b" not in text  # not a terminal: plain text


@pytest.mark.parametrize("make", [hostile_result, crafted_result])
def test_hostile_text_prints_literally(make: object) -> None:
    assert callable(make)
    result = make()
    plain = _print(result, top=50)
    assert "\x1b" not in plain and "\u202e" not in plain and "\x07" not in plain
    assert "\\x1b[31mred\\x1b[0m" in plain  # the ANSI payload, shown not executed
    assert "invoice\\u202egnp.exe" in plain
    if make is crafted_result:
        assert RICH in plain  # rich markup printed as text
        assert "<script>document.documentElement" in plain


def test_colour_on_a_terminal_carries_no_injected_escape() -> None:
    coloured = _print(crafted_result(), tty=True, top=50)
    assert "\x1b[" in coloured  # styles are on
    assert "\x1b]" not in coloured  # but the payload's OSC title sequence is not
    assert "\\x1b[31mred" in coloured
    assert RICH in coloured


def test_no_color_turns_styles_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out = io.StringIO()
    console = make_console(out, force_terminal=True)
    print_view(build_view(synthetic_result(500)), console)
    text = out.getvalue()
    assert "Overall " in text
    # bold and dim may stay (NO_COLOR is about colour); no foreground colour code at all
    codes = re.findall(r"\x1b\[([0-9;]*)m", text)
    assert codes and not [c for c in codes if re.search(r"(^|;)(3[0-9]|9[0-7])(;|$)", c)]
