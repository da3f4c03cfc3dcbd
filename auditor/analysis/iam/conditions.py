"""Condition blocks, evaluated the way AWS documents them, for two questions.

A condition key is one of four kinds, and its kind decides what an unknown
value means:

* **caller-controlled** (:data:`CALLER_CONTROLLED`): the request carries it and
  whoever holds the credentials sets it (``aws:RequestedRegion``,
  ``aws:SecureTransport``, ``aws:SourceIp``, ``aws:RequestTag/*``, ``s3:prefix``...).
  Asking "what can this principal do?", an Allow that needs one is satisfied
  and a Deny that needs one is sidestepped: an attacker picks the value.
* **time** (``aws:CurrentTime``, ``aws:EpochTime``, ``aws:TokenIssueTime``):
  evaluated at the snapshot's ``collected_at``.
* **identity** (:data:`IDENTITY`): who or where the caller is
  (``aws:PrincipalOrgID``, ``aws:PrincipalArn``, ``aws:SourceVpce``,
  ``aws:MultiFactorAuthPresent``, ``sts:ExternalId``...). Asking "what can
  this principal do?", a value the context knows (its own account, ARN,
  name) decides it and any other leaves the grant CONDITIONAL on that key.
  Asking "is this resource open to anyone?", a positive pin with fixed values
  keeps strangers out, and a negative or ``...IfExists`` one does not.
* anything else: decided from the context when known, otherwise CONDITIONAL.

``aws:SourceAccount``/``aws:SourceArn`` exist only on calls made by service
principals: for any other caller they are absent.

Operators: the string, numeric, date, Bool, Binary, IP address and ARN families,
their ``...IfExists`` forms (a missing key satisfies them), ``Null``, and the
``ForAnyValue:``/``ForAllValues:`` set qualifiers. A negated operator is true for a
missing key. ``ArnEquals`` and ``ArnLike`` both accept wildcards. Policy
variables (``${aws:username}``) in condition values are filled from the context
or leave the condition undecided.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from auditor.analysis.iam.wildcard import matches


class Question(StrEnum):
    """What the caller of the engine wants to know."""

    #: "What can this principal do?" (identity policies, trust for a known caller)
    PRINCIPAL = "principal"
    #: "Is this resource open to anyone?" (resource policies, a stranger calling)
    PUBLIC = "public"


#: Request keys whoever holds the credentials sets (lower-cased; ``*`` = wildcard).
CALLER_CONTROLLED = (
    "aws:requestedregion",
    "aws:securetransport",
    "aws:sourceip",
    "aws:useragent",
    "aws:referer",
    "aws:viaawsservice",
    "aws:calledvia",
    "aws:calledviafirst",
    "aws:calledvialast",
    "aws:requesttag/*",
    "aws:tagkeys",
    "*:requesttag/*",
    "s3:prefix",
    "s3:delimiter",
    "s3:max-keys",
    "s3:x-amz-*",
    "s3:versionid",
    "s3:signatureversion",
    "s3:authtype",
    "s3:tlsversion",
    "ec2:instancetype",
    "ec2:region",
    "iam:passedtoservice",
    "sts:rolesessionname",
    "sts:sourceidentity",
    "lambda:functionurlauthtype",
)

#: Keys naming who or where the caller is.
IDENTITY = (
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principaltype",
    "aws:principalisawsservice",
    "aws:principaltag/*",
    "aws:principalservicename",
    "aws:userid",
    "aws:username",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:vpcsourceip",
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:multifactorauthpresent",
    "aws:multifactorauthage",
    "sts:externalid",
)

TIME_KEYS = frozenset({"aws:currenttime", "aws:epochtime", "aws:tokenissuetime"})
#: Present only on calls made by AWS service principals.
SERVICE_ONLY = frozenset({"aws:sourceaccount", "aws:sourcearn", "aws:sourceowner"})


def _kind_of(key: str, table: tuple[str, ...]) -> bool:
    return any(matches(p, key) for p in table)


def is_caller_controlled(key: str) -> bool:
    return _kind_of(key.lower(), CALLER_CONTROLLED)


def is_identity(key: str) -> bool:
    return _kind_of(key.lower(), IDENTITY)


@dataclass(frozen=True)
class Context:
    """What is known about the request.

    ``values``: lower-cased key -> the request's values (several for multivalued
    keys). ``chosen``: identity keys this caller can set as it likes (a user with an
    MFA device chooses ``aws:MultiFactorAuthPresent``), read like caller-controlled
    keys. ``now``: the snapshot time. ``service_call``: the caller is an AWS service
    principal (only then are ``aws:SourceAccount``/``aws:SourceArn`` set).
    """

    question: Question = Question.PRINCIPAL
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    now: datetime | None = None
    service_call: bool = False
    chosen: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        values: Mapping[str, str | Iterable[str]] | None = None,
        *,
        question: Question = Question.PRINCIPAL,
        now: datetime | None = None,
        service_call: bool = False,
        chosen: frozenset[str] = frozenset(),
    ) -> Context:
        known: dict[str, tuple[str, ...]] = {}
        for k, v in (values or {}).items():
            known[k.lower()] = (v,) if isinstance(v, str) else tuple(v)
        return cls(question, known, now, service_call, frozenset(k.lower() for k in chosen))

    def with_values(self, values: Mapping[str, str]) -> Context:
        merged = dict(self.values)
        merged.update({k.lower(): (v,) for k, v in values.items()})
        return Context(self.question, merged, self.now, self.service_call, self.chosen)

    def lookup(self, key: str) -> tuple[str, ...] | None:
        """The key's values, ``()`` when the request certainly lacks it, None when unknown."""
        if key in self.values:
            return self.values[key]
        if key in TIME_KEYS and self.now is not None:
            if key == "aws:epochtime":
                return (str(int(self.now.timestamp())),)
            return (self.now.isoformat(),)
        if key in SERVICE_ONLY and not self.service_call and self.question is Question.PRINCIPAL:
            return ()  # an IAM caller's request never carries them
        return None


