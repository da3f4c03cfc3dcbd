"""The labelled table of environment variables (``data/env_secrets_table.csv``).

Secret values are FAKE: the table holds templates such as ``ghp_<<alnum:36>>``
that expand, with a fixed seed per row, into strings of the real shape. No
credential (real or fake) is written in the repository, so secret scanners
stay quiet and nothing here could ever be a live key.
"""

from __future__ import annotations

import csv
import random
import re
import string
import uuid
from dataclasses import dataclass
from pathlib import Path

TABLE = Path(__file__).with_name("data") / "env_secrets_table.csv"

_ALPHABETS = {
    "alnum": string.ascii_letters + string.digits,
    "hex": "0123456789abcdef",
    "b64": string.ascii_letters + string.digits + "+/",
    "b64url": string.ascii_letters + string.digits + "-_",
    "b32": string.ascii_uppercase + "234567",
    "lower": string.ascii_lowercase + string.digits,
    "digits": string.digits,
    "sym": string.ascii_letters + string.digits + "!@#$%^&*(-_=+)",
}
_SLOT = re.compile(r"<<(\w+):(\d+)>>")


@dataclass(frozen=True)
class Row:
    line: int
    secret: bool
    name: str
    value: str
    note: str


def expand(template: str, seed: int) -> str:
    """Fill each ``<<alphabet:length>>`` slot with seeded random characters."""
    rng = random.Random(seed)

    def fill(m: re.Match[str]) -> str:
        kind, n = m.group(1), int(m.group(2))
        if kind == "uuid":
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))
        return "".join(rng.choice(_ALPHABETS[kind]) for _ in range(n))

    return _SLOT.sub(fill, template)


def load() -> list[Row]:
    with TABLE.open(newline="") as fh:
        return [
            Row(
                line=i,
                secret=r["label"] == "secret",
                name=r["name"],
                value=expand(r["value"], seed=i),
                note=r["note"],
            )
            for i, r in enumerate(csv.DictReader(fh), start=2)
        ]
