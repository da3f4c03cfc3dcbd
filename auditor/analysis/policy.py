"""IAM policy documents, read statement by statement.

Policy text is attacker-influenced data: every accessor tolerates the string
and list forms AWS allows and never trusts a shape.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return (str(value),)


@dataclass(frozen=True)
class Statement:
    sid: str
    effect: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]
    principal: Any
    condition: Mapping[str, Any]

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    @property
    def conditional(self) -> bool:
        return bool(self.condition)

    @property
    def label(self) -> str:
        """How to name the statement in evidence: its Sid, or its position."""
        return self.sid

    def matches_action(self, action: str) -> bool:
        """Does this statement's Action/NotAction cover ``action`` (case-insensitive globs)?"""
        action = action.lower()
        if self.not_actions:
            return not any(fnmatchcase(action, a.lower()) for a in self.not_actions)
        return any(fnmatchcase(action, a.lower()) for a in self.actions)

    @property
    def on_all_resources(self) -> bool:
        if self.not_resources:
            return True  # NotResource grants everything but a few
        return "*" in self.resources


def statements(doc: Mapping[str, Any] | None) -> Iterator[Statement]:
    if not isinstance(doc, Mapping):
        return
    raw = doc.get("Statement", [])
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        return
    for i, st in enumerate(raw):
        if not isinstance(st, Mapping):
            continue
        yield Statement(
            sid=str(st.get("Sid") or f"statement {i + 1}"),
            effect=str(st.get("Effect", "")),
            actions=_as_tuple(st.get("Action")),
            not_actions=_as_tuple(st.get("NotAction")),
            resources=_as_tuple(st.get("Resource")),
            not_resources=_as_tuple(st.get("NotResource")),
            principal=st.get("Principal"),
            condition=st.get("Condition") or {},
        )


def grants_admin(doc: Mapping[str, Any] | None) -> Statement | None:
    """The first unconditional Allow of every action on every resource, if any."""
    for st in statements(doc):
        if not st.allows or st.conditional or not st.on_all_resources:
            continue
        if st.not_actions or any(a in ("*", "*:*") for a in st.actions):
            return st
    return None


def service_wildcards(doc: Mapping[str, Any] | None) -> list[tuple[str, Statement]]:
    """Unconditional ``service:*`` grants on ``*`` (e.g. ``s3:*``), with their statement."""
    out: list[tuple[str, Statement]] = []
    for st in statements(doc):
        if not st.allows or st.conditional or not st.on_all_resources:
            continue
        for action in st.actions:
            service, _, verb = action.partition(":")
            if verb == "*" and service not in ("", "*"):
                out.append((action, st))
    return out


def principals(principal: Any) -> tuple[tuple[str, str], ...]:
    """A Principal element as (kind, value) pairs, e.g. ("AWS", "*") or ("Service", "x")."""
    if principal == "*":
        return (("AWS", "*"),)
    if not isinstance(principal, Mapping):
        return ()
    return tuple((str(kind), v) for kind, value in principal.items() for v in _as_tuple(value))


def is_public_principal(principal: Any) -> bool:
    return any(value == "*" for kind, value in principals(principal) if kind in ("AWS", "*"))


def public_statements(doc: Mapping[str, Any] | None) -> list[Statement]:
    """Unconditional Allow statements whose Principal is anyone (``*``)."""
    return [
        st
        for st in statements(doc)
        if st.allows and is_public_principal(st.principal) and not st.conditional
    ]


def trusted_services(trust: Mapping[str, Any] | None) -> frozenset[str]:
    """Service principals a role trust policy lets assume the role."""
    return frozenset(
        value
        for st in statements(trust)
        if st.allows
        for kind, value in principals(st.principal)
        if kind == "Service"
    )


def condition_keys(st: Statement) -> frozenset[str]:
    """Lower-cased condition keys of a statement, across operators."""
    keys: set[str] = set()
    for block in st.condition.values():
        if isinstance(block, Mapping):
            keys.update(str(k).lower() for k in block)
    return frozenset(keys)
