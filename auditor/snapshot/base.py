"""Building blocks shared by every snapshot section."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict

#: A JSON document as AWS returned it (policy documents, trust policies).
JsonDoc = dict[str, Any]


class Model(BaseModel):
    """Frozen, strict-about-unknown-fields base for every snapshot model."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Section(Model):
    """A service's data. Every field is a tuple of resources carrying their region.

    Regional collectors each return a partial section for one region; the runner
    concatenates the parts with :meth:`merge`.
    """

    @classmethod
    def merge(cls, parts: list[Self]) -> Self:
        fields: dict[str, Any] = {}
        for name in cls.model_fields:
            items: list[Any] = []
            for part in parts:
                items.extend(getattr(part, name))
            fields[name] = tuple(items)
        return cls(**fields)


class CollectionStatus(StrEnum):
    """What happened when one service was collected in one region."""

    OK = "ok"
    ACCESS_DENIED = "access_denied"
    THROTTLED = "throttled"
    ERROR = "error"
    NOT_ENABLED = "not_enabled"
    #: The service was not asked for (``--services``) or the run ran out of time.
    SKIPPED = "skipped"


#: Coverage message of units the user did not ask for.
NOT_REQUESTED = "not requested"


class Coverage(Model):
    """The collection status of one (service, region); anything but OK is a gap.

    With ``resource`` set, the record is a *resource gap*: one call about one
    resource (an ARN or id) failed while the rest of the unit was collected
    (its own record is OK). Rules needing the service answer UNKNOWN for
    that resource only. Older snapshots have no resource gaps (default "").
    """

    service: str
    region: str
    status: CollectionStatus
    operation: str = ""
    error_code: str = ""
    message: str = ""
    resource: str = ""

    @property
    def is_gap(self) -> bool:
        return self.status is not CollectionStatus.OK

    @property
    def requested(self) -> bool:
        """False for units the user left out (``--services``): a gap, but not a failure."""
        return not (self.status is CollectionStatus.SKIPPED and self.message == NOT_REQUESTED)


class OperationStats(Model):
    service: str
    operation: str
    calls: int
    retries: int
    errors: int


class CallStats(Model):
    """How the collection went: per-operation call counts, retries and wall time."""

    duration_seconds: float
    operations: tuple[OperationStats, ...]

    @property
    def total_calls(self) -> int:
        return sum(op.calls for op in self.operations)


class EnvVar(Model):
    """An environment variable by *name*. The value is never stored.

    ``looks_secret`` says whether the name or the value's shape suggests a
    plaintext credential; ``reason`` says which (e.g. ``name:PASSWORD``,
    ``value:aws-access-key``). ``is_reference`` marks values that point at a
    secret store instead of holding one (an ARN, ``{{resolve:...}}``).
    """

    name: str
    looks_secret: bool
    reason: str = ""
    is_reference: bool = False
