"""The architecture diagram: the reference account's picture, hostile names, determinism, size.

The golden file ``golden/reference-architecture.svg`` is the reference
account's diagram with moto's random ids numbered in order of appearance
(``vpc-1``, ``subnet-2``...). Regenerate it with ``AUDITOR_UPDATE_GOLDEN=1``
after a deliberate layout change, and look at it. The facts the picture must
show are asserted by hand first, from what the reference architecture means.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from auditor.analysis.architecture import (
    Architecture,
)
from auditor.analysis.verdicts import review_architecture
from auditor.collect import collect
from auditor.collect.session import SessionClients
from auditor.config import Config
from auditor.demo import ReferenceInfo, build_reference
from auditor.engine.catalogue import load_catalogue
from auditor.engine.evaluate import evaluate
from auditor.gate.baseline import baseline_json, slim
from auditor.render.diagram import GROUP_MAX, RED, node_count, render_svg
from auditor.render.html import render_html
from auditor.render.json import load_results, results_to_json
from auditor.render.markdown import render_markdown
from auditor.render.reports import write_reports
from auditor.render.view import build_view
from auditor.snapshot import Snapshot
from tests.conftest import REGION
from tests.render.arch_synthetic import synthetic_snapshot
from tests.render.conftest import DemoRun
from tests.render.hostile import LONE, crafted_architecture, payloads
from tests.render.htmlscan import scan_html
from tests.render.test_markdown import MD_TAGS, _render

GOLDEN = Path(__file__).parent / "golden" / "reference-architecture.svg"
NS = "{http://www.w3.org/2000/svg}"
#: Every element the diagram may contain: anything else was injected.
SVG_ELEMENTS = frozenset({"svg", "title", "defs", "marker", "path", "rect", "g", "text", "tspan"})
_IDS = re.compile(r"\b(vpc|subnet|sg|igw|nat|rtb|eni|acl)-[0-9a-f]{8,17}\b")


def normalise(svg: str) -> str:
    """moto's random ids numbered by kind, in order of first appearance."""
    seen: dict[str, str] = {}

    def number(m: re.Match[str]) -> str:
        if m.group() not in seen:
            kind = m.group(1)
            seen[m.group()] = f"{kind}-{sum(v.startswith(kind + '-') for v in seen.values()) + 1}"
        return seen[m.group()]

    return _IDS.sub(number, svg)


@pytest.fixture(scope="module")
def reference() -> tuple[ReferenceInfo, Snapshot]:
    with mock_aws():
        session = boto3.Session(region_name=REGION)
        info = build_reference(
            lambda service, region: session.client(service, region_name=region),  # type: ignore[call-overload]
            REGION,
        )
        snap = collect(SessionClients(session), [REGION], ["ec2", "rds", "ecs", "lambda"])
    return info, snap


def _box_list(root: ET.Element) -> list[tuple[str, str, ET.Element]]:
    """Drawn boxes: (first line: the name, second line, the group)."""
    out = []
    for g in root.iter(f"{NS}g"):
        texts = ["".join(t.itertext()) for t in g.iter(f"{NS}text")]
        out.append((texts[0], texts[1], g))
    return out


def _boxes(root: ET.Element) -> dict[str, ET.Element]:
    return {name: g for name, _, g in _box_list(root)}


def _rect(g: ET.Element) -> tuple[int, int, int, int]:
    r = g.find(f"{NS}rect")
    assert r is not None
    return (
        int(r.get("x", "")),
        int(r.get("y", "")),
        int(r.get("width", "")),
        int(r.get("height", "")),
    )


def _frame(root: ET.Element, title: str) -> tuple[int, int, int, int]:
    """The rectangle drawn just before the text ``title`` (frames draw their box, then lines)."""
    children = list(root)
    for i, el in enumerate(children):
        if el.tag == f"{NS}text" and "".join(el.itertext()).startswith(title):
            rect = next(c for c in reversed(children[:i]) if c.tag == f"{NS}rect")
            return _rect_of(rect)
    raise KeyError(title)


def _rect_of(r: ET.Element) -> tuple[int, int, int, int]:
    return (
        int(r.get("x", "")),
        int(r.get("y", "")),
        int(r.get("width", "")),
        int(r.get("height", "")),
    )


