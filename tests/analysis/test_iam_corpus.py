"""The labelled IAM corpus: every case through the engine and every rule that consumes it.

Expectations in ``iam_corpus.yaml`` are written by hand from what each policy
means (see the ``reason`` of each case), never from the tool's output.
"""

from __future__ import annotations

from collections import Counter

import pytest

from auditor.engine.catalogue import load_catalogue
from auditor.engine.evaluate import evaluate_rule
from tests.analysis.iam_corpus import (
    Case,
    build,
    engine_verdict,
    load_cases,
    rule_expectations,
    subject_arn,
)

CASES = load_cases()


def test_the_corpus_is_large_and_balanced() -> None:
    assert len(CASES) >= 80
    assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"
    verdicts = Counter(c.expect for c in CASES)
    exploitable = sum(verdicts[v] for v in ("admin", "equivalent", "path", "open", "wide"))
    harmless = verdicts["none"] + verdicts["closed"] + verdicts["narrow"]
    assert exploitable >= 25 and harmless >= 25, verdicts
    assert verdicts["conditional"] >= 5, verdicts
    for case in CASES:
        assert case.reason and case.source, case.id


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_engine_verdict(case: Case) -> None:
    snap = build(case)
    assert engine_verdict(snap, case) == case.expect, case.reason


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rules_that_consume_the_case(case: Case) -> None:
    snap = build(case)
    catalogue = load_catalogue()
    target = subject_arn(snap, case)
    for rule_id, wanted in rule_expectations(snap, case):
        got = {
            r.status.value
            for r in evaluate_rule(catalogue.get(rule_id), snap)
            if r.resource_id == target
        }
        assert got == ({wanted} if wanted else set()), f"{rule_id}: {case.reason}"
