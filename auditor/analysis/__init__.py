"""Shared analyses that rules call: IAM policy semantics, network placement."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from auditor.snapshot import Snapshot

T = TypeVar("T")


def per_snapshot(fn: Callable[[Snapshot], T]) -> Callable[[Snapshot], T]:
    """Memoise an analysis per snapshot object (by identity: snapshots are immutable).

    Keeps the last few snapshots only, so long-lived processes do not grow.
    """
    cache: OrderedDict[int, tuple[Snapshot, T]] = OrderedDict()
    lock = threading.Lock()

    @wraps(fn)
    def wrapper(snap: Snapshot) -> T:
        key = id(snap)
        with lock:
            hit = cache.get(key)
            if hit is not None and hit[0] is snap:
                return hit[1]
        value = fn(snap)
        with lock:
            cache[key] = (snap, value)
            while len(cache) > 4:
                cache.popitem(last=False)
        return value

    return wrapper
