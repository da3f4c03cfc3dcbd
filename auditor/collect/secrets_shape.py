"""Classify environment variables as plaintext secrets *without keeping the value*.

Used by the ECS and Lambda collectors: the value is inspected in memory,
then only the variable name and a verdict enter the snapshot.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from auditor.snapshot import EnvVar

_SECRET_NAME = re.compile(
    r"(PASSWORD|PASSWD|PWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH|"
    r"DSN|CONN(ECTION)?_?STR(ING)?|DATABASE_URL|DB_URL|SIGNING_?KEY|CLIENT_?SECRET|WEBHOOK)",
    re.IGNORECASE,
)
#: Names that contain a secret-ish word but hold a pointer or a setting, not a secret.
_BENIGN_NAME = re.compile(
    r"(_ARN|_ID|_NAME|_PATH|_FILE|_URL_PARAM|_REGION|_TTL|_TIMEOUT|_LENGTH|_ENABLED|_HEADER)$",
    re.IGNORECASE,
)

_VALUE_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("aws-access-key-id", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("private-key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("github-token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("slack-token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("stripe-key", re.compile(r"\b[sr]k_live_[A-Za-z0-9]{16,}")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("url-with-password", re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)),
)

_REFERENCE = re.compile(r"^(arn:aws[a-z-]*:(secretsmanager|ssm|kms):|\{\{resolve:)")


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:")


def classify_env(name: str, value: str) -> EnvVar:
    """Judge one variable; the returned model never contains ``value``."""
    if _REFERENCE.match(value):
        return EnvVar(name=name, looks_secret=False, is_reference=True)
    if _ARN.match(value):
        # An ARN names a resource (a topic, a bucket, a role); generated names in it
        # look random but are identifiers, not credentials.
        return EnvVar(name=name, looks_secret=False)
    for label, pattern in _VALUE_SHAPES:
        if pattern.search(value):
            return EnvVar(name=name, looks_secret=True, reason=f"value:{label}")
    if _SECRET_NAME.search(name) and not _BENIGN_NAME.search(name):
        if len(value) >= 8 and _entropy(value) >= 3.0:
            return EnvVar(name=name, looks_secret=True, reason="name+value:high-entropy")
        if value and value.lower() not in {"true", "false", "none", "null", "changeme", "0", "1"}:
            return EnvVar(name=name, looks_secret=True, reason="name")
    if len(value) >= 32 and " " not in value and _entropy(value) >= 4.5:
        return EnvVar(name=name, looks_secret=True, reason="value:high-entropy")
    return EnvVar(name=name, looks_secret=False)
