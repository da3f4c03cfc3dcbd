"""Rules users write: Python modules in ``--rules-dir DIR`` (or ``rules_dirs:`` in the config).

Every ``*.py`` file of a rules folder (not starting with ``_``) is imported
as a module of its own, and the :class:`~auditor.engine.model.Rule` objects
it defines (made with :func:`auditor.api.rule`, the built-in decorator) join
the catalogue: evaluated over the same snapshot, graded into the principle
they declare, reported, gated and exported like built-in rules.

What is checked at load time, each a one-line :class:`InputError` (exit 2):

* the id has the user form ``X-<NAME>-<NNN>`` (e.g. ``X-ACME-001``), so it
  can never clash with a built-in id (``LP001``); ids and slugs are unique;
* ``needs`` names known collection units; ``frameworks`` names known
  framework keys and controls (see docs/compliance.md).

A module that raises while importing does not stop anything: it becomes a
rule of its own whose only result is an ERROR naming the file and the
exception, so the report shows it. A rule that raises while evaluating is
an ERROR result like any rule's (see :mod:`auditor.engine.evaluate`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

from auditor.engine.catalogue import Catalogue, load_catalogue, rules_in_module
from auditor.engine.model import Check, Principle, Rule, Severity, slug_is_well_formed
from auditor.errors import InputError

#: ``X-`` + a name of 2-12 upper-case letters or digits (starting with a letter) + ``-NNN``.
USER_ID = re.compile(r"^X-[A-Z][A-Z0-9]{1,11}-\d{3}$")
_PRINCIPLE_IN_SOURCE = re.compile(r"Principle\.([A-Z_]+)")


class UserModuleError(Exception):
    """A user rule module could not be imported (carried by the ERROR result)."""


def user_id_is_well_formed(rule_id: str) -> bool:
    return bool(USER_ID.match(rule_id))


def _module_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise InputError(f"rules folder {folder} does not exist or is not a folder")
    return sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))


def _import(path: Path) -> Any:
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:10]
    name = f"auditor_user_rules_{digest}_{re.sub(r'[^0-9a-zA-Z_]', '_', path.stem)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py file always has one
        raise UserModuleError(f"{path.name}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # any failure of user code, even SystemExit
        sys.modules.pop(name, None)
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise UserModuleError(f"{path.name}: {type(exc).__name__}: {exc}") from exc
    return module


def _broken(path: Path, error: UserModuleError, number: int) -> Rule:
    """A stand-in rule whose one result is the ERROR that names the broken file."""

    def check(snap: Any) -> Iterator[Check]:
        raise error
        yield  # pragma: no cover - makes this a generator

    try:
        source = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        source = ""
    named = [m for m in _PRINCIPLE_IN_SOURCE.findall(source) if m in Principle.__members__]
    principle = Principle[named[0]] if named else Principle.DEFENSE_IN_DEPTH
    stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "module"
    return Rule(
        id=f"X-BROKEN-{number:03d}",
        slug=f"user-module-{stem}-loads",
        title=f"User rule module {path.name} loads",
        principle=principle,
        severity=Severity.HIGH,
        needs=(),
        effort_minutes=5,
        monthly_cost_usd=0.0,
        remediation_cmd="",
        frameworks=MappingProxyType({}),
        fn=check,
        params=MappingProxyType({}),
        docs=MappingProxyType(
            {
                "What it checks": f"The user rule module `{path}` imports without error.",
                "Why it matters": "Its rules did not run: what they check is unknown.",
                "Remediation": f"Fix the error in `{path}` (run `python {path}` to see it).",
            }
        ),
    )


def _validate(rule: Rule, where: str) -> None:
    from auditor.engine.frameworks import framework_for_metadata_key
    from auditor.services import SERVICES

    if not user_id_is_well_formed(rule.id):
        raise InputError(
            f"{where}: user rule id {rule.id!r} must look like X-ACME-001 "
            "(X-, a 2-12 character upper-case name, -, three digits)"
        )
    if not slug_is_well_formed(rule.slug):
        raise InputError(f"{where}: rule {rule.id} slug {rule.slug!r} must be kebab-case")
    unknown = sorted(set(rule.needs) - set(SERVICES))
    if unknown:
        raise InputError(f"{where}: rule {rule.id} needs unknown unit(s) {', '.join(unknown)}")
    for key, ids in rule.frameworks.items():
        fw = framework_for_metadata_key(key)
        if fw is None:
            raise InputError(f"{where}: rule {rule.id} names unknown framework key {key!r}")
        for cid in ids:
            if cid not in fw.control_ids:
                raise InputError(
                    f"{where}: rule {rule.id}: {key} {cid!r} is not a {fw.key} control"
                )


def load_user_rules(folders: Iterable[Path], builtin: Catalogue) -> tuple[Rule, ...]:
    """The rules of every module in ``folders`` (and a stand-in per broken module)."""
    taken_ids = set(builtin.ids)
    taken_slugs = {r.slug for r in builtin}
    out: list[Rule] = []
    broken = 0
    seen: set[Path] = set()
    for folder in folders:
        for path in _module_files(folder):
            if path.resolve() in seen:
                continue
            seen.add(path.resolve())
            try:
                module = _import(path)
            except UserModuleError as exc:
                broken += 1
                out.append(_broken(path, exc, broken))
                continue
            found = sorted(rules_in_module(module), key=lambda r: r.id)
            for r in found:
                where = str(path)
                _validate(r, where)
                if r.id in taken_ids:
                    raise InputError(f"{where}: rule id {r.id} is already taken")
                if r.slug in taken_slugs:
                    raise InputError(f"{where}: rule slug {r.slug!r} is already taken")
                taken_ids.add(r.id)
                taken_slugs.add(r.slug)
                out.append(r)
    return tuple(out)


def catalogue_with(folders: Iterable[Path]) -> Catalogue:
    """The built-in catalogue plus the user rules of ``folders`` (just the built-in one if none)."""
    builtin = load_catalogue()
    folders = list(folders)
    if not folders:
        return builtin
    user = load_user_rules(folders, builtin)
    return Catalogue(tuple(sorted((*builtin.rules, *user), key=lambda r: r.id)))
