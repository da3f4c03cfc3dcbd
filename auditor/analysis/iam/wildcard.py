"""IAM wildcards: the one matcher for actions, resources, ARNs and condition values.

IAM knows two wildcards: ``*`` (any run of characters, ``/`` and ``:``
included) and ``?`` (one character). Everything else is literal, ``[``, ``]``
and ``\\`` too: ``fnmatch`` is wrong for IAM (it reads ``[abc]`` as a
character class). A pattern is compiled once per process and cached; the
common shapes (a literal, ``prefix*``, ``*``) never build a regex at all.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

Matcher = Callable[[str], bool]


def has_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def _regex(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


@functools.lru_cache(maxsize=65536)
def matcher(pattern: str, ignore_case: bool = False) -> Matcher:
    """A predicate: does a value match the IAM wildcard ``pattern``?

    With ``ignore_case`` both sides are compared lower-cased (actions, service
    names, ``StringEqualsIgnoreCase``); ARNs and most condition values are
    case-sensitive.
    """
    if ignore_case:
        pattern = pattern.lower()
    if pattern == "*":
        return _anything
    if not has_wildcard(pattern):
        if ignore_case:
            return lambda value: value.lower() == pattern
        return pattern.__eq__
    head, star, tail = pattern.partition("*")
    if star and not tail and "?" not in head:
        if ignore_case:
            return lambda value: value.lower().startswith(head)
        return lambda value: value.startswith(head)
    fullmatch = _regex(pattern).fullmatch
    if ignore_case:
        return lambda value: fullmatch(value.lower()) is not None
    return lambda value: fullmatch(value) is not None


def _anything(value: str) -> bool:
    return True


def matches(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """Does ``value`` match the IAM wildcard ``pattern``?"""
    return matcher(pattern, ignore_case)(value)


def matches_any(
    patterns: tuple[str, ...] | list[str], value: str, ignore_case: bool = False
) -> bool:
    return any(matcher(p, ignore_case)(value) for p in patterns)
