"""Internet reachability: which resources the internet can reach, on which ports, and why.

Pure functions of the snapshot, memoised per snapshot (:func:`analyse`).

What is analysed
----------------
Every resource with a network presence the snapshot knows, through the
resource's own facts (moto creates no AWS-managed interfaces, and real
accounts' managed interfaces cannot always be tied to their owner):

* **EC2 instances** not terminated, through each attached interface (its
  subnet, security groups, public IPv4 and IPv6 addresses); without collected
  interfaces, through the instance's own subnet, groups and public IP. A
  stopped instance is judged on its configuration: starting it opens the path.
* **RDS DB instances** (Aurora members included) in a DB subnet group:
  ``PubliclyAccessible`` gives a public IPv4 address; RDS may place, or fail
  over, the instance into *any* subnet of its group, so each subnet is a
  possible placement and the worst one counts.
* **ECS services** with awsvpc networking: tasks run in every subnet of the
  service, with a public IPv4 address when ``assignPublicIp`` is ``ENABLED``.
* **Lambda functions** in a VPC: never reachable (a function gets no public
  address and accepts no inbound connection); listed so the evidence says so.
* **Other network interfaces** in use and not attached to an instance nor
  recognisably managed for RDS, Lambda or ECS (load balancers, interfaces
  with an Elastic IP...).

The path
--------
Traffic from an internet address *a* to port *p* reaches a placement only if
every gate lets it through:

1. **address**: the placement has a public address of *a*'s family (IPv4
   public IP / ``PubliclyAccessible`` / ``assignPublicIp``; any IPv6
   address, all of which AWS hands out globally routable);
2. **route**: in the subnet's effective route table (its explicit
   association, else the VPC's main table), the longest-prefix route for *a*
   is an active route to an internet gateway, so the reply can leave (see
   :mod:`auditor.analysis.network`);
3. **network ACL** (the subnet's, else the VPC's default ACL; AWS's default
   "allow all" when none was collected), stateless, evaluated entry by entry
   in ascending rule number, the first matching entry deciding: inbound must
   allow *a* to *p*, and outbound must allow the reply to *a* on some port of
   the ephemeral range 1024-65535 (the client picks its source port, and an
   attacker picks one that passes);
4. **security group**: one ingress rule of one of the placement's groups
   admits *a* on *p* (security groups are stateful: egress rules do not
   matter for replies).

Sources are CIDR rules only: rules admitting another security group or a
prefix list (whose entries are not collected) admit no internet address.
Only TCP and UDP are analysed (ports); ICMP is left out.

What is reported
----------------
For each resource, its grants (:class:`Grant`: protocol, ports, the internet
source addresses admitted, and the hop that let them through at each gate),
from which ``reachable_ports`` (from any internet address) and
``world_ports`` (from an *internet-scale* source, see
:func:`auditor.analysis.ipspace.internet_scale`: ``0.0.0.0/0`` is, an office
``/32`` is not). When nothing is reachable, :attr:`ResourceReach.blockers`
says which gates close the path. And :attr:`ResourceReach.latent` lists what
*one* change would open to the world: giving the resource a public address
(instance, interface, database, ECS service), adding an internet-gateway
route to its subnet (when its VPC has an attached gateway), opening its
network ACL, or, for a database, one security group rule from the world on
its port. :func:`path_text` renders a grant as the evidence path.

Left out
--------
Load balancers (not collected), prefix-list contents, IPv6 on RDS and ECS
(the snapshot holds no such addresses), ICMP, and which subnet of its group
an RDS instance sits in today (``DescribeDBInstances`` gives the zone only:
every subnet of the group counts). Managed interfaces are not tied to their
owners: the owner's own facts are used instead.

Where each part lives
---------------------
- :mod:`.model`: what is reported (placements, grants, blockers, latent
  paths, subnet classes) and the texts rules quote;
- :mod:`.topology`: the account's network, indexed (which route table and
  ACL govern a subnet, gateways, cached routes and ACL segments);
- :mod:`.acl` and :mod:`.groups`: network ACL and security group evaluation;
  :mod:`.gates` puts one subnet context's route, ACL and rules together;
- :mod:`.resources`: the resources with a network presence and their
  placements;
- :mod:`.search`: the path search, why nothing passes, what one change
  opens, and :func:`analyse`.
"""

from __future__ import annotations

from auditor.analysis.reachability.acl import AclSegment, acl_segments
from auditor.analysis.reachability.groups import rule_ports, rule_source
from auditor.analysis.reachability.model import (
    FAMILIES,
    PROTOCOLS,
    Blocker,
    Gate,
    Grant,
    Kind,
    Latent,
    Placement,
    PlacementReach,
    Reachability,
    Resource,
    ResourceReach,
    SubnetClass,
    describe_rule,
    merge_blockers,
    path_text,
    world_ports,
)
from auditor.analysis.reachability.resources import ENGINE_PORTS, engine_port, is_owned_elsewhere
from auditor.analysis.reachability.search import analyse, reach_of, subnet_class

__all__ = [
    "ENGINE_PORTS",
    "FAMILIES",
    "PROTOCOLS",
    "AclSegment",
    "Blocker",
    "Gate",
    "Grant",
    "Kind",
    "Latent",
    "Placement",
    "PlacementReach",
    "Reachability",
    "Resource",
    "ResourceReach",
    "SubnetClass",
    "acl_segments",
    "analyse",
    "describe_rule",
    "engine_port",
    "is_owned_elsewhere",
    "merge_blockers",
    "path_text",
    "reach_of",
    "rule_ports",
    "rule_source",
    "subnet_class",
    "world_ports",
]
