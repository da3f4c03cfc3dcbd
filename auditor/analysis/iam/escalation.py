"""The "can become" graph of an account's identities and its shortest paths to admin.

Nodes are the users, groups and roles of the snapshot. A hop ``A -> B``
means: with A's credentials, one of the methods of
``rules/data/escalation_methods.yaml`` gives B's power (assume B, pass B to a
service that runs code, mint B's credentials, join group B...). A hop to
:data:`ADMIN` means A can make an identity it holds an administrator (write a
policy into itself, publish a new version of a policy attached to it, or
make a role admin and then assume it).

*Administrator* here means admin-equivalent: unconditionally allowed every
IAM permissions-management action on every resource (``*`` on ``*`` is one
way; ``iam:*`` on ``*`` another). Such an identity can grant itself anything.

Every hop carries its justification: the policy and statement (Sid) that
allow each action, and the trust statement for role assumption. A hop whose
statements have conditions this analysis cannot decide is *conditional*:
it is kept, but the main paths use unconditional hops only.

What this does not model: credentials combined across hops (PassRole from
one identity and CreateFunction from another), service control policies,
session policies, resource policies other than role trust, and principals
of other accounts.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from auditor.analysis import per_snapshot
from auditor.analysis.iam.actions import ActionSet, canonical, database, statement_actions
from auditor.analysis.iam.conditions import Context, evaluate_condition
from auditor.analysis.iam.document import Statement, principal_entries, statements
from auditor.analysis.iam.evaluate import (
    ANY,
    GENERIC,
    Access,
    Decision,
    Permissions,
    PolicyStatement,
)
from auditor.analysis.iam.principals import Principal, principals
from auditor.analysis.iam.wildcard import matches
from auditor.resources import rules_dir
from auditor.snapshot import Snapshot

#: The terminal node: administrator power.
ADMIN = "<administrator>"

KINDS = frozenset(
    {
        "assume-role",
        "pass-role",
        "existing-function",
        "existing-project",
        "trust-policy",
        "user-credentials",
        "grant-permissions",
        "policy-version",
        "group-membership",
    }
)


# --- the method catalogue ---------------------------------------------------------------


@dataclass(frozen=True)
class Method:
    """One escalation method, as written in ``escalation_methods.yaml``."""

    id: str
    title: str
    kind: str
    actions: tuple[str, ...]
    yields: str
    reference: str
    any_of: tuple[str, ...] = ()
    service: str = ""
    instance_profile: bool = False
    target: str = ""
    login_profile: str = ""


class MethodsError(ValueError):
    """The escalation method file is malformed."""


def methods_file() -> Path:
    return rules_dir() / "data" / "escalation_methods.yaml"


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise MethodsError(f"{where}: expected a list of strings")
    return tuple(raw)


def parse_methods(raw: Any) -> tuple[Method, ...]:
    """Validate the YAML structure and build the methods."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("methods"), list):
        raise MethodsError("escalation methods: expected a mapping with a 'methods' list")
    out: list[Method] = []
    seen: set[str] = set()
    for i, item in enumerate(raw["methods"]):
        where = f"method {i + 1}"
        if not isinstance(item, Mapping):
            raise MethodsError(f"{where}: expected a mapping")
        missing = [
            k for k in ("id", "title", "kind", "actions", "yields", "reference") if k not in item
        ]
        if missing:
            raise MethodsError(f"{where}: missing {', '.join(missing)}")
        method = Method(
            id=str(item["id"]),
            title=str(item["title"]),
            kind=str(item["kind"]),
            actions=_strings(item["actions"], where),
            yields=str(item["yields"]),
            reference=str(item["reference"]),
            any_of=_strings(item.get("any_of"), where),
            service=str(item.get("service", "")),
            instance_profile=bool(item.get("instance_profile", False)),
            target=str(item.get("target", "")),
            login_profile=str(item.get("login_profile", "")),
        )
        if method.kind not in KINDS:
            raise MethodsError(f"{method.id}: unknown kind {method.kind!r}")
        if method.id in seen:
            raise MethodsError(f"{method.id}: duplicate id")
        if not method.actions:
            raise MethodsError(f"{method.id}: no actions")
        if method.kind == "pass-role" and (
            not method.service or "iam:PassRole" not in method.actions
        ):
            raise MethodsError(f"{method.id}: pass-role needs a service and iam:PassRole")
        if method.kind == "grant-permissions" and method.target not in ("user", "role", "group"):
            raise MethodsError(f"{method.id}: grant-permissions needs target user, role or group")
        if not method.reference.startswith("https://"):
            raise MethodsError(f"{method.id}: reference must be an https URL")
        seen.add(method.id)
        out.append(method)
    return tuple(out)


