"""JUnit XML: one test case per (rule, resource), read by GitLab, Jenkins, Azure, CircleCI.

* one ``<testsuite>`` per principle, in catalogue order;
* ``classname`` ``auditor.<principle>.<rule id>``, ``name`` the resource and region;
* FAIL -> ``<failure>`` (message: the evidence; text: the remediation command),
  a waived FAIL -> ``<skipped>`` with the waiver, UNKNOWN -> ``<skipped>``,
  ERROR -> ``<error>``, PASS -> a plain test case.

Strings are escaped by ElementTree; characters XML 1.0 cannot carry at all
(control characters from hostile names) are replaced with U+FFFD.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter

from auditor.engine.model import Principle, Status
from auditor.engine.results import RuleResult, ScanResult

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _case(suite: ET.Element, r: RuleResult, titles: dict[str, str]) -> str:
    """Add the test case of ``r``; return its outcome (``passed``, ``failures``...)."""
    name = f"{r.resource_name or r.resource_id} [{r.region}]"
    if r.resource_name and r.resource_name != r.resource_id:
        name += f" {r.resource_id}"
    case = ET.SubElement(
        suite,
        "testcase",
        classname=_x(f"auditor.{r.principle.value}.{r.rule_id}"),
        name=_x(name),
        time="0",
    )
    title = titles.get(r.rule_id, r.rule_id)
    if r.status is Status.FAIL and r.waiver is not None:
        ET.SubElement(
            case,
            "skipped",
            message=_x(f"waived until {r.waiver.expires.isoformat()}: {r.waiver.reason}"),
        )
        return "skipped"
    if r.status is Status.FAIL:
        failure = ET.SubElement(case, "failure", message=_x(r.evidence), type=f"{r.severity.value}")
        failure.text = _x(
            f"{r.rule_id} {title} ({r.severity.value})\n{r.evidence}"
            + (f"\nfix: {r.remediation_cmd}" if r.remediation_cmd else "")
        )
        return "failures"
    if r.status is Status.UNKNOWN:
        ET.SubElement(case, "skipped", message=_x(r.evidence))
        return "skipped"
    if r.status is Status.ERROR:
        error = ET.SubElement(case, "error", message=_x(r.evidence), type="RuleError")
        error.text = _x(r.evidence)
        return "errors"
    return "passed"


def junit_xml(result: ScanResult) -> str:
    """The JUnit XML document (UTF-8 text with an XML declaration)."""
    titles = {info.id: info.title for info in result.rules}
    stamp = result.collected_at.strftime("%Y-%m-%dT%H:%M:%S")
    root = ET.Element("testsuites", name=f"auditor {result.account_id}")
    total: Counter[str] = Counter()
    for principle in Principle:
        rows = sorted(
            (r for r in result.results if r.principle is principle),
            key=lambda r: (r.rule_id, r.region, r.resource_id),
        )
        if not rows:
            continue
        suite = ET.SubElement(root, "testsuite", name=principle.label, timestamp=stamp)
        counts: Counter[str] = Counter(_case(suite, r, titles) for r in rows)
        suite.set("tests", str(len(rows)))
        for key in ("failures", "errors", "skipped"):
            suite.set(key, str(counts[key]))
        suite.set("time", "0")
        total.update(counts)
        total["tests"] += len(rows)
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(total[key]))
    root.set("time", "0")
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
