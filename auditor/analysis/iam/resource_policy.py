"""Resource policies and trust policies: "who can use R?".

The question here is the PUBLIC one of :mod:`auditor.analysis.iam.conditions`:
could a stranger (anyone, or any AWS account) use the resource? A statement
opens it when it is an Allow whose principal is a wildcard (``*``,
``{"AWS": "*"}``, ``arn:aws:iam::*:root``) or a ``NotPrincipal`` (everyone not
named), whose actions include the one asked about, whose condition a stranger
can meet, and that no Deny of the same policy takes back. A condition pinning
the caller to fixed values (``aws:PrincipalOrgID``, ``aws:SourceArn``, an
address range that is not the internet) keeps strangers out: that statement
is *pinned*, and the keys that pin it are kept for the evidence.

Some service principals act for any account (``s3.amazonaws.com`` for any
bucket: bucket names are global): an Allow for them without
``aws:SourceAccount``/``aws:SourceArn`` is open to every account's resources.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from auditor.analysis.iam.actions import statement_actions
from auditor.analysis.iam.conditions import Context, Question, evaluate_condition
from auditor.analysis.iam.document import Statement, principal_entries, statements
from auditor.analysis.iam.evaluate import Access


def _wildcard_principal(st: Statement) -> bool:
    if st.not_principal is not None:
        return True
    return any(
        "*" in value for kind, value in principal_entries(st.principal) if kind in ("AWS", "*")
    )


def _names_service(st: Statement, services: Iterable[str]) -> bool:
    wanted = set(services)
    return any(
        kind == "Service" and value in wanted for kind, value in principal_entries(st.principal)
    )


def _covers(st: Statement, action: str | None) -> bool:
    return action is None or action.lower() in statement_actions(st.actions, st.not_actions)


@dataclass(frozen=True)
class Grant:
    """An Allow statement anyone could use (``access`` ALLOWED), or could use when
    ``keys`` allow (CONDITIONAL), or that is pinned to named callers (DENIED, ``keys``
    say by what)."""

    statement: Statement
    access: Access
    keys: frozenset[str] = frozenset()

    @property
    def open(self) -> bool:
        return self.access is not Access.DENIED

    @property
    def label(self) -> str:
        return self.statement.label


def stranger_grants(
    doc: Mapping[str, Any] | None,
    action: str | None = None,
    *,
    services: Iterable[str] = (),
    now: datetime | None = None,
) -> list[Grant]:
    """Every Allow statement with a wildcard principal (or naming one of ``services``,
    the principals that act for any account), judged for a stranger calling ``action``
    (any action when None). Pinned statements are returned too (access DENIED)."""
    parsed = list(statements(doc))
    services = tuple(services)
    public = Context(Question.PUBLIC, now=now)
    service_call = Context(Question.PUBLIC, now=now, service_call=True)
    blocked = [
        st
        for st in parsed
        if st.effect == "Deny"
        and _wildcard_principal(st)
        and _covers(st, action)
        and evaluate_condition(st.condition, public, allow=False).holds is True
    ]
    out: list[Grant] = []
    for st in parsed:
        if not st.allows or not _covers(st, action):
            continue
        if _wildcard_principal(st):
            ctx = public
        elif services and _names_service(st, services):
            ctx = service_call
        else:
            continue
        if blocked and action is not None:
            out.append(Grant(st, Access.DENIED, frozenset({f"Deny {blocked[0].label}"})))
            continue
        outcome = evaluate_condition(st.condition, ctx)
        if outcome.holds is False:
            out.append(Grant(st, Access.DENIED, outcome.keys))
        elif outcome.holds is None:
            out.append(Grant(st, Access.CONDITIONAL, outcome.keys))
        else:
            out.append(Grant(st, Access.ALLOWED))
    return out


def open_grants(
    doc: Mapping[str, Any] | None,
    action: str | None = None,
    *,
    services: Iterable[str] = (),
    now: datetime | None = None,
) -> list[Grant]:
    """The statements of :func:`stranger_grants` a stranger can actually use (ALLOWED, or
    CONDITIONAL on keys this analysis cannot decide: never counted as closed)."""
    return [g for g in stranger_grants(doc, action, services=services, now=now) if g.open]


def trusted(doc: Mapping[str, Any] | None, kind: str) -> list[tuple[Statement, str]]:
    """(statement, principal) of every Allow naming a principal of ``kind`` (``Service``,
    ``Federated``, ``AWS``)."""
    return [
        (st, str(value))
        for st in statements(doc)
        if st.allows
        for k, value in principal_entries(st.principal)
        if k == kind
    ]


def trusted_services(trust: Mapping[str, Any] | None) -> frozenset[str]:
    """Service principals a role trust policy lets assume the role."""
    return frozenset(value for _, value in trusted(trust, "Service"))


def insecure_transport_denial(doc: Mapping[str, Any] | None) -> Statement | None:
    """The statement of an S3 bucket policy refusing plain HTTP to everyone, or None.

    It is a Deny whose principal is every principal (``*`` or ``{"AWS": "*"}``;
    not a ``NotPrincipal``, which spares someone), whose actions cover both
    ``s3:GetObject`` and ``s3:PutObject``, under ``Bool`` or ``BoolIfExists``
    ``aws:SecureTransport`` ``false`` (CIS 2.1.1, FSBP S3.5).
    """
    for st in statements(doc):
        if st.effect != "Deny" or st.not_principal is not None or not _wildcard_principal(st):
            continue
        if not (_covers(st, "s3:GetObject") and _covers(st, "s3:PutObject")):
            continue
        for operator, block in st.condition.items():
            if str(operator).lower() not in ("bool", "boolifexists"):
                continue
            if not isinstance(block, Mapping):
                continue
            for key, value in block.items():
                values = value if isinstance(value, list) else [value]
                if str(key).lower() == "aws:securetransport" and any(
                    str(v).lower() == "false" for v in values
                ):
                    return st
    return None
