"""The labelled IAM corpus as a table: every case, the verdict expected by hand, the
engine's verdict, and whether the rules that consume the case agree.

    python bench/iam_corpus.py              # Markdown table on stdout
    python bench/iam_corpus.py --failures   # only the cases that disagree

The corpus lives in ``tests/analysis/iam_corpus.yaml`` (see ``tests/analysis/iam_corpus.py``
for the verdicts); the table test ``tests/analysis/test_iam_corpus.py`` asserts the same.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # this checkout's auditor and tests

from auditor.engine.catalogue import load_catalogue  # noqa: E402
from auditor.engine.evaluate import evaluate_rule  # noqa: E402
from tests.analysis.iam_corpus import (  # noqa: E402
    build,
    engine_verdict,
    load_cases,
    rule_expectations,
    subject_arn,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--failures", action="store_true", help="only cases that disagree")
    args = parser.parse_args(argv)
    catalogue = load_catalogue()
    cases = load_cases()
    rows: list[str] = []
    engine_ok = rules_ok = 0
    by_verdict: Counter[str] = Counter()
    for case in cases:
        snap = build(case)
        got = engine_verdict(snap, case)
        target = subject_arn(snap, case)
        disagreements = []
        for rule_id, wanted in rule_expectations(snap, case):
            statuses = {
                r.status.value
                for r in evaluate_rule(catalogue.get(rule_id), snap)
                if r.resource_id == target
            }
            if statuses != ({wanted} if wanted else set()):
                shown = "/".join(sorted(statuses)) or "no result"
                disagreements.append(f"{rule_id} {shown} (want {wanted or 'no result'})")
        engine_ok += got == case.expect
        rules_ok += not disagreements
        by_verdict[case.expect] += 1
        if args.failures and got == case.expect and not disagreements:
            continue
        mark = "ok" if got == case.expect and not disagreements else "**MISMATCH**"
        rules = "; ".join(disagreements) or "all agree"
        rows.append(f"| {case.id} | {case.expect} | {got} | {rules} | {mark} |")
    print("| case | expected | engine | rules | |")
    print("| --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    print()
    print(
        f"{len(cases)} cases ({', '.join(f'{v} {k}' for k, v in sorted(by_verdict.items()))}):"
        f" engine agrees on {engine_ok}, every consuming rule agrees on {rules_ok}."
    )
    return 0 if engine_ok == rules_ok == len(cases) else 1


if __name__ == "__main__":
    raise SystemExit(main())
