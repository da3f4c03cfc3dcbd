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


#: Condition keys that pin who may use a statement (the caller's account,
#: organisation or identity, or the calling AWS resource) or where from (a VPC,
#: a VPC endpoint, an address range). A wildcard principal limited by one of
#: them with fixed values is not open to anyone.
CALLER_CONDITION_KEYS = frozenset(
    {
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:userid",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceip",
    }
)


def condition_values(st: Statement, key: str) -> tuple[str, ...] | None:
    """The values ``st`` requires for condition ``key`` under positive operators.

    Positive operators are those that require a match (``StringEquals``,
    ``StringLike``, ``ArnLike``, ``ForAnyValue:StringLike``, ``...IfExists``);
    negated ones (``StringNotEquals``, ``ArnNotLike``...) and ``Null`` do not
    pin a value and are ignored. None when no positive operator names the key.
    """
    wanted = key.lower()
    found: tuple[str, ...] | None = None
    for operator, block in st.condition.items():
        op = str(operator).lower()
        if "not" in op or op.startswith("null") or not isinstance(block, Mapping):
            continue
        for k, v in block.items():
            if str(k).lower() == wanted:
                found = (*(found or ()), *_as_tuple(v))
    return found


def is_fixed_value(value: str) -> bool:
    """A condition value that names something: not the world, no policy variable, and no
    wildcard, except in an ARN after a concrete account and resource prefix
    (``arn:aws:execute-api:us-west-2:111122223333:api-id/*`` names one API)."""
    if not value or "${" in value or value in ("0.0.0.0/0", "::/0"):
        return False
    if not any(c in value for c in "*?"):
        return True
    parts = value.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return False
    account, resource = parts[4], parts[5]
    prefix = resource.split("*", 1)[0].split("?", 1)[0]
    return bool(account) and not any(c in account for c in "*?") and bool(prefix)


def restricts_caller(st: Statement) -> bool:
    """Does a condition pin the caller (see :data:`CALLER_CONDITION_KEYS`) to fixed values?"""
    for key in CALLER_CONDITION_KEYS:
        values = condition_values(st, key)
        if values and all(is_fixed_value(v) for v in values):
            return True
    return False


def has_wildcard_principal(principal: Any) -> bool:
    """``*``, ``{"AWS": "*"}``, or an AWS principal with a wildcard (``arn:aws:iam::*:root``)."""
    return any("*" in value for kind, value in principals(principal) if kind in ("AWS", "*"))


def open_statements(doc: Mapping[str, Any] | None) -> list[Statement]:
    """Allow statements anyone may use: a wildcard principal without a condition
    that pins the caller (:func:`restricts_caller`). Unlike :func:`public_statements`,
    an unrelated condition (``aws:SecureTransport``) does not make a statement private."""
    return [
        st
        for st in statements(doc)
        if st.allows and has_wildcard_principal(st.principal) and not restricts_caller(st)
    ]