@functools.cache
def load_methods(path: str = "") -> tuple[Method, ...]:
    """The escalation methods (default: the catalogue's ``data/escalation_methods.yaml``)."""
    file = Path(path) if path else methods_file()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it
    return parse_methods(yaml.load(file.read_text(encoding="utf-8"), Loader=loader))


# --- hops and paths -------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Hop:
    """``source`` gains ``target``'s power (or admin power: :data:`ADMIN`) by ``method``."""

    source: str
    target: str
    method: str
    #: Why each step is allowed: ``"iam:PassRole: inline policy deploy (Sid)"``.
    because: tuple[str, ...]
    conditional: bool = False
    #: For a conditional hop: the condition keys it depends on.
    keys: tuple[str, ...] = ()
    #: For a hop to :data:`ADMIN`: the identity made an administrator.
    via: str = ""
    #: Source labels of the identity statements behind the hop, in ``because`` order
    #: (``"inline policy deploy"``, ``"group devs policy X"``); a hop allowed by a
    #: trust policy alone has none.
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class EscalationGraph:
    #: Admin-equivalent identities, with the statement that makes them so.
    admins: Mapping[str, PolicyStatement]
    #: Hops out of every non-admin identity.
    hops: Mapping[str, tuple[Hop, ...]]
    #: Shortest unconditional path to admin power, per identity that has one.
    paths: Mapping[str, tuple[Hop, ...]]
    #: Shortest path when conditional hops count too (only where no unconditional path exists).
    conditional_paths: Mapping[str, tuple[Hop, ...]] = field(default_factory=dict)

    def path(self, arn: str) -> tuple[Hop, ...] | None:
        return self.paths.get(arn)

    def is_admin(self, arn: str) -> bool:
        return arn in self.admins


# --- admin-equivalence ----------------------------------------------------------------


@functools.cache
def admin_probe() -> tuple[str, ...]:
    """IAM actions whose access level includes "Permissions management" (sorted)."""
    db = database()
    return tuple(
        sorted(
            a for a in db.service_actions("iam") if "Permissions management" in db.access_levels(a)
        )
    )


def admin_statement(perms: Permissions) -> PolicyStatement | None:
    """The statement making ``perms`` admin-equivalent, or None when they are not."""
    found: PolicyStatement | None = None
    for action in admin_probe():
        decision = perms.decide(action, GENERIC)
        if not decision.allowed:
            return None
        found = found or decision.statements[0]
    return found


# --- trust policies -------------------------------------------------------------------


@dataclass(frozen=True)
class _TrustStatement:
    statement: Statement
    actions: ActionSet
    arns: frozenset[str]
    accounts: tuple[str, ...]  # account ids (globs), from root ARNs or bare ids
    anyone: bool
    services: frozenset[str]
    #: NotPrincipal: everyone but these (ARNs, account ids, services) is named.
    excluded: frozenset[str] = frozenset()


