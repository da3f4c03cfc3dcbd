"""The "messy startup" scenario: every planted violation found, no look-alike flagged.

Built in moto's HTTP server and collected through the real HTTP path; the
exact set of FAIL findings is kept in ``messy_expected.json``. To refresh it
after a deliberate rule change: ``python -m tests.scenarios.test_messy``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditor.demo.messy import LOOK_ALIKES, PLANTED, PLANTED_VALUES, build_messy
from auditor.engine.model import Principle, Status
from auditor.engine.results import ScanResult
from auditor.snapshot import Snapshot

EXPECTED = Path(__file__).with_name("messy_expected.json")
REGION = "us-west-2"


def scan_messy(endpoint: str) -> tuple[Snapshot, ScanResult, dict[str, str]]:
    import boto3

    from auditor.collect import collect
    from auditor.collect.session import SessionClients
    from auditor.engine.catalogue import load_catalogue
    from auditor.engine.evaluate import evaluate

    setup = boto3.Session(region_name=REGION)
    ids = build_messy(
        lambda svc, region: setup.client(svc, region_name=region, endpoint_url=endpoint), REGION
    )
    clients = SessionClients(boto3.Session(region_name=REGION), endpoint_url=endpoint)
    snapshot = collect(clients, [REGION])
    return snapshot, evaluate(snapshot, load_catalogue()), ids


def fail_keys(result: ScanResult) -> list[str]:
    return sorted(
        f"{r.rule_id} {r.resource_name or r.resource_id}"
        for r in result.results
        if r.status is Status.FAIL
    )


def _stable(key: str, ids: dict[str, str]) -> str:
    """Resource ids moto generates differ per run: name them by role."""
    for name, value in ids.items():
        key = key.replace(value, f"<{name}>")
    return key


@pytest.fixture(scope="module")
def messy(_moto_server: str) -> tuple[Snapshot, ScanResult, dict[str, str]]:
    import urllib.request

    req = urllib.request.Request(f"{_moto_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(req, timeout=10).close()
    return scan_messy(_moto_server)


def test_findings_are_exactly_the_expected_ones(messy: Any) -> None:
    _, result, ids = messy
    got = sorted(_stable(k, ids) for k in fail_keys(result))
    assert got == json.loads(EXPECTED.read_text())


def test_every_planted_violation_is_found(messy: Any) -> None:
    _, result, ids = messy
    failing_names = {r.resource_name for r in result.results if r.status is Status.FAIL}
    aliases = {
        "vpc": ids["vpc"],
        "bastion": ids["bastion"],
        "region": f"account/{REGION}",
        "account": "account",
    }
    for name, why in PLANTED:
        wanted = aliases.get(name, name)
        assert any(wanted in n for n in failing_names), (
            f"planted violation not found: {name} ({why})"
        )


def test_no_look_alike_is_flagged(messy: Any) -> None:
    _, result, _ = messy
    for name, rules in LOOK_ALIKES:
        flagged = {
            r.rule_id
            for r in result.results
            if r.status is Status.FAIL
            and r.rule_id in rules
            and name in (r.resource_name, r.resource_id)
        }
        assert not flagged, f"look-alike {name} flagged by {flagged}"


def test_env_var_secrets_are_judged_by_shape_not_by_name(messy: Any) -> None:
    """Planted: DB_PASSWORD and a Redis URL with a password (ECS api), a GitHub token
    under a neutral name (legacy-report). Look-alikes: AUTHOR, OAUTH_ISSUER, NEXTAUTH_URL,
    a password-less DATABASE_URL, PWD, a publishable key... (private-fn), a commit SHA,
    a queue URL and a secret *name* (worker): none of them is a finding."""
    _, result, _ = messy
    by_key = {(r.rule_id, r.resource_name): r for r in result.results}
    api = by_key[("SM005", "api:1")]
    assert api.status is Status.FAIL
    assert "container api DB_PASSWORD (name:PASSWORD)" in api.evidence
    assert "container api CACHE_URL (value:url-with-password)" in api.evidence
    assert "LOG_LEVEL" not in api.evidence
    legacy = by_key[("SM006", "legacy-report")]
    assert legacy.status is Status.FAIL
    assert legacy.evidence == "plaintext secret in environment: REPORT_UPLOAD (value:github-token)"
    assert by_key[("SM006", "private-fn")].status is Status.PASS
    assert by_key[("SM005", "worker:1")].status is Status.PASS


#: One door, one score (docs/scoring.md): FAILs counted under the path finding that
#: reports the same open door. The bastion's world-open SSH group is one problem
#: (NI003 on the group, ZT001 on the instance, NI007 on the path); db-open and
#: pg-world are the groups through which legacy-mysql and exposed-pg are reached.
#: wide-open, ssh-half-internet and the RDS flags guard nothing reachable: they count.
COUNTED_UNDER = {
    "NI003 ssh-world": "NI007 <bastion>",
    "ZT001 <bastion>": "NI007 <bastion>",
    "NI004 db-open": "NI007 legacy-mysql",
    "NI004 pg-world": "NI007 exposed-pg",
}


def test_one_problem_is_scored_once(messy: Any) -> None:
    _, result, ids = messy
    by_finding = {r.finding_id: r for r in result.results}

    def key(r: Any) -> str:
        return _stable(f"{r.rule_id} {r.resource_name or r.resource_id}", ids)

    counted = {key(r): key(by_finding[r.counted_under]) for r in result.results if r.counted_under}
    assert counted == COUNTED_UNDER


def test_security_principles_grade_d_or_f(messy: Any) -> None:
    _, result, _ = messy
    for p in result.principles:
        if p.principle.category.value == "security":
            assert p.grade in ("D", "F"), f"{p.principle}: {p.grade} ({p.score})"
    assert result.principle(Principle.OBSERVABILITY).grade == "F"
    assert result.security.grade in ("D", "F")


def test_no_planted_value_reaches_the_snapshot(messy: Any) -> None:
    snapshot, result, _ = messy
    blob = snapshot.model_dump_json() + result.model_dump_json()
    for value in PLANTED_VALUES:
        assert value not in blob


if __name__ == "__main__":  # refresh the expected findings
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        _, res, found_ids = scan_messy(f"http://{host}:{port}")
        keys = sorted(_stable(k, found_ids) for k in fail_keys(res))
        EXPECTED.write_text(json.dumps(keys, indent=1) + "\n")
        print(f"{len(keys)} findings -> {EXPECTED}")
    finally:
        server.stop()
