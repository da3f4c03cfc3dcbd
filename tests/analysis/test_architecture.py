"""The architecture graph and its verdicts, on hand-built snapshots (no moto).

One network serves every test: ``vpc-1`` with a public subnet (default route
to ``igw-1``) and a private subnet (default route to ``nat-1``); each test adds
the workloads and security groups its pattern needs and states, from what the
pattern means, what the graph and the verdicts must say.
"""

from __future__ import annotations

from typing import Any

from auditor.analysis.architecture import Architecture, build_architecture, node_key
from auditor.analysis.verdicts import review_architecture
from auditor.engine.model import Principle
from auditor.snapshot import Snapshot
from auditor.snapshot.base import EnvVar
from auditor.snapshot.ec2 import (
    Ec2Section,
    Instance,
    InternetGateway,
    NatGateway,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
    Vpc,
)
from auditor.snapshot.ecs import (
    ContainerDefinition,
    EcsSection,
    EcsService,
    SecretRef,
    TaskDefinition,
)
from auditor.snapshot.lambda_ import FunctionUrl, LambdaFunction, LambdaSection
from auditor.snapshot.rds import DbSubnetGroup, RdsSection
from tests.rules.helpers import ACCOUNT_ID, REGION, db_instance, instance, make_snapshot

PUBLIC, PRIVATE = "subnet-pub", "subnet-priv"
WORLD = "0.0.0.0/0"
EGRESS = (SgRule(protocol="-1", from_port=None, to_port=None, cidr=WORLD),)


def sg(gid: str, *ingress: SgRule) -> SecurityGroup:
    return SecurityGroup(
        id=gid, region=REGION, name=gid, description=gid, vpc_id="vpc-1",
        ingress=ingress, egress=EGRESS,
    )  # fmt: skip


def from_group(source: str, port: int) -> SgRule:
    return SgRule(protocol="tcp", from_port=port, to_port=port, source_group_id=source)


def from_cidr(cidr: str, port: int) -> SgRule:
    return SgRule(protocol="tcp", from_port=port, to_port=port, cidr=cidr)


def network(*groups: SecurityGroup, instances: tuple[Instance, ...] = ()) -> Ec2Section:
    return Ec2Section(
        vpcs=(Vpc(id="vpc-1", region=REGION, cidr="10.0.0.0/16", is_default=False,
                  tags={"Name": "app-vpc"}),),
        subnets=(
            Subnet(id=PUBLIC, region=REGION, vpc_id="vpc-1", cidr="10.0.0.0/24",
                   availability_zone="us-west-2a", map_public_ip_on_launch=False),
            Subnet(id=PRIVATE, region=REGION, vpc_id="vpc-1", cidr="10.0.10.0/24",
                   availability_zone="us-west-2a", map_public_ip_on_launch=False),
        ),
        route_tables=(
            RouteTable(id="rtb-pub", region=REGION, vpc_id="vpc-1", is_main=False,
                       subnet_ids=(PUBLIC,),
                       routes=(Route(destination_cidr=WORLD, target="igw-1"),)),
            RouteTable(id="rtb-priv", region=REGION, vpc_id="vpc-1", is_main=True,
                       subnet_ids=(PRIVATE,),
                       routes=(Route(destination_cidr=WORLD, target="nat-1"),)),
        ),
        internet_gateways=(InternetGateway(id="igw-1", region=REGION, vpc_ids=("vpc-1",)),),
        nat_gateways=(NatGateway(id="nat-1", region=REGION, vpc_id="vpc-1", subnet_id=PUBLIC,
                                 state="available", public_ips=("52.0.0.1",)),),
        security_groups=groups,
        instances=instances,
    )  # fmt: skip


