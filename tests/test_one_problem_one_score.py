"""One problem, one score: the catalogue's overlaps counted once, every result kept."""

from __future__ import annotations

from auditor.engine.catalogue import load_catalogue
from auditor.engine.evaluate import evaluate
from auditor.engine.model import Principle, Status
from tests.rules.test_zero_trust import ec2, instance, sg, tcp


def _world_open_ssh_bastion():  # type: ignore[no-untyped-def]
    # One door: sg-ssh-world admits tcp 22 from 0.0.0.0/0; the instance behind it
    # has a public address in a subnet routed to the internet gateway.
    return ec2(
        instance("bastion", "sg-ssh-world", public_ip="54.0.0.1"),
        groups=(sg("sg-ssh-world", tcp(22)),),
    )


def test_defect_world_open_ssh_scored_three_times() -> None:
    catalogue = load_catalogue().only({"NI003", "NI007", "ZT001"})
    result = evaluate(_world_open_ssh_bastion(), catalogue)
    fails = {r.rule_id: r for r in result.results if r.status is Status.FAIL}
    # every rule still reports the problem, with its own evidence
    assert set(fails) == {"NI003", "NI007", "ZT001"}
    assert fails["NI003"].resource_id == "sg-ssh-world"
    assert fails["NI007"].resource_id == fails["ZT001"].resource_id == "bastion"
    # ... and the score counts it once, under the most severe rule (NI007, critical)
    assert fails["NI007"].counted_under == ""
    assert fails["NI003"].counted_under == fails["NI007"].finding_id
    assert fails["ZT001"].counted_under == fails["NI007"].finding_id
    ni = result.principle(Principle.NETWORK_ISOLATION)
    zt = result.principle(Principle.ZERO_TRUST)
    assert (ni.failed, ni.counted_under) == (1, 1)
    assert (zt.failed, zt.counted_under, zt.grade) == (0, 1, "N/A")


def test_an_open_group_whose_path_is_blocked_still_counts_on_its_own() -> None:
    # The same world-open rule on a private instance: no path, so NI007 and ZT001
    # pass and NI003's FAIL is a problem of its own (it counts).
    snap = ec2(
        instance("private", "sg-ssh-world", subnet_id="subnet-private"),
        groups=(sg("sg-ssh-world", tcp(22)),),
    )
    result = evaluate(snap, load_catalogue().only({"NI003", "NI007", "ZT001"}))
    fails = [r for r in result.results if r.status is Status.FAIL]
    assert [(r.rule_id, r.counted_under) for r in fails] == [("NI003", "")]
    assert result.principle(Principle.NETWORK_ISOLATION).failed == 1


def test_a_disabled_superseding_rule_counts_nothing() -> None:
    # With NI007 left out, NI003 and ZT001 each count their own FAIL.
    result = evaluate(_world_open_ssh_bastion(), load_catalogue().only({"NI003", "ZT001"}))
    fails = [r for r in result.results if r.status is Status.FAIL]
    assert sorted((r.rule_id, r.counted_under) for r in fails) == [("NI003", ""), ("ZT001", "")]


def test_the_report_shows_every_view_and_where_it_is_scored() -> None:
    from auditor.render.html import render_html
    from auditor.render.markdown import render_markdown
    from auditor.render.view import build_view

    catalogue = load_catalogue().only({"NI003", "NI007", "ZT001"})
    view = build_view(evaluate(_world_open_ssh_bastion(), catalogue))
    md = render_markdown(view)
    # NI003 and ZT001 keep their rows and evidence, each marked as scored under NI007
    assert md.count("scored once, under") == 2 + 2  # two rows, two principle summaries
    html = render_html(view)
    assert html.count("(scored once, under NI007)") == 2
    assert "sg-ssh-world allows tcp 22 from 0.0.0.0/0" in html
    assert html.count("tcp 22 (SSH) reachable from the internet") >= 2  # NI007's and ZT001's
