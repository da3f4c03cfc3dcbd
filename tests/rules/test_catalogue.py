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


#: Verbs a recommendation title may start with: it says what to do.
ACTION_VERBS = frozenset(
    [
        "Add",
        "Alarm",
        "Block",
        "Check",
        "Close",
        "Create",
        "Cut",
        "Deactivate",
        "Delete",
        "Deliver",
        "Deploy",
        "Enable",
        "Encrypt",
        "Give",
        "Keep",
        "Launch",
        "Log",
        "Make",
        "Move",
        "Pin",
        "Remove",
        "Replace",
        "Require",
        "Restrict",
        "Run",
        "Rotate",
        "Save",
        "Scope",
        "Send",
        "Set",
        "Stop",
        "Strengthen",
        "Take",
        "Turn",
    ]
)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_says_what_to_do(rule) -> None:  # type: ignore[no-untyped-def]
    """The recommendation title is an action ("Enable Container Insights on {target}");
    the rule title keeps naming the compliant state."""
    assert rule.action, f"{rule.id} has no action= (the recommendation title)"
    assert rule.action.split()[0] in ACTION_VERBS, f"{rule.id}: {rule.action!r}"
    assert rule.action != rule.title
    assert not rule.action.endswith(".")
    fields = set(re.findall(r"\{([^}]*)\}", rule.action))
    assert fields <= {"target"}, f"{rule.id}: only {{target}} is filled in: {fields}"
    assert rule.action.format(target="x")  # a well-formed template


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
    for path in (REPO / "rules").rglob("*.py"):
        assert not forbidden.search(path.read_text()), f"{path.name} reads the wall clock"


def test_docs_rules_md_is_up_to_date() -> None:
    path = REPO / "docs" / "rules.md"
    assert path.read_text() == catalogue_markdown(CATALOGUE), (
        "docs/rules.md is stale: run `auditor rules --markdown > docs/rules.md`"
    )


def test_retired_ids_are_not_reused_and_still_accepted_in_configs(tmp_path: Path) -> None:
    from auditor.config import load_config
    from auditor.engine.catalogue import RETIRED

    assert "LP006" in RETIRED
    assert not set(RETIRED) & CATALOGUE.ids
    config = tmp_path / "auditor.yaml"
    config.write_text("disable: [LP006]\n")
    assert load_config(config, CATALOGUE).disable == ("LP006",)
    config.write_text("thresholds: {LP006: {x: 1}}\n")
    with pytest.raises(Exception, match="unknown rule id"):
        load_config(config, CATALOGUE)


# --- one problem, one score: the declared `supersedes` relation (docs/scoring.md)

SUPERSEDING = [r for r in RULES if r.supersedes]


def test_the_catalogue_declares_overlaps() -> None:
    assert SUPERSEDING, "no rule declares supersedes=: every overlap would be counted twice"


@pytest.mark.parametrize("rule", SUPERSEDING, ids=lambda r: r.id)
def test_supersedes_names_existing_other_rules(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.id not in rule.supersedes
    assert len(set(rule.supersedes)) == len(rule.supersedes)
    for other in rule.supersedes:
        assert other in CATALOGUE.ids, f"{rule.id} supersedes unknown rule {other}"


@pytest.mark.parametrize("rule", SUPERSEDING, ids=lambda r: r.id)
def test_supersedes_is_one_level_and_never_toward_a_more_severe_rule(rule) -> None:  # type: ignore[no-untyped-def]
    # One level (a superseded rule supersedes nothing) makes the relation acyclic and
    # the FAIL that counts always a superseding one; it is at least as severe as what
    # it covers, so "the most severe FAIL of the problem counts".
    for other in rule.supersedes:
        lower = CATALOGUE.get(other)
        assert not lower.supersedes, f"{other} is superseded by {rule.id} and supersedes too"
        assert rule.severity.rank <= lower.severity.rank, (
            f"{rule.id} ({rule.severity}) supersedes the more severe {other} ({lower.severity})"
        )


def test_scoring_metadata_is_consistent() -> None:
    # operations rules climb a ladder (a tier each); security rules have none
    for rule in RULES:
        if rule.principle.category.value == "operations":
            assert rule.tier is not None, f"{rule.id}: operations rule without a tier"
        else:
            assert rule.tier is None, f"{rule.id}: security rules are not tiered"
    # a group is one idea in one principle
    groups: dict[str, set[str]] = {}
    for rule in RULES:
        if rule.group:
            groups.setdefault(rule.group, set()).add(rule.principle.value)
    assert all(len(principles) == 1 for principles in groups.values()), groups
    # a former id is never a live one, and names one rule only
    formers = [f for rule in RULES for f in rule.formerly]
    assert len(formers) == len(set(formers))
    assert not set(formers) & CATALOGUE.ids


def test_rules_ask_the_iam_engine_instead_of_walking_policies() -> None:
    """Permission questions go to auditor.analysis.iam in its words (decide, administrator,
    open_grants, wildcard_grants...): no rule parses statements or matches wildcards."""
    forbidden_modules = {"fnmatch", "auditor.analysis.policy", "auditor.analysis.iam.document"}
    forbidden_names = {"statements", "principal_entries", "matches", "matcher"}
    for path in (REPO / "rules").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                assert not {a.name for a in node.names} & forbidden_modules, path.name
            elif isinstance(node, ast.ImportFrom) and node.module:
                assert node.module not in forbidden_modules, f"{path.name}: {node.module}"
                if node.module.startswith("auditor.analysis.iam"):
                    names = {a.name for a in node.names}
                    assert not names & forbidden_names, f"{path.name}: {names & forbidden_names}"
