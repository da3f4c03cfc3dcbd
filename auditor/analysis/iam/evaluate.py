"""Identity policy evaluation: which statements allow or deny an action on a resource.

The model follows AWS's evaluation logic for one account: an explicit Deny
wins; otherwise an Allow grants; otherwise the request is implicitly
denied. A permissions boundary, when present, must allow too.

Conditions are honest: a statement whose condition this module cannot
decide (most of them: MFA, source IP, tags...) makes its grant
*conditional*, and a conditional grant is never counted as an unconditional
one. A few keys are decided from a request context the caller gives
(``iam:PassedToService``, ``iam:PolicyARN``, ``aws:PrincipalArn``...) with the
string and ARN operators.

Resources are matched three ways (:data:`ANY`, :data:`GENERIC`, or a
concrete ARN): see :func:`resource_matches`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from auditor.analysis.iam.actions import ActionSet, statement_actions
from auditor.analysis.policy import statements

#: Target "some resource the caller may choose": for actions that create a
#: resource (``lambda:CreateFunction``), any Allow will do, whatever its
#: Resource; only a Deny on ``*`` blocks it.
ANY = "<any>"
#: Target "every resource of the action's service": only ``*`` or an ARN pattern
#: with nothing but wildcards after the resource type (``arn:aws:s3:::*/*``,
#: ``arn:aws:secretsmanager:*:*:secret:*``) covers it.
GENERIC = "<all>"


class Access(IntEnum):
    """How far a request is allowed: ordered, so ``min``/``max`` combine decisions."""

    NO = 0
    CONDITIONAL = 1
    YES = 2


@dataclass(frozen=True)
class PolicyStatement:
    """One statement of an identity policy, with its actions expanded."""

    source: str  # "inline policy deploy", "policy ReadOnly", "group devs policy X"
    sid: str
    allow: bool
    actions: ActionSet = field(repr=False)
    resources: tuple[str, ...] = ()
    not_resource: bool = False
    condition: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def label(self) -> str:
        """``policy X (Sid Y)``: how evidence names the statement."""
        return f"{self.source} ({self.sid})"


def compile_document(source: str, doc: Mapping[str, Any] | None) -> tuple[PolicyStatement, ...]:
    """The statements of one identity policy document (malformed parts are skipped)."""
    out = []
    for st in statements(doc):
        if st.effect not in ("Allow", "Deny"):
            continue
        out.append(
            PolicyStatement(
                source=source,
                sid=st.sid,
                allow=st.allows,
                actions=statement_actions(st.actions, st.not_actions),
                resources=st.not_resources or st.resources,
                not_resource=bool(st.not_resources),
                condition=st.condition if isinstance(st.condition, Mapping) else {"?": {}},
            )
        )
    return tuple(out)


# --- resources ------------------------------------------------------------------------

_ALL_OF_TYPE = re.compile(r"[*/:]*\*[*/:]*")
_BROAD_RESOURCE = re.compile(r"(?:[A-Za-z0-9_.-]+[:/])?[*/:]*\*[*/:]*")


@functools.lru_cache(maxsize=65536)
def _arn_glob(pattern: str) -> re.Pattern[str]:
    """An ARN pattern as a regex: ``*`` and ``?`` wildcards; a policy variable
    (``${aws:username}``) matches anything (callers treat such grants as conditional)."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "$" and pattern.startswith("${", i) and "}" in pattern[i:]:
            i = pattern.index("}", i) + 1
            out.append(".*")
            continue
        out.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def _service_of(action: str) -> tuple[str, ...]:
    service = action.partition(":")[0].lower()
    return ("iam", "sts") if service == "sts" else (service,)


@functools.lru_cache(maxsize=65536)
def is_broad(pattern: str, services: tuple[str, ...] = ()) -> bool:
    """Does the Resource pattern cover every resource of a service (of ``services``,
    when given)? ``*`` always; ``arn:aws:s3:::*``, ``arn:aws:s3:::*/*``,
    ``arn:aws:ssm:*:111122223333:parameter/*`` too; ``arn:aws:s3:::logs-*`` not."""
    if pattern == "*":
        return True
    parts = pattern.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return False
    if services and not any(_arn_glob(parts[2].lower()).fullmatch(s) for s in services):
        return False
    if parts[2] == "s3":  # S3 ARNs have no resource type: the bucket name comes first
        return bool(_ALL_OF_TYPE.fullmatch(parts[5]))
    return bool(_BROAD_RESOURCE.fullmatch(parts[5]))


def resource_matches(st: PolicyStatement, action: str, target: str) -> bool:
    """Does the statement apply to ``target``?

    * a concrete ARN: glob match on ``Resource`` (or no match on ``NotResource``);
    * :data:`GENERIC` (every resource): an Allow or Deny whose ``Resource`` has a
      broad pattern for the action's service (:func:`is_broad`), or whose
      ``NotResource`` has none;
    * :data:`ANY` (a resource the caller picks): an Allow always applies; a Deny
      only if it names ``*`` (or is a ``NotResource`` that excludes nothing broad).
    """
    if target == ANY:
        if st.allow:
            return True
        if st.not_resource:
            return not any(is_broad(p) for p in st.resources)
        return "*" in st.resources
    if target == GENERIC:
        services = _service_of(action)
        hit = any(is_broad(p, services) for p in st.resources)
        return not hit if st.not_resource else hit
    hit = any(_arn_glob(p).fullmatch(target) for p in st.resources)
    return not hit if st.not_resource else hit


