"""The files fix commands read, built from the account: the dashboard, the saved queries,
and how the report writes them (only plain file names, under fixes/)."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.analysis.fixfiles import dashboard_body, query_definitions
from auditor.engine.catalogue import load_catalogue
from auditor.engine.evaluate import evaluate
from auditor.render.reports import FIXES_DIR, fix_files, write_reports
from auditor.snapshot.cloudwatch import LogGroup, LogsSection
from auditor.snapshot.ecs import ContainerDefinition, EcsSection, EcsService, TaskDefinition
from auditor.snapshot.lambda_ import LambdaFunction, LambdaSection
from auditor.snapshot.rds import RdsSection
from tests.rules.helpers import REGION, db_instance, make_snapshot

ACCOUNT = "123456789012"
CLUSTER = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/ops"
HOSTILE = 'evil"name</script>'


def _service(name: str) -> EcsService:
    return EcsService(
        arn=f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/ops/{name}",
        name=name,
        region=REGION,
        cluster_arn=CLUSTER,
        status="ACTIVE",
        launch_type="FARGATE",
        task_definition_arn="td",
        desired_count=1,
    )


def _function(name: str) -> LambdaFunction:
    return LambdaFunction(
        arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
        name=name,
        region=REGION,
        runtime="python3.12",
        role_arn="r",
    )


def _group(name: str) -> LogGroup:
    return LogGroup(
        name=name, arn=f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}", region=REGION
    )


def _account() -> object:
    task = TaskDefinition(
        arn="td",
        family="api",
        revision=1,
        region=REGION,
        status="ACTIVE",
        containers=(ContainerDefinition(name="api", image="api:1", log_group="/ecs/api"),),
    )
    return make_snapshot(
        ecs=EcsSection(services=(_service("api"), _service(HOSTILE)), task_definitions=(task,)),
        lambda_=LambdaSection(functions=(_function("bridge"),)),
        rds=RdsSection(instances=(db_instance("orders-db"),)),
        logs=LogsSection(
            log_groups=(_group("/ecs/api"), _group("/aws/lambda/bridge"), _group("/app/other"))
        ),
    )


def test_the_dashboard_shows_the_accounts_own_services_functions_and_database() -> None:
    body = json.loads(dashboard_body(_account()))  # type: ignore[arg-type]
    dims = {tuple(metric[2:]) for w in body["widgets"] for metric in w["properties"]["metrics"]}
    assert dims == {
        ("ClusterName", "ops", "ServiceName", "api"),
        ("ClusterName", "ops", "ServiceName", HOSTILE),  # JSON-escaped, still valid
        ("FunctionName", "bridge"),
        ("DBInstanceIdentifier", "orders-db"),
    }
    assert all(w["properties"]["region"] == REGION for w in body["widgets"])
    assert len({(w["x"], w["y"]) for w in body["widgets"]}) == len(body["widgets"])  # no overlap


def test_saved_queries_cover_the_accounts_log_groups() -> None:
    files = {
        name: json.loads(text)
        for name, text in query_definitions(_account(), REGION).items()  # type: ignore[arg-type]
    }
    assert {name: doc["logGroupNames"] for name, doc in files.items()} == {
        "query-errors.json": ["/app/other", "/aws/lambda/bridge", "/ecs/api"],
        "query-slowest-requests.json": ["/aws/lambda/bridge"],
        "query-task-restarts.json": ["/ecs/api"],
    }
    assert all(doc["name"].startswith("auditor/") and doc["queryString"] for doc in files.values())


def test_fix_files_are_written_under_fixes_and_only_by_plain_names(tmp_path: Path) -> None:
    result = evaluate(_account(), load_catalogue())  # type: ignore[arg-type]
    files = fix_files(result)
    assert "dashboard-operations.json" in files and "query-errors.json" in files
    # a name with a path in it (from a tampered results file) is never written
    ob002 = next(r for r in result.results if r.rule_id == "OB002")
    tampered = result.model_copy(
        update={
            "results": (
                *result.results,
                ob002.model_copy(update={"fix_files": {"../escape.json": "{}", ".hidden": "x"}}),
            )
        }
    )
    assert set(fix_files(tampered)) == set(files)
    write_reports(tampered, tmp_path / "out", ["md"])
    assert sorted(p.name for p in (tmp_path / "out" / FIXES_DIR).iterdir()) == sorted(files)
    assert not (tmp_path / "escape.json").exists()


def test_the_deploy_workflow_is_valid_yaml_and_names_stay_inert() -> None:
    import shlex

    import yaml

    from auditor.analysis.fixfiles import github_deploy_workflow

    snap = make_snapshot(ecs=EcsSection(services=(_service("api"), _service("x$(touch pwned)"))))
    text = github_deploy_workflow(snap, f"arn:aws:iam::{ACCOUNT}:role/deploy")  # type: ignore[arg-type]
    doc = yaml.safe_load(text)
    steps = doc["jobs"]["deploy"]["steps"]
    runs = [step["run"].strip() for step in steps if "run" in step]
    assert runs == [
        f"aws ecs update-service --cluster ops --service {shlex.quote(name)} "
        f"--force-new-deployment --region {REGION}"
        for name in ("api", "x$(touch pwned)")
    ]
    assert "'x$(touch pwned)'" in text  # single-quoted: the shell runs nothing in it
    assert doc["permissions"] == {"id-token": "write", "contents": "read"}
    assert steps[1]["with"]["role-to-assume"] == f"arn:aws:iam::{ACCOUNT}:role/deploy"
