"""Exports carry the framework controls a rule decides (ASFF, OCSF, SARIF)."""

from __future__ import annotations

from auditor.engine.model import Status
from auditor.export.asff import asff_findings
from auditor.export.ocsf import ocsf_findings
from auditor.export.sarif import sarif_log
from tests.render.factories import info, result_of, rr

LP001 = info("LP001").model_copy(update={"frameworks": {"cis": ("1.3",), "fsbp": ("IAM.4",)}})
OB002 = info("OB002").model_copy(update={"frameworks": {}})
RESULT = result_of([LP001, OB002], [rr(LP001, "root", Status.FAIL), rr(OB002, "acct", Status.FAIL)])

CIS_13 = "CIS AWS Foundations Benchmark v5.0.0/1.3"
FSBP_IAM4 = "AWS Foundational Security Best Practices v1.0.0/IAM.4"


def test_asff_related_requirements_name_the_v5_standard() -> None:
    by_rule = {f["GeneratorId"]: f for f in asff_findings(RESULT)}
    assert by_rule["auditor/LP001"]["Compliance"]["RelatedRequirements"] == [CIS_13, FSBP_IAM4]
    assert "RelatedRequirements" not in by_rule["auditor/OB002"]["Compliance"]


def test_ocsf_compliance_requirements() -> None:
    by_rule = {e["finding_info"]["analytic"]["uid"]: e for e in ocsf_findings(RESULT)}
    assert by_rule["LP001"]["compliance"] == {
        "requirements": [CIS_13, FSBP_IAM4],
        "standards": [
            "AWS Foundational Security Best Practices v1.0.0",
            "CIS AWS Foundations Benchmark v5.0.0",
        ],
    }
    assert "compliance" not in by_rule["OB002"]


def test_sarif_rule_tags_name_the_controls() -> None:
    rules = {r["id"]: r for r in sarif_log(RESULT)["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["LP001"]["properties"]["tags"] == [
        "security",
        "least_privilege",
        "cis-5.0/1.3",
        "fsbp/IAM.4",
    ]
    assert rules["OB002"]["properties"]["tags"] == ["operations", "observability"]
