"""Identity policy evaluation: which statements allow or deny an action on a resource.

The model follows AWS's evaluation logic for one account: an explicit Deny
wins; otherwise an Allow grants; otherwise the request is implicitly
denied. A permissions boundary, when present, must allow too.

Three outcomes: ALLOWED, DENIED or CONDITIONAL, with the condition keys
that made a grant conditional (:mod:`auditor.analysis.iam.conditions` says how
each key is read: caller-controlled keys are met, time keys are read at the
snapshot's time, identity keys are decided from what the context knows about
the principal). A conditional grant is never counted as an unconditional one.

Resources are matched three ways (:data:`ANY`, :data:`GENERIC`, or a
concrete ARN): see :func:`resource_matches`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any

from auditor.analysis.iam.actions import NOTHING, ActionSet, statement_actions
from auditor.analysis.iam.conditions import VARIABLE, Context, evaluate_condition, fill_variables
from auditor.analysis.iam.document import statements
from auditor.analysis.iam.wildcard import has_wildcard, matcher, matches

#: Target "some resource the caller may choose": for actions that create a
#: resource (``lambda:CreateFunction``), any Allow will do, whatever its
#: Resource; only a Deny on ``*`` blocks it.
ANY = "<any>"
#: Target "every resource of the action's service": only ``*`` or an ARN pattern
#: with nothing but wildcards after the resource type (``arn:aws:s3:::*/*``,
#: ``arn:aws:secretsmanager:*:*:secret:*``) covers it.
GENERIC = "<all>"


class Access(IntEnum):
    """How far a request is allowed: ordered, so ``min``/``max`` combine decisions.

    ``DENIED``/``ALLOWED`` are the outcome names; ``NO``/``YES`` are the same values."""

    DENIED = 0
    CONDITIONAL = 1
    ALLOWED = 2
    NO = 0
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


def _unfilled(pattern: str) -> str:
    """A pattern with its unknown policy variables read as ``*`` (a superset)."""
    return VARIABLE.sub("*", pattern) if "${" in pattern else pattern


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
    if services and not any(matches(parts[2], s, ignore_case=True) for s in services):
        return False
    if parts[2] == "s3":  # S3 ARNs have no resource type: the bucket name comes first
        return bool(_ALL_OF_TYPE.fullmatch(parts[5]))
    return bool(_BROAD_RESOURCE.fullmatch(parts[5]))


def resource_matches(
    st: PolicyStatement, action: str, target: str, ctx: Context | None = None
) -> bool | None:
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
    unknown = False
    hit = False
    for p in st.resources:
        filled = fill_variables(p, ctx) if ctx is not None else (p if "${" not in p else None)
        if filled is None:
            if matches(_unfilled(p), target):
                unknown = True
            continue
        if matches(filled, target):
            hit = True
            break
    if not hit and unknown:
        return None  # depends on a policy variable this analysis does not know
    return not hit if st.not_resource else hit


# --- conditions ------------------------------------------------------------------------


def condition_outcome(condition: Mapping[str, Any], context: Mapping[str, str]) -> bool | None:
    """True when the condition holds for the request, False when it cannot, None when
    it depends on something this analysis does not know. ``context`` maps condition
    keys to the request's values; the question is "what can this principal do?"."""
    return evaluate_condition(condition, Context.of(context)).holds


# --- decisions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """The outcome for one action on one target, the statements behind it and, when it
    is CONDITIONAL, the condition keys it depends on."""

    access: Access
    #: Allow statements that grant it (unconditional ones first), or the Deny that blocks it.
    statements: tuple[PolicyStatement, ...] = ()
    denied: bool = False
    keys: frozenset[str] = frozenset()

    @property
    def allowed(self) -> bool:
        return self.access is Access.ALLOWED

    @property
    def conditional(self) -> bool:
        return self.access is Access.CONDITIONAL

    @property
    def why(self) -> str:
        """The first statement behind the decision, as evidence (``policy X (Sid)``)."""
        return self.statements[0].label if self.statements else ""

    @property
    def condition(self) -> str:
        """The keys a CONDITIONAL decision depends on, for evidence."""
        return ", ".join(sorted(self.keys)) or "a condition"


NO_ACCESS = Decision(Access.DENIED)


def _variables(patterns: Iterable[str]) -> frozenset[str]:
    return frozenset(m.group(0) for p in patterns for m in VARIABLE.finditer(p))


def _decide(stmts: Iterable[PolicyStatement], action: str, target: str, ctx: Context) -> Decision:
    firm: list[PolicyStatement] = []
    maybe: list[PolicyStatement] = []
    allow_keys: set[str] = set()
    deny_keys: set[str] = set()
    for st in stmts:
        if action not in st.actions:
            continue
        where = resource_matches(st, action, target, ctx)
        if where is False:
            continue
        outcome = evaluate_condition(st.condition, ctx, allow=st.allow)
        if outcome.holds is False:
            continue
        if outcome.holds is None or where is None:
            keys = set(outcome.keys)
            if where is None:
                keys |= _variables(st.resources)
            if st.allow:
                maybe.append(st)
                allow_keys |= keys
            else:
                deny_keys |= keys
            continue
        if not st.allow:
            return Decision(Access.DENIED, (st,), denied=True)
        firm.append(st)
    if firm:
        if deny_keys:
            return Decision(Access.CONDITIONAL, (*firm, *maybe), keys=frozenset(deny_keys))
        return Decision(Access.ALLOWED, (*firm, *maybe))
    if maybe:
        return Decision(Access.CONDITIONAL, tuple(maybe), keys=frozenset(allow_keys | deny_keys))
    return NO_ACCESS


def _covers_everything(st: PolicyStatement) -> bool:
    """Does the statement's Resource cover every resource (``*``, or a NotResource)?"""
    if st.not_resource:
        return True
    return "*" in st.resources


