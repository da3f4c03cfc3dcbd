"""Root user and IAM user credentials: keys, MFA, rotation, the password policy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from auditor.engine.model import Check, Principle, Severity, rule
from auditor.snapshot import Snapshot
from auditor.snapshot.iam import (
    CredentialReportRow,
)

from ._common import _days, _quoted


def _root_row(snap: Snapshot) -> CredentialReportRow | None:
    return next((r for r in snap.iam.credential_report if r.is_root), None)


@rule(
    id="LP001",
    slug="root-has-no-access-keys",
    title="The root user has no access keys",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.CRITICAL,
    needs=("iam",),
    effort_minutes=10,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws iam list-access-keys --query 'AccessKeyMetadata[].AccessKeyId' --output text"
        " | xargs -n1 aws iam delete-access-key --access-key-id"
    ),
    frameworks={"cis": ["1.3"], "fsbp": ["IAM.4"]},
    action="Delete the root user's access keys",
)
def root_has_no_access_keys(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    The account summary (`AccountAccessKeysPresent`) and the root row of the
    credential report show no access key for the root user.

    ## Why it matters
    A root access key is a permanent credential with every permission in the
    account, that no IAM policy or permissions boundary can limit. Whoever
    finds it in a laptop, a CI variable or a leaked dotfile owns the account.

    ## Remediation
    Delete the root access keys. Sign in as root (console: account menu >
    Security credentials > Access keys > Delete), or run the command with the
    root user's own credentials: without `--user-name` it lists and deletes
    the caller's keys. Anything that used the key should use an IAM role.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_delete-key.html
    """
    for summary in snap.iam.account_summary:
        row = _root_row(snap)
        in_report = [
            f"access key {n}"
            for n, active in (
                (1, row and row.access_key_1_active),
                (2, row and row.access_key_2_active),
            )
            if active
        ]
        present = summary.root_access_keys_present or bool(in_report)
        yield Check.account(
            ok=not present,
            evidence=(
                f"the root user has active access keys ({_quoted(in_report) or 'account summary'})"
                if present
                else "the root user has no access keys"
            ),
        )


