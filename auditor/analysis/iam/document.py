"""Policy documents read statement by statement: the engine's parser.

Policy text is attacker-influenced data: every accessor tolerates the string
and list forms AWS allows and never trusts a shape. Nothing here decides a
permission: :mod:`auditor.analysis.iam.evaluate` and
:mod:`auditor.analysis.iam.resource_policy` do.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any


def as_tuple(value: Any) -> tuple[str, ...]:
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
    not_principal: Any = None

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    @property
    def label(self) -> str:
        """How to name the statement in evidence: its Sid, or its position."""
        return self.sid


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
        condition = st.get("Condition") or {}
        yield Statement(
            sid=str(st.get("Sid") or f"statement {i + 1}"),
            effect=str(st.get("Effect", "")),
            actions=as_tuple(st.get("Action")),
            not_actions=as_tuple(st.get("NotAction")),
            resources=as_tuple(st.get("Resource")),
            not_resources=as_tuple(st.get("NotResource")),
            principal=st.get("Principal"),
            condition=condition if isinstance(condition, Mapping) else {"?": {}},
            not_principal=st.get("NotPrincipal"),
        )


def principal_entries(principal: Any) -> tuple[tuple[str, str], ...]:
    """A Principal element as (kind, value) pairs, e.g. ("AWS", "*") or ("Service", "x")."""
    if principal == "*":
        return (("AWS", "*"),)
    if not isinstance(principal, Mapping):
        return ()
    return tuple((str(kind), v) for kind, value in principal.items() for v in as_tuple(value))
