"""IAM semantics over a snapshot: the action database, policy evaluation, effective
permissions per principal and the privilege-escalation graph.

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

__all__ = [
    "ADMIN",
    "ANY",
    "EVERYTHING",
    "GENERIC",
    "NOTHING",
    "Access",
    "ActionDatabase",
    "ActionSet",
    "Decision",
    "EscalationGraph",
    "Hop",
    "Method",
    "Permissions",
    "PolicyRef",
    "PolicyStatement",
    "Principal",
    "admin_statement",
    "build_graph",
    "canonical",
    "compile_document",
    "database",
    "describe_path",
    "effective_permissions",
    "escalation_graph",
    "expand",
    "is_broad",
    "load_methods",
    "principals",
    "statement_actions",
]