def _admin_sets(
    stmts: Iterable[PolicyStatement], ctx: Context
) -> tuple[ActionSet, ActionSet, ActionSet, ActionSet, list[PolicyStatement], set[str]]:
    """(firm allows, conditional allows, firm denies, conditional denies) on every
    resource, the Allow statements behind them and the keys of the conditional ones."""
    a_firm = a_maybe = d_firm = d_maybe = NOTHING
    behind: list[PolicyStatement] = []
    keys: set[str] = set()
    for st in stmts:
        if not _covers_everything(st):
            continue
        outcome = evaluate_condition(st.condition, ctx, allow=st.allow)
        if outcome.holds is False:
            continue
        if st.allow:
            behind.append(st)
            if outcome.holds:
                a_firm = a_firm | st.actions
            else:
                a_maybe = a_maybe | st.actions
                keys |= outcome.keys
        elif outcome.holds:
            d_firm = d_firm | st.actions
        else:
            d_maybe = d_maybe | st.actions
            keys |= outcome.keys
    return a_firm, a_maybe, d_firm, d_maybe, behind, keys


def _admin_access(stmts: Iterable[PolicyStatement], ctx: Context) -> Decision:
    a_firm, a_maybe, d_firm, d_maybe, behind, keys = _admin_sets(stmts, ctx)
    behind.sort(key=lambda st: not st.actions.is_everything)
    if (a_firm - d_firm - d_maybe).is_everything:
        return Decision(Access.ALLOWED, tuple(behind))
    if ((a_firm | a_maybe) - d_firm).is_everything:
        return Decision(Access.CONDITIONAL, tuple(behind), keys=frozenset(keys))
    denies = d_firm.names if not d_firm.negated else frozenset()
    return Decision(Access.DENIED, (), denied=bool(denies) and (a_firm | a_maybe).is_everything)


@dataclass(frozen=True)
class Permissions:
    """A principal's identity policies (and permissions boundary), ready to query."""

    statements: tuple[PolicyStatement, ...]
    #: None: no boundary (or its document was not collected).
    boundary: tuple[PolicyStatement, ...] | None = None
    #: What is known about the principal as a caller: ``aws:username``,
    #: ``aws:principalarn``, ``aws:principalaccount``... (policy variables, identity keys).
    identity: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    #: The snapshot time: time condition keys are read at it.
    now: datetime | None = field(default=None, compare=False, hash=False)
    #: Identity keys the principal sets as it likes (its MFA, when it has a device).
    chosen: frozenset[str] = field(default=frozenset(), compare=False, hash=False)

    @functools.cached_property
    def _base_context(self) -> Context:
        return Context.of(self.identity, now=self.now, chosen=self.chosen)

    def context(self, extra: Mapping[str, str] | Context | None = None) -> Context:
        if isinstance(extra, Context):
            return extra
        if not extra:
            return self._base_context
        return self._base_context.with_values(extra)

    def decide(
        self,
        action: str,
        target: str = GENERIC,
        context: Mapping[str, str] | Context | None = None,
    ) -> Decision:
        """May the principal call ``action`` on ``target`` (an ARN, :data:`ANY` or
        :data:`GENERIC`)? ``context`` holds known condition key values."""
        ctx = self.context(context)
        action = action.lower()
        decision = _decide(self.statements, action, target, ctx)
        if self.boundary is None or decision.access is Access.DENIED:
            return decision
        bound = _decide(self.boundary, action, target, ctx)
        return _capped(decision, bound)

    def administrator(self) -> Decision:
        """Is the principal an administrator: every action on every resource, after Deny
        statements and the boundary? (``Allow *`` with ``Deny *`` is not; PowerUserAccess,
        ``NotAction: iam:*``, is not.)"""
        ctx = self.context()
        decision = _admin_access(self.statements, ctx)
        if self.boundary is None or decision.access is Access.DENIED:
            return decision
        return _capped(decision, _admin_access(self.boundary, ctx))

    def candidates(self, action: str, targets: Sequence[str]) -> list[str]:
        """The ``targets`` (ARNs) some Allow for ``action`` could cover: a cheap filter on
        Resource patterns before :meth:`decide`, which still has the last word."""
        action = action.lower()
        literal: set[str] = set()
        globs: list[str] = []
        for st in self.statements:
            if not st.allow or action not in st.actions:
                continue
            if st.not_resource:
                return list(targets)
            for pattern in st.resources:
                if pattern == "*":
                    return list(targets)
                if has_wildcard(pattern) or "${" in pattern:
                    globs.append(_unfilled(pattern))
                else:
                    literal.add(pattern)
        if not globs:
            return [t for t in targets if t in literal]
        tests = [matcher(g) for g in globs]
        return [t for t in targets if t in literal or any(m(t) for m in tests)]

    def allows(self, action: str, target: str = GENERIC, **context: str) -> bool:
        """Unconditionally allowed? (``context`` keys as keyword arguments.)"""
        return self.decide(action, target, context).allowed

    def allowed_actions(self, universe: Iterable[str], target: str = GENERIC) -> frozenset[str]:
        """The actions of ``universe`` (lower-cased) unconditionally allowed on ``target``."""
        return frozenset(a.lower() for a in universe if self.decide(a, target).allowed)


def _capped(decision: Decision, bound: Decision) -> Decision:
    """An identity-policy decision capped by the boundary's decision."""
    if bound.denied or bound.access is Access.DENIED:
        return Decision(Access.DENIED, bound.statements, denied=bound.denied)
    if bound.access < decision.access:
        return Decision(bound.access, decision.statements, keys=decision.keys | bound.keys)
    return Decision(decision.access, decision.statements, keys=decision.keys | bound.keys)
