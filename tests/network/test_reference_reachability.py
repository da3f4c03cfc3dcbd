"""The reference account, built in moto and collected over HTTP: nothing is internet-reachable,
and the database's evidence says why it is private."""

from __future__ import annotations

import urllib.request
from typing import Any

import boto3
import pytest

from auditor.analysis.reachability import analyse
from auditor.collect import collect
from auditor.collect.session import SessionClients
from auditor.demo import ReferenceInfo, build_reference
from auditor.engine.catalogue import load_catalogue
from auditor.engine.evaluate import evaluate_rule
from auditor.engine.model import Status
from auditor.snapshot import Snapshot
from tests.conftest import REGION
from tests.scenarios.reference import server_clients

NETWORK_RULES = ("NI007", "NI008", "ZT001")


@pytest.fixture(scope="module")
def reference(_moto_server: str) -> tuple[ReferenceInfo, Snapshot]:
    reset = urllib.request.Request(f"{_moto_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=10) as response:
        assert response.status == 200
    info = build_reference(server_clients(_moto_server), REGION)
    clients = SessionClients(boto3.Session(region_name=REGION), endpoint_url=_moto_server)
    snap = collect(clients, [REGION], ["ec2", "rds", "ecs", "lambda"])
    assert not [g for g in snap.gaps if g.message != "not requested"]
    return info, snap


def test_subnets_are_classified_from_their_routes(reference: Any) -> None:
    info, snap = reference
    classes = analyse(snap).subnets
    for sid in info.public_subnet_ids:
        assert classes[(REGION, sid)].public
        assert classes[(REGION, sid)].reason.endswith(
            f"sends 0.0.0.0/0 to {info.internet_gateway_id}"
        )
    for sid in info.private_subnet_ids:
        assert not classes[(REGION, sid)].public
        assert classes[(REGION, sid)].reason.endswith(f"sends 0.0.0.0/0 to {info.nat_gateway_id}")


def test_nothing_is_reachable_from_the_internet(reference: Any) -> None:
    info, snap = reference
    found = analyse(snap).resources
    kinds = sorted(r.kind for r in found)
    # The database, three services and the query bridge; the stand-in ENIs are theirs.
    assert kinds == ["db-instance", "ecs-service", "ecs-service", "ecs-service", "lambda-function"]
    assert {r.label for r in found} >= {
        f"database {info.db_instance_id}",
        f"Lambda function {info.function_name}",
    }
    for r in found:
        assert not r.reachable, r.label
        assert r.latent == (), r.label  # not even one change away
        assert r.blockers, r.label


def test_the_database_evidence_shows_why_it_is_private(reference: Any) -> None:
    info, snap = reference
    rule = load_catalogue().get("NI007")
    db = next(r for r in evaluate_rule(rule, snap) if r.resource_name == info.db_instance_id)
    assert db.status is Status.PASS
    a, b = info.private_subnet_ids
    assert db.evidence == (
        "not reachable from the internet: PubliclyAccessible is false; "
        f"subnets {a}, {b} are private ({_private_table_reason(snap, a)}); "
        f"{info.rds_sg_id} admits no internet source "
        f"(tcp 5432 from {info.ecs_tasks_sg_id}; tcp 5432 from {info.lambda_sg_id})"
    )
    assert _private_table_reason(snap, a).endswith(f"sends 0.0.0.0/0 to {info.nat_gateway_id}")


def _private_table_reason(snap: Snapshot, subnet_id: str) -> str:
    return analyse(snap).subnets[(REGION, subnet_id)].reason


def test_every_network_path_rule_passes(reference: Any) -> None:
    _, snap = reference
    catalogue = load_catalogue()
    for rule_id in NETWORK_RULES:
        statuses = {r.status for r in evaluate_rule(catalogue.get(rule_id), snap)}
        assert statuses <= {Status.PASS}, rule_id
