"""Precision and recall of the env-var secret classifier on the labelled table.

Runs ``auditor.collect.secrets_shape.classify_env`` (or, with ``--classifier``,
the ``classify_env`` of another file, e.g. an older revision extracted with
``git show REV:auditor/collect/secrets_shape.py > /tmp/old.py``) over every
row of ``tests/collect/data/env_secrets_table.csv`` and prints precision,
recall, the false positives among the look-alikes and the missed secrets
(names only: values are never printed).

    python bench/secrets_bench.py
    python bench/secrets_bench.py --classifier /tmp/old.py
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.collect.secrets_table import load  # noqa: E402


def _classifier(path: str | None) -> Callable[[str, str], Any]:
    if path is None:
        from auditor.collect.secrets_shape import classify_env

        return classify_env
    spec = importlib.util.spec_from_file_location("classifier_under_test", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"error: cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.classify_env  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classifier", help="a file defining classify_env(name, value)")
    args = parser.parse_args(argv)
    classify = _classifier(args.classifier)
    rows = load()
    tp = fp = fn = tn = 0
    false_pos: list[str] = []
    missed: list[str] = []
    for row in rows:
        env = classify(row.name, row.value)
        if env.looks_secret and row.secret:
            tp += 1
        elif env.looks_secret:
            fp += 1
            false_pos.append(f"{row.name} ({env.reason}; {row.note})")
        elif row.secret:
            fn += 1
            missed.append(f"{row.name} ({row.note})")
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    secrets = tp + fn
    print(f"rows: {len(rows)} ({secrets} secrets, {len(rows) - secrets} look-alikes)")
    print(f"precision: {precision:.3f}  recall: {recall:.3f}")
    print(f"true positives {tp}, false positives {fp}, missed {fn}, true negatives {tn}")
    for title, items in (("false positives", false_pos), ("missed secrets", missed)):
        if items:
            print(f"{title}:")
            for item in items:
                print(f"  - {item}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
