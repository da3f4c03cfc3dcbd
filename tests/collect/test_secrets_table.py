"""Every row of the labelled table (200+ name/value pairs) gets its label."""

from __future__ import annotations

import pytest

from auditor.collect.secrets_shape import classify_env
from tests.collect.secrets_table import Row, load

ROWS = load()


def test_the_table_is_large_and_balanced() -> None:
    secrets = sum(r.secret for r in ROWS)
    assert len(ROWS) >= 200
    assert 0.4 <= secrets / len(ROWS) <= 0.6
    assert all(r.value == r.value.strip() for r in ROWS if r.value)
    assert len({r.value for r in ROWS if r.secret}) == secrets  # no copy-pasted secret


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.line}-{r.name}" for r in ROWS])
def test_row(row: Row) -> None:
    env = classify_env(row.name, row.value)
    assert env.looks_secret == row.secret, f"{row.name}: {row.note} (reason {env.reason!r})"
    assert env.name == row.name
    assert set(env.model_dump()) == {"name", "looks_secret", "reason", "is_reference"}
    if row.secret:  # the verdict, never the value
        assert row.value not in env.model_dump_json()
