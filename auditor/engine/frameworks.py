"""Compliance frameworks: the control lists in ``rules/frameworks/*.yaml``, joined with rules.

One data file per framework version lists its controls (id, auditor's own
short title, section, and whether the framework calls the control automated
or manual). Which rules decide a control is never written in the data file:
each rule names its controls in its ``frameworks`` metadata, e.g.
``frameworks={"cis": ["1.3"], "fsbp": ["IAM.4"]}``, and a data file's
``rule_keys`` say which metadata keys hold its ids. So there is one source of
truth for the mapping, and adding a framework version is a data file.

A control that no rule names is *not covered* (or *manual*, when the
framework itself says a human must judge it); it never counts as passing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

import yaml

from auditor.errors import InputError
from auditor.resources import rules_dir


class Assessment(StrEnum):
    AUTOMATED = "automated"
    MANUAL = "manual"


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    section: str
    assessment: Assessment
    severity: str = ""


@dataclass(frozen=True)
class Framework:
    #: Short key used on the command line, e.g. ``cis-5.0`` or ``fsbp``.
    key: str
    name: str
    version: str
    #: Keys of a rule's ``frameworks`` metadata whose ids are controls of this file.
    rule_keys: tuple[str, ...]
    #: The standard's name as Security Hub writes it in ``RelatedRequirements``.
    asff_name: str
    #: Section id -> section title, in the file's order.
    sections: Mapping[str, str]
    controls: tuple[Control, ...]

    @property
    def title(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def control_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.controls)

    def control(self, control_id: str) -> Control:
        for c in self.controls:
            if c.id == control_id:
                return c
        raise KeyError(control_id)

    def ids_of(self, frameworks: Mapping[str, Iterable[str]]) -> tuple[str, ...]:
        """The control ids of this framework named in one rule's ``frameworks`` metadata."""
        out: list[str] = []
        for key in self.rule_keys:
            for cid in frameworks.get(key, ()):
                if cid not in out:
                    out.append(cid)
        return tuple(out)

    def deciders(
        self, rules: Iterable[tuple[str, Mapping[str, Iterable[str]]]]
    ) -> dict[str, list[str]]:
        """control id -> ids of the rules that decide it, from ``(rule id, frameworks)`` pairs."""
        out: dict[str, list[str]] = {c.id: [] for c in self.controls}
        for rule_id, frameworks in rules:
            for cid in self.ids_of(frameworks):
                if cid in out and rule_id not in out[cid]:
                    out[cid].append(rule_id)
        return out


def frameworks_dir() -> Path:
    return rules_dir() / "frameworks"


def _load_file(path: Path) -> Framework:
    where = f"framework file {path.name}"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        sections = {str(k): str(v) for k, v in data["sections"].items()}
        controls = []
        for row in data["controls"]:
            section = str(row["section"])
            if section not in sections:
                raise InputError(f"{where}: control {row['id']} names unknown section {section!r}")
            controls.append(
                Control(
                    id=str(row["id"]),
                    title=str(row["title"]),
                    section=section,
                    assessment=Assessment(row.get("assessment", "automated")),
                    severity=str(row.get("severity", "")),
                )
            )
        if str(data["id"]) != path.stem:
            raise InputError(f"{where}: id {data['id']!r} must equal the file name {path.stem!r}")
        ids = [c.id for c in controls]
        if len(set(ids)) != len(ids):
            raise InputError(f"{where}: duplicate control ids")
        return Framework(
            key=str(data["id"]),
            name=str(data["name"]),
            version=str(data["version"]),
            rule_keys=tuple(str(k) for k in data["rule_keys"]),
            asff_name=str(data.get("asff_name") or f"{data['name']} v{data['version']}"),
            sections=sections,
            controls=tuple(controls),
        )
    except InputError:
        raise
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"{where}: {type(exc).__name__}: {exc}") from None


@cache
def load_frameworks() -> tuple[Framework, ...]:
    """Every framework data file, sorted by key."""
    found = [_load_file(p) for p in sorted(frameworks_dir().glob("*.yaml"))]
    return tuple(sorted(found, key=lambda f: f.key))


def framework_keys() -> tuple[str, ...]:
    return tuple(f.key for f in load_frameworks())


def get_framework(key: str) -> Framework:
    for f in load_frameworks():
        if f.key == key:
            return f
    raise InputError(f"unknown framework {key!r} (known: {', '.join(framework_keys())})")


def metadata_keys() -> frozenset[str]:
    """Every key a rule's ``frameworks`` metadata may use."""
    return frozenset(k for f in load_frameworks() for k in f.rule_keys)


def framework_for_metadata_key(key: str) -> Framework | None:
    """The framework whose controls a metadata key names (the first file that claims it)."""
    for f in load_frameworks():
        if key in f.rule_keys:
            return f
    return None


@dataclass(frozen=True)
class Coverage:
    framework: Framework
    covered: int
    not_covered: int
    manual: int

    @property
    def total(self) -> int:
        return len(self.framework.controls)


def coverage(
    framework: Framework, rules: Iterable[tuple[str, Mapping[str, Iterable[str]]]]
) -> Coverage:
    """How many controls some rule decides; of the rest, how many the framework calls manual."""
    deciders = framework.deciders(rules)
    covered = sum(1 for ids in deciders.values() if ids)
    manual = sum(
        1 for c in framework.controls if not deciders[c.id] and c.assessment is Assessment.MANUAL
    )
    return Coverage(
        framework=framework,
        covered=covered,
        not_covered=len(framework.controls) - covered - manual,
        manual=manual,
    )


@dataclass(frozen=True)
class Requirement:
    """One framework control a rule decides, named for exports."""

    framework: str
    #: The standard's name as Security Hub writes it (e.g. "CIS AWS Foundations Benchmark v5.0.0").
    standard: str
    control: str

    @property
    def asff(self) -> str:
        """``<standard>/<control>``, the form of ASFF ``Compliance.RelatedRequirements``."""
        return f"{self.standard}/{self.control}"

    @property
    def tag(self) -> str:
        """``<framework>/<control>``, e.g. ``cis-5.0/1.3``: a short tag (SARIF)."""
        return f"{self.framework}/{self.control}"


def requirements(frameworks: Mapping[str, Iterable[str]]) -> list[Requirement]:
    """The controls named by one rule's ``frameworks`` metadata, by framework file, sorted.

    A key no framework file claims (possible in an old results.json) is kept as is.
    """
    out: dict[tuple[str, str], Requirement] = {}
    for key, ids in frameworks.items():
        fw = framework_for_metadata_key(key)
        for cid in ids:
            req = Requirement(
                framework=fw.key if fw else key,
                standard=fw.asff_name if fw else key,
                control=cid,
            )
            out[(req.framework, cid)] = req
    return [out[k] for k in sorted(out)]
