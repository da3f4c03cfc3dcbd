"""EC2 and VPC: networks, routing, filtering, interfaces, instances.

Protocols are normalised so rules can compare them without knowing how AWS
spelled them:

* Security group rules (:class:`SgRule`) use *names*: AWS answers either a
  name (``tcp``) or an IANA number (``6``), so the collector maps ``6`` to
  ``tcp``, ``17`` to ``udp``, ``1`` to ``icmp`` and ``58`` to ``icmpv6``;
  ``-1`` (also spelled ``all``) means all traffic. Other protocols keep their
  number (``50`` for ESP).
* Network ACL entries (:class:`NaclEntry`) use IANA *numbers* as strings
  (``6``, ``17``, ``1``, ``58``, ``-1``), as the network ACL API does.

Use :func:`protocol_name` / :func:`protocol_number` to convert between them.
"""

from __future__ import annotations

from datetime import datetime

from auditor.snapshot.base import JsonDoc, Model, Section

ALL_PROTOCOLS = "-1"

#: IANA number -> name for the protocols security group rules name.
PROTOCOL_NAMES: dict[str, str] = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
PROTOCOL_NUMBERS: dict[str, str] = {name: number for number, name in PROTOCOL_NAMES.items()}

#: Protocols whose rules carry a port range (or an ICMP type/code). Any other
#: protocol allows all of its traffic whatever ports a rule names.
PORTED_PROTOCOLS = frozenset(PROTOCOL_NAMES.values())


def protocol_name(raw: str | int | None) -> str:
    """A protocol as security group rules spell it: ``tcp``, ``udp``, ``icmp``, ``icmpv6``,
    ``-1`` for all traffic, or the IANA number of any other protocol."""
    text = "" if raw is None else str(raw).strip().lower()
    if text in ("", "-1", "all"):
        return ALL_PROTOCOLS
    return PROTOCOL_NAMES.get(text, text)


def protocol_number(raw: str | int | None) -> str:
    """A protocol as network ACL entries spell it: the IANA number, ``-1`` for all traffic."""
    name = protocol_name(raw)
    return PROTOCOL_NUMBERS.get(name, name)


class Vpc(Model):
    id: str
    region: str
    #: The primary IPv4 CIDR block.
    cidr: str
    is_default: bool
    #: Every associated IPv4 block (the primary one first).
    cidrs: tuple[str, ...] = ()
    ipv6_cidrs: tuple[str, ...] = ()
    tags: dict[str, str] = {}


class Subnet(Model):
    id: str
    region: str
    vpc_id: str
    cidr: str
    availability_zone: str
    map_public_ip_on_launch: bool
    ipv6_cidrs: tuple[str, ...] = ()
    tags: dict[str, str] = {}


class Route(Model):
    """One route. Exactly one destination and one target field is set."""

    destination_cidr: str = ""
    destination_ipv6_cidr: str = ""
    destination_prefix_list_id: str = ""
    #: e.g. ``igw-...``, ``nat-...``, ``local``, ``pcx-...``, ``vpce-...``, ``eni-...``,
    #: ``i-...``, ``tgw-...``, ``eigw-...``, ``vgw-...``; "" when AWS names no target.
    #: A route to an instance names the instance (AWS also reports its interface).
    target: str
    #: ``active`` or ``blackhole`` (the target is gone).
    state: str = "active"

    @property
    def to_internet_gateway(self) -> bool:
        """True for an active route whose target is an internet gateway."""
        return self.state == "active" and self.target.startswith("igw-")


class RouteTable(Model):
    id: str
    region: str
    vpc_id: str
    #: The VPC's main table, used by every subnet without an explicit association.
    is_main: bool
    #: Subnets explicitly associated with this table.
    subnet_ids: tuple[str, ...]
    routes: tuple[Route, ...]
    tags: dict[str, str] = {}


class InternetGateway(Model):
    id: str
    region: str
    #: VPCs the gateway is attached to (detached attachments are left out).
    vpc_ids: tuple[str, ...]
    tags: dict[str, str] = {}


class NatGateway(Model):
    id: str
    region: str
    vpc_id: str
    subnet_id: str
    #: ``pending``, ``available``, ``failed``, ``deleting`` or ``deleted``.
    state: str
    public_ips: tuple[str, ...]
    #: ``public`` (egress to the internet) or ``private`` (to other networks only).
    connectivity_type: str = "public"
    tags: dict[str, str] = {}


