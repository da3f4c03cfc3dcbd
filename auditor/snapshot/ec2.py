"""EC2 and VPC: networks, routing, filtering, interfaces, instances."""

from __future__ import annotations

from datetime import datetime

from auditor.snapshot.base import Model, Section

ALL_PROTOCOLS = "-1"


class Vpc(Model):
    id: str
    region: str
    cidr: str
    is_default: bool
    tags: dict[str, str] = {}


class Subnet(Model):
    id: str
    region: str
    vpc_id: str
    cidr: str
    availability_zone: str
    map_public_ip_on_launch: bool
    tags: dict[str, str] = {}


class Route(Model):
    """One route. Exactly one destination and one target field is set."""

    destination_cidr: str = ""
    destination_ipv6_cidr: str = ""
    destination_prefix_list_id: str = ""
    #: e.g. ``igw-...``, ``nat-...``, ``local``, ``pcx-...``, ``vpce-...``, ``eni-...``.
    target: str
    state: str = "active"


class RouteTable(Model):
    id: str
    region: str
    vpc_id: str
    is_main: bool
    subnet_ids: tuple[str, ...]
    routes: tuple[Route, ...]


class InternetGateway(Model):
    id: str
    region: str
    vpc_ids: tuple[str, ...]


class NatGateway(Model):
    id: str
    region: str
    vpc_id: str
    subnet_id: str
    state: str
    public_ips: tuple[str, ...]


class NaclEntry(Model):
    rule_number: int
    egress: bool
    #: IANA number as a string, ``-1`` for all.
    protocol: str
    allow: bool
    cidr: str = ""
    ipv6_cidr: str = ""
    from_port: int | None = None
    to_port: int | None = None


class NetworkAcl(Model):
    id: str
    region: str
    vpc_id: str
    is_default: bool
    subnet_ids: tuple[str, ...]
    entries: tuple[NaclEntry, ...]


class SgRule(Model):
    """One normalised permission: one protocol/port range and exactly one source.

    ``from_port``/``to_port`` are None for all-traffic rules (protocol ``-1``)
    and for protocols without ports; ICMP keeps AWS's type/code in them.
    """

    protocol: str
    from_port: int | None
    to_port: int | None
    cidr: str = ""
    ipv6_cidr: str = ""
    prefix_list_id: str = ""
    source_group_id: str = ""
    description: str = ""

    @property
    def all_ports(self) -> bool:
        if self.protocol == ALL_PROTOCOLS:
            return True
        return self.from_port in (None, -1) or (self.from_port == 0 and self.to_port == 65535)

    def covers_port(self, port: int, protocol: str = "tcp") -> bool:
        if self.protocol == ALL_PROTOCOLS:
            return True
        if self.protocol != protocol:
            return False
        if self.from_port is None or self.to_port is None or self.from_port == -1:
            return True
        return self.from_port <= port <= self.to_port

    @property
    def open_to_world(self) -> bool:
        return self.cidr == "0.0.0.0/0" or self.ipv6_cidr == "::/0"


class SecurityGroup(Model):
    id: str
    region: str
    name: str
    description: str
    vpc_id: str
    ingress: tuple[SgRule, ...]
    egress: tuple[SgRule, ...]
    tags: dict[str, str] = {}


class NetworkInterface(Model):
    id: str
    region: str
    vpc_id: str
    subnet_id: str
    description: str
    interface_type: str
    status: str
    private_ip: str
    public_ip: str = ""
    security_group_ids: tuple[str, ...] = ()
    attached_instance_id: str = ""
    requester_id: str = ""


class Instance(Model):
    id: str
    region: str
    state: str
    instance_type: str
    image_id: str
    vpc_id: str
    subnet_id: str
    private_ip: str
    public_ip: str = ""
    key_name: str = ""
    instance_profile_arn: str = ""
    security_group_ids: tuple[str, ...] = ()
    #: IMDS: ``required`` means IMDSv2 only.
    http_tokens: str = "optional"
    http_endpoint: str = "enabled"
    launch_time: datetime | None = None
    tags: dict[str, str] = {}


class FlowLog(Model):
    id: str
    region: str
    resource_id: str
    traffic_type: str
    status: str
    destination_type: str


class VpcEndpoint(Model):
    id: str
    region: str
    vpc_id: str
    service_name: str
    endpoint_type: str
    state: str


class Ec2RegionSettings(Model):
    region: str
    ebs_encryption_by_default: bool


class Ec2Section(Section):
    vpcs: tuple[Vpc, ...] = ()
    subnets: tuple[Subnet, ...] = ()
    route_tables: tuple[RouteTable, ...] = ()
    internet_gateways: tuple[InternetGateway, ...] = ()
    nat_gateways: tuple[NatGateway, ...] = ()
    network_acls: tuple[NetworkAcl, ...] = ()
    security_groups: tuple[SecurityGroup, ...] = ()
    network_interfaces: tuple[NetworkInterface, ...] = ()
    instances: tuple[Instance, ...] = ()
    flow_logs: tuple[FlowLog, ...] = ()
    vpc_endpoints: tuple[VpcEndpoint, ...] = ()
    region_settings: tuple[Ec2RegionSettings, ...] = ()
