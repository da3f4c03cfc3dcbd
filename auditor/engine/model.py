"""What a rule is: metadata beside a pure function, and what it yields.

A rule is declared once with :func:`rule`; the decorator returns an immutable
:class:`Rule` (no registry: the catalogue is found by scanning modules). The
function takes the snapshot, plus keyword thresholds with defaults that the
config file may override, and yields one :class:`Check` per resource.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.snapshot import Snapshot


class Category(StrEnum):
    SECURITY = "security"
    OPERATIONS = "operations"


class Principle(StrEnum):
    LEAST_PRIVILEGE = "least_privilege"
    DEFENSE_IN_DEPTH = "defense_in_depth"
    ZERO_TRUST = "zero_trust"
    SECRETS_MANAGEMENT = "secrets_management"
    AUDIT_LOGGING = "audit_logging"
    NETWORK_ISOLATION = "network_isolation"
    OBSERVABILITY = "observability"
    DEPLOYMENT_AUTOMATION = "deployment_automation"

    @property
    def prefix(self) -> str:
        return _PREFIX[self]

    @property
    def label(self) -> str:
        """Human name, e.g. "Least Privilege"."""
        return self.value.replace("_", " ").title()

    @property
    def category(self) -> Category:
        if self in (Principle.OBSERVABILITY, Principle.DEPLOYMENT_AUTOMATION):
            return Category.OPERATIONS
        return Category.SECURITY


_PREFIX = {
    Principle.LEAST_PRIVILEGE: "LP",
    Principle.DEFENSE_IN_DEPTH: "DD",
    Principle.ZERO_TRUST: "ZT",
    Principle.SECRETS_MANAGEMENT: "SM",
    Principle.AUDIT_LOGGING: "AL",
    Principle.NETWORK_ISOLATION: "NI",
    Principle.OBSERVABILITY: "OB",
    Principle.DEPLOYMENT_AUTOMATION: "DA",
}


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def weight(self) -> int:
        return _WEIGHT[self]

    @property
    def rank(self) -> int:
        """0 for critical ... 3 for low (sort key)."""
        return _RANK[self]


_WEIGHT = {Severity.CRITICAL: 10, Severity.HIGH: 5, Severity.MEDIUM: 2, Severity.LOW: 1}
_RANK = {s: i for i, s in enumerate(Severity)}


class Tier(StrEnum):
    """How basic an operations practice is (operations principles only).

    Operations grades are a maturity ladder, not a risk tally: an account
    whose every container and function ships logs with retention has the
    foundation of observability (the reference review's "you have the
    basics": C), dashboards and Container Insights are the standard practice
    on top, alarms the advanced one. See docs/scoring.md.
    """

    FOUNDATION = "foundation"
    STANDARD = "standard"
    ADVANCED = "advanced"

    @property
    def weight(self) -> int:
        """Share of the principle's 100 points this tier carries."""
        return _TIER_WEIGHT[self]


_TIER_WEIGHT = {Tier.FOUNDATION: 75, Tier.STANDARD: 15, Tier.ADVANCED: 10}


class Status(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    #: The data the rule needs was not collected (a gap).
    UNKNOWN = "UNKNOWN"
    #: The rule raised; the scan went on.
    ERROR = "ERROR"


#: Resource id used by account-level checks.
ACCOUNT = "account"
#: Region of account-level and IAM checks.
GLOBAL = "global"


class ShellText(str):
    """Command text a rule built itself, filled into its template as is (every other
    field value is shell-quoted); AWS names inside must already be ``shlex.quote``-d."""

    __slots__ = ()


@dataclass(frozen=True)
class Check:
    """One verdict of a rule on one resource.

    ``ok`` is True (PASS), False (FAIL) or None (UNKNOWN: the resource is
    there but the data to judge it is not, e.g. a bucket in another account).
    ``fields`` fill the rule's remediation command template beyond the
    standard ``{id}``, ``{name}``, ``{arn}``, ``{region}``, ``{account}``.
    ``files`` are what the command reads (``file://NAME``), by file name: the
    report writes them to ``fixes/`` beside itself, and the commands run there.
    """

    resource_id: str
    ok: bool | None
    evidence: str
    region: str = GLOBAL
    name: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)
    #: Other resources of the same region this verdict is about (e.g. the security
    #: group whose rule opens a path): a superseding rule's FAIL covers the FAILs of
    #: the rules it supersedes on its resource and on these (docs/scoring.md).
    related: tuple[str, ...] = ()
    files: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, resource: Any, *, ok: bool | None, evidence: str, **fields: str) -> Check:
        """A check on a snapshot resource (uses its ``arn`` or ``id``, ``name``, ``region``)."""
        rid = (
            getattr(resource, "arn", "")
            or getattr(resource, "id", "")
            or getattr(resource, "name", "")
        )
        name = getattr(resource, "name", "") or getattr(resource, "id", "")
        return cls(
            resource_id=str(rid),
            ok=ok,
            evidence=evidence,
            region=str(getattr(resource, "region", "") or GLOBAL),
            name=str(name),
            fields=fields,
        )

    def about(self, *related: str) -> Check:
        """This check, also about these resources of its region (see ``related``)."""
        return replace(self, related=tuple(dict.fromkeys(r for r in related if r)))

    def with_files(self, files: Mapping[str, str]) -> Check:
        """This check, with the files its command reads (see ``files``)."""
        return replace(self, files=dict(files))

    @classmethod
    def account(
        cls, *, ok: bool | None, evidence: str, region: str = GLOBAL, **fields: str
    ) -> Check:
        """A check on the account as a whole (or on one region of it)."""
        rid = ACCOUNT if region == GLOBAL else f"{ACCOUNT}/{region}"
        return cls(
            resource_id=rid, ok=ok, evidence=evidence, region=region, name=rid, fields=fields
        )