def _trust_statements(doc: Mapping[str, Any] | None) -> tuple[_TrustStatement, ...]:
    out = []
    for st in statements(doc):
        if st.effect not in ("Allow", "Deny"):
            continue
        arns: set[str] = set()
        accounts: list[str] = []
        services: set[str] = set()
        anyone = False
        excluded = frozenset(str(v) for _, v in principal_entries(st.not_principal))
        if st.not_principal is not None:
            anyone = True  # an Allow with NotPrincipal admits everyone not named
        for kind, value in principal_entries(st.principal):
            value = str(value)
            if kind == "Service":
                services.add(value)
            elif kind not in ("AWS", "*"):
                continue
            elif value == "*":
                anyone = True
            elif value.isdigit():
                accounts.append(value)
            elif value.startswith("arn:") and value.endswith(":root"):
                accounts.append(value.split(":")[4])
            else:
                arns.add(value)
        out.append(
            _TrustStatement(
                st,
                statement_actions(st.actions, st.not_actions),
                frozenset(arns),
                tuple(accounts),
                anyone,
                frozenset(services),
                excluded,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class _TrustAnswer:
    access: Access
    sid: str = ""
    #: The trust names the caller (or anyone): no identity permission needed.
    direct: bool = False
    keys: frozenset[str] = frozenset()


_NO_TRUST = _TrustAnswer(Access.NO)


def _trust_access(
    trust: tuple[_TrustStatement, ...],
    action: str,
    *,
    caller: str = "",
    account: str = "",
    service: str = "",
    now: datetime | None = None,
    chosen: frozenset[str] = frozenset(),
) -> _TrustAnswer:
    """Does the role's trust policy let ``caller`` (or ``service``) call ``action``?

    The question is "what can this caller do?": the caller's own account and ARN
    decide identity conditions; a service principal's call carries
    ``aws:SourceAccount`` (the account it acts for)."""
    values = {"aws:principalaccount": account}
    if service:
        values["aws:sourceaccount"] = account
        values["aws:principalisawsservice"] = "true"
    if caller:
        values["aws:principalarn"] = caller
    ctx = Context.of(values, now=now, service_call=bool(service), chosen=chosen)
    best = _NO_TRUST
    shadow_keys: set[str] = set()
    for ts in trust:
        if action.lower() not in ts.actions:
            continue
        if service:
            if service not in ts.services and not (ts.anyone and service not in ts.excluded):
                continue
            direct = True
        else:
            named_out = caller in ts.excluded or account in ts.excluded
            direct = caller in ts.arns or (ts.anyone and not named_out)
            if not direct and not any(matches(a, account) for a in ts.accounts):
                continue
        outcome = evaluate_condition(ts.statement.condition, ctx, allow=ts.statement.allows)
        if outcome.holds is False:
            continue
        if not ts.statement.allows:
            if outcome.holds is True:
                return _NO_TRUST
            shadow_keys |= outcome.keys
            continue
        access = Access.YES if outcome.holds else Access.CONDITIONAL
        candidate = _TrustAnswer(access, ts.statement.label, direct, outcome.keys)
        if (candidate.access, candidate.direct) > (best.access, best.direct):
            best = candidate
    if shadow_keys and best.access is Access.YES:
        best = _TrustAnswer(Access.CONDITIONAL, best.sid, best.direct, frozenset(shadow_keys))
    return best


# --- building the graph ---------------------------------------------------------------


@dataclass
class _Context:
    snap: Snapshot
    nodes: Mapping[str, Principal]
    trust: dict[str, tuple[_TrustStatement, ...]]
    by_service: dict[str, list[str]]  # service principal -> role ARNs trusting it
    by_caller: dict[str, list[str]]  # caller ARN -> role ARNs naming it
    open_roles: list[str]  # roles trusting an account or anyone
    profiles: frozenset[str]  # roles with an instance profile
    passwords: Mapping[str, bool]  # user ARN -> has a console password (credential report)
    admin_policy_arn: str
    users: list[str]
    roles: list[str]  # not service-linked
    groups: list[str]
    members: Mapping[str, frozenset[str]]  # group ARN -> member user ARNs
    holders: Mapping[str, frozenset[str]]  # customer managed policy ARN -> identities holding it
    policy_names: Mapping[str, str]  # customer managed policy ARN -> name
    held_policies: list[str]  # sorted keys of ``holders``
    functions: Mapping[str, tuple[str, str]]  # function ARN -> (label, role ARN)
    projects: Mapping[str, tuple[str, str]]  # CodeBuild project ARN -> (label, role ARN)


def _context(snap: Snapshot, nodes: Mapping[str, Principal]) -> _Context:
    trust: dict[str, tuple[_TrustStatement, ...]] = {}
    by_service: dict[str, list[str]] = {}
    by_caller: dict[str, list[str]] = {}
    open_roles: list[str] = []
    for role in snap.iam.roles:
        parsed = _trust_statements(role.trust_policy)
        trust[role.arn] = parsed
        allowing = [t for t in parsed if t.statement.allows]
        for service in sorted({s for t in allowing for s in t.services}):
            by_service.setdefault(service, []).append(role.arn)
        for caller in sorted({a for t in allowing for a in t.arns}):
            by_caller.setdefault(caller, []).append(role.arn)
        if any(t.anyone or t.accounts for t in allowing):
            open_roles.append(role.arn)
    members: dict[str, set[str]] = {}
    holders: dict[str, set[str]] = {}
    for node in nodes.values():
        for group in node.groups:
            members.setdefault(group, set()).add(node.arn)
        for policy in node.policy_arns:
            holders.setdefault(policy, set()).add(node.arn)
    customer = {p.arn: p.name for p in snap.iam.policies if not p.aws_managed}
    return _Context(
        users=[u.arn for u in snap.iam.users],
        roles=[r.arn for r in snap.iam.roles if not nodes[r.arn].service_linked],
        groups=[g.arn for g in snap.iam.groups],
        members={g: frozenset(m) for g, m in members.items()},
        holders={p: frozenset(h) for p, h in holders.items() if p in customer},
        policy_names=customer,
        held_policies=sorted(p for p in holders if p in customer),
        functions={
            f.arn: (f"function {f.name}", f.role_arn)
            for f in snap.lambda_.functions
            if f.role_arn in nodes
        },
        projects={
            p.arn: (f"project {p.name}", p.service_role)
            for p in snap.codebuild.projects
            if p.service_role in nodes
        },
        snap=snap,
        nodes=nodes,
        trust=trust,
        by_service=by_service,
        by_caller=by_caller,
        open_roles=open_roles,
        profiles=frozenset(r.arn for r in snap.iam.roles if r.instance_profile_arns),
        passwords={r.arn: r.password_enabled for r in snap.iam.credential_report if not r.is_root},
        admin_policy_arn=f"arn:{snap.partition}:iam::aws:policy/AdministratorAccess",
    )


class _Why(NamedTuple):
    text: str
    source: str = ""  # identity statement source label, "" for a trust policy
    keys: frozenset[str] = frozenset()  # condition keys a conditional step depends on


def _reason(action: str, decision: Decision) -> _Why:
    keys = decision.keys if decision.conditional else frozenset()
    suffix = f" if {decision.condition}" if decision.conditional else ""
    if not decision.statements:
        return _Why(canonical(action) + suffix, keys=keys)
    st = decision.statements[0]
    return _Why(f"{canonical(action)}: {st.label}{suffix}", st.source, keys)


@dataclass(frozen=True)
class _Grant:
    """The caller may do what the method needs (before target-specific actions)."""

    access: Access
    because: tuple[_Why, ...]


def _service_actions(perms: Permissions, method: Method, skip: str) -> _Grant | None:
    """The method's actions other than ``skip`` (the target-specific one), on any resource."""
    access = Access.YES
    because: list[_Why] = []
    for action in method.actions:
        if action == skip:
            continue
        decision = perms.decide(action, ANY)
        if decision.access is Access.NO:
            return None
        access = min(access, decision.access)
        because.append(_reason(action, decision))
    if method.any_of:
        options = [(perms.decide(a, ANY), a) for a in method.any_of]
        best = max(options, key=lambda o: o[0].access)
        if best[0].access is Access.NO:
            return None
        access = min(access, best[0].access)
        because.append(_reason(best[1], best[0]))
    return _Grant(access, tuple(because))


def _targets(
    source: Principal,
    action: str,
    candidates: Iterable[str],
    context: Mapping[str, str] | None = None,
) -> Iterator[tuple[str, Access, _Why]]:
    """(target ARN, access, reason) for ``action`` on each candidate target ARN."""
    perms = source.permissions
    if perms.decide(action, ANY, context).access is Access.NO:
        return
    for arn in perms.candidates(action, list(candidates)):
        if arn == source.arn:
            continue
        decision = perms.decide(action, arn, context)
        if decision.access is not Access.NO:
            yield arn, decision.access, _reason(action, decision)


def _hop(
    source: Principal, target: str, method: Method, because: Iterable[_Why], access: Access
) -> Hop:
    whys = tuple(because)
    conditional = access is not Access.YES
    return Hop(
        source.arn,
        target,
        method.id,
        tuple(w.text for w in whys),
        conditional,
        keys=tuple(sorted({k for w in whys for k in w.keys})) if conditional else (),
        sources=tuple(w.source for w in whys if w.source),
    )


def _assume_role(cx: _Context, source: Principal, method: Method) -> Iterator[Hop]:
    action = method.actions[0]
    # account-wide trust needs the caller's own permission: skip those roles without it
    perms = source.permissions
    wide = perms.candidates(action, cx.open_roles) if perms.decide(action, ANY).access else []
    named = cx.by_caller.get(source.arn, ()) if source.kind != "group" else ()
    candidates = sorted({*named, *wide}) if named else wide
    for arn in candidates:
        if arn == source.arn:
            continue
        decision = perms.decide(action, arn)
        if decision.denied or (decision.access is Access.NO and arn not in named):
            continue
        trust = _trust_access(
            cx.trust[arn],
            action,
            caller=source.arn,
            account=cx.snap.account_id,
            now=cx.snap.collected_at,
            chosen=source.permissions.chosen,
        )
        if trust.access is Access.NO:
            continue
        suffix = f" if {', '.join(sorted(trust.keys))}" if trust.keys else ""
        trust_why = _Why(
            f"trust policy of role {cx.nodes[arn].name} ({trust.sid}){suffix}", keys=trust.keys
        )
        if trust.direct and source.kind != "group":
            # the trust policy alone allows it: the identity statement is context, not cause
            own = _reason(action, decision)._replace(source="")
            whys = (own, trust_why) if decision.statements else (trust_why,)
            yield _hop(source, arn, method, whys, trust.access)
            continue
        access = min(trust.access, decision.access)
        if access is not Access.NO:
            yield _hop(source, arn, method, (_reason(action, decision), trust_why), access)


def _pass_role(cx: _Context, source: Principal, method: Method) -> Iterator[Hop]:
    grant = _service_actions(source.permissions, method, "iam:PassRole")
    if grant is None:
        return
    roles = [
        r
        for r in cx.by_service.get(method.service, ())
        if not method.instance_profile or r in cx.profiles
    ]
    ctx = {"iam:PassedToService": method.service}
    for arn, passed, why in _targets(source, "iam:PassRole", roles, ctx):
        trust = _trust_access(
            cx.trust[arn],
            "sts:AssumeRole",
            service=method.service,
            account=cx.snap.account_id,
            now=cx.snap.collected_at,
        )
        if trust.access is not Access.NO:
            access = min(passed, grant.access, trust.access)
            trust_why = _Why("", keys=trust.keys)
            whys = [why, *grant.because]
            if trust.keys:
                whys.append(trust_why._replace(text=f"trust policy of role {cx.nodes[arn].name}"))
            yield _hop(source, arn, method, whys, access)


def _existing(
    source: Principal, method: Method, resources: Mapping[str, tuple[str, str]]
) -> Iterator[Hop]:
    """Hops through existing resources: ``resources`` maps resource ARN -> (label, role ARN)."""
    for arn, access, why in _targets(source, method.actions[0], sorted(resources)):
        label, role = resources[arn]
        if role != source.arn:
            yield _hop(source, role, method, (why._replace(text=f"{why.text} on {label}"),), access)


def _on_identities(source: Principal, method: Method, arns: Iterable[str]) -> Iterator[Hop]:
    for arn, access, why in _targets(source, method.actions[0], arns):
        yield _hop(source, arn, method, (why,), access)


def _become_hops(cx: _Context, source: Principal, method: Method) -> Iterator[Hop]:
    """Hops that give ``source`` another identity's power."""
    if method.kind == "assume-role":
        yield from _assume_role(cx, source, method)
    elif method.kind == "pass-role":
        yield from _pass_role(cx, source, method)
    elif method.kind == "existing-function":
        yield from _existing(source, method, cx.functions)
    elif method.kind == "existing-project":
        yield from _existing(source, method, cx.projects)
    elif method.kind == "trust-policy":
        yield from _on_identities(source, method, cx.roles)
    elif method.kind == "user-credentials":
        wanted = method.login_profile == "present"
        users = (
            u for u in cx.users if not method.login_profile or cx.passwords.get(u, wanted) == wanted
        )
        yield from _on_identities(source, method, users)
    elif method.kind == "group-membership" and source.kind == "user":
        groups = (g for g in cx.groups if g not in source.groups)
        yield from _on_identities(source, method, groups)


def _admin_grants(
    cx: _Context, source: Principal, method: Method
) -> Iterator[tuple[frozenset[str], Access, _Why]]:
    """(identities made administrators, access, reason) for the permission-writing kinds."""
    action = method.actions[0]
    if method.kind == "grant-permissions":
        candidates = {"user": cx.users, "role": cx.roles, "group": cx.groups}[method.target]
        ctx = {"iam:PolicyARN": cx.admin_policy_arn} if "attach" in action.lower() else None
        for arn, access, why in _targets(source, action, candidates, ctx):
            yield frozenset({arn, *cx.members.get(arn, ())}), access, why
        if method.target == source.kind and method.target != "group":
            decision = source.permissions.decide(action, source.arn, ctx)
            if decision.access is not Access.NO:
                yield frozenset({source.arn}), decision.access, _reason(action, decision)
    elif method.kind == "policy-version":
        for arn, access, why in _targets(source, action, cx.held_policies):
            text = f"{why.text} on policy {cx.policy_names[arn]}"
            yield cx.holders[arn], access, why._replace(text=text)


def _hops_from(cx: _Context, source: Principal, methods: tuple[Method, ...]) -> list[Hop]:
    become: list[Hop] = []
    grants: list[tuple[Method, frozenset[str], Access, _Why]] = []
    for method in methods:
        if method.kind in ("grant-permissions", "policy-version"):
            grants.extend((method, h, a, w) for h, a, w in _admin_grants(cx, source, method))
        else:
            become.extend(_become_hops(cx, source, method))
    hops = list(become)
    mine = {source.arn, *source.groups}
    for method, holders, access, why in grants:
        if holders & mine:
            hop = _hop(source, ADMIN, method, (why,), access)
            hops.append(replace(hop, via=source.arn))
            continue
        for hop in become:
            if hop.target in holders:
                conditional = hop.conditional or access is not Access.YES
                keys = tuple(sorted({*hop.keys, *why.keys})) if conditional else ()
                hops.append(
                    Hop(
                        source.arn,
                        ADMIN,
                        f"{method.id}+{hop.method}",
                        (why.text, *hop.because),
                        conditional,
                        keys=keys,
                        via=hop.target,
                        sources=(*([why.source] if why.source else []), *hop.sources),
                    )
                )
    return sorted(set(hops))


def _shortest(
    starts: Iterable[str],
    terminals: Iterable[str],
    hops: Mapping[str, tuple[Hop, ...]],
    conditional: bool,
) -> dict[str, tuple[Hop, ...]]:
    """Shortest path from each start to a terminal (reverse BFS from the terminals)."""
    reverse: dict[str, list[Hop]] = {}
    for source in sorted(hops):
        for hop in hops[source]:
            if conditional or not hop.conditional:
                reverse.setdefault(hop.target, []).append(hop)
    nxt: dict[str, Hop | None] = {t: None for t in terminals}
    queue = deque(sorted(nxt))
    while queue:
        node = queue.popleft()
        for hop in reverse.get(node, ()):
            if hop.source not in nxt:
                nxt[hop.source] = hop
                queue.append(hop.source)
    out: dict[str, tuple[Hop, ...]] = {}
    for start in starts:
        if start not in nxt or nxt[start] is None:
            continue
        path: list[Hop] = []
        node = start
        while (step := nxt.get(node)) is not None:
            path.append(step)
            node = step.target
        out[start] = tuple(path)
    return out


def build_graph(snap: Snapshot, methods: tuple[Method, ...] | None = None) -> EscalationGraph:
    """The escalation graph of ``snap`` with ``methods`` (default: the catalogue's)."""
    methods = methods if methods is not None else load_methods()
    nodes = principals(snap)
    admins: dict[str, PolicyStatement] = {}
    for arn in sorted(nodes):
        proof = admin_statement(nodes[arn].permissions)
        if proof is not None:
            admins[arn] = proof
    cx = _context(snap, nodes)
    hops: dict[str, tuple[Hop, ...]] = {}
    for arn in sorted(nodes):
        if arn in admins:
            continue
        found = _hops_from(cx, nodes[arn], methods)
        if found:
            hops[arn] = tuple(found)
    terminals = [ADMIN, *admins]
    starts = [a for a in sorted(nodes) if a not in admins]
    paths = _shortest(starts, terminals, hops, conditional=False)
    maybe = _shortest([s for s in starts if s not in paths], terminals, hops, conditional=True)
    return EscalationGraph(admins=admins, hops=hops, paths=paths, conditional_paths=maybe)


@per_snapshot
def escalation_graph(snap: Snapshot) -> EscalationGraph:
    """:func:`build_graph` with the catalogue's methods, memoised per snapshot."""
    return build_graph(snap)


# --- evidence -------------------------------------------------------------------------


def _name(nodes: Mapping[str, Principal], arn: str) -> str:
    node = nodes.get(arn)
    return f"{node.kind} {node.name}" if node is not None else arn


def describe_path(snap: Snapshot, start: str, path: tuple[Hop, ...]) -> str:
    """A path as one line of evidence, each hop with the statements that allow it:
    ``user a -> role b via assume-role (sts:AssumeRole: inline policy p (Sid); trust
    policy of role b (Sid)), an administrator by policy Admin (Sid)``."""
    nodes = principals(snap)
    graph = escalation_graph(snap)
    parts = [_name(nodes, start)]
    for hop in path:
        why = f"via {hop.method} ({'; '.join(hop.because)})"
        if hop.target == ADMIN:
            who = "itself" if hop.via == hop.source else _name(nodes, hop.via)
            parts.append(f"-> administrator {why}, making {who} an administrator")
        else:
            parts.append(f"-> {_name(nodes, hop.target)} {why}")
    text = " ".join(parts)
    last = path[-1].target if path else start
    if last in graph.admins:
        text += f", an administrator by {graph.admins[last].label}"
    return text