@dataclass(frozen=True)
class Outcome:
    """True: the condition holds; False: it cannot; None: it depends on ``keys``."""

    holds: bool | None
    keys: frozenset[str] = frozenset()


HOLDS = Outcome(True)
FAILS = Outcome(False)

# --- single values ------------------------------------------------------------------------

VARIABLE = re.compile(r"\$\{([^}]*)\}")


def fill_variables(pattern: str, ctx: Context) -> str | None:
    """Policy variables (``${aws:username}``) filled from the context; None when one is
    unknown. ``${*}``, ``${?}`` and ``${$}`` stand for the characters themselves (a
    ``*`` or ``?`` so written is read as a wildcard: a superset, never a miss)."""
    if "${" not in pattern:
        return pattern
    missing = False

    def sub(m: re.Match[str]) -> str:
        nonlocal missing
        name = m.group(1)
        if name in ("*", "?", "$"):
            return name
        values = ctx.values.get(name.lower())
        if not values:
            missing = True
            return "*"
        return values[0]

    filled = VARIABLE.sub(sub, pattern)
    return None if missing else filled


def _date(text: str) -> datetime | None:
    text = text.strip()
    try:
        if text.lstrip("-").isdigit():
            return datetime.fromtimestamp(int(text), tz=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


#: An IPv4 range this wide (or wider) admits too much of the internet to pin anyone.
INTERNET_PREFIX_V4 = 8
INTERNET_PREFIX_V6 = 16


def is_internet_range(text: str) -> bool:
    """``0.0.0.0/1``, ``128.0.0.0/1``, ``::/0``... are the internet, not a network."""
    net = _network(text)
    if net is None:
        return False
    limit = INTERNET_PREFIX_V4 if net.version == 4 else INTERNET_PREFIX_V6
    return net.prefixlen < limit and not net.is_private


def _compare(base: str, pattern: str, value: str) -> bool | None:
    """Does one request value satisfy one policy value under the positive ``base`` operator?"""
    if base in ("stringequals", "arnequals", "arnlike", "stringlike"):
        if base == "stringequals":
            return pattern == value
        return matches(pattern, value)
    if base == "stringequalsignorecase":
        return pattern.lower() == value.lower()
    if base == "bool":
        return pattern.lower() == value.lower()
    if base == "binaryequals":
        return pattern == value
    if base.startswith("numeric"):
        a, b = _number(value), _number(pattern)
        if a is None or b is None:
            return None
        return bool(_ORDER[base.removeprefix("numeric")](a, b))
    if base.startswith("date"):
        da, db = _date(value), _date(pattern)
        if da is None or db is None:
            return None
        return bool(_ORDER[base.removeprefix("date")](da, db))
    if base == "ipaddress":
        net, addr = _network(pattern), _address(value)
        if net is None or addr is None:
            return None
        return addr.version == net.version and addr in net
    return None


_ORDER: dict[str, Any] = {
    "equals": lambda a, b: a == b,
    "lessthan": lambda a, b: a < b,
    "lessthanequals": lambda a, b: a <= b,
    "greaterthan": lambda a, b: a > b,
    "greaterthanequals": lambda a, b: a >= b,
}

#: Negated operator -> its positive form.
_NEGATED = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
    "numericnotequals": "numericequals",
    "datenotequals": "dateequals",
    "notipaddress": "ipaddress",
}
_POSITIVE = frozenset(
    {
        "stringequals",
        "stringequalsignorecase",
        "stringlike",
        "arnequals",
        "arnlike",
        "bool",
        "binaryequals",
        "ipaddress",
        *(f"numeric{o}" for o in _ORDER),
        *(f"date{o}" for o in _ORDER),
    }
)


