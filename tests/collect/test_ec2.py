"""EC2/VPC collector against moto's in-process mock, and its normalisers on API shapes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from auditor.analysis.ipspace import admits_the_internet
from auditor.collect.ec2 import _route, collect_ec2, nacl_entry, normalise_permission
from auditor.snapshot.ec2 import (
    Ec2RegionSettings,
    Ec2Section,
    NaclEntry,
    Route,
    SgRule,
    protocol_name,
    protocol_number,
)
from tests.conftest import REGION

ACCOUNT = "123456789012"


@dataclass(frozen=True)
class Net:
    vpc: str
    public: str
    private: str
    igw: str
    nat: str
    nat_ip: str
    public_rt: str
    private_rt: str
    prefix_list: str
    acl: str
    web_sg: str
    db_sg: str
    instance: str
    profile_arn: str
    flow_log: str
    endpoint: str


def _tags(**kv: str) -> list[dict[str, Any]]:
    return [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in kv.items()]}]


@pytest.fixture
def net(setup: Any) -> Net:
    """A VPC with a public and a private subnet, IGW + NAT, a NACL, SGs, an instance."""
    ec2 = setup("ec2")
    iam = setup("iam")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "trading"}])
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-west-2a")[
        "Subnet"
    ]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=public, MapPublicIpOnLaunch={"Value": True})
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone="us-west-2b")[
        "Subnet"
    ]["SubnetId"]

    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    eip = ec2.allocate_address(Domain="vpc")
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=eip["AllocationId"])["NatGateway"][
        "NatGatewayId"
    ]

    public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.create_route(RouteTableId=public_rt, DestinationIpv6CidrBlock="::/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public_rt, SubnetId=public)
    private_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=private_rt, SubnetId=private)

    prefix_list = ec2.create_managed_prefix_list(
        PrefixListName="corp",
        MaxEntries=5,
        AddressFamily="IPv4",
        Entries=[{"Cidr": "192.0.2.0/24"}],
    )["PrefixList"]["PrefixListId"]

    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(
        NetworkAclId=acl,
        RuleNumber=100,
        Protocol="6",
        RuleAction="allow",
        Egress=False,
        CidrBlock="0.0.0.0/0",
        PortRange={"From": 443, "To": 443},
    )
    ec2.create_network_acl_entry(
        NetworkAclId=acl,
        RuleNumber=110,
        Protocol="-1",
        RuleAction="deny",
        Egress=False,
        Ipv6CidrBlock="::/0",
    )
    ec2.create_network_acl_entry(
        NetworkAclId=acl,
        RuleNumber=100,
        Protocol="17",
        RuleAction="allow",
        Egress=True,
        CidrBlock="10.0.0.0/16",
        PortRange={"From": 1024, "To": 65535},
    )
    default_acl = ec2.describe_network_acls(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "default", "Values": ["true"]}]
    )["NetworkAcls"][0]
    association = next(
        a["NetworkAclAssociationId"]
        for a in default_acl["Associations"]
        if a["SubnetId"] == private
    )
    ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)

    web = ec2.create_security_group(GroupName="web", Description="web tier", VpcId=vpc)["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="database", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "ssh from anywhere"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            },
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                # moto drops a prefix list source's Description (the unit tests cover it).
                "PrefixListIds": [{"PrefixListId": prefix_list}],
            },
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": db}]},
        ],
    )
    ec2.authorize_security_group_ingress(
        GroupId=db,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "UserIdGroupPairs": [{"GroupId": web, "Description": "app"}],
            },
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/16"}]},
        ],
    )

    role = iam.create_role(RoleName="web", AssumeRolePolicyDocument="{}")["Role"]["RoleName"]
    profile_arn = iam.create_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Arn"]
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName=role)
    ec2.create_key_pair(KeyName="ops")
    instance = ec2.run_instances(
        ImageId="ami-12c6146b",
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        SubnetId=public,
        SecurityGroupIds=[web],
        KeyName="ops",
        IamInstanceProfile={"Arn": profile_arn},
        MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"},
        TagSpecifications=_tags(Name="bastion"),
    )["Instances"][0]["InstanceId"]

    flow_log = ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName="/vpc/flow",
        DeliverLogsPermissionArn=f"arn:aws:iam::{ACCOUNT}:role/flow",
    )["FlowLogIds"][0]
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{REGION}.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[private_rt],
    )["VpcEndpoint"]["VpcEndpointId"]
    ec2.enable_ebs_encryption_by_default()
    return Net(
        vpc=vpc,
        public=public,
        private=private,
        igw=igw,
        nat=nat,
        nat_ip=eip["PublicIp"],
        public_rt=public_rt,
        private_rt=private_rt,
        prefix_list=prefix_list,
        acl=acl,
        web_sg=web,
        db_sg=db,
        instance=instance,
        profile_arn=profile_arn,
        flow_log=flow_log,
        endpoint=endpoint,
    )


@pytest.fixture
def section(aws: Any, net: Net) -> Ec2Section:
    return collect_ec2(aws, REGION)


def test_vpcs_subnets_and_gateways(section: Ec2Section, net: Net) -> None:
    vpcs = {v.id: v for v in section.vpcs}
    ours = vpcs[net.vpc]
    assert (ours.cidr, ours.is_default, ours.tags) == ("10.0.0.0/16", False, {"Name": "trading"})
    assert ours.cidrs == ("10.0.0.0/16",)
    assert [v.is_default for v in vpcs.values()].count(True) == 1  # moto's default VPC

    subnets = {s.id: s for s in section.subnets if s.vpc_id == net.vpc}
    assert {
        (s.id, s.cidr, s.availability_zone, s.map_public_ip_on_launch) for s in subnets.values()
    } == {
        (net.public, "10.0.1.0/24", "us-west-2a", True),
        (net.private, "10.0.2.0/24", "us-west-2b", False),
    }

    (igw,) = section.internet_gateways
    assert (igw.id, igw.vpc_ids) == (net.igw, (net.vpc,))
    (nat,) = section.nat_gateways
    assert (nat.id, nat.vpc_id, nat.subnet_id, nat.state, nat.public_ips) == (
        net.nat,
        net.vpc,
        net.public,
        "available",
        (net.nat_ip,),
    )
    assert nat.connectivity_type == "public"
    assert {x.region for x in (*section.vpcs, *section.subnets, igw, nat)} == {REGION}


def test_route_tables_and_routes(section: Ec2Section, net: Net) -> None:
    tables = {t.id: t for t in section.route_tables if t.vpc_id == net.vpc}
    assert len(tables) == 3
    (main,) = [t for t in tables.values() if t.is_main]
    assert main.subnet_ids == ()
    assert main.routes == (Route(destination_cidr="10.0.0.0/16", target="local"),)

    public = tables[net.public_rt]
    assert (public.is_main, public.subnet_ids) == (False, (net.public,))
    assert set(public.routes) == {
        Route(destination_cidr="10.0.0.0/16", target="local"),
        Route(destination_cidr="0.0.0.0/0", target=net.igw),
        Route(destination_ipv6_cidr="::/0", target=net.igw),
    }
    assert sum(r.to_internet_gateway for r in public.routes) == 2

    private = tables[net.private_rt]
    assert private.subnet_ids == (net.private,)
    (s3_route,) = [r for r in private.routes if r.destination_prefix_list_id]
    assert s3_route.target == net.endpoint
    assert set(private.routes) == {
        Route(destination_cidr="10.0.0.0/16", target="local"),
        Route(destination_cidr="0.0.0.0/0", target=net.nat),
        s3_route,
    }
    assert not any(r.to_internet_gateway for r in private.routes)


def test_network_acls_entries_are_normalised(section: Ec2Section, net: Net) -> None:
    acls = {a.id: a for a in section.network_acls if a.vpc_id == net.vpc}
    custom = acls[net.acl]
    assert (custom.is_default, custom.subnet_ids) == (False, (net.private,))
    assert set(custom.entries) == {
        NaclEntry(
            rule_number=100,
            egress=False,
            protocol="6",
            allow=True,
            cidr="0.0.0.0/0",
            from_port=443,
            to_port=443,
        ),
        NaclEntry(rule_number=110, egress=False, protocol="-1", allow=False, ipv6_cidr="::/0"),
        NaclEntry(
            rule_number=100,
            egress=True,
            protocol="17",
            allow=True,
            cidr="10.0.0.0/16",
            from_port=1024,
            to_port=65535,
        ),
    }
    (default,) = [a for a in acls.values() if a.is_default]
    assert default.subnet_ids == (net.public,)
    assert set(default.entries) == {
        NaclEntry(rule_number=n, egress=e, protocol="-1", allow=n == 100, cidr="0.0.0.0/0")
        for n in (100, 32767)
        for e in (False, True)
    }


def test_security_group_rules_one_per_source(section: Ec2Section, net: Net) -> None:
    groups = {g.id: g for g in section.security_groups}
    web, db = groups[net.web_sg], groups[net.db_sg]
    assert (web.name, web.description, web.vpc_id, web.owner_id) == (
        "web",
        "web tier",
        net.vpc,
        ACCOUNT,
    )
    assert set(web.ingress) == {
        SgRule(
            protocol="tcp",
            from_port=22,
            to_port=22,
            cidr="0.0.0.0/0",
            description="ssh from anywhere",
        ),
        SgRule(protocol="tcp", from_port=22, to_port=22, ipv6_cidr="::/0"),
        SgRule(
            protocol="tcp",
            from_port=443,
            to_port=443,
            prefix_list_id=net.prefix_list,
        ),
        SgRule(protocol="-1", from_port=None, to_port=None, source_group_id=net.db_sg),
    }
    assert len(web.ingress) == 4
    assert set(db.ingress) == {
        SgRule(
            protocol="tcp",
            from_port=5432,
            to_port=5432,
            source_group_id=net.web_sg,
            description="app",
        ),
        SgRule(protocol="-1", from_port=None, to_port=None, cidr="10.0.0.0/16"),
    }
    all_out = SgRule(protocol="-1", from_port=None, to_port=None, cidr="0.0.0.0/0")
    assert web.egress == db.egress == (all_out,)

    # The helpers rules will use agree with the normalised shape.
    world = [r for r in web.ingress if admits_the_internet(r.cidr or r.ipv6_cidr)]
    assert len([r for r in world if r.covers_port(22)]) == 2
    assert not any(r.covers_port(5432) for r in world)
    defaults = [g for g in section.security_groups if g.vpc_id == net.vpc and g.name == "default"]
    assert len(defaults) == 1 and defaults[0].ingress == ()


def test_instance_fields(section: Ec2Section, net: Net) -> None:
    (instance,) = section.instances
    assert instance.id == net.instance
    assert (instance.state, instance.instance_type, instance.image_id) == (
        "running",
        "t3.micro",
        "ami-12c6146b",
    )
    assert (instance.vpc_id, instance.subnet_id) == (net.vpc, net.public)
    assert instance.key_name == "ops"
    assert instance.security_group_ids == (net.web_sg,)
    assert instance.instance_profile_arn == net.profile_arn
    assert (instance.http_tokens, instance.http_endpoint) == ("required", "enabled")
    assert instance.private_ip.startswith("10.0.1.")
    assert instance.public_ip  # the public subnet maps a public IP on launch
    assert isinstance(instance.launch_time, datetime)
    assert instance.launch_time.utcoffset() == timedelta(0)
    assert instance.tags == {"Name": "bastion"}


def test_network_interfaces(section: Ec2Section, net: Net) -> None:
    by_instance = {n.attached_instance_id: n for n in section.network_interfaces}
    eni = by_instance[net.instance]
    (instance,) = section.instances
    assert (eni.vpc_id, eni.subnet_id, eni.private_ip) == (net.vpc, net.public, instance.private_ip)
    assert eni.security_group_ids == (net.web_sg,)
    assert eni.public_ip == instance.public_ip
    assert (eni.description, eni.interface_type, eni.status) == (
        "Primary network interface",
        "interface",
        "in-use",
    )


def test_flow_logs_endpoints_and_ebs_default(section: Ec2Section, net: Net) -> None:
    (flow,) = section.flow_logs
    assert (flow.id, flow.resource_id, flow.traffic_type, flow.status, flow.destination_type) == (
        net.flow_log,
        net.vpc,
        "ALL",
        "ACTIVE",
        "cloud-watch-logs",
    )
    assert flow.destination == "/vpc/flow"
    (endpoint,) = section.vpc_endpoints
    assert (endpoint.id, endpoint.vpc_id, endpoint.service_name, endpoint.endpoint_type) == (
        net.endpoint,
        net.vpc,
        f"com.amazonaws.{REGION}.s3",
        "Gateway",
    )
    assert endpoint.state == "available"
    assert endpoint.route_table_ids == (net.private_rt,)
    assert endpoint.policy is not None and endpoint.policy["Statement"][0]["Principal"] == "*"
    assert section.region_settings == (
        Ec2RegionSettings(region=REGION, ebs_encryption_by_default=True),
    )


def test_empty_account_and_other_regions(aws: Any, setup: Any) -> None:
    section = collect_ec2(aws, REGION)
    assert section.instances == section.nat_gateways == section.flow_logs == ()
    assert section.region_settings == (
        Ec2RegionSettings(region=REGION, ebs_encryption_by_default=False),
    )
    setup("ec2").enable_ebs_encryption_by_default()
    other = collect_ec2(aws, "eu-west-1")
    assert other.region_settings[0].ebs_encryption_by_default is False
    assert {v.region for v in other.vpcs} == {"eu-west-1"}


def _small_pages(client: Any, size: int) -> None:
    """Make every paginator of ``client`` ask for ``size`` items per page."""
    real = client.get_paginator

    def get_paginator(name: str) -> Any:
        paginator = real(name)
        paginate = paginator.paginate
        paginator.paginate = lambda **kw: paginate(**kw, PaginationConfig={"PageSize": size})
        return paginator

    client.get_paginator = get_paginator


def _calls(aws: Any, operation: str) -> int:
    return sum(op.calls for op in aws.recorder.operations() if op.operation == operation)


def test_instances_from_every_reservation_and_page(aws: Any, setup: Any) -> None:
    ec2 = setup("ec2")
    launched = set()
    for count in (2, 1, 1, 1, 1, 1):  # six reservations, seven instances
        out = ec2.run_instances(ImageId="ami-12c6146b", MinCount=count, MaxCount=count)
        launched |= {i["InstanceId"] for i in out["Instances"]}
    _small_pages(aws("ec2", REGION), 5)
    section = collect_ec2(aws, REGION)
    assert {i.id for i in section.instances} == launched
    assert _calls(aws, "DescribeInstances") == 2


# --- normalisers on hand-written API shapes ---------------------------------------------------


def test_protocol_names_and_numbers() -> None:
    assert [protocol_name(p) for p in ("6", "17", "1", "58", "TCP", "-1", "all", 50)] == [
        "tcp",
        "udp",
        "icmp",
        "icmpv6",
        "tcp",
        "-1",
        "-1",
        "50",
    ]
    assert [protocol_number(p) for p in ("tcp", "udp", "icmp", "6", "-1", "50")] == [
        "6",
        "17",
        "1",
        "6",
        "-1",
        "50",
    ]


def test_permission_with_protocol_number_and_every_source() -> None:
    raw = {
        "IpProtocol": "6",
        "FromPort": 3389,
        "ToPort": 3389,
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "198.51.100.7/32", "Description": "home"}],
        "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
        "PrefixListIds": [{"PrefixListId": "pl-1", "Description": "corp"}],
        "UserIdGroupPairs": [
            {"GroupId": "sg-same", "UserId": ACCOUNT},
            {"GroupId": "sg-other", "UserId": "999999999999", "Description": "partner"},
        ],
    }
    rdp = {"protocol": "tcp", "from_port": 3389, "to_port": 3389}
    assert list(normalise_permission(raw, ACCOUNT)) == [
        SgRule(**rdp, cidr="0.0.0.0/0"),
        SgRule(**rdp, cidr="198.51.100.7/32", description="home"),
        SgRule(**rdp, ipv6_cidr="::/0"),
        SgRule(**rdp, prefix_list_id="pl-1", description="corp"),
        SgRule(**rdp, source_group_id="sg-same"),
        SgRule(
            **rdp,
            source_group_id="sg-other",
            source_group_owner_id="999999999999",
            description="partner",
        ),
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # all traffic: AWS may still send ports; they mean nothing
        ({"IpProtocol": "-1", "FromPort": 0, "ToPort": 0}, ("-1", None, None)),
        ({"IpProtocol": "-1"}, ("-1", None, None)),
        # UDP by number, ports kept
        ({"IpProtocol": "17", "FromPort": 53, "ToPort": 53}, ("udp", 53, 53)),
        # TCP with the ports missing: None (every port)
        ({"IpProtocol": "tcp"}, ("tcp", None, None)),
        # ICMP keeps type/code
        ({"IpProtocol": "1", "FromPort": 8, "ToPort": -1}, ("icmp", 8, -1)),
        ({"IpProtocol": "58", "FromPort": -1, "ToPort": -1}, ("icmpv6", -1, -1)),
        # a protocol without ports: AWS allows all of its traffic whatever the ports say
        ({"IpProtocol": "50", "FromPort": 10, "ToPort": 20}, ("50", None, None)),
    ],
)
def test_permission_protocol_and_ports(
    raw: dict[str, Any], expected: tuple[str, int | None, int | None]
) -> None:
    (rule,) = normalise_permission({**raw, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
    assert (rule.protocol, rule.from_port, rule.to_port) == expected


def test_all_traffic_and_portless_rules_cover_every_port() -> None:
    (everything,) = normalise_permission(
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    )
    assert everything.all_ports and everything.covers_port(22) and everything.covers_port(53, "udp")
    (tcp_any,) = normalise_permission({"IpProtocol": "6", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
    assert tcp_any.covers_port(5432) and not tcp_any.covers_port(53, "udp")


def test_permission_without_sources_grants_nothing() -> None:
    raw = {
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "IpRanges": [],
        "UserIdGroupPairs": [],
    }
    assert list(normalise_permission(raw)) == []


def test_group_owner_is_kept_only_when_unknown_or_foreign() -> None:
    pair = {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-1", "UserId": ACCOUNT}]}
    (rule,) = normalise_permission(pair, ACCOUNT)
    assert rule.source_group_owner_id == ""


def test_nacl_entry_normalisation() -> None:
    by_name = nacl_entry(
        {
            "RuleNumber": 90,
            "Protocol": "tcp",
            "RuleAction": "DENY",
            "Egress": False,
            "CidrBlock": "0.0.0.0/0",
            "PortRange": {"From": 22, "To": 22},
        }
    )
    assert by_name == NaclEntry(
        rule_number=90,
        egress=False,
        protocol="6",
        allow=False,
        cidr="0.0.0.0/0",
        from_port=22,
        to_port=22,
    )
    assert by_name.covers_port(22) and by_name.covers_port(22, "6")
    assert not by_name.covers_port(23) and not by_name.covers_port(22, "udp")

    icmp = nacl_entry(
        {
            "RuleNumber": 5,
            "Protocol": "1",
            "RuleAction": "allow",
            "Egress": True,
            "CidrBlock": "10.0.0.0/8",
            "IcmpTypeCode": {"Type": 8, "Code": -1},
            "PortRange": {"From": 1, "To": 2},
        }
    )
    assert (icmp.protocol, icmp.icmp_type, icmp.icmp_code) == ("1", 8, -1)
    assert (icmp.from_port, icmp.to_port) == (None, None)

    everything = nacl_entry(
        {
            "RuleNumber": 32767,
            "Protocol": "-1",
            "RuleAction": "deny",
            "Egress": False,
            "CidrBlock": "0.0.0.0/0",
        }
    )
    assert everything.covers_port(3389) and everything.from_port is None


def test_route_targets() -> None:
    # A route to an instance also names its interface: the instance wins.
    via_instance = _route(
        {
            "DestinationCidrBlock": "0.0.0.0/0",
            "InstanceId": "i-0nat",
            "InstanceOwnerId": ACCOUNT,
            "NetworkInterfaceId": "eni-0nat",
            "State": "blackhole",
        }
    )
    assert via_instance == Route(destination_cidr="0.0.0.0/0", target="i-0nat", state="blackhole")
    assert not via_instance.to_internet_gateway
    assert (
        _route({"DestinationCidrBlock": "10.1.0.0/16", "TransitGatewayId": "tgw-1"}).target
        == "tgw-1"
    )
    assert (
        _route({"DestinationCidrBlock": "10.2.0.0/16", "VpcPeeringConnectionId": "pcx-1"}).target
        == "pcx-1"
    )
    assert (
        _route({"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-1"}).target
        == "eigw-1"
    )
    assert (
        _route({"DestinationCidrBlock": "10.3.0.0/16", "NetworkInterfaceId": "eni-1"}).target
        == "eni-1"
    )