def service(name: str, *groups: str, subnet: str = PRIVATE, **kw: Any) -> EcsService:
    return EcsService(
        arn=f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:service/c/{name}", name=name, region=REGION,
        cluster_arn=f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:cluster/c", status="ACTIVE",
        launch_type="FARGATE", desired_count=1, subnet_ids=(subnet,),
        task_definition_arn=f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:task-definition/{name}:1",
        assign_public_ip="DISABLED", security_group_ids=groups, **kw,
    )  # fmt: skip


def function(name: str, *groups: str, subnets: tuple[str, ...] = (PRIVATE,), **kw: Any) -> Any:
    return LambdaFunction(
        arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}", name=name, region=REGION,
        runtime="python3.12", role_arn=f"arn:aws:iam::{ACCOUNT_ID}:role/{name}",
        subnet_ids=subnets if groups else (), security_group_ids=groups,
        # moto answers a fixed VpcId whatever the subnets: the subnets must decide
        vpc_id="vpc-123abc" if groups else "", **kw,
    )  # fmt: skip


def database(name: str = "orders-db", *groups: str, **kw: Any) -> Any:
    return db_instance(
        name,
        subnet_group=DbSubnetGroup(name="dbs", vpc_id="vpc-1", subnet_ids=(PRIVATE,)),
        security_group_ids=groups or ("sg-db",),
        port=5432,
        **kw,
    )


def snapshot(
    *groups: SecurityGroup,
    services: tuple[EcsService, ...] = (),
    functions: tuple[LambdaFunction, ...] = (),
    dbs: tuple[Any, ...] = (),
    instances: tuple[Instance, ...] = (),
    tasks: tuple[TaskDefinition, ...] = (),
    gaps: dict[str, str] | None = None,
) -> Snapshot:
    return make_snapshot(
        gaps=gaps,
        ec2=network(*groups, instances=instances),
        ecs=EcsSection(services=services, task_definitions=tasks),
        lambda_=LambdaSection(functions=functions),
        rds=RdsSection(instances=dbs),
    )


def bridge_account(**kw: Any) -> Snapshot:
    """The reference's shape: two services and a query bridge may reach the database on 5432."""
    return snapshot(
        sg("sg-app"),
        sg("sg-fn"),
        sg("sg-db", from_group("sg-app", 5432), from_group("sg-fn", 5432)),
        services=(service("api", "sg-app"), service("worker", "sg-app")),
        functions=(function("db-query-bridge", "sg-fn"),),
        dbs=(database("orders-db", "sg-db"),),
        **kw,
    )


def verdicts(snap: Snapshot) -> dict[str, tuple[str, str]]:
    """key -> (judgement, title)."""
    return {v.key: (v.judgement, v.title) for v in review_architecture(snap).verdicts}


def key(kind: Any, ident: str) -> str:
    return node_key(kind, REGION, ident)


# --------------------------------------------------------------------- the graph


def test_workloads_sit_in_their_tier_and_vpc() -> None:
    arch = build_architecture(
        snapshot(
            sg("sg-app"),
            services=(service("api", "sg-app"), service("edge", "sg-app", subnet=PUBLIC)),
            functions=(function("in-vpc", "sg-app"), function("no-vpc")),
            dbs=(database("orders-db"),),
        )
    )
    place = {n.name: (n.kind, n.vpc_id, n.tier) for n in arch.nodes}
    assert place == {
        "api": ("ecs-service", "vpc-1", "private"),
        "edge": ("ecs-service", "vpc-1", "public"),
        "in-vpc": ("lambda", "vpc-1", "private"),  # the subnets' VPC, not moto's VpcId
        "no-vpc": ("lambda", "", "none"),
        "orders-db": ("database", "vpc-1", "private"),
    }
    (vpc,) = arch.vpcs
    assert {(s.id, s.tier, s.egress) for s in vpc.subnets} == {
        (PUBLIC, "public", "igw-1"),
        (PRIVATE, "private", "nat-1"),
    }
    assert {(g.id, g.kind) for g in vpc.gateways} == {("igw-1", "internet"), ("nat-1", "nat")}


