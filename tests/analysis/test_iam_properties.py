"""Property tests over generated identity policies.

Documents are built from real action names of a few services (from the
database) and wildcard fragments, in string and list forms, with Action or
NotAction, Allow or Deny, and sometimes a condition or a scoped resource.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.analysis.iam import (
    ANY,
    GENERIC,
    Access,
    Permissions,
    compile_document,
    database,
    expand,
)

SERVICES = ("s3", "iam", "lambda", "sts", "secretsmanager", "kms")
_DB = database()
#: Every 5th action of those services (deterministic), plus the ones escalation hinges on.
ACTIONS = tuple(
    sorted(
        {a for s in SERVICES for a in sorted(_DB.service_actions(s))[::5]}
        | {"iam:passrole", "sts:assumerole", "s3:getobject", "lambda:createfunction"}
    )
)
DISPLAY = [_DB.display(a) for a in ACTIONS]
ROLE = "arn:aws:iam::123456789012:role/app"
RESOURCES = ["*", ROLE, "arn:aws:iam::123456789012:role/*", "arn:aws:s3:::bucket/*"]
TARGETS = [GENERIC, ANY, ROLE, "arn:aws:s3:::bucket/key"]

_ACTION_NAMES = st.sampled_from(DISPLAY)
_RESOURCE = st.sampled_from(RESOURCES)
_EFFECT = st.sampled_from(["Allow", "Deny"])

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def patterns(draw: st.DrawFn) -> str:
    """A real action, a prefix wildcard of one, a service wildcard, or ``*``."""
    action = draw(_ACTION_NAMES)
    service, _, name = action.partition(":")
    kind = draw(st.integers(0, 6))
    if kind == 0:
        return "*"
    if kind == 1:
        return f"{service}:*"
    if kind == 2:
        cut = draw(st.integers(1, len(name)))
        return f"{service}:{name[:cut]}*"
    if kind == 3:
        i = draw(st.integers(0, len(name) - 1))
        return f"{service}:{name[:i]}?{name[i + 1 :]}"
    if kind == 4:
        return action.upper() if draw(st.booleans()) else action.lower()
    return action


def _one_or_list(items: list[str]) -> str | list[str]:
    return items[0] if len(items) == 1 else items


@st.composite
def statements(draw: st.DrawFn, effect: str | None = None) -> dict[str, Any]:
    actions = draw(st.lists(patterns(), min_size=1, max_size=3))
    key = "NotAction" if draw(st.integers(0, 4)) == 0 else "Action"
    resources = draw(st.lists(_RESOURCE, min_size=1, max_size=2))
    statement: dict[str, Any] = {
        "Effect": effect or draw(_EFFECT),
        key: _one_or_list(actions) if draw(st.booleans()) else actions,
        "Resource": _one_or_list(resources),
    }
    if draw(st.integers(0, 5)) == 0:
        statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    return statement


def documents() -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(statements(), min_size=0, max_size=4)


def permissions(stmts: list[dict[str, Any]]) -> Permissions:
    return Permissions(compile_document("policy", {"Statement": stmts}))


_PROBE = st.tuples(st.sampled_from(ACTIONS), st.sampled_from(TARGETS))


def probes() -> st.SearchStrategy[tuple[str, str]]:
    return _PROBE


@PROPERTY
@given(patterns())
def test_expansion_is_a_subset_of_the_service(pattern: str) -> None:
    found = expand([pattern])
    if pattern == "*":
        assert found.is_everything
        return
    service = pattern.partition(":")[0].lower()
    assert not found.negated
    assert found.names <= _DB.service_actions(service)


@PROPERTY
@given(patterns())
def test_expansion_contains_what_the_pattern_names(pattern: str) -> None:
    if "*" not in pattern and "?" not in pattern:
        assert pattern.lower() in expand([pattern])


@PROPERTY
@given(documents(), statements(effect="Deny"), st.lists(probes(), min_size=1, max_size=8))
def test_adding_a_deny_never_grants_more(
    doc: list[dict[str, Any]], extra: dict[str, Any], checks: list[tuple[str, str]]
) -> None:
    before, after = permissions(doc), permissions([*doc, extra])
    for action, target in checks:
        assert after.decide(action, target).access <= before.decide(action, target).access


@PROPERTY
@given(documents(), statements(effect="Allow"), st.lists(probes(), min_size=1, max_size=8))
def test_adding_an_allow_never_grants_less(
    doc: list[dict[str, Any]], extra: dict[str, Any], checks: list[tuple[str, str]]
) -> None:
    before, after = permissions(doc), permissions([*doc, extra])
    for action, target in checks:
        assert after.decide(action, target).access >= before.decide(action, target).access


@PROPERTY
@given(documents(), st.lists(probes(), min_size=1, max_size=8))
def test_an_unconditional_deny_of_everything_wins(
    doc: list[dict[str, Any]], checks: list[tuple[str, str]]
) -> None:
    p = permissions([*doc, {"Effect": "Deny", "Action": "*", "Resource": "*"}])
    for action, target in checks:
        assert p.decide(action, target).access is Access.NO


@PROPERTY
@given(documents(), st.sampled_from(ACTIONS))
def test_the_string_and_list_forms_agree(doc: list[dict[str, Any]], action: str) -> None:
    listed = [
        {
            k: ([v] if k in ("Action", "NotAction", "Resource") and isinstance(v, str) else v)
            for k, v in s.items()
        }
        for s in doc
    ]
    for target in TARGETS:
        assert (
            permissions(doc).decide(action, target).access
            is permissions(listed).decide(action, target).access
        )


@PROPERTY
@given(documents(), st.sampled_from(ACTIONS))
def test_granted_means_a_statement_covers_the_action(
    doc: list[dict[str, Any]], action: str
) -> None:
    decision = permissions(doc).decide(action, GENERIC)
    if decision.access is not Access.NO:
        assert decision.statements
        assert all(action in st.actions and st.allow for st in decision.statements)