@dataclass(frozen=True)
class Operator:
    base: str  # the positive operator (``stringequals``)
    negated: bool = False
    if_exists: bool = False
    qualifier: str = ""  # "", "foranyvalue", "forallvalues"

    @classmethod
    def parse(cls, raw: str) -> Operator | None:
        op = raw.lower()
        qualifier = ""
        for q in ("foranyvalue:", "forallvalues:"):
            if op.startswith(q):
                qualifier, op = q[:-1], op.removeprefix(q)
        if_exists = op.endswith("ifexists") and op != "ifexists"
        op = op.removesuffix("ifexists") if if_exists else op
        if op == "null":
            return cls("null", qualifier=qualifier)
        if op in _NEGATED:
            return cls(_NEGATED[op], True, if_exists, qualifier)
        if op in _POSITIVE:
            return cls(op, False, if_exists, qualifier)
        return None


def _as_strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in value)
    if isinstance(value, bool):
        return (str(value).lower(),)
    return (str(value),)


def evaluate_known(
    op: Operator, patterns: tuple[str, ...], present: tuple[str, ...]
) -> bool | None:
    """The operator on known request values (``()`` = the key is absent)."""
    if op.base == "null":
        wants_absent = any(p.lower() == "true" for p in patterns)
        return (not present) == wants_absent
    if not present:
        if op.qualifier == "forallvalues":
            return True
        if op.if_exists or op.negated:
            return op.qualifier != "foranyvalue" or op.if_exists
        return False

    def one(value: str) -> bool | None:
        hits = [_compare(op.base, p, value) for p in patterns]
        if any(h is True for h in hits):
            return not op.negated
        if any(h is None for h in hits):
            return None
        return op.negated

    results = [one(v) for v in present]
    if op.qualifier == "forallvalues":
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True
    if any(r is True for r in results):
        return True
    return None if any(r is None for r in results) else False


def _pins_caller(op: Operator, key: str, patterns: tuple[str, ...]) -> bool:
    """For the PUBLIC question: does this identity condition keep strangers out?"""
    if op.negated or op.if_exists or op.base == "null" or op.qualifier == "forallvalues":
        return False
    if key in ("aws:multifactorauthpresent", "aws:multifactorauthage", "sts:externalid"):
        return False  # a stranger can have MFA; an external id is a shared string
    return bool(patterns) and all(is_fixed_value(p) for p in patterns)


