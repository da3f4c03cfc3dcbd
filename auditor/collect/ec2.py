"""EC2 and VPC: networks, routing, filtering, interfaces, instances, EBS defaults.

Every list comes from a paginated ``Describe*`` call over the whole region;
security group permissions are flattened into one :class:`SgRule` per source.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from auditor.collect.common import as_datetime, fan_out, paginate, policy_doc, tags_dict
from auditor.collect.session import ClientFactory
from auditor.snapshot.ec2 import (
    ALL_PROTOCOLS,
    PORTED_PROTOCOLS,
    Ec2RegionSettings,
    Ec2Section,
    FlowLog,
    Instance,
    InternetGateway,
    NaclEntry,
    NatGateway,
    NetworkAcl,
    NetworkInterface,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
    Vpc,
    VpcEndpoint,
    protocol_name,
    protocol_number,
)

#: Route target keys, most specific first. A route to an instance also names
#: the instance's interface, so ``InstanceId`` comes before ``NetworkInterfaceId``.
_ROUTE_TARGETS = (
    "GatewayId",  # igw-, vgw-, vpce- (gateway endpoints) or "local"
    "NatGatewayId",
    "TransitGatewayId",
    "VpcPeeringConnectionId",
    "EgressOnlyInternetGatewayId",
    "CarrierGatewayId",
    "LocalGatewayId",
    "CoreNetworkArn",
    "InstanceId",
    "NetworkInterfaceId",
)

_GONE_ASSOCIATION_STATES = frozenset({"disassociating", "disassociated", "failed"})


def _port(value: Any) -> int | None:
    return None if value is None else int(value)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def normalise_permission(raw: dict[str, Any], owner_id: str = "") -> Iterator[SgRule]:
    """One :class:`SgRule` per source of an ``IpPermissions`` item.

    ``owner_id`` is the account owning the group: a referenced group owned by
    anyone else keeps its owner in ``source_group_owner_id``.
    """
    protocol = protocol_name(raw.get("IpProtocol"))
    if protocol == ALL_PROTOCOLS or protocol not in PORTED_PROTOCOLS:
        from_port = to_port = None
    else:
        from_port, to_port = _port(raw.get("FromPort")), _port(raw.get("ToPort"))
    base: dict[str, Any] = {"protocol": protocol, "from_port": from_port, "to_port": to_port}
    for r in raw.get("IpRanges", []):
        yield SgRule(**base, cidr=r["CidrIp"], description=r.get("Description", ""))
    for r in raw.get("Ipv6Ranges", []):
        yield SgRule(**base, ipv6_cidr=r["CidrIpv6"], description=r.get("Description", ""))
    for r in raw.get("PrefixListIds", []):
        yield SgRule(**base, prefix_list_id=r["PrefixListId"], description=r.get("Description", ""))
    for r in raw.get("UserIdGroupPairs", []):
        user = str(r.get("UserId", ""))
        yield SgRule(
            **base,
            source_group_id=r.get("GroupId", ""),
            source_group_owner_id=user if owner_id and user and user != owner_id else "",
            description=r.get("Description", ""),
        )


def normalise_permissions(raw: Iterable[dict[str, Any]], owner_id: str = "") -> tuple[SgRule, ...]:
    return tuple(rule for perm in raw for rule in normalise_permission(perm, owner_id))


def _security_group(raw: dict[str, Any], region: str) -> SecurityGroup:
    owner = str(raw.get("OwnerId", ""))
    return SecurityGroup(
        id=raw["GroupId"],
        region=region,
        name=raw.get("GroupName", ""),
        description=raw.get("Description", ""),
        vpc_id=raw.get("VpcId", ""),
        ingress=normalise_permissions(raw.get("IpPermissions", []), owner),
        egress=normalise_permissions(raw.get("IpPermissionsEgress", []), owner),
        owner_id=owner,
        tags=tags_dict(raw.get("Tags")),
    )


def _route(raw: dict[str, Any]) -> Route:
    target = next((str(raw[k]) for k in _ROUTE_TARGETS if raw.get(k)), "")
    return Route(
        destination_cidr=raw.get("DestinationCidrBlock", ""),
        destination_ipv6_cidr=raw.get("DestinationIpv6CidrBlock", ""),
        destination_prefix_list_id=raw.get("DestinationPrefixListId", ""),
        target=target,
        state=raw.get("State", "active"),
    )


def _route_table(raw: dict[str, Any], region: str) -> RouteTable:
    associations = [
        a
        for a in raw.get("Associations", [])
        if a.get("AssociationState", {}).get("State", "associated") not in _GONE_ASSOCIATION_STATES
    ]
    return RouteTable(
        id=raw["RouteTableId"],
        region=region,
        vpc_id=raw.get("VpcId", ""),
        is_main=any(a.get("Main", False) for a in associations),
        subnet_ids=_unique(a.get("SubnetId", "") for a in associations),
        routes=tuple(_route(r) for r in raw.get("Routes", [])),
        tags=tags_dict(raw.get("Tags")),
    )


def nacl_entry(raw: dict[str, Any]) -> NaclEntry:
    protocol = protocol_number(raw.get("Protocol"))
    ports = raw.get("PortRange") or {}
    icmp = raw.get("IcmpTypeCode") or {}
    has_ports = protocol in ("6", "17") and bool(ports)
    has_icmp = protocol in ("1", "58") and bool(icmp)
    return NaclEntry(
        rule_number=int(raw["RuleNumber"]),
        egress=bool(raw.get("Egress", False)),
        protocol=protocol,
        allow=str(raw.get("RuleAction", "")).lower() == "allow",
        cidr=raw.get("CidrBlock", ""),
        ipv6_cidr=raw.get("Ipv6CidrBlock", ""),
        from_port=_port(ports.get("From")) if has_ports else None,
        to_port=_port(ports.get("To")) if has_ports else None,
        icmp_type=_port(icmp.get("Type")) if has_icmp else None,
        icmp_code=_port(icmp.get("Code")) if has_icmp else None,
    )


def _network_acl(raw: dict[str, Any], region: str) -> NetworkAcl:
    return NetworkAcl(
        id=raw["NetworkAclId"],
        region=region,
        vpc_id=raw.get("VpcId", ""),
        is_default=bool(raw.get("IsDefault", False)),
        subnet_ids=_unique(a.get("SubnetId", "") for a in raw.get("Associations", [])),
        entries=tuple(nacl_entry(e) for e in raw.get("Entries", [])),
        tags=tags_dict(raw.get("Tags")),
    )


def _vpc(raw: dict[str, Any], region: str) -> Vpc:
    cidr = raw.get("CidrBlock", "")
    associated = [
        a.get("CidrBlock", "")
        for a in raw.get("CidrBlockAssociationSet", [])
        if a.get("CidrBlockState", {}).get("State", "associated") == "associated"
    ]
    ipv6 = [
        a.get("Ipv6CidrBlock", "")
        for a in raw.get("Ipv6CidrBlockAssociationSet", [])
        if a.get("Ipv6CidrBlockState", {}).get("State", "associated") == "associated"
    ]
    return Vpc(
        id=raw["VpcId"],
        region=region,
        cidr=cidr,
        is_default=bool(raw.get("IsDefault", False)),
        cidrs=_unique([cidr, *associated]),
        ipv6_cidrs=_unique(ipv6),
        tags=tags_dict(raw.get("Tags")),
    )


def _subnet(raw: dict[str, Any], region: str) -> Subnet:
    ipv6 = [
        a.get("Ipv6CidrBlock", "")
        for a in raw.get("Ipv6CidrBlockAssociationSet", [])
        if a.get("Ipv6CidrBlockState", {}).get("State", "associated") == "associated"
    ]
    return Subnet(
        id=raw["SubnetId"],
        region=region,
        vpc_id=raw.get("VpcId", ""),
        cidr=raw.get("CidrBlock", ""),
        availability_zone=raw.get("AvailabilityZone", ""),
        map_public_ip_on_launch=bool(raw.get("MapPublicIpOnLaunch", False)),
        ipv6_cidrs=_unique(ipv6),
        tags=tags_dict(raw.get("Tags")),
    )


def _internet_gateway(raw: dict[str, Any], region: str) -> InternetGateway:
    return InternetGateway(
        id=raw["InternetGatewayId"],
        region=region,
        vpc_ids=_unique(
            a.get("VpcId", "") for a in raw.get("Attachments", []) if a.get("State") != "detached"
        ),
        tags=tags_dict(raw.get("Tags")),
    )


def _nat_gateway(raw: dict[str, Any], region: str) -> NatGateway:
    return NatGateway(
        id=raw["NatGatewayId"],
        region=region,
        vpc_id=raw.get("VpcId", ""),
        subnet_id=raw.get("SubnetId", ""),
        state=raw.get("State", ""),
        public_ips=_unique(a.get("PublicIp", "") for a in raw.get("NatGatewayAddresses", [])),
        connectivity_type=raw.get("ConnectivityType", "public"),
        tags=tags_dict(raw.get("Tags")),
    )


def _network_interface(raw: dict[str, Any], region: str) -> NetworkInterface:
    public_ip = raw.get("Association", {}).get("PublicIp", "")
    if not public_ip:  # the primary address's association, when only listed there
        public_ip = next(
            (
                p["Association"]["PublicIp"]
                for p in raw.get("PrivateIpAddresses", [])
                if p.get("Primary") and p.get("Association", {}).get("PublicIp")
            ),
            "",
        )
    return NetworkInterface(
        id=raw["NetworkInterfaceId"],
        region=region,
        vpc_id=raw.get("VpcId", ""),
        subnet_id=raw.get("SubnetId", ""),
        description=raw.get("Description", ""),
        interface_type=raw.get("InterfaceType", ""),
        status=raw.get("Status", ""),
        private_ip=raw.get("PrivateIpAddress", ""),
        public_ip=public_ip,
        ipv6_addresses=_unique(a.get("Ipv6Address", "") for a in raw.get("Ipv6Addresses", [])),
        security_group_ids=_unique(g.get("GroupId", "") for g in raw.get("Groups", [])),
        attached_instance_id=raw.get("Attachment", {}).get("InstanceId", ""),
        requester_id=raw.get("RequesterId", ""),
        requester_managed=bool(raw.get("RequesterManaged", False)),
        tags=tags_dict(raw.get("TagSet") or raw.get("Tags")),
    )


def _instance(raw: dict[str, Any], region: str) -> Instance:
    interfaces = sorted(
        raw.get("NetworkInterfaces", []),
        key=lambda n: n.get("Attachment", {}).get("DeviceIndex", 0),
    )
    groups = [g.get("GroupId", "") for g in raw.get("SecurityGroups", [])]
    groups += [g.get("GroupId", "") for n in interfaces for g in n.get("Groups", [])]
    metadata = raw.get("MetadataOptions", {})
    return Instance(
        id=raw["InstanceId"],
        region=region,
        state=raw.get("State", {}).get("Name", ""),
        instance_type=raw.get("InstanceType", ""),
        image_id=raw.get("ImageId", ""),
        vpc_id=raw.get("VpcId", ""),
        subnet_id=raw.get("SubnetId", ""),
        private_ip=raw.get("PrivateIpAddress", ""),
        public_ip=raw.get("PublicIpAddress", ""),
        key_name=raw.get("KeyName", ""),
        instance_profile_arn=raw.get("IamInstanceProfile", {}).get("Arn", ""),
        security_group_ids=_unique(groups),
        http_tokens=metadata.get("HttpTokens", "optional"),
        http_endpoint=metadata.get("HttpEndpoint", "enabled"),
        launch_time=as_datetime(raw.get("LaunchTime")),
        tags=tags_dict(raw.get("Tags")),
    )


def _flow_log(raw: dict[str, Any], region: str) -> FlowLog:
    return FlowLog(
        id=raw["FlowLogId"],
        region=region,
        resource_id=raw.get("ResourceId", ""),
        traffic_type=raw.get("TrafficType", ""),
        status=raw.get("FlowLogStatus", ""),
        destination_type=raw.get("LogDestinationType", "cloud-watch-logs"),
        destination=raw.get("LogDestination") or raw.get("LogGroupName", ""),
        deliver_status=raw.get("DeliverLogsStatus", ""),
    )


def _vpc_endpoint(raw: dict[str, Any], region: str) -> VpcEndpoint:
    return VpcEndpoint(
        id=raw["VpcEndpointId"],
        region=region,
        vpc_id=raw.get("VpcId", ""),
        service_name=raw.get("ServiceName", ""),
        endpoint_type=raw.get("VpcEndpointType", ""),
        state=raw.get("State", ""),
        policy=policy_doc(raw.get("PolicyDocument")),
        route_table_ids=_unique(raw.get("RouteTableIds", [])),
        subnet_ids=_unique(raw.get("SubnetIds", [])),
        security_group_ids=_unique(g.get("GroupId", "") for g in raw.get("Groups", [])),
        private_dns_enabled=bool(raw.get("PrivateDnsEnabled", False)),
    )


#: The region-wide lists of the EC2 unit: (snapshot field, paginated operation, result key).
_LISTS = (
    ("vpcs", "describe_vpcs", "Vpcs"),
    ("subnets", "describe_subnets", "Subnets"),
    ("route_tables", "describe_route_tables", "RouteTables"),
    ("internet_gateways", "describe_internet_gateways", "InternetGateways"),
    ("nat_gateways", "describe_nat_gateways", "NatGateways"),
    ("network_acls", "describe_network_acls", "NetworkAcls"),
    ("security_groups", "describe_security_groups", "SecurityGroups"),
    ("network_interfaces", "describe_network_interfaces", "NetworkInterfaces"),
    ("instances", "describe_instances", "Reservations"),
    ("flow_logs", "describe_flow_logs", "FlowLogs"),
    ("vpc_endpoints", "describe_vpc_endpoints", "VpcEndpoints"),
)

_CONVERT: dict[str, Any] = {
    "vpcs": _vpc,
    "subnets": _subnet,
    "route_tables": _route_table,
    "internet_gateways": _internet_gateway,
    "nat_gateways": _nat_gateway,
    "network_acls": _network_acl,
    "security_groups": _security_group,
    "network_interfaces": _network_interface,
    "instances": _instance,
    "flow_logs": _flow_log,
    "vpc_endpoints": _vpc_endpoint,
}


def collect_ec2(clients: ClientFactory, region: str) -> Ec2Section:
    ec2 = clients("ec2", region)

    # The calls are independent: make them concurrently (one slow answer, not twelve).
    def read(item: tuple[str, str, str]) -> Any:
        if not item[2]:  # not paginated
            return getattr(ec2, item[1])()
        return paginate(ec2, item[1], item[2])

    calls = (*_LISTS, ("", "get_ebs_encryption_by_default", ""))
    *lists, encryption = fan_out(read, calls)
    raw = dict(zip((field for field, _, _ in _LISTS), lists, strict=True))
    raw["instances"] = [i for r in raw["instances"] for i in r.get("Instances", [])]
    return Ec2Section(
        **{field: tuple(_CONVERT[field](x, region) for x in items) for field, items in raw.items()},
        region_settings=(
            Ec2RegionSettings(
                region=region,
                ebs_encryption_by_default=bool(encryption.get("EbsEncryptionByDefault", False)),
            ),
        ),
    )