RuleFunction = Callable[..., Iterator[Check]]

_ID = re.compile(r"^[A-Z]{2}\d{3}$")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_SECTION = re.compile(r"^##\s+(.+?)\s*$", re.MULTILINE)

DOC_SECTIONS = ("What it checks", "Why it matters", "Remediation")


def parse_docs(doc: str) -> dict[str, str]:
    """Split a rule docstring into its ``## Section`` parts."""
    text = inspect.cleandoc(doc or "")
    parts = _SECTION.split(text)
    return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


@dataclass(frozen=True)
class Rule:
    id: str
    slug: str
    title: str
    principle: Principle
    severity: Severity
    needs: tuple[str, ...]
    effort_minutes: int
    monthly_cost_usd: float
    remediation_cmd: str
    frameworks: Mapping[str, tuple[str, ...]]
    fn: RuleFunction = field(repr=False, compare=False)
    #: Keyword thresholds and their defaults, read off the function signature.
    params: Mapping[str, int | float | str]
    docs: Mapping[str, str]
    #: Maturity tier; set for operations rules, None for security rules.
    tier: Tier | None = None
    #: Rules sharing a group are scored as one rule (their results pooled, the
    #: group weighing as its most severe member): six CIS alarm checks weigh
    #: as one check, not six.
    group: str = ""
    #: Ids this rule had before (a rule moved to another principle keeps its
    #: history: baselines naming the old id match the new one).
    formerly: tuple[str, ...] = ()
    #: Rules whose FAILs on the same problem this rule's FAIL counts for: a
    #: FAIL of a superseded rule on this rule's failing resource (or on one of
    #: its ``related`` resources) is shown but not scored again (docs/scoring.md).
    supersedes: tuple[str, ...] = ()
    #: What to do, as a recommendation title ("Enable Container Insights on {target}");
    #: ``{target}`` is filled with the failing resources. ``title`` names the state.
    action: str = ""

    @property
    def rationale(self) -> str:
        return self.docs.get("Why it matters", "")

    @property
    def remediation(self) -> str:
        return self.docs.get("Remediation", "")

    def run(self, snap: Snapshot, overrides: Mapping[str, Any] | None = None) -> Iterator[Check]:
        params = dict(self.params)
        params.update(overrides or {})
        return self.fn(snap, **params)


def rule(
    *,
    id: str,
    slug: str,
    title: str,
    principle: Principle,
    severity: Severity,
    needs: tuple[str, ...],
    effort_minutes: int,
    action: str = "",
    monthly_cost_usd: float = 0,
    remediation_cmd: str = "",
    frameworks: Mapping[str, list[str] | tuple[str, ...]] | None = None,
    tier: Tier | None = None,
    group: str = "",
    formerly: tuple[str, ...] = (),
    supersedes: tuple[str, ...] = (),
) -> Callable[[RuleFunction], Rule]:
    """Declare a rule: metadata here, user docs in the function's docstring."""

    def wrap(fn: RuleFunction) -> Rule:
        sig = inspect.signature(fn)
        params = {
            name: p.default
            for name, p in list(sig.parameters.items())[1:]
            if p.default is not inspect.Parameter.empty
        }
        return Rule(
            id=id,
            slug=slug,
            title=title,
            principle=principle,
            severity=severity,
            needs=tuple(needs),
            effort_minutes=effort_minutes,
            monthly_cost_usd=float(monthly_cost_usd),
            remediation_cmd=remediation_cmd,
            frameworks=MappingProxyType({k: tuple(v) for k, v in (frameworks or {}).items()}),
            fn=fn,
            params=MappingProxyType(params),
            docs=MappingProxyType(parse_docs(fn.__doc__ or "")),
            tier=tier,
            group=group,
            formerly=tuple(formerly),
            supersedes=tuple(supersedes),
            action=action,
        )

    return wrap


def id_is_well_formed(rule_id: str) -> bool:
    return bool(_ID.match(rule_id))


def slug_is_well_formed(slug: str) -> bool:
    return bool(_SLUG.match(slug))