@rule(
    id="LP002",
    slug="root-mfa-enabled",
    title="The root user has MFA enabled",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.CRITICAL,
    needs=("iam",),
    effort_minutes=10,
    monthly_cost_usd=0,
    frameworks={"cis": ["1.4"], "fsbp": ["IAM.9"]},
    action="Turn on MFA for the root user",
)
def root_mfa_enabled(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    The account summary reports `AccountMFAEnabled`, or the credential
    report's root row reports `mfa_active`.

    ## Why it matters
    The root user can do anything, including close the account and change its
    contact and billing details. Without MFA its password alone (phished,
    reused, reset through a compromised mailbox) is enough.

    ## Remediation
    Sign in as root, open Security credentials and assign an MFA device (a
    passkey, a hardware key or an authenticator app). AWS offers no CLI call
    that assigns the root user's MFA from another identity, so this rule has
    no command.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-mfa-for-root.html
    """
    for summary in snap.iam.account_summary:
        row = _root_row(snap)
        enabled = summary.root_mfa_enabled or bool(row and row.mfa_active)
        yield Check.account(
            ok=enabled,
            evidence="the root user has MFA enabled"
            if enabled
            else "the root user has no MFA device (AccountMFAEnabled is 0)",
        )


def _active_keys(
    row: CredentialReportRow,
) -> list[tuple[int, datetime | None, datetime | None]]:
    """(slot, last rotated = created, last used) of the row's active access keys."""
    keys = [
        (1, row.access_key_1_active, row.access_key_1_last_rotated, row.access_key_1_last_used),
        (2, row.access_key_2_active, row.access_key_2_last_rotated, row.access_key_2_last_used),
    ]
    return [(n, rotated, used) for n, active, rotated, used in keys if active]


@rule(
    id="LP010",
    slug="console-users-have-mfa",
    title="IAM users with a console password have MFA",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.HIGH,
    needs=("iam", "iam-credential-report"),
    effort_minutes=10,
    monthly_cost_usd=0,
    remediation_cmd=(
        "# The user's device: scan mfa-qr.png with an authenticator app, then set CODE1 and "
        "CODE2 to two consecutive codes it shows (the second command fails until then).\n"
        "aws iam create-virtual-mfa-device --virtual-mfa-device-name {name}"
        " --outfile mfa-qr.png --bootstrap-method QRCodePNG"
        " && aws iam enable-mfa-device --user-name {name}"
        " --serial-number arn:{partition}:iam::{account}:mfa/{name}"
        ' --authentication-code1 "$CODE1" --authentication-code2 "$CODE2"'
    ),
    frameworks={"cis": ["1.9"], "fsbp": ["IAM.5"]},
    action="Turn on MFA for {target}",
)
def console_users_have_mfa(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every IAM user whose credential report row says `password_enabled` also
    has `mfa_active`. Users without a console password are not evaluated.

    ## Why it matters
    A console password alone falls to phishing, reuse from another breach or
    guessing. MFA is the cheapest control that stops all three.

    ## Remediation
    Better still, move people to IAM Identity Center and delete IAM user
    passwords. Otherwise create a virtual MFA device, have the user scan
    `mfa-qr.png` and set `CODE1`/`CODE2` to two consecutive codes, then enable
    it (the command shown), and require MFA in a policy condition.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_virtual.html
    """
    for row in snap.iam.credential_report:
        if row.is_root or not row.password_enabled:
            continue
        yield Check(
            resource_id=row.arn,
            ok=row.mfa_active,
            evidence="console password with MFA"
            if row.mfa_active
            else "console password enabled and no MFA device",
            name=row.user,
            fields={"partition": snap.partition},
        )


@rule(
    id="LP011",
    slug="access-keys-rotated",
    title="Active IAM user access keys are rotated within 90 days",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.MEDIUM,
    needs=("iam", "iam-credential-report"),
    effort_minutes=30,
    monthly_cost_usd=0,
    remediation_cmd="aws iam create-access-key --user-name {name}",
    frameworks={"cis": ["1.13"], "fsbp": ["IAM.3"]},
    action="Rotate the access keys of {target}",
)
def access_keys_rotated(snap: Snapshot, max_age_days: int = 90) -> Iterator[Check]:
    """
    ## What it checks
    Every active access key of an IAM user (credential report) was created or
    last rotated at most `max_age_days` (default 90) before the scan. One
    result per key; keys without a reported date are not evaluated. Root keys
    are LP001's.

    ## Why it matters
    The older a key, the more places it has been copied to (laptops, CI,
    chat, backups) and the longer a leaked copy stays useful.

    ## Remediation
    Rotate: create a second key (the command shown), move every consumer to
    it, deactivate the old key (`aws iam update-access-key --status
    Inactive`), watch for errors, then delete it. Better: replace the key by
    a role (ECS task role, Lambda role, GitHub OIDC) and delete the user's
    keys (see ZT005).

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#rotating_access_keys_console
    """
    for row in snap.iam.credential_report:
        if row.is_root:
            continue
        for n, rotated, _ in _active_keys(row):
            if rotated is None:
                continue
            age = _days(snap, rotated)
            yield Check(
                resource_id=f"{row.arn}#access-key-{n}",
                ok=age <= max_age_days,
                evidence=f"access key {n} is {age} days old (limit {max_age_days})",
                name=row.user,
            )


@rule(
    id="LP012",
    slug="unused-access-keys-deactivated",
    title="No active IAM user access key has gone unused for 90 days",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.MEDIUM,
    needs=("iam", "iam-credential-report"),
    effort_minutes=10,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws iam list-access-keys --user-name {name} --query"
        " \"AccessKeyMetadata[?Status=='Active' && starts_with(CreateDate, '{created}')]"
        '.AccessKeyId" --output text'
        " | xargs -n1 aws iam update-access-key --user-name {name} --status Inactive"
        " --access-key-id"
    ),
    frameworks={"fsbp": ["IAM.8"]},
    action="Deactivate the unused access keys of {target}",
)
def unused_access_keys_deactivated(snap: Snapshot, max_unused_days: int = 90) -> Iterator[Check]:
    """
    ## What it checks
    Every active access key of an IAM user was used within `max_unused_days`
    (default 90, as FSBP IAM.8 asks; CIS v5.0 1.11 asks for 45 and is not
    decided by this rule) before the scan; a key never used
    counts from its creation. One result per key. Unused console passwords,
    which IAM.8 also covers, are not evaluated here.

    ## Why it matters
    A key nobody uses is pure risk: nothing breaks when it is disabled, and
    nobody notices when someone else starts using it.

    ## Remediation
    Deactivate the key (the command picks the user's active key created on
    the reported date), wait a few weeks, then delete it.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_finding-unused.html
    """
    for row in snap.iam.credential_report:
        if row.is_root:
            continue
        for n, rotated, used in _active_keys(row):
            if rotated is None:  # no creation date: no safe command to name the key
                continue
            idle = _days(snap, used or rotated)
            evidence = (
                f"access key {n} last used {idle} days ago"
                if used
                else f"access key {n} never used in {idle} days"
            )
            yield Check(
                resource_id=f"{row.arn}#access-key-{n}",
                ok=idle <= max_unused_days,
                evidence=f"{evidence} (limit {max_unused_days})",
                name=row.user,
                fields={"created": rotated.date().isoformat()},
            )


@rule(
    id="LP018",
    slug="password-policy-strong",
    title="The IAM password policy is strong where IAM users sign in with passwords",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.MEDIUM,
    needs=("iam", "iam-credential-report"),
    effort_minutes=5,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws iam update-account-password-policy --minimum-password-length {min_length}"
        " --password-reuse-prevention {reuse} --require-symbols --require-numbers"
        " --require-uppercase-characters --require-lowercase-characters"
    ),
    frameworks={"cis": ["1.7", "1.8"], "fsbp": ["IAM.7"]},
    action="Strengthen the IAM password policy",
)
def password_policy_strong(
    snap: Snapshot, min_length: int = 14, min_reuse_prevention: int = 24
) -> Iterator[Check]:
    """
    ## What it checks
    When at least one IAM user has a console password, the account password
    policy exists, requires at least `min_length` characters (default 14, CIS
    1.7) with upper and lower case, numbers and symbols, and prevents reusing
    the last `min_reuse_prevention` passwords (default 24, CIS 1.8). With no
    console password in the account (people sign in through SSO or a role),
    there is nothing for the policy to govern and the rule gives no result.

    ## Why it matters
    Without a policy, IAM allows any 8-character password and reusing it
    forever: a console password is then as strong as its owner's habits, and
    console access to AWS is the highest-value credential most people hold.

    ## Remediation
    One account-wide command; it applies at each user's next password change.
    Better still, move people to IAM Identity Center and delete the passwords.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html
    """
    console_users = sorted(
        row.user for row in snap.iam.credential_report if row.password_enabled and not row.is_root
    )
    if not console_users:
        return
    policy = snap.iam.password_policy[0] if snap.iam.password_policy else None
    weak: list[str] = []
    if policy is None or not policy.present:
        weak.append("no password policy (IAM's default allows any 8 characters)")
    else:
        if policy.minimum_length < min_length:
            weak.append(f"minimum length {policy.minimum_length} < {min_length}")
        if policy.reuse_prevention < min_reuse_prevention:
            weak.append(f"reuse prevention {policy.reuse_prevention} < {min_reuse_prevention}")
        missing = [
            name
            for name, required in (
                ("symbols", policy.require_symbols),
                ("numbers", policy.require_numbers),
                ("uppercase", policy.require_uppercase),
                ("lowercase", policy.require_lowercase),
            )
            if not required
        ]
        if missing:
            weak.append("does not require " + ", ".join(missing))
    users = f"{len(console_users)} console user(s), e.g. {console_users[0]}"
    yield Check.account(
        ok=not weak,
        evidence=("; ".join(weak) if weak else "password policy meets the thresholds")
        + f" ({users})",
        min_length=str(min_length),
        reuse=str(min_reuse_prevention),
    )
