"""Catalogue-wide meta tests: every rule is well-formed, documented and tested."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

from auditor.engine.catalogue import load_catalogue
from auditor.engine.docs import catalogue_markdown
from auditor.engine.model import DOC_SECTIONS, id_is_well_formed, slug_is_well_formed
from auditor.services import SERVICES

CATALOGUE = load_catalogue()
RULES = list(CATALOGUE)
RULE_TESTS = Path(__file__).parent
REPO = Path(__file__).parents[2]

FRAMEWORK_ID = {
    "cis": re.compile(r"^\d+(\.\d+){1,2}$"),
    "cis-5.0": re.compile(r"^\d+(\.\d+){1,2}$"),
    "fsbp": re.compile(r"^[A-Za-z0-9]+\.\d+$"),
}


def test_catalogue_is_not_empty() -> None:
    assert len(CATALOGUE) >= 18


def test_ids_and_slugs_are_unique() -> None:
    ids = [r.id for r in RULES]
    slugs = [r.slug for r in RULES]
    assert len(set(ids)) == len(ids)
    assert len(set(slugs)) == len(slugs)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_metadata_is_well_formed(rule) -> None:  # type: ignore[no-untyped-def]
    assert id_is_well_formed(rule.id)
    assert rule.id.startswith(rule.principle.prefix), "id prefix must match the principle"
    assert slug_is_well_formed(rule.slug)
    assert rule.title and rule.title[0].isupper()
    assert rule.needs and set(rule.needs) <= set(SERVICES)
    assert rule.effort_minutes > 0
    assert rule.monthly_cost_usd >= 0
    for section in DOC_SECTIONS:
        assert rule.docs.get(section), f"{rule.id} docstring lacks '## {section}'"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_framework_ids_are_well_formed(rule) -> None:  # type: ignore[no-untyped-def]
    for framework, ids in rule.frameworks.items():
        assert framework in FRAMEWORK_ID, f"unknown framework {framework!r}"
        for control in ids:
            assert FRAMEWORK_ID[framework].match(control), (
                f"{rule.id}: bad {framework} id {control!r}"
            )


@functools.cache
def _test_functions() -> dict[str, str]:
    """name -> source of every test function in the rule test modules."""
    out: dict[str, str] = {}
    for path in RULE_TESTS.glob("test_*.py"):
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                out[node.name] = ast.get_source_segment(source, node) or ""
    return out


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_has_pass_and_fail_tests(rule) -> None:  # type: ignore[no-untyped-def]
    prefix = f"test_{rule.id.lower()}_"
    tests = {n: src for n, src in _test_functions().items() if n.startswith(prefix)}
    assert tests, f"no test function named {prefix}*"
    body = "\n".join(tests.values())
    assert "passing(" in body or "pass-" in body, f"{rule.id}: no PASS case"
    assert "failing(" in body, f"{rule.id}: no FAIL case"


def test_rule_functions_do_not_read_the_clock() -> None:
    forbidden = re.compile(r"\b(datetime\.now|datetime\.utcnow|date\.today|time\.time)\b")
    for path in (REPO / "rules").glob("*.py"):
        assert not forbidden.search(path.read_text()), f"{path.name} reads the wall clock"


def test_docs_rules_md_is_up_to_date() -> None:
    path = REPO / "docs" / "rules.md"
    assert path.read_text() == catalogue_markdown(CATALOGUE), (
        "docs/rules.md is stale: run `auditor rules --markdown > docs/rules.md`"
    )