def test_security_group_grants_link_the_workloads_holding_them() -> None:
    arch = build_architecture(bridge_account())
    assert {(e.source_group, e.target_group, e.ports) for e in arch.edges} == {
        ("sg-app", "sg-db", ("tcp 5432",)),
        ("sg-fn", "sg-db", ("tcp 5432",)),
    }
    db = key("database", "orders-db")
    fn = key("lambda", f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:db-query-bridge")
    api = key("ecs-service", f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:service/c/api")
    links = arch.links()
    assert links[(fn, db)] == ("tcp 5432",)
    assert links[(api, db)] == ("tcp 5432",)
    assert len(links) == 3 and all(target == db for _, target in links)  # nothing else talks
    assert arch.exposures == ()


def test_every_internet_path_is_an_exposure_with_its_hops() -> None:
    bastion = instance(
        "i-bastion", PUBLIC, "sg-ssh", public_ip="54.0.0.9", tags={"Name": "bastion"}
    )
    open_url = function("webhook", url=FunctionUrl(url="https://x.lambda-url", auth_type="NONE"))
    iam_url = function("private", url=FunctionUrl(url="https://y.lambda-url", auth_type="AWS_IAM"))
    arch = build_architecture(
        snapshot(
            sg("sg-ssh", from_cidr(WORLD, 22)),
            instances=(bastion,),
            functions=(open_url, iam_url),
        )
    )
    found = {(e.target, e.protocol, e.ports, e.world) for e in arch.exposures}
    assert found == {
        (key("instance", "i-bastion"), "tcp", "22", True),
        (key("lambda", open_url.arn), "https", "443", True),
    }
    ssh = next(e for e in arch.exposures if e.protocol == "tcp")
    assert ssh.gateway == "igw-1"
    assert ssh.path.startswith("internet -> igw-1 -> rtb-pub")
    assert "sg-ssh tcp 22 from 0.0.0.0/0" in ssh.path


# --------------------------------------------------------------------- verdicts


def test_reference_shape_is_judged_like_the_expert() -> None:
    arch = review_architecture(bridge_account())
    found = {v.key: v for v in arch.verdicts}
    assert {k: v.judgement for k, v in found.items()} == {
        "db-bridge": "strength",
        "no-ssh": "strength",
        "private-subnets-nat": "strength",
        "no-exposure": "strength",
        "db-single-az": "weakness",
    }
    bridge = found["db-bridge"]
    assert bridge.principle is Principle.ZERO_TRUST
    assert "more restrictive than a bastion" in bridge.text.lower()
    (line,) = bridge.evidence
    assert line == (
        "orders-db admits 1 Lambda function (db-query-bridge), 2 ECS services (api, worker) "
        "on tcp 5432"
    )
    assert "nat-1" in found["private-subnets-nat"].text
    # strengths first
    assert [v.judgement for v in arch.verdicts][-1] == "weakness"


def test_database_admitting_an_instance_is_a_bastion_and_open_ssh_makes_it_a_weakness() -> None:
    groups = (sg("sg-ssh", from_cidr(WORLD, 22)), sg("sg-db", from_group("sg-ssh", 5432)))
    host = instance("i-bastion", PUBLIC, "sg-ssh", public_ip="54.0.0.9")
    open_host = verdicts(snapshot(*groups, instances=(host,), dbs=(database("orders-db"),)))
    assert open_host["db-bastion"][0] == "weakness"
    assert open_host["ssh"] == ("weakness", "SSH or RDP reachable from the internet")
    assert "db-bridge" not in open_host and "no-ssh" not in open_host

    closed = (sg("sg-host"), sg("sg-db", from_group("sg-host", 5432)))
    private_host = instance("i-jump", PRIVATE, "sg-host")
    quiet = verdicts(snapshot(*closed, instances=(private_host,), dbs=(database("orders-db"),)))
    assert quiet["db-bastion"][0] == "note"  # a host to patch, but no internet path
    assert quiet["ssh"] == ("note", "Instances without SSH access")


def test_public_database_is_a_weakness_whatever_else_holds() -> None:
    snap = snapshot(
        sg("sg-fn"),
        sg("sg-db", from_group("sg-fn", 5432), from_cidr(WORLD, 5432)),
        functions=(function("bridge", "sg-fn"),),
        dbs=(
            db_instance(
                "open-db",
                publicly_accessible=True,
                subnet_group=DbSubnetGroup(name="dbs", vpc_id="vpc-1", subnet_ids=(PUBLIC,)),
                security_group_ids=("sg-db",),
                port=5432,
            ),
        ),
    )
    found = verdicts(snap)
    assert found["db-internet"][0] == "weakness"
    assert found["exposure"][0] == "weakness"
    assert found["workloads-public-subnets"][0] == "weakness"
    assert "db-bridge" not in found and "no-exposure" not in found


def test_secrets_by_arn_are_a_strength_and_plaintext_a_weakness() -> None:
    secret_arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:app/db-AbC123:password::"
    by_arn = TaskDefinition(
        arn=f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:task-definition/api:1", family="api",
        revision=1, region=REGION, status="ACTIVE",
        containers=(ContainerDefinition(name="api", image="api:1",
                                        secrets=(SecretRef(name="DB_PASSWORD",
                                                           value_from=secret_arn),)),),
    )  # fmt: skip
    arch = review_architecture(bridge_account(tasks=(by_arn,)))
    good = next(v for v in arch.verdicts if v.key == "secrets-by-arn")
    assert good.judgement == "strength"
    assert good.evidence == ("api/api: DB_PASSWORD from Secrets Manager app/db",)

    leaky = by_arn.model_copy(
        update={
            "containers": (
                by_arn.containers[0].model_copy(
                    update={"environment": (EnvVar(name="DB_PASSWORD", looks_secret=True,
                                                   reason="name:PASSWORD"),)}
                ),
            )
        }
    )  # fmt: skip
    found = verdicts(bridge_account(tasks=(leaky,)))
    assert found["secrets-plaintext"][0] == "weakness"
    assert "secrets-by-arn" not in found


def test_single_az_and_multi_az_databases() -> None:
    multi = snapshot(sg("sg-db"), dbs=(database("a-db", multi_az=True),))
    assert verdicts(multi)["db-multi-az"][0] == "strength"
    mixed = snapshot(sg("sg-db"), dbs=(database("a-db", multi_az=True), database("b-db")))
    found = verdicts(mixed)
    assert found["db-single-az"][0] == "weakness" and "db-multi-az" not in found


def test_no_verdict_on_half_the_evidence() -> None:
    found = verdicts(bridge_account(gaps={"ec2": "access_denied"}))
    # everything that needs the network is left out, and said so
    assert set(found) == {"db-single-az", "not-judged"}
    assert found["not-judged"][0] == "note"


def test_an_empty_account_gets_no_vacuous_strength() -> None:
    assert review_architecture(make_snapshot()).verdicts == ()


def test_architecture_round_trips_through_json() -> None:
    arch = review_architecture(bridge_account())
    assert Architecture.model_validate_json(arch.model_dump_json()) == arch


def test_every_reachable_workload_has_its_exposure() -> None:
    from auditor.analysis.reachability import analyse
    from tests.render.arch_synthetic import synthetic_snapshot

    snap = synthetic_snapshot(300)
    reachable = {str(getattr(r.resource, "id", "")) for r in analyse(snap).resources if r.reachable}
    arch = build_architecture(snap)
    exposed = {arch.node(e.target).id for e in arch.exposures}
    assert reachable and exposed == reachable  # the bastions, every one of them
    assert all(arch.node(e.target).kind == "instance" for e in arch.exposures)
