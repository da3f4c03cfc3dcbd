"""The IAM engine: the one place that answers permission questions over a snapshot.

"Can P do A on R?" (:meth:`Permissions.decide`: ALLOWED, DENIED or CONDITIONAL
with the condition keys), "is P an administrator?"
(:meth:`Permissions.administrator`), "who can use R?" (:func:`open_grants`),
"how broad is this policy?" (:func:`wildcard_grants`, :func:`document_admin`)
and "who can become an administrator?" (:func:`escalation_graph`). One
wildcard matcher (:mod:`~auditor.analysis.iam.wildcard`) serves actions,
resources, ARNs and condition values.

Pure functions of the snapshot; the per-snapshot results are memoised with
:func:`auditor.analysis.per_snapshot`.
"""

from __future__ import annotations

from auditor.analysis.iam.actions import (
    EVERYTHING,
    NOTHING,
    ActionDatabase,
    ActionSet,
    canonical,
    database,
    expand,
    statement_actions,
)
from auditor.analysis.iam.breadth import WildcardGrant, document_admin, wildcard_grants
from auditor.analysis.iam.conditions import (
    Context,
    Outcome,
    Question,
    condition_keys,
    condition_values,
    evaluate_condition,
    is_fixed_value,
)
from auditor.analysis.iam.document import Statement, principal_entries, statements
from auditor.analysis.iam.escalation import (
    ADMIN,
    EscalationGraph,
    Hop,
    Method,
    admin_statement,
    build_graph,
    describe_path,
    escalation_graph,
    load_methods,
)
from auditor.analysis.iam.evaluate import (
    ANY,
    GENERIC,
    Access,
    Decision,
    Permissions,
    PolicyStatement,
    compile_document,
    is_broad,
)
from auditor.analysis.iam.principals import (
    PolicyRef,
    Principal,
    effective_permissions,
    principals,
)
from auditor.analysis.iam.resource_policy import (
    Grant,
    open_grants,
    stranger_grants,
    trusted,
    trusted_services,
)
from auditor.analysis.iam.wildcard import matcher, matches

__all__ = [
    "ADMIN",
    "ANY",
    "EVERYTHING",
    "GENERIC",
    "NOTHING",
    "Access",
    "ActionDatabase",
    "ActionSet",
    "Context",
    "Decision",
    "EscalationGraph",
    "Grant",
    "Hop",
    "Method",
    "Outcome",
    "Permissions",
    "PolicyRef",
    "PolicyStatement",
    "Principal",
    "Question",
    "Statement",
    "WildcardGrant",
    "admin_statement",
    "build_graph",
    "canonical",
    "compile_document",
    "condition_keys",
    "condition_values",
    "database",
    "describe_path",
    "document_admin",
    "effective_permissions",
    "escalation_graph",
    "evaluate_condition",
    "expand",
    "is_broad",
    "is_fixed_value",
    "load_methods",
    "matcher",
    "matches",
    "open_grants",
    "principal_entries",
    "principals",
    "statement_actions",
    "statements",
    "stranger_grants",
    "trusted",
    "trusted_services",
    "wildcard_grants",
]
