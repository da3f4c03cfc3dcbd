"""The config file (``.auditor.yaml`` or ``--config``): thresholds, disabled rules, waivers.

    thresholds:          # per rule id, keyword thresholds of the rule
      LP008: {max_age_days: 120}
    disable: [OB004]     # rules not run at all
    waivers:             # accepted risks: FAILs reported apart, not scored
      - rule: NI003
        resource: "sg-0abc*"      # glob on resource id, name or ARN
        region: us-west-2         # optional, glob
        account: "123456789012"   # optional, glob
        reason: "bastion replaced in Q1"
        expires: 2027-03-31
    rules_dirs: [checks/]  # user rule modules (docs/custom-rules.md); relative to this file
    gate:                # read by ``auditor gate``; see auditor/gate/policy.py, docs/gate.md
      fail_on_new: medium
      min_grade: {overall: B-}

Any mistake is an :class:`InputError` with one line: exit code 2.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import Field, ValidationError

from auditor.engine.catalogue import RETIRED, Catalogue
from auditor.engine.results import Waiver
from auditor.errors import InputError
from auditor.gate.policy import GatePolicy
from auditor.snapshot.base import Model

DEFAULT_CONFIG_NAME = ".auditor.yaml"


class Config(Model):
    thresholds: dict[str, dict[str, int | float | str]] = {}
    disable: tuple[str, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    gate: GatePolicy = Field(default_factory=GatePolicy)
    #: Folders of user rule modules, relative to the config file (docs/custom-rules.md).
    rules_dirs: tuple[Path, ...] = ()

    def check_against(self, catalogue: Catalogue, source: str) -> None:
        """Reject unknown rule ids and unknown threshold names."""
        ids = catalogue.ids
        for rid in self.thresholds:
            if rid.upper() not in ids:
                now = next((r.id for r in catalogue if rid.upper() in r.formerly), None)
                if now is not None:
                    raise InputError(f"{source}: rule {rid} is now {now}: rename it")
                raise InputError(f"{source}: unknown rule id {rid!r}")
        for rid in (*self.disable, *(w.rule for w in self.waivers)):
            if rid.upper() not in ids and rid.upper() not in RETIRED:
                raise InputError(f"{source}: unknown rule id {rid!r}")
        for rid, params in self.thresholds.items():
            known = catalogue.get(rid).params
            for name, value in params.items():
                if name not in known:
                    raise InputError(
                        f"{source}: rule {rid} has no threshold {name!r} "
                        f"(it has: {', '.join(known) or 'none'})"
                    )
                if type(value) is not type(known[name]) and not (
                    isinstance(value, int | float) and isinstance(known[name], int | float)
                ):
                    raise InputError(
                        f"{source}: threshold {rid}.{name} must be like {known[name]!r}"
                    )


def read_config(path: Path | None) -> tuple[Config, Path | None]:
    """Parse ``path`` (or ``./.auditor.yaml`` when it exists; else defaults), unchecked.

    Returns the config and the file it came from (None for the defaults).
    """
    if path is None:
        default = Path(DEFAULT_CONFIG_NAME)
        if not default.is_file():
            return Config(), None
        path = default
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read config {path}: {exc}") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{path}:{where} invalid YAML") from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise InputError(f"{path}: config must be a mapping")
    try:
        config = Config.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{path}: {where}: {first['msg']}") from None
    return config, path


def load_config(path: Path | None, catalogue: Catalogue) -> Config:
    """Load ``path`` (or ``./.auditor.yaml`` when it exists; else defaults) and check it."""
    config, source = read_config(path)
    if source is not None:
        config.check_against(catalogue, str(source))
    return config


def load_setup(path: Path | None, rules_dirs: Iterable[Path] = ()) -> tuple[Catalogue, Config]:
    """The catalogue (built-in rules plus user rules) and the config checked against it.

    User rule folders come from the config's ``rules_dirs`` (relative to the
    config file) and from ``rules_dirs`` (``--rules-dir``, relative to the
    current directory).
    """
    from auditor.engine.user_rules import catalogue_with

    config, source = read_config(path)
    base = source.parent if source is not None else Path.cwd()
    folders = [d if d.is_absolute() else base / d for d in config.rules_dirs]
    folders += [Path(d) for d in rules_dirs]
    catalogue = catalogue_with(folders)
    if source is not None:
        config.check_against(catalogue, str(source))
    return catalogue, config