class NaclEntry(Model):
    rule_number: int
    egress: bool
    #: IANA number as a string, ``-1`` for all.
    protocol: str
    allow: bool
    cidr: str = ""
    ipv6_cidr: str = ""
    #: Set for TCP (``6``) and UDP (``17``) entries only; None means every port.
    from_port: int | None = None
    to_port: int | None = None
    #: ICMP type and code for ICMP entries (``-1`` = all); None otherwise.
    icmp_type: int | None = None
    icmp_code: int | None = None

    def covers_port(self, port: int, protocol: str = "tcp") -> bool:
        """True when the entry applies to ``port`` of ``protocol`` (a name or a number)."""
        if self.protocol == ALL_PROTOCOLS:
            return True
        if self.protocol != protocol_number(protocol):
            return False
        if self.from_port is None or self.to_port is None:
            return True
        return self.from_port <= port <= self.to_port


class NetworkAcl(Model):
    id: str
    region: str
    vpc_id: str
    is_default: bool
    subnet_ids: tuple[str, ...]
    #: In AWS's order; evaluate by ascending ``rule_number`` per direction.
    entries: tuple[NaclEntry, ...]
    tags: dict[str, str] = {}


class SgRule(Model):
    """One normalised permission: one protocol/port range and exactly one source.

    ``protocol`` is a name (``tcp``, ``udp``, ``icmp``, ``icmpv6``), ``-1`` for
    all traffic, or the IANA number of another protocol (see the module doc).
    ``from_port``/``to_port`` are None for all-traffic rules (protocol ``-1``),
    for protocols without ports, and when AWS gave none; ICMP keeps AWS's
    type/code in them (``-1`` = all).

    The source is one of ``cidr``, ``ipv6_cidr``, ``prefix_list_id`` or
    ``source_group_id``. ``source_group_owner_id`` is set only when the
    referenced group belongs to another account.
    """

    protocol: str
    from_port: int | None
    to_port: int | None
    cidr: str = ""
    ipv6_cidr: str = ""
    prefix_list_id: str = ""
    source_group_id: str = ""
    source_group_owner_id: str = ""
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


class SecurityGroup(Model):
    id: str
    region: str
    name: str
    description: str
    vpc_id: str
    ingress: tuple[SgRule, ...]
    egress: tuple[SgRule, ...]
    owner_id: str = ""
    tags: dict[str, str] = {}


class NetworkInterface(Model):
    id: str
    region: str
    vpc_id: str
    subnet_id: str
    description: str
    #: ``interface``, ``nat_gateway``, ``vpc_endpoint``, ``lambda``, ...
    interface_type: str
    status: str
    private_ip: str
    #: The public IPv4 address of the primary private address ("" when none).
    public_ip: str = ""
    ipv6_addresses: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    attached_instance_id: str = ""
    #: Who created the interface for you (e.g. ``amazon-rds``) when AWS manages it.
    requester_id: str = ""
    requester_managed: bool = False
    tags: dict[str, str] = {}


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
    #: Groups of every attached interface (the primary interface's first).
    security_group_ids: tuple[str, ...] = ()
    #: IMDS: ``required`` means IMDSv2 only.
    http_tokens: str = "optional"
    http_endpoint: str = "enabled"
    launch_time: datetime | None = None
    tags: dict[str, str] = {}


class FlowLog(Model):
    id: str
    region: str
    #: The VPC, subnet or interface the flow log watches.
    resource_id: str
    #: ``ACCEPT``, ``REJECT`` or ``ALL``.
    traffic_type: str
    #: ``ACTIVE`` when the flow log is set up (delivery can still fail: see ``deliver_status``).
    status: str
    #: ``cloud-watch-logs``, ``s3`` or ``kinesis-data-firehose``.
    destination_type: str
    #: Log group name or destination ARN.
    destination: str = ""
    deliver_status: str = ""


class VpcEndpoint(Model):
    id: str
    region: str
    vpc_id: str
    service_name: str
    #: ``Gateway``, ``Interface``, ``GatewayLoadBalancer``, ...
    endpoint_type: str
    state: str
    policy: JsonDoc | None = None
    route_table_ids: tuple[str, ...] = ()
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    private_dns_enabled: bool = False


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