# --- conditions ------------------------------------------------------------------------

_POSITIVE = {"stringequals", "stringlike", "stringequalsignorecase", "arnequals", "arnlike"}
_NEGATIVE = {
    "stringnotequals",
    "stringnotlike",
    "stringnotequalsignorecase",
    "arnnotequals",
    "arnnotlike",
}


def _as_tuple(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return (str(value),)


def _value_matches(operator: str, pattern: str, value: str) -> bool:
    if operator.endswith("ignorecase"):
        return pattern.lower() == value.lower()
    if operator.endswith("like"):
        return bool(_arn_glob(pattern).fullmatch(value))
    return pattern == value


def condition_outcome(condition: Mapping[str, Any], context: Mapping[str, str]) -> bool | None:
    """True when the condition holds for the request, False when it cannot, None when
    it depends on something this analysis does not know (the grant is conditional).

    ``context`` maps lower-cased condition keys to the request's values. Only the
    string and ARN operators (with ``IfExists`` and ``ForAnyValue:``/``ForAllValues:``
    on a single value) are decided; any other operator or key is unknown.
    """
    outcome: bool | None = True
    for raw_operator, block in condition.items():
        if not isinstance(block, Mapping):
            return None
        operator = str(raw_operator).lower()
        for prefix in ("foranyvalue:", "forallvalues:"):
            operator = operator.removeprefix(prefix)
        operator = operator.removesuffix("ifexists")
        for raw_key, values in block.items():
            key = str(raw_key).lower()
            if key not in context or operator not in _POSITIVE | _NEGATIVE:
                outcome = None
                continue
            hit = any(_value_matches(operator, p, context[key]) for p in _as_tuple(values))
            if hit != (operator in _POSITIVE):
                return False
    return outcome


# --- decisions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """The outcome for one action on one target, and the statements behind it."""

    access: Access
    #: Allow statements that grant it (unconditional ones first), or the Deny that blocks it.
    statements: tuple[PolicyStatement, ...] = ()
    denied: bool = False

    @property
    def allowed(self) -> bool:
        return self.access is Access.YES

    @property
    def why(self) -> str:
        """The first statement behind the decision, as evidence (``policy X (Sid)``)."""
        return self.statements[0].label if self.statements else ""


NO_ACCESS = Decision(Access.NO)


def _decide(
    stmts: Iterable[PolicyStatement], action: str, target: str, context: Mapping[str, str]
) -> Decision:
    firm: list[PolicyStatement] = []
    maybe: list[PolicyStatement] = []
    shadowed = False
    for st in stmts:
        if action not in st.actions or not resource_matches(st, action, target):
            continue
        outcome = condition_outcome(st.condition, context)
        if outcome is False:
            continue
        variable = target not in (ANY, GENERIC) and any("${" in p for p in st.resources)
        if outcome is None or variable:
            if st.allow:
                maybe.append(st)
            else:
                shadowed = True
            continue
        if not st.allow:
            return Decision(Access.NO, (st,), denied=True)
        firm.append(st)
    if firm:
        access = Access.CONDITIONAL if shadowed else Access.YES
        return Decision(access, (*firm, *maybe))
    if maybe:
        return Decision(Access.CONDITIONAL, tuple(maybe))
    return NO_ACCESS


@dataclass(frozen=True)
class Permissions:
    """A principal's identity policies (and permissions boundary), ready to query."""

    statements: tuple[PolicyStatement, ...]
    #: None: no boundary (or its document was not collected).
    boundary: tuple[PolicyStatement, ...] | None = None

    def decide(
        self, action: str, target: str = GENERIC, context: Mapping[str, str] | None = None
    ) -> Decision:
        """May the principal call ``action`` on ``target`` (an ARN, :data:`ANY` or
        :data:`GENERIC`)? ``context`` holds known condition key values."""
        ctx = {k.lower(): v for k, v in (context or {}).items()}
        action = action.lower()
        decision = _decide(self.statements, action, target, ctx)
        if self.boundary is None or decision.access is Access.NO:
            return decision
        bound = _decide(self.boundary, action, target, ctx)
        if bound.denied:
            return bound
        if bound.access < decision.access:
            return Decision(bound.access, decision.statements if bound.access else ())
        return decision

    def candidates(self, action: str, targets: Sequence[str]) -> list[str]:
        """The ``targets`` (ARNs) some Allow for ``action`` could cover: a cheap filter on
        Resource patterns before :meth:`decide`, which still has the last word."""
        action = action.lower()
        literal: set[str] = set()
        globs: list[re.Pattern[str]] = []
        for st in self.statements:
            if not st.allow or action not in st.actions:
                continue
            if st.not_resource:
                return list(targets)
            for pattern in st.resources:
                if pattern == "*":
                    return list(targets)
                if any(c in pattern for c in "*?$"):
                    globs.append(_arn_glob(pattern))
                else:
                    literal.add(pattern)
        if not globs:
            return [t for t in targets if t in literal]
        return [t for t in targets if t in literal or any(g.fullmatch(t) for g in globs)]

    def allows(self, action: str, target: str = GENERIC, **context: str) -> bool:
        """Unconditionally allowed? (``context`` keys as keyword arguments.)"""
        return self.decide(action, target, context).allowed

    def allowed_actions(self, universe: Iterable[str], target: str = GENERIC) -> frozenset[str]:
        """The actions of ``universe`` (lower-cased) unconditionally allowed on ``target``."""
        return frozenset(a.lower() for a in universe if self.decide(a, target).allowed)
