"""ACME's own checks: an example of rules users write (docs/custom-rules.md).

Run them with ``auditor scan --rules-dir docs/examples/custom_rules`` (or list
the folder under ``rules_dirs:`` in .auditor.yaml). Ids use the user prefix
``X-ACME-``; everything imported comes from ``auditor.api``.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import API_VERSION, Check, Principle, Severity, Snapshot, rule

# This module was written for rule API 1.x: fail loudly (an ERROR in the report) on 2.x.
assert API_VERSION.split(".")[0] == "1", f"written for auditor rule API 1.x, not {API_VERSION}"

OWNER_TAG = "owner"


@rule(
    id="X-ACME-001",
    slug="acme-security-groups-have-an-owner",
    title="Security groups carry an owner tag",
    principle=Principle.DEFENSE_IN_DEPTH,
    severity=Severity.LOW,
    needs=("ec2",),
    effort_minutes=2,
    remediation_cmd=(
        "aws ec2 create-tags --resources {id} --tags Key=owner,Value=TEAM --region {region}"
    ),
)
def acme_security_groups_have_an_owner(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every security group except a VPC's `default` group has a non-empty
    `owner` tag.

    ## Why it matters
    At ACME a firewall rule nobody owns is never reviewed or removed.

    ## Remediation
    Tag the group with the team that owns it.
    """
    for group in snap.ec2.security_groups:
        if group.name == "default":
            continue
        owner = group.tags.get(OWNER_TAG, "").strip()
        yield Check.of(
            group,
            ok=bool(owner),
            evidence=f"owner tag is {owner!r}" if owner else "no owner tag",
        )


@rule(
    id="X-ACME-002",
    slug="acme-databases-use-approved-engines",
    title="RDS databases run an approved engine",
    principle=Principle.DEPLOYMENT_AUTOMATION,
    severity=Severity.MEDIUM,
    needs=("rds",),
    effort_minutes=240,
    frameworks={},
)
def acme_databases_use_approved_engines(
    snap: Snapshot, approved: str = "postgres,aurora-postgresql"
) -> Iterator[Check]:
    """
    ## What it checks
    Every RDS DB instance runs one of the `approved` engines (a comma-separated
    list; default `postgres,aurora-postgresql`; override it per account with
    `thresholds: {X-ACME-002: {approved: "postgres,mysql"}}` in .auditor.yaml).

    ## Why it matters
    ACME's runbooks, backups and on-call only cover the approved engines.

    ## Remediation
    Migrate the database to an approved engine, or get the engine approved.
    """
    allowed = {e.strip() for e in approved.split(",") if e.strip()}
    for db in snap.rds.instances:
        yield Check.of(db, ok=db.engine in allowed, evidence=f"engine is {db.engine}")
