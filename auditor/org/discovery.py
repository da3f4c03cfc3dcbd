"""Which accounts to scan: Organizations ``ListAccounts``, filtered.

Called with the caller's own (guarded, read-only) session: it must be the
management account or a delegated administrator. Only ACTIVE accounts are
scanned; suspended ones are left out and said so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from auditor.errors import CollectionError, InputError

_ACCOUNT_ID = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class Account:
    account_id: str
    name: str
    status: str = "ACTIVE"


def parse_account_ids(values: Iterable[str], flag: str) -> frozenset[str]:
    """Comma-separated / repeated 12-digit account ids; anything else is a usage error."""
    ids: set[str] = set()
    for value in values:
        for item in value.split(","):
            item = item.strip()
            if not item:
                continue
            if not _ACCOUNT_ID.match(item):
                raise InputError(f"{flag}: {item!r} is not a 12-digit account id")
            ids.add(item)
    return frozenset(ids)


def _home_region(partition: str) -> str:
    return {"aws-cn": "cn-northwest-1", "aws-us-gov": "us-gov-west-1"}.get(partition, "us-east-1")


def list_accounts(clients: Any, partition: str = "aws") -> list[Account]:
    """Every account of the organization (``organizations:ListAccounts``, paginated)."""
    try:
        org = clients("organizations", _home_region(partition))
        accounts: list[Account] = []
        for page in org.get_paginator("list_accounts").paginate():
            for item in page.get("Accounts", []):
                accounts.append(
                    Account(
                        account_id=str(item["Id"]),
                        name=str(item.get("Name", "")),
                        status=str(item.get("Status", "ACTIVE")),
                    )
                )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise CollectionError(
            f"cannot list the organization's accounts ({code}): run from the management "
            "account or a delegated administrator with organizations:ListAccounts"
        ) from None
    except BotoCoreError as exc:
        raise CollectionError(f"cannot list the organization's accounts: {exc}") from None
    return sorted(accounts, key=lambda a: a.account_id)


def select(
    accounts: Sequence[Account],
    include: frozenset[str] = frozenset(),
    exclude: frozenset[str] = frozenset(),
) -> list[Account]:
    """ACTIVE accounts, limited to ``include`` (when given) and without ``exclude``.

    An ``include`` id that is not in the organization is a usage error: a typo
    must not silently scan less than asked.
    """
    known = {a.account_id for a in accounts}
    missing = sorted(include - known)
    if missing:
        raise InputError(f"--accounts: not in the organization: {', '.join(missing)}")
    return [
        a
        for a in accounts
        if a.status == "ACTIVE"
        and (not include or a.account_id in include)
        and a.account_id not in exclude
    ]
