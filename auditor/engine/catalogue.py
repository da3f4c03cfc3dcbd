"""The rule catalogue: every :class:`Rule` found in the modules of ``auditor.rules``.

There is no registry to mutate: the catalogue is a value, built by importing
the catalogue modules (the top-level ``rules/`` folder, mapped under
``auditor.rules``) and picking up the ``Rule`` objects they define.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from auditor.engine.model import Principle, Rule
from auditor.errors import InputError

#: Ids no rule may use again, with what replaced them. A config may still name them in
#: ``disable`` or ``waivers`` (they match nothing); ``auditor rules ID`` explains them.
RETIRED: dict[str, str] = {
    "LP006": (
        "no-privilege-escalation-paths: retired; escalation paths are judged once, by LP015"
        " (no-escalation-path-to-admin), on the IAM engine"
    ),
}


@dataclass(frozen=True)
class Catalogue:
    rules: tuple[Rule, ...]

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(r.id for r in self.rules)

    def get(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id.upper():
                return r
        if rule_id.upper() in RETIRED:
            raise InputError(f"rule {rule_id.upper()} is retired ({RETIRED[rule_id.upper()]})")
        raise InputError(f"unknown rule id {rule_id!r}")

    def by_principle(self, principle: Principle) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.principle is principle)

    def only(self, ids: Iterable[str]) -> Catalogue:
        wanted = set(ids)
        return Catalogue(tuple(r for r in self.rules if r.id in wanted))


def rules_in_module(module: object) -> list[Rule]:
    return [v for v in vars(module).values() if isinstance(v, Rule)]


@cache
def load_catalogue() -> Catalogue:
    """Import every catalogue module once (packages such as ``least_privilege/`` and
    their modules too) and return the rules, sorted by id. A package re-exporting its
    modules' rules finds the same objects twice, which is fine."""
    import auditor.rules as package

    found: dict[str, Rule] = {}
    prefix = f"{package.__name__}."
    modules = pkgutil.walk_packages(package.__path__, prefix)
    for info in sorted(modules, key=lambda m: m.name):
        if any(part.startswith("_") for part in info.name.removeprefix(prefix).split(".")):
            continue
        module = importlib.import_module(info.name)
        for r in rules_in_module(module):
            if r.id in RETIRED:
                raise RuntimeError(f"rule id {r.id} is retired and cannot be reused")
            if r.id in found and found[r.id] is not r:
                raise RuntimeError(f"duplicate rule id {r.id} in {info.name}")
            found[r.id] = r
    return Catalogue(tuple(sorted(found.values(), key=lambda r: r.id)))
