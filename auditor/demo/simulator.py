"""Account state that moto's API cannot set, applied directly to its in-process backend.

Only for scenarios running moto in this process (``auditor demo`` and the
tests): each function documents which real-world state it stands in for.
"""

from __future__ import annotations


def set_root_mfa(account_id: str, enabled: bool = True, partition: str = "aws") -> None:
    """Root MFA on or off.

    AWS offers no API to enable MFA on the root user (it is done in the
    console), so moto hard-codes ``AccountMFAEnabled = 0``. The reference
    account has it, as any account a reviewer calls "no root access anywhere".
    """
    from moto.iam.models import iam_backends

    iam_backends[account_id][partition].account_summary._account_mfa_enabled = int(enabled)
