"""NI003, NI007 and ZT001 agree on what "the internet" is, for any source range.

A public instance behind an open path (public subnet routed to the internet
gateway, network ACL allowing everything) and one security group rule
admitting tcp 22 from a random range: the setting rule (NI003), the path
rule (NI007) and the bastion rule (ZT001) FAIL together, exactly when the
range admits the internet at large.
"""

from __future__ import annotations

import ipaddress

from auditor.rules.network_isolation import (
    databases_and_admin_ports_not_internet_reachable,
    sg_no_world_admin_ports,
)
from auditor.rules.zero_trust import no_internet_bastion_hosts
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.analysis.ipspace import admits_the_internet
from auditor.snapshot.ec2 import NetworkInterface
from tests.rules.helpers import REGION, failing
from tests.rules.test_zero_trust import ec2, instance, sg, tcp

sources = st.one_of(
    st.builds(
        lambda a, p: str(ipaddress.ip_network(f"{ipaddress.IPv4Address(a)}/{p}", strict=False)),
        st.integers(0, 2**32 - 1),
        st.integers(0, 12),
    ),
    st.builds(
        lambda a, p: str(ipaddress.ip_network(f"{ipaddress.IPv6Address(a)}/{p}", strict=False)),
        st.integers(0, 2**128 - 1),
        st.integers(0, 40),
    ),
    st.sampled_from(["0.0.0.0/0", "::/0", "0.0.0.0/1", "::/1", "203.0.113.0/24", "10.0.0.0/8"]),
)


@settings(max_examples=60, deadline=None)
@given(sources)
def test_setting_path_and_bastion_rules_agree_on_the_internet(cidr: str) -> None:
    v6 = NetworkInterface(
        id="eni-host",
        region=REGION,
        vpc_id="vpc-1",
        subnet_id="subnet-1",
        description="",
        interface_type="interface",
        status="in-use",
        private_ip="10.0.0.10",
        ipv6_addresses=("2600:1f14::1",),
        security_group_ids=("sg-door",),
        attached_instance_id="host",
    )
    snap = ec2(
        instance("host", "sg-door", public_ip="54.0.0.1"),
        groups=(sg("sg-door", tcp(22, cidr)),),
        enis=(v6,),
    )
    expected = admits_the_internet(cidr)
    assert (failing(sg_no_world_admin_ports, snap) == {"sg-door"}) is expected
    assert (failing(databases_and_admin_ports_not_internet_reachable, snap) == {"host"}) is expected
    assert (failing(no_internet_bastion_hosts, snap) == {"host"}) is expected