def is_fixed_value(value: str) -> bool:
    """A condition value that names something: not the world, no policy variable, and no
    wildcard, except in an ARN after a concrete account and resource prefix
    (``arn:aws:execute-api:us-west-2:111122223333:api-id/*`` names one API)."""
    if not value or "${" in value or is_internet_range(value) or value == "*":
        return False
    if not any(c in value for c in "*?"):
        return True
    parts = value.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return False
    account, resource = parts[4], parts[5]
    prefix = resource.split("*", 1)[0].split("?", 1)[0]
    return bool(account) and not any(c in account for c in "*?") and bool(prefix)


def _source_ip_pins(op: Operator, patterns: tuple[str, ...]) -> bool:
    """``IpAddress aws:SourceIp`` with ranges none of which is the internet."""
    return (
        op.base == "ipaddress"
        and not op.negated
        and not op.if_exists
        and bool(patterns)
        and not any(is_internet_range(p) or _network(p) is None for p in patterns)
    )


def evaluate_key(
    op: Operator, key: str, raw_patterns: tuple[str, ...], ctx: Context, allow: bool
) -> Outcome:
    """One (operator, key, values) entry of a condition block."""
    patterns_: list[str] = []
    for p in raw_patterns:
        filled = fill_variables(p, ctx)
        if filled is None:
            return Outcome(None, frozenset({key}))
        patterns_.append(filled)
    patterns = tuple(patterns_)
    present = ctx.lookup(key)
    if present is not None:
        result = evaluate_known(op, patterns, present)
        return Outcome(result, frozenset() if result is not None else frozenset({key}))
    if ctx.question is Question.PUBLIC:
        if key == "aws:sourceip":
            return FAILS if _source_ip_pins(op, patterns) else HOLDS
        if is_identity(key):
            return FAILS if _pins_caller(op, key, patterns) else HOLDS
        if is_caller_controlled(key):
            return HOLDS
        return Outcome(None, frozenset({key}))
    if is_caller_controlled(key) or key in ctx.chosen:
        # the caller picks the value: an Allow is met, a Deny is sidestepped
        return HOLDS if allow else FAILS
    return Outcome(None, frozenset({key}))


def evaluate_condition(condition: Any, ctx: Context, allow: bool = True) -> Outcome:
    """A statement's whole ``Condition`` (every entry must hold)."""
    if not condition:
        return HOLDS
    if not isinstance(condition, Mapping):
        return Outcome(None, frozenset({"<malformed condition>"}))
    unknown: set[str] = set()
    for raw_operator, block in condition.items():
        op = Operator.parse(str(raw_operator))
        if not isinstance(block, Mapping):
            unknown.add(f"<malformed {raw_operator}>")
            continue
        for raw_key, values in block.items():
            key = str(raw_key).lower()
            if op is None:
                unknown.add(key)
                continue
            out = evaluate_key(op, key, _as_strings(values), ctx, allow)
            if out.holds is False:
                return Outcome(False, frozenset({key}))
            unknown |= out.keys
    return Outcome(None, frozenset(unknown)) if unknown else HOLDS


def condition_keys(condition: Any) -> frozenset[str]:
    """Lower-cased condition keys of a ``Condition`` element, across operators."""
    keys: set[str] = set()
    if isinstance(condition, Mapping):
        for block in condition.values():
            if isinstance(block, Mapping):
                keys.update(str(k).lower() for k in block)
    return frozenset(keys)


def condition_values(condition: Any, key: str) -> tuple[str, ...] | None:
    """The values a ``Condition`` requires for ``key`` under positive operators
    (``StringEquals``, ``StringLike``, ``ForAnyValue:...``, ``...IfExists``); None when
    no positive operator names the key."""
    wanted = key.lower()
    found: tuple[str, ...] | None = None
    if not isinstance(condition, Mapping):
        return None
    for raw_operator, block in condition.items():
        op = Operator.parse(str(raw_operator))
        if op is None or op.negated or op.base == "null" or not isinstance(block, Mapping):
            continue
        for k, v in block.items():
            if str(k).lower() == wanted:
                found = (*(found or ()), *_as_strings(v))
    return found
