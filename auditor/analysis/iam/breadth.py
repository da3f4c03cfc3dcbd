"""How broad one policy document is, read by the engine: full administrator
(``*`` on ``*`` in effect) and whole-service wildcards (``s3:*``) on every resource.

A grant counts when its condition holds for the principal holding the policy:
conditions on keys the caller controls (``aws:RequestedRegion``...) are met,
time windows are read at the snapshot time; a grant on keys this analysis
cannot decide is reported as conditional, not dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from auditor.analysis.iam.actions import NOTHING, statement_actions
from auditor.analysis.iam.conditions import Context, evaluate_condition
from auditor.analysis.iam.document import statements
from auditor.analysis.iam.evaluate import Decision, Permissions, compile_document


def document_admin(
    doc: Mapping[str, Any] | None, now: datetime | None = None, source: str = "policy"
) -> Decision:
    """Does this one document, alone, make its holder an administrator?"""
    return Permissions(compile_document(source, doc), now=now).administrator()


@dataclass(frozen=True)
class WildcardGrant:
    """An Allow of a whole service (``s3:*``), of everything (``*``) or of everything
    but a few actions (``NotAction``) on every resource."""

    sid: str
    actions: tuple[str, ...]  # ("s3:*",), ("*",) or ("NotAction iam:*",)
    conditional_on: frozenset[str] = frozenset()

    @property
    def everything(self) -> bool:
        return any(a in ("*", "*:*") or a.startswith("NotAction") for a in self.actions)


def wildcard_grants(
    doc: Mapping[str, Any] | None, now: datetime | None = None
) -> list[WildcardGrant]:
    """Allow statements on every resource (``*`` or a ``NotResource``) granting a whole
    service, every action, or every action but some (``NotAction``), unless the
    document's own unconditional Deny on every resource takes all of it back."""
    ctx = Context(now=now)
    out: list[WildcardGrant] = []
    parsed = list(statements(doc))
    denied = NOTHING  # what the document's own unconditional Deny on every resource takes back
    for st in parsed:
        everywhere = st.not_resources or "*" in st.resources
        firm = evaluate_condition(st.condition, ctx, allow=False).holds is True
        if st.effect == "Deny" and everywhere and firm:
            denied = denied | statement_actions(st.actions, st.not_actions)
    for st in parsed:
        if not st.allows or not (st.not_resources or "*" in st.resources):
            continue
        outcome = evaluate_condition(st.condition, ctx)
        if outcome.holds is False:
            continue
        if (statement_actions(st.actions, st.not_actions) - denied).is_empty:
            continue  # `Allow *` with `Deny *`: nothing is granted
        found: tuple[str, ...]
        if st.not_actions:
            found = (f"NotAction {', '.join(st.not_actions)}",)
        else:
            found = tuple(
                a
                for a in st.actions
                if a in ("*", "*:*") or (a.endswith(":*") and a.count(":") == 1)
            )
        if found:
            keys = outcome.keys if outcome.holds is None else frozenset()
            out.append(WildcardGrant(st.sid, found, keys))
    return out
