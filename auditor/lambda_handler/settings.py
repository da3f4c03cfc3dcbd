"""The function's configuration: environment variables, overridden per run by the event.

=============================  ====================  =========================================
environment variable           event key             meaning
=============================  ====================  =========================================
``AUDITOR_BUCKET``             ``bucket``            report bucket (required)
``AUDITOR_PREFIX``             ``prefix``            key prefix, e.g. ``prod/`` (default none)
``AUDITOR_TOPIC_ARN``          ``topic_arn``         SNS topic for regressions (none: no message)
``AUDITOR_REGIONS``            ``regions``           comma-separated (default: ``AWS_REGION``)
``AUDITOR_ALL_REGIONS``        ``all_regions``       ``true``: every enabled region
``AUDITOR_SERVICES``           ``services``          comma-separated (default: all)
``AUDITOR_BASELINE_KEY``       ``baseline_key``      default ``<prefix>latest/results.json``
``AUDITOR_GATE_POLICY``        ``gate_policy``       JSON object, fields of ``GatePolicy``
``AUDITOR_TIME_MARGIN_SECONDS``  ``time_margin_seconds``  time kept back from the timeout
``AUDITOR_WORKERS``            ``workers``           concurrent collections (default 8)
``AUDITOR_METRIC_NAMESPACE``   ``metric_namespace``  CloudWatch namespace (default ``Auditor``)
``AWS_ENDPOINT_URL``           -                     an AWS-compatible endpoint (tests)
=============================  ====================  =========================================

In the event, lists may be JSON lists or comma-separated strings and the gate
policy a JSON object. Other event keys (the scheduler's own, such as
``scheduled_time``) are ignored here. Any mistake is one :class:`InputError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from auditor.errors import InputError
from auditor.gate.policy import GatePolicy

DEFAULT_NAMESPACE = "Auditor"
DEFAULT_WORKERS = 8
#: Bounds of the default time margin (seconds): 20% of the time left, within these.
MARGIN_MIN_SECONDS = 10.0
MARGIN_MAX_SECONDS = 90.0

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


@dataclass(frozen=True)
class Settings:
    bucket: str
    prefix: str = ""
    topic_arn: str = ""
    regions: tuple[str, ...] = ()
    all_regions: bool = False
    #: None: every service.
    services: tuple[str, ...] | None = None
    baseline_key: str = ""
    gate_policy: GatePolicy = field(default_factory=GatePolicy)
    #: None: the default (20% of the time left, between 10 and 90 seconds).
    time_margin_seconds: float | None = None
    workers: int = DEFAULT_WORKERS
    metric_namespace: str = DEFAULT_NAMESPACE
    endpoint_url: str | None = None
    #: The function's own region (``AWS_REGION``), where its bucket and topic live;
    #: the scanned regions may be others.
    home_region: str = ""

    @property
    def latest_prefix(self) -> str:
        return f"{self.prefix}latest/"

    @property
    def baseline(self) -> str:
        return self.baseline_key or f"{self.latest_prefix}results.json"

    def margin_for(self, remaining_seconds: float) -> float:
        """Seconds kept back from the timeout for evaluating, rendering and storing."""
        if self.time_margin_seconds is not None:
            return self.time_margin_seconds
        return min(MARGIN_MAX_SECONDS, max(MARGIN_MIN_SECONDS, 0.2 * remaining_seconds))


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"{name} must be a string, not {type(value).__name__}")
    return value.strip()


def _names(value: Any, name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        items = list(value)
    else:
        raise InputError(f"{name} must be a list of strings or a comma-separated string")
    return tuple(dict.fromkeys(i.strip() for i in items if i.strip()))


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError(f"{name} must be true or false, not {value!r}")


def _number(value: Any, name: str, *, minimum: float, maximum: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, not {value!r}") from None
    if not minimum <= number <= maximum:
        raise InputError(f"{name} must be between {minimum:g} and {maximum:g}, not {number:g}")
    return number


def _policy(value: Any, name: str) -> GatePolicy:
    if isinstance(value, str):
        if not value.strip():
            return GatePolicy()
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name} is not valid JSON: {exc.msg}") from None
    if not isinstance(value, dict):
        raise InputError(f"{name} must be a JSON object of gate policy fields")
    try:
        return GatePolicy.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "policy"
        raise InputError(f"{name}: {where}: {first['msg']}") from None


def _services(names: tuple[str, ...], source: str) -> tuple[str, ...] | None:
    if not names:
        return None
    from auditor.services import SERVICES, expand

    known = {s.name for s in SERVICES.values()} | {s.section_key for s in SERVICES.values()}
    unknown = [n for n in names if n.lower() not in known]
    if unknown:
        raise InputError(
            f"{source}: unknown service(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return tuple(expand([n.lower() for n in names]))


#: setting -> (environment variable, event key)
_SOURCES: dict[str, tuple[str, str]] = {
    "bucket": ("AUDITOR_BUCKET", "bucket"),
    "prefix": ("AUDITOR_PREFIX", "prefix"),
    "topic_arn": ("AUDITOR_TOPIC_ARN", "topic_arn"),
    "regions": ("AUDITOR_REGIONS", "regions"),
    "all_regions": ("AUDITOR_ALL_REGIONS", "all_regions"),
    "services": ("AUDITOR_SERVICES", "services"),
    "baseline_key": ("AUDITOR_BASELINE_KEY", "baseline_key"),
    "gate_policy": ("AUDITOR_GATE_POLICY", "gate_policy"),
    "time_margin_seconds": ("AUDITOR_TIME_MARGIN_SECONDS", "time_margin_seconds"),
    "workers": ("AUDITOR_WORKERS", "workers"),
    "metric_namespace": ("AUDITOR_METRIC_NAMESPACE", "metric_namespace"),
}


def load_settings(env: Mapping[str, str], event: Any) -> Settings:
    """Settings from ``env`` (``os.environ``), each overridden by the event's key when present."""
    if event is None:
        event = {}
    if not isinstance(event, Mapping):
        raise InputError(f"the event must be a JSON object, not {type(event).__name__}")
    raw: dict[str, tuple[Any, str]] = {}
    for name, (var, key) in _SOURCES.items():
        if key in event and event[key] is not None:
            raw[name] = (event[key], f"event key {key!r}")
        elif var in env:
            raw[name] = (env[var], var)

    def get(name: str) -> tuple[Any, str] | None:
        return raw.get(name)

    values: dict[str, Any] = {}
    bucket = get("bucket")
    values["bucket"] = _text(bucket[0], bucket[1]) if bucket else ""
    if not values["bucket"]:
        raise InputError("no report bucket: set AUDITOR_BUCKET (or the event key 'bucket')")
    if (v := get("prefix")) is not None:
        prefix = _text(*v).lstrip("/")
        values["prefix"] = prefix + "/" if prefix and not prefix.endswith("/") else prefix
    if (v := get("topic_arn")) is not None:
        values["topic_arn"] = _text(*v)
    home = (env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "").strip()
    regions = _names(*v) if (v := get("regions")) is not None else ()
    if not regions:
        regions = (home,) if home else ()
    if not regions:
        raise InputError("no region: set AUDITOR_REGIONS or AWS_REGION")
    values["regions"] = regions
    values["home_region"] = home or regions[0]
    if (v := get("all_regions")) is not None:
        values["all_regions"] = _flag(*v)
    if (v := get("services")) is not None:
        values["services"] = _services(_names(*v), v[1])
    if (v := get("baseline_key")) is not None:
        values["baseline_key"] = _text(*v).lstrip("/")
    if (v := get("gate_policy")) is not None:
        values["gate_policy"] = _policy(*v)
    if (v := get("time_margin_seconds")) is not None and str(v[0]).strip():
        values["time_margin_seconds"] = _number(*v, minimum=0, maximum=900)
    if (v := get("workers")) is not None and str(v[0]).strip():
        values["workers"] = int(_number(*v, minimum=1, maximum=64))
    if (v := get("metric_namespace")) is not None and _text(*v):
        values["metric_namespace"] = _text(*v)
    endpoint = (env.get("AWS_ENDPOINT_URL") or "").strip()
    values["endpoint_url"] = endpoint or None
    return Settings(**values)