def _inside(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return ox <= x and oy <= y and x + w <= ox + ow and y + h <= oy + oh


def _titles(root: ET.Element, tag: str, stroke: str) -> list[str]:
    return [
        "".join(t.itertext())
        for el in root.iter(f"{NS}{tag}")
        if el.get("stroke") == stroke
        for t in el.findall(f"{NS}title")
    ]


# ----------------------------------------------------------------- the reference


def test_reference_diagram_shows_the_reviewed_architecture(reference: Any) -> None:
    info, snap = reference
    arch = review_architecture(snap)
    svg = render_svg(arch)
    root = ET.fromstring(svg)
    boxes = _boxes(root)

    # what runs, and nothing else: three services, the bridge, the database, two gateways
    services = list(info.service_names)
    expected = {*services, info.function_name, info.db_instance_id, "Internet"}
    assert expected <= set(boxes)
    assert set(boxes) - expected == {"ops-pipeline-igw", "ops-pipeline-nat"}

    # the database and every workload sit in the private tier of the VPC; the NAT in the public
    private = _frame(root, "Private subnets (2)")
    public = _frame(root, "Public subnets (2)")
    vpc = _frame(root, "VPC ops-pipeline-vpc")
    for name in (*services, info.function_name, info.db_instance_id):
        assert _inside(_rect(boxes[name]), private), name
    assert _inside(_rect(boxes["ops-pipeline-nat"]), public)
    assert _inside(private, vpc) and _inside(public, vpc)
    # the data column is right of the compute column: edges flow towards the database
    assert _rect(boxes[info.db_instance_id])[0] > _rect(boxes[info.function_name])[0]
    assert "RDS postgres · single-AZ" in "".join(boxes[info.db_instance_id].itertext())

    # the bridge -> database edge on 5432 (and the services' too), and no other edge
    edges = _titles(root, "path", "#6b7785")
    assert any(
        t.startswith(f"{info.function_name} -> {info.db_instance_id}: tcp 5432") for t in edges
    )
    for name in services:
        assert any(t.startswith(f"{name} -> {info.db_instance_id}: tcp 5432") for t in edges)
    assert all(f"-> {info.db_instance_id}: tcp 5432" in t for t in edges)
    assert len(edges) == 4

    # no red path: nothing is reachable from the internet; the only red is the legend
    assert _titles(root, "path", RED) == []
    assert not [r for r in root.iter(f"{NS}rect") if r.get("stroke") == RED]
    assert "no internet exposure path" in svg

    # the private subnets leave through the NAT gateway
    assert "egress" in "".join(root.itertext())
    default_vpc = next(v.id for v in snap.ec2.vpcs if v.is_default)
    assert f"Not drawn, nothing runs in: {default_vpc} (default)" in svg


def test_reference_diagram_matches_the_golden_file(reference: Any) -> None:
    _, snap = reference
    svg = normalise(render_svg(review_architecture(snap)))
    if os.environ.get("AUDITOR_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(svg, encoding="utf-8")
    assert svg == GOLDEN.read_text(encoding="utf-8")


def test_reference_verdicts_are_the_experts(reference: Any) -> None:
    info, snap = reference
    found = {v.key: v for v in review_architecture(snap).verdicts}
    # the review: Lambda bridge, no SSH/bastion, Secrets Manager, private subnets + NAT
    assert {k for k, v in found.items() if v.judgement == "strength"} == {
        "db-bridge",
        "no-ssh",
        "secrets-by-arn",
        "private-subnets-nat",
        "no-exposure",
    }
    assert found["db-single-az"].judgement == "weakness"  # MultiAZ=False in the reference
    assert info.function_name in found["db-bridge"].evidence[0]
    assert info.nat_gateway_id in found["private-subnets-nat"].text
    # secrets by reference, never by value
    secrets = " ".join(found["secrets-by-arn"].evidence)
    assert info.db_secret_name in secrets and info.broker_secret_name in secrets
    for value in info.planted_values:
        assert value not in secrets


# ----------------------------------------------------------------- determinism


def _reversed(snap: Snapshot) -> Snapshot:
    """The same account with every list in the opposite order."""
    update: dict[str, Any] = {}
    for attr in ("ec2", "ecs", "lambda_", "rds"):
        section = getattr(snap, attr)
        fields = {
            name: tuple(reversed(getattr(section, name))) for name in type(section).model_fields
        }
        update[attr] = section.model_copy(update=fields)
    return snap.model_copy(update=update)


def test_same_account_same_bytes() -> None:
    snap = synthetic_snapshot(30)
    svg = render_svg(review_architecture(snap))
    assert render_svg(review_architecture(snap)) == svg
    again = Snapshot.model_validate_json(snap.model_dump_json())  # a new object: no memo
    assert render_svg(review_architecture(again)) == svg
    assert render_svg(review_architecture(_reversed(snap))) == svg  # order does not matter
    arch = review_architecture(snap)
    assert render_svg(Architecture.model_validate_json(arch.model_dump_json())) == svg


# ----------------------------------------------------------------- size


@pytest.mark.parametrize("n", [300, 3000])
def test_large_accounts_are_grouped_and_bounded(n: int) -> None:
    arch = review_architecture(synthetic_snapshot(n))
    assert len(arch.nodes) == n
    svg = render_svg(arch)
    root = ET.fromstring(svg)
    drawn = node_count(svg.splitlines())
    assert drawn <= 250  # whatever n: at most 6 VPCs x a few kinds x 6 boxes, and the outside
    assert len(svg) < 400_000
    text = "".join(root.itertext())
    assert re.search(r"\+\d+ ECS services", text) and re.search(r"\+\d+ Lambda functions", text)
    assert f"{n} workloads" in text
    # every exposure is drawn in red, onto its own box or its group's
    exposed = {arch.node(e.target).name for e in arch.exposures}
    red = " ".join(_titles(root, "path", RED))
    assert exposed
    for name in exposed:
        assert name in red or re.search(r"Internet exposure: \+\d+ EC2 instances", red), name
    assert [r for r in root.iter(f"{NS}rect") if r.get("stroke") == RED]
    # every workload is accounted for: drawn, in a "+N ..." box, or in a VPC not drawn
    drawn_workloads = grouped = 0
    for name, detail, _ in _box_list(root):
        if name.startswith("+"):
            grouped += int(name[1:].split(" ", 1)[0])
        elif name != "Internet" and "gateway" not in detail:
            drawn_workloads += 1
    hidden = sum(int(m) for m in re.findall(r"more VPCs with (\d+) workloads", text))
    assert drawn_workloads + grouped + hidden == n
    assert grouped > 0 and drawn_workloads <= drawn
    per_kind = [name for name, _, _ in _box_list(root) if not name.startswith("+")]
    assert len(per_kind) == len(set(per_kind))  # no workload drawn twice
    assert GROUP_MAX >= 2


def test_three_workloads_draw_three_boxes() -> None:
    arch = review_architecture(synthetic_snapshot(3))
    boxes = _boxes(ET.fromstring(render_svg(arch)))
    assert {"svc-00000", "fn-00001", "db-00002"} <= set(boxes)
    assert not any(name.startswith("+") for name in boxes)


# ----------------------------------------------------------------- hostile data


def _hostile_snapshot() -> Snapshot:
    snap = synthetic_snapshot(30)
    bad = (*payloads(), LONE)

    def pick(i: int) -> str:
        return bad[i % len(bad)]

    ec2 = snap.ec2
    return snap.model_copy(
        update={
            "ec2": ec2.model_copy(
                update={
                    "vpcs": tuple(
                        v.model_copy(update={"tags": {"Name": pick(i)}})
                        for i, v in enumerate(ec2.vpcs)
                    ),
                    "subnets": tuple(
                        s.model_copy(update={"tags": {"Name": pick(i + 1)}})
                        for i, s in enumerate(ec2.subnets)
                    ),
                    "internet_gateways": tuple(
                        g.model_copy(update={"tags": {"Name": pick(i + 2)}})
                        for i, g in enumerate(ec2.internet_gateways)
                    ),
                    "nat_gateways": tuple(
                        g.model_copy(update={"tags": {"Name": pick(i + 3)}})
                        for i, g in enumerate(ec2.nat_gateways)
                    ),
                    "instances": tuple(
                        x.model_copy(update={"tags": {"Name": pick(i + 4)}})
                        for i, x in enumerate(ec2.instances)
                    ),
                }
            ),
            "ecs": snap.ecs.model_copy(
                update={
                    "services": tuple(
                        s.model_copy(update={"name": pick(i + 4)})
                        for i, s in enumerate(snap.ecs.services)
                    )
                }
            ),
            "lambda_": snap.lambda_.model_copy(
                update={
                    "functions": tuple(
                        f.model_copy(update={"name": pick(i + 5), "runtime": pick(i + 6)})
                        for i, f in enumerate(snap.lambda_.functions)
                    )
                }
            ),
            "rds": snap.rds.model_copy(
                update={
                    "instances": tuple(
                        d.model_copy(update={"id": pick(i + 7), "engine": pick(i + 8)})
                        for i, d in enumerate(snap.rds.instances)
                    )
                }
            ),
        }
    )


def _assert_inert(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # well-formed XML: control characters and surrogates escaped
    assert root.tag == f"{NS}svg"
    for el in root.iter():
        assert el.tag.startswith(NS) and el.tag[len(NS) :] in SVG_ELEMENTS, el.tag
        for name in el.attrib:
            assert not name.lower().startswith("on"), name
            assert "href" not in name.lower() and name != "style", name
    text = "".join(root.itertext())
    assert "<script>document" in text  # shown as text
    assert "\\x1b" in text and "\\ud800" in text
    return root


def test_hostile_names_are_inert_text() -> None:
    svg = render_svg(review_architecture(_hostile_snapshot()))
    _assert_inert(svg)
    assert "<script" not in svg and "<svg onload" not in svg and "<iframe" not in svg
    assert svg.count("<svg") == 1


def test_hostile_results_file_architecture_is_inert_everywhere() -> None:
    arch = crafted_architecture()
    svg = render_svg(arch)
    _assert_inert(svg)
    result = evaluate(synthetic_snapshot(3), load_catalogue(), Config()).model_copy(
        update={"architecture": arch}
    )
    view = build_view(result)
    assert view.architecture is not None and view.architecture.svg == svg
    html = render_html(view)
    assert svg.strip() in html and html.count("<script") == 1  # the page's own script only
    md = scan_html(_render(render_markdown(view)))
    assert set(md.tags) <= MD_TAGS | {"img"}, set(md.tags) - MD_TAGS  # no script, svg, iframe


# ----------------------------------------------------------------- in the review


def test_review_embeds_the_diagram_and_writes_it_beside_the_markdown(tmp_path: Path) -> None:
    result = evaluate(synthetic_snapshot(30), load_catalogue(), Config())
    assert result.architecture is not None
    view = build_view(result)
    assert view.architecture is not None
    html = render_html(view)
    assert html.count('class="arch-diagram"') == 1 and 'id="architecture"' in html
    assert " style=" not in view.architecture.svg  # the page's CSP forbids inline styles
    md = render_markdown(view)
    assert "![Architecture diagram" in md and "(architecture.svg)" in md
    assert "SSH or RDP reachable from the internet" in md

    paths = write_reports(result, tmp_path, view=view)
    assert (tmp_path / "architecture.svg") in paths
    assert (tmp_path / "architecture.svg").read_text(encoding="utf-8") == view.architecture.svg
    only_html = tmp_path / "html"
    write_reports(result, only_html, ["html"], view=view)
    # the SVG goes beside the Markdown only (the HTML embeds it); fixes/ holds the
    # files this account's fix commands read
    assert sorted(p.name for p in only_html.iterdir()) == ["fixes", "report.html"]


@pytest.mark.e2e
def test_demo_review_draws_and_judges_the_architecture(demo_run: DemoRun) -> None:
    assert demo_run.result.returncode == 0, demo_run.result.stderr[-3000:]
    result = load_results(demo_run.out / "results.json")
    assert result.architecture is not None
    view = build_view(result)
    assert view.architecture is not None
    svg = (demo_run.out / "architecture.svg").read_text(encoding="utf-8")
    assert svg == view.architecture.svg  # results.json alone redraws it, byte for byte
    assert svg.strip() in (demo_run.out / "report.html").read_text(encoding="utf-8")
    md = scan_html(_render((demo_run.out / "report.md").read_text(encoding="utf-8"))).all_text
    assert "Database reached only through an in-VPC function (a bridge)" in md
    assert "trading-db admits 1 Lambda function (db-query-bridge)" in md
    # the architecture's strengths lead the review's strengths
    firsts = [p.text for p in view.strengths[:5]]
    assert firsts[0] == "Database reached only through an in-VPC function (a bridge)"
    assert "No SSH anywhere" in firsts


def test_results_without_an_architecture_still_load_and_render(tmp_path: Path) -> None:
    result = evaluate(synthetic_snapshot(3), load_catalogue(), Config())
    doc = json.loads(results_to_json(result))
    assert doc["architecture"]["nodes"]
    del doc["architecture"]  # a results file written before the diagram existed
    old = tmp_path / "results.json"
    old.write_text(json.dumps(doc), encoding="utf-8")
    loaded = load_results(old)
    assert loaded.architecture is None
    view = build_view(loaded)
    assert view.architecture is None
    assert 'class="arch-diagram"' not in render_html(view)
    assert "architecture.svg" not in render_markdown(view)
    # baselines leave it out: a gate compares findings, not pictures
    assert slim(result).architecture is None
    assert '"architecture": null' in baseline_json(result)
