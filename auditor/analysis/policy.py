"""Deprecated: policy parsing moved to :mod:`auditor.analysis.iam.document`, and every
permission question to the IAM engine (:mod:`auditor.analysis.iam`).

Only the statement parser stays here, for ``collect/lambda_.py`` until it stops
importing analysis (issue 10, section 5); nothing in ``auditor.analysis`` or
``rules/`` imports this module. Delete it once nothing does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from auditor.analysis.iam import document
from auditor.analysis.iam.wildcard import matches


@dataclass(frozen=True)
class Statement(document.Statement):
    def matches_action(self, action: str) -> bool:
        """Does the statement's Action/NotAction cover ``action`` (IAM wildcards)?"""
        if self.not_actions:
            return not any(matches(a, action, ignore_case=True) for a in self.not_actions)
        return any(matches(a, action, ignore_case=True) for a in self.actions)


def statements(doc: Mapping[str, Any] | None) -> Iterator[Statement]:
    for st in document.statements(doc):
        yield Statement(**{f: getattr(st, f) for f in st.__dataclass_fields__})


__all__ = ["Statement", "statements"]
