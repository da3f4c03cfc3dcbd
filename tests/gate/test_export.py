"""CI-native exports: JUnit XML, Security Hub ASFF (checked against botocore's model), OCSF."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.model import ListShape, MapShape, Shape, StructureShape
from click.testing import CliRunner

from auditor.cli import main
from auditor.engine.results import ScanResult
from auditor.export import asff_batches, asff_findings, junit_xml, ocsf_findings
from auditor.export.asff import RESOURCE_TYPES, resource_type
from auditor.render.json import results_to_json
from tests.gate.helpers import REGION, rr, scan

HOSTILE = 'evil\x00\x07\x1b[31m <x> & "q" ]]> \ud7ff|`'
ARN = "arn:aws:iam::123456789012:role/app-role"


def _mixed() -> ScanResult:
    return scan(
        [
            rr(
                "NI004",
                "sg-0abc",
                "FAIL",
                "critical",
                name="rds-sg",
                evidence="5432 open",
                remediation_cmd="aws ec2 revoke-security-group-ingress --group-id sg-0abc",
            ),
            rr("NI003", "sg-0abc", "PASS", name="rds-sg"),
            rr("LP003", ARN, "FAIL", "critical", region="global", waived="break-glass role"),
            rr("LP001", "account", "PASS", "critical", region="global"),
            rr("SM001", f"secretsmanager:{REGION}", "UNKNOWN", "medium"),
            rr("OB002", "rule:OB002", "ERROR", "low", region="global"),
            rr(
                "DA004",
                "arn:aws:ecr:us-west-2:123456789012:repository/x",
                "FAIL",
                "low",
                name=HOSTILE,
                evidence=HOSTILE,
            ),
        ]
    )


# ------------------------------------------------------------------------ JUnit


def test_junit_has_one_case_per_result_with_the_right_outcome() -> None:
    root = ET.fromstring(junit_xml(_mixed()).encode())

    assert root.tag == "testsuites"
    assert {k: root.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "7",
        "failures": "2",
        "errors": "1",
        "skipped": "2",
    }
    cases = {c.get("classname", "") + "|" + c.get("name", ""): c for c in root.iter("testcase")}
    assert len(cases) == 7

    def outcome(classname: str) -> list[str]:
        (case,) = (c for k, c in cases.items() if k.startswith(classname + "|"))
        return [child.tag for child in case]

    assert outcome("auditor.network_isolation.NI004") == ["failure"]
    assert outcome("auditor.network_isolation.NI003") == []
    assert outcome("auditor.least_privilege.LP003") == ["skipped"]  # waived
    assert outcome("auditor.secrets_management.SM001") == ["skipped"]  # unknown
    assert outcome("auditor.observability.OB002") == ["error"]
    failure = next(c for k, c in cases.items() if "NI004" in k).find("failure")
    assert failure is not None
    assert failure.get("message") == "5432 open" and failure.get("type") == "critical"
    assert "fix: aws ec2 revoke-security-group-ingress --group-id sg-0abc" in (failure.text or "")
    suites = [s.get("name") for s in root.iter("testsuite")]
    assert suites == [
        "Least Privilege",
        "Secrets Management",
        "Network Isolation",
        "Observability",
        "Deployment Automation",
    ]


def test_junit_survives_hostile_names() -> None:
    text = junit_xml(_mixed())
    root = ET.fromstring(text.encode())  # well-formed despite NUL, ESC and "]]>"
    (case,) = (c for c in root.iter("testcase") if ".DA004" in (c.get("classname") or ""))
    assert case.get("name", "").startswith('evil\ufffd\ufffd\ufffd[31m <x> & "q" ]]>')
    assert "<x>" not in text  # escaped in the file


# ------------------------------------------------------------------------ ASFF


def _securityhub_finding_shape() -> StructureShape:
    import botocore.session

    model = botocore.session.get_session().get_service_model("securityhub")
    request = model.operation_model("BatchImportFindings").input_shape
    assert request is not None
    findings = request.members["Findings"]
    assert isinstance(findings, ListShape)
    assert (findings.metadata["min"], findings.metadata["max"]) == (1, 100)
    member = findings.member
    assert isinstance(member, StructureShape)
    return member


def _check(shape: Shape, value: Any, path: str) -> None:
    """``value`` conforms to the botocore ``shape``: types, required members, enums, limits."""
    kind = shape.type_name
    meta = shape.metadata
    if isinstance(shape, StructureShape):
        assert isinstance(value, dict), path
        missing = set(shape.required_members) - set(value)
        assert not missing, f"{path}: missing required {sorted(missing)}"
        unknown = set(value) - set(shape.members)
        assert not unknown, f"{path}: not in the model {sorted(unknown)}"
        for name, item in value.items():
            _check(shape.members[name], item, f"{path}.{name}")
    elif isinstance(shape, ListShape):
        assert isinstance(value, list), path
        assert meta.get("min", 0) <= len(value) <= meta.get("max", 10**9), path
        for i, item in enumerate(value):
            _check(shape.member, item, f"{path}[{i}]")
    elif isinstance(shape, MapShape):
        assert isinstance(value, dict), path
        for key, item in value.items():
            _check(shape.key, key, f"{path} key")
            _check(shape.value, item, f"{path}[{key}]")
    elif kind == "string":
        assert isinstance(value, str), path
        assert meta.get("min", 0) <= len(value) <= meta.get("max", 10**9), path
        if "pattern" in meta:
            assert re.fullmatch(meta["pattern"], value, re.DOTALL), f"{path}: {value!r}"
        enum = getattr(shape, "enum", None)
        if enum:
            assert value in enum, f"{path}: {value!r} not in {enum}"
    elif kind in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), path
    elif kind in ("double", "float"):
        assert isinstance(value, int | float) and not isinstance(value, bool), path
    elif kind == "boolean":
        assert isinstance(value, bool), path
    elif kind == "timestamp":
        assert isinstance(value, str), path
    else:  # pragma: no cover - a shape kind this exporter never uses
        raise AssertionError(f"{path}: unexpected shape kind {kind}")


def test_asff_findings_conform_to_the_securityhub_model() -> None:
    shape = _securityhub_finding_shape()
    findings = asff_findings(_mixed())
    assert len(findings) == 7
    for finding in findings:
        _check(shape, finding, finding["Id"])
        # limits documented for ASFF but not in the model
        assert len(finding["Title"]) <= 256 and len(finding["Description"]) <= 1024
        assert len(finding["Id"]) <= 512
        for ts in (finding["CreatedAt"], finding["UpdatedAt"]):
            assert datetime.fromisoformat(ts.replace("Z", "+00:00")).tzinfo is not None
    by_rule = {f["GeneratorId"]: f for f in findings}
    ni004 = by_rule["auditor/NI004"]
    assert ni004["Compliance"] == {
        "Status": "FAILED",
        "RelatedRequirements": ["AWS Foundational Security Best Practices v1.0.0/EC2.19"],
    }
    assert (ni004["Severity"]["Label"], ni004["Workflow"]["Status"]) == ("CRITICAL", "NEW")
    assert ni004["Resources"][0]["Type"] == "AwsEc2SecurityGroup"
    assert ni004["ProductArn"] == (
        "arn:aws:securityhub:us-west-2:123456789012:product/123456789012/default"
    )
    assert by_rule["auditor/NI003"]["Compliance"]["Status"] == "PASSED"
    assert by_rule["auditor/NI003"]["Workflow"]["Status"] == "RESOLVED"
    assert by_rule["auditor/LP003"]["Workflow"]["Status"] == "SUPPRESSED"
    assert by_rule["auditor/LP001"]["Resources"][0] == {
        "Type": "AwsAccount",
        "Id": "AWS::::Account:123456789012",
        "Partition": "aws",
        "Region": "us-west-2",
    }
    assert by_rule["auditor/SM001"]["Compliance"]["Status"] == "NOT_AVAILABLE"
    assert len({f["Id"] for f in findings}) == len(findings)


def test_asff_batches_hold_at_most_100_findings() -> None:
    big = scan([rr("NI003", f"sg-{i:04d}", "FAIL" if i % 3 else "PASS") for i in range(250)])
    batches = asff_batches(asff_findings(big))
    assert [len(b["Findings"]) for b in batches] == [100, 100, 50]
    request = _securityhub_finding_shape()
    import botocore.session

    input_shape = (
        botocore.session.get_session()
        .get_service_model("securityhub")
        .operation_model("BatchImportFindings")
        .input_shape
    )
    assert input_shape is not None
    for batch in batches:
        _check(input_shape, batch, "request")
    assert request.name == "AwsSecurityFinding"
    assert [len(b["Findings"]) for b in asff_batches(asff_findings(big, failed_only=True))] == [
        100,
        66,
    ]


def test_every_asff_resource_type_is_a_securityhub_type() -> None:
    details = _securityhub_finding_shape().members["Resources"]
    assert isinstance(details, ListShape) and isinstance(details.member, StructureShape)
    known = set(details.member.members["Details"].members)  # type: ignore[attr-defined]
    assert RESOURCE_TYPES - {"AwsAccount", "Other"} <= known
    cases = {
        "arn:aws:iam::1:role/r": "AwsIamRole",
        "arn:aws:iam::1:user/u": "AwsIamUser",
        "arn:aws:ecs:us-west-2:1:service/c/s": "AwsEcsService",
        "arn:aws:ecs:us-west-2:1:task-definition/f:3": "AwsEcsTaskDefinition",
        "arn:aws:rds:us-west-2:1:db:trading-db": "AwsRdsDbInstance",
        "arn:aws:lambda:us-west-2:1:function:f": "AwsLambdaFunction",
        "arn:aws:logs:us-west-2:1:log-group:/ecs/x": "Other",
        "vpc-123": "AwsEc2Vpc",
        "account/us-west-2": "AwsAccount",
        "some-bucket": "Other",
    }
    for rid, expected in cases.items():
        assert resource_type(rr("NI003", rid)) == expected, rid


# ------------------------------------------------------------------------ OCSF


def _require(obj: dict[str, Any], path: str, **types: type | tuple[type, ...]) -> None:
    for name, kind in types.items():
        assert name in obj, f"{path}.{name} is required"
        assert isinstance(obj[name], kind), f"{path}.{name} must be {kind}"
        if kind is str:
            assert obj[name], f"{path}.{name} must not be empty"


def test_ocsf_detection_findings_have_the_required_attributes() -> None:
    """OCSF 1.x: base event + Finding + Detection Finding (class 2004) requirements, by hand."""
    events = ocsf_findings(_mixed())
    assert len(events) == 7
    json.dumps(events)  # plain JSON values only
    for e in events:
        path = e["finding_info"]["uid"]
        _require(
            e,
            path,
            activity_id=int,
            category_uid=int,
            class_uid=int,
            type_uid=int,
            severity_id=int,
            time=int,
            metadata=dict,
            finding_info=dict,
        )
        assert (e["class_uid"], e["category_uid"]) == (2004, 2)
        assert e["activity_id"] in (1, 2, 3, 99)
        assert e["type_uid"] == e["class_uid"] * 100 + e["activity_id"]
        assert e["severity_id"] in (0, 1, 2, 3, 4, 5, 6, 99)
        assert e.get("status_id") in (0, 1, 2, 3, 4, 5, 6, 99)
        assert e["time"] > 10**12  # epoch milliseconds
        _require(e["metadata"], f"{path}.metadata", version=str, product=dict)
        assert re.fullmatch(r"1\.\d+\.\d+", e["metadata"]["version"])
        _require(e["metadata"]["product"], f"{path}.metadata.product", name=str, vendor_name=str)
        _require(e["finding_info"], f"{path}.finding_info", uid=str, title=str)
        analytic = e["finding_info"]["analytic"]
        _require(analytic, f"{path}.analytic", uid=str, type_id=int)
        _require(e["cloud"], f"{path}.cloud", provider=str)
        for resource in e["resources"]:
            _require(resource, f"{path}.resources[]", uid=str)
        if "remediation" in e:
            _require(e["remediation"], f"{path}.remediation", desc=str)
    by_rule = {e["finding_info"]["analytic"]["uid"]: e for e in events}
    assert (by_rule["NI004"]["status"], by_rule["NI004"]["severity_id"]) == ("New", 5)
    assert by_rule["NI004"]["is_alert"] is True
    assert (by_rule["NI003"]["activity_name"], by_rule["NI003"]["status"]) == ("Close", "Resolved")
    assert by_rule["LP003"]["status"] == "Suppressed" and by_rule["LP003"]["is_alert"] is False
    assert by_rule["SM001"]["status_id"] == 0


# ------------------------------------------------------------------------ CLI


def test_export_command_writes_each_format(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    big = scan([rr("NI003", f"sg-{i:04d}", "FAIL") for i in range(150)])
    results.write_text(results_to_json(big), encoding="utf-8")
    runner = CliRunner()

    out = runner.invoke(
        main, ["export", "--format", "junit", str(results), "-o", str(tmp_path / "j.xml")]
    )
    assert out.exit_code == 0, out.output
    assert ET.parse(tmp_path / "j.xml").getroot().get("failures") == "150"

    out = runner.invoke(
        main, ["export", "--format", "ocsf", str(results), "-o", str(tmp_path / "o.json")]
    )
    assert out.exit_code == 0
    assert len(json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))) == 150

    asff = tmp_path / "asff"
    asff.mkdir()
    (asff / "batch-0009.json").write_text("{}", encoding="utf-8")  # stale, from a bigger run
    (asff / "notes.txt").write_text("mine", encoding="utf-8")
    out = runner.invoke(main, ["export", "--format", "asff", str(results), "-o", str(asff)])
    assert out.exit_code == 0, out.output
    assert sorted(p.name for p in asff.iterdir()) == [
        "batch-0001.json",
        "batch-0002.json",
        "notes.txt",
    ]
    batch = json.loads((asff / "batch-0002.json").read_text(encoding="utf-8"))
    assert len(batch["Findings"]) == 50

    not_a_dir = tmp_path / "file.json"
    not_a_dir.write_text("x", encoding="utf-8")
    out = runner.invoke(main, ["export", "--format", "asff", str(results), "-o", str(not_a_dir)])
    assert out.exit_code == 2 and len(out.stderr.splitlines()) == 1
    assert not_a_dir.read_text(encoding="utf-8") == "x"


@pytest.mark.parametrize("fmt", ["junit", "asff", "ocsf"])
def test_export_of_a_corrupt_file_is_one_line_exit_2(fmt: str, tmp_path: Path) -> None:
    bad = tmp_path / "results.json"
    bad.write_text('{"schema_version": 1', encoding="utf-8")
    out = CliRunner().invoke(main, ["export", "--format", fmt, str(bad), "-o", str(tmp_path / "o")])
    assert out.exit_code == 2 and len(out.stderr.splitlines()) == 1
    assert not (tmp_path / "o").exists()
