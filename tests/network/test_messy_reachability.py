"""The messy account's planted exposures are found with full paths; the look-alikes are not
exposed, and the evidence says which gate holds (built in moto, collected over HTTP)."""

from __future__ import annotations

import re
import urllib.request
from typing import Any

import pytest

from auditor.engine.model import Status
from tests.scenarios.test_messy import scan_messy


@pytest.fixture(scope="module")
def messy(_moto_server: str) -> tuple[dict[tuple[str, str], Any], dict[str, str]]:
    reset = urllib.request.Request(f"{_moto_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(reset, timeout=10).close()
    _, result, ids = scan_messy(_moto_server)
    by_key = {
        (r.rule_id, r.resource_name): r
        for r in result.results
        if r.rule_id in ("NI007", "NI008", "ZT001")
    }
    return by_key, ids


def _path(*hops: str) -> str:
    return " -> ".join(hops)


ANY = r"\S+"


def test_the_public_database_is_found_with_its_whole_path(messy: Any) -> None:
    found, ids = messy
    r = found[("NI007", "exposed-pg")]
    assert r.status is Status.FAIL
    pattern = "tcp 5432 \\(PostgreSQL\\) reachable from the internet: " + _path(
        "internet",
        f"igw-{ANY}",
        f"rtb-{ANY} \\(0\\.0\\.0\\.0/0\\)",
        f"acl-{ANY} \\(in #100, out #100\\)",
        re.escape(f"{ids['pg-world']} tcp 5432 from 0.0.0.0/0"),
        f"public address \\(PubliclyAccessible\\) in subnet-{ANY}",
        "database exposed-pg",
    )
    assert re.fullmatch(pattern, r.evidence), r.evidence
    assert f"--group-id {ids['pg-world']} " in r.remediation_cmd


def test_the_ssh_bastion_is_found_with_its_whole_path(messy: Any) -> None:
    found, ids = messy
    for rule_id in ("NI007", "ZT001"):
        r = found[(rule_id, ids["bastion"])]
        assert r.status is Status.FAIL
        pattern = "tcp 22 \\(SSH\\) reachable from the internet: " + _path(
            "internet",
            f"igw-{ANY}",
            f"rtb-{ANY} \\(0\\.0\\.0\\.0/0\\)",
            f"acl-{ANY} \\(in #100, out #100\\)",
            re.escape(f"{ids['ssh-world']} tcp 22 from 0.0.0.0/0"),
            f"eni-{ANY} [0-9.]+ in {re.escape(ids['public_subnet'])}",
            re.escape(f"instance {ids['bastion']} (bastion)"),
        )
        assert re.fullmatch(pattern, r.evidence), r.evidence


def test_look_alikes_are_not_exposed_and_say_which_gate_holds(messy: Any) -> None:
    found, ids = messy
    private = found[("NI007", "private-flagged-pg")]
    assert private.status is Status.PASS
    assert private.evidence.startswith(
        f"not reachable from the internet: subnets {ids['private_subnet']}, "
        f"{ids['private_subnet_b']} are private ("
    )
    guarded = found[("NI007", "acl-guarded-pg")]
    assert guarded.status is Status.PASS
    assert guarded.evidence == (
        f"not reachable from the internet: {ids['guarded_acl']} denies what the security groups"
        f" open to the internet: tcp 5432 (in {ids['guarded_subnet']})"
    )
    # Both are one change from the internet, and NI008 names the change.
    assert found[("NI008", "private-flagged-pg")].evidence.startswith(
        "one change from the internet: a route to igw-"
    )
    assert found[("NI008", "acl-guarded-pg")].evidence.startswith(
        f"one change from the internet: opening {ids['guarded_acl']} would expose tcp 5432"
    )
    # The exposed ones are NI007's, not NI008's.
    assert found[("NI008", "exposed-pg")].status is Status.PASS
