"""The architecture diagram: one self-contained SVG, laid out by hand, the same bytes every time.

Input is the :class:`~auditor.analysis.architecture.Architecture` of a result
(never the snapshot); output is an SVG document with no script, no style
sheet, no external reference and no font beyond the reader's own sans-serif.
It is embedded as is in ``report.html`` (where the page's Content-Security-Policy
forbids scripts and inline styles: presentation attributes only) and written
as ``architecture.svg`` beside ``report.md``.

Layout
------
One row per VPC (in use), grouped by region; inside a VPC box, columns per
subnet tier: *public* (NAT gateways first), then *private* split into a
compute column (instances, ECS services, Lambda functions) and a data column
(databases), so security-group edges flow left to right towards the data.
The internet sits at the far left; each VPC's internet gateway straddles the
VPC's left border. Workloads outside any VPC (Lambda functions without VPC
configuration...) get a box of their own under their region's VPCs.

* **Edges** (grey arrows): the security-group references of
  :class:`~auditor.analysis.architecture.ArchEdge`, labelled with their ports
  once per target.
* **Exposure paths** (red): internet -> internet gateway -> workload, for every
  :class:`~auditor.analysis.architecture.ArchExposure`; the workload's border
  turns red.
* **NAT egress** (dashed): from the private tier to its NAT gateway.

Readable from 3 to 3,000 workloads: beyond :data:`GROUP_MAX` of one kind in
one column, the first ones are drawn (exposed ones and the best connected
first) and the rest become one summary node ("+42 Lambda functions") that
carries their edges and exposures; beyond :data:`MAX_VPCS` VPCs the rest are
counted, not drawn (VPCs with exposures are drawn first). The node count is
therefore bounded whatever the account's size.

Every string from AWS is made visible (control characters shown as escapes,
see :func:`auditor.render.view.visible`), clipped, and XML-escaped: it is
text content or a quoted attribute value, never markup.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from auditor.analysis.architecture import ArchGateway, Architecture, ArchNode, ArchVpc
from auditor.render.view import visible

#: Workloads of one kind drawn one by one per column; more become a summary node.
GROUP_MAX = 6
#: VPC boxes drawn; the rest are counted in a line of text.
MAX_VPCS = 6
#: Nodes per row in an "outside any VPC" box.
OUTSIDE_COLS = 3

MARGIN = 16
VPC_X = 200
COL_W = 214
NODE_W = 190
NODE_H = 40
GW_W = 124
GW_H = 34
V_GAP = 10
PAD = 14
TIER_GAP = 22
#: Room between the compute and data columns for edges and their port labels.
GUTTER = 56
LINE = 14

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
INK = "#1d232b"
MUTED = "#5b6673"
RED = "#c62828"
EDGE = "#6b7785"
KIND_COLOURS = {
    "ecs-service": "#d86613",
    "lambda": "#c7186a",
    "database": "#2f5fd0",
    "instance": "#5b8a16",
    "interface": "#7a4fd6",
    "nat": "#7a4fd6",
    "internet": "#7a4fd6",
}
KIND_NOUNS = {
    "ecs-service": ("ECS service", "ECS services"),
    "lambda": ("Lambda function", "Lambda functions"),
    "database": ("database", "databases"),
    "instance": ("EC2 instance", "EC2 instances"),
    "interface": ("network interface", "network interfaces"),
}
_KIND_ORDER = {"instance": 0, "interface": 1, "ecs-service": 2, "lambda": 3, "database": 4}

# --------------------------------------------------------------------------- text

# Characters XML 1.0 cannot carry at all (lone surrogates, U+FFFE/U+FFFF): shown as escapes.
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def text(value: str, limit: int = 200) -> str:
    """``value`` visible, clipped to ``limit`` characters and XML-escaped (text or attribute)."""
    shown = visible(value)
    shown = _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", shown)
    if len(shown) > limit:
        shown = shown[: max(1, limit - 1)] + "…"
    return (
        shown.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def _noun(kind: str, n: int) -> str:
    one, many = KIND_NOUNS[kind]
    return f"{n} {one if n == 1 else many}"


# --------------------------------------------------------------------------- layout


@dataclass
class Box:
    """A drawn node: a workload, a summary of workloads, or a gateway."""

    key: str
    kind: str
    x: int
    y: int
    w: int
    h: int
    title: str
    detail: str
    tooltip: str
    group: bool = False
    exposed: bool = False

    @property
    def mid_y(self) -> int:
        return self.y + self.h // 2

    @property
    def right(self) -> int:
        return self.x + self.w


@dataclass
class Frame:
    """A box drawn behind nodes: a VPC, a subnet tier, an outside-VPC area."""

    x: int
    y: int
    w: int
    h: int
    kind: str  # vpc | public | private | outside
    lines: tuple[tuple[str, str], ...]  # (text, style): style is "title" | "sub"


@dataclass
class Layout:
    width: int = 0
    height: int = 0
    frames: list[Frame] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    #: Workload key -> the box drawing it (itself, or its group's summary box).
    shown: dict[str, Box] = field(default_factory=dict)
    #: Internet gateway id (region, id) -> its box.
    igws: dict[tuple[str, str], Box] = field(default_factory=dict)
    #: (private tier frame, NAT box) pairs to join with an egress line.
    egress: list[tuple[Frame, Box]] = field(default_factory=list)
    labels: list[tuple[int, int, str, str, str]] = field(
        default_factory=list
    )  # x y text colour anchor
    internet: Box | None = None


def _place_group(
    kind: str,
    nodes: list[ArchNode],
    degree: dict[str, int],
    exposed: set[str],
) -> tuple[list[ArchNode], list[ArchNode]]:
    """The nodes drawn one by one, and those summarised, for one kind in one column."""
    if len(nodes) <= GROUP_MAX:
        return sorted(nodes, key=lambda n: (n.name, n.key)), []
    ranked = sorted(nodes, key=lambda n: (n.key not in exposed, -degree[n.key], n.name, n.key))
    keep = ranked[: GROUP_MAX - 1]
    return sorted(keep, key=lambda n: (n.name, n.key)), ranked[GROUP_MAX - 1 :]


def _node_box(n: ArchNode, x: int, y: int, exposed: set[str]) -> Box:
    tip = f"{n.name} · {n.detail} · {n.id}"
    if n.subnet_ids:
        tip += " · subnets " + ", ".join(n.subnet_ids)
    if n.security_group_ids:
        tip += " · groups " + ", ".join(n.security_group_ids)
    return Box(
        key=n.key,
        kind=n.kind,
        x=x,
        y=y,
        w=NODE_W,
        h=NODE_H,
        title=n.name,
        detail=n.detail + (" · public IP" if n.public_address else ""),
        tooltip=tip,
        exposed=n.key in exposed,
    )


def _column(
    lay: Layout,
    nodes: list[ArchNode],
    x: int,
    y: int,
    degree: dict[str, int],
    exposed: set[str],
    head: list[Box] | None = None,
) -> int:
    """Stack a column's boxes from ``y``; returns the bottom."""
    for b in head or []:
        b.x, b.y = x + (COL_W - b.w) // 2, y
        lay.boxes.append(b)
        y += b.h + V_GAP
    by_kind: dict[str, list[ArchNode]] = defaultdict(list)
    for n in nodes:
        by_kind[n.kind].append(n)
    for kind in sorted(by_kind, key=lambda k: _KIND_ORDER[k]):
        keep, rest = _place_group(kind, by_kind[kind], degree, exposed)
        for n in keep:
            box = _node_box(n, x + (COL_W - NODE_W) // 2, y, exposed)
            lay.boxes.append(box)
            lay.shown[n.key] = box
            y += NODE_H + V_GAP
        if rest:
            hidden_exposed = sum(n.key in exposed for n in rest)
            names = ", ".join(n.name for n in rest[:20]) + (" …" if len(rest) > 20 else "")
            box = Box(
                key=f"group:{rest[0].key}",
                kind=kind,
                x=x + (COL_W - NODE_W) // 2,
                y=y,
                w=NODE_W,
                h=NODE_H,
                title=f"+{_noun(kind, len(rest))}",
                detail=f"{hidden_exposed} exposed"
                if hidden_exposed
                else "grouped, not drawn one by one",
                tooltip=names,
                group=True,
                exposed=bool(hidden_exposed),
            )
            lay.boxes.append(box)
            for n in rest:
                lay.shown[n.key] = box
            y += NODE_H + V_GAP
    return y


def _subnet_lines(subnets: list[tuple[str, str, str]], label: str) -> list[tuple[str, str]]:
    lines = [(f"{label} ({len(subnets)})" if subnets else label, "title")]
    for name, zone, cidr in subnets[:3]:
        lines.append((f"{name} · {cidr} · {zone}", "sub"))
    if len(subnets) > 3:
        lines.append((f"+{len(subnets) - 3} more subnets", "sub"))
    return lines


def _vpc(
    lay: Layout,
    vpc: ArchVpc,
    nodes: list[ArchNode],
    y: int,
    degree: dict[str, int],
    exposed: set[str],
) -> int:
    """Lay out one VPC box from ``y``; returns its bottom."""
    public_nodes = [n for n in nodes if n.tier == "public"]
    private_nodes = [n for n in nodes if n.tier != "public"]
    compute = [n for n in private_nodes if n.kind != "database"]
    data = [n for n in private_nodes if n.kind == "database"]
    nats = [g for g in vpc.gateways if g.kind == "nat"]
    igws = [g for g in vpc.gateways if g.kind == "internet"]
    pub_subnets = [(s.name, s.zone, s.cidr) for s in vpc.subnets if s.tier == "public"]
    priv_subnets = [(s.name, s.zone, s.cidr) for s in vpc.subnets if s.tier == "private"]
    has_public = bool(pub_subnets or public_nodes or nats)
    has_private = bool(priv_subnets or private_nodes)

    title = f"VPC {vpc.name}" + ("" if vpc.name == vpc.id else f" ({vpc.id})")
    sub = " · ".join(
        p for p in (vpc.cidr, "default VPC" if vpc.is_default else "", vpc.region) if p
    )
    header = 44
    inner_x = VPC_X + PAD
    tiers_y = y + header
    frames: list[Frame] = []
    bottoms: list[int] = []
    x = inner_x
    pub_frame = priv_frame = None
    nat_boxes: list[Box] = []
    if has_public:
        lines = _subnet_lines(pub_subnets, "Public subnets")
        top = tiers_y + 8 + LINE * len(lines) + 6
        nat_boxes = [_gateway_box(g, vpc.region) for g in nats]
        bottom = _column(lay, public_nodes, x, top, degree, exposed, nat_boxes)
        pub_frame = Frame(x, tiers_y, COL_W, 0, "public", tuple(lines))
        frames.append(pub_frame)
        bottoms.append(bottom)
        x += COL_W + TIER_GAP
    if has_private:
        lines = _subnet_lines(priv_subnets, "Private subnets")
        top = tiers_y + 8 + LINE * len(lines) + 6
        col_x = x
        compute_bottom = top
        if compute or not data:
            compute_bottom = _column(lay, compute, col_x, top, degree, exposed)
            col_x += COL_W + (GUTTER if data else 0)
        if data:
            # Databases face the middle of the compute column they serve.
            data_h = _column_height(data)
            offset = max(0, (compute_bottom - top - data_h) // 2)
            data_bottom = _column(lay, data, col_x, top + offset, degree, exposed)
            col_x += COL_W
            compute_bottom = max(compute_bottom, data_bottom)
        priv_w = col_x - x
        priv_frame = Frame(x, tiers_y, priv_w, 0, "private", tuple(lines))
        frames.append(priv_frame)
        bottoms.append(compute_bottom)
        x += priv_w + TIER_GAP
    if not frames:  # a VPC with workloads but no subnet known
        bottom = _column(lay, nodes, x, tiers_y + 8, degree, exposed)
        bottoms.append(bottom)
        x += COL_W + TIER_GAP
    tier_bottom = max([*bottoms, tiers_y + 40]) + 2
    for f in frames:
        f.h = tier_bottom - f.y
    width = x - TIER_GAP + PAD - VPC_X
    lay.frames.append(
        Frame(VPC_X, y, width, tier_bottom + PAD - y, "vpc", ((title, "title"), (sub, "sub")))
    )
    lay.frames.extend(frames)
    for i, g in enumerate(igws):
        box = _gateway_box(g, vpc.region)
        box.x, box.y = VPC_X - GW_W // 2, y + 6 + i * (GW_H + 6)
        lay.boxes.append(box)
        lay.igws[(vpc.region, g.id)] = box
    if priv_frame is not None and any(s.egress.startswith("nat-") for s in vpc.subnets):
        used = {s.egress for s in vpc.subnets if s.tier == "private"}
        for b in nat_boxes:
            if b.key.split(":", 2)[2] in used:
                lay.egress.append((priv_frame, b))
    lay.width = max(lay.width, VPC_X + width + MARGIN)
    return tier_bottom + PAD


def _column_height(nodes: list[ArchNode]) -> int:
    kinds: dict[str, int] = defaultdict(int)
    for n in nodes:
        kinds[n.kind] += 1
    rows = sum(min(c, GROUP_MAX) for c in kinds.values())
    return rows * (NODE_H + V_GAP) - V_GAP


def _gateway_box(g: ArchGateway, region: str) -> Box:
    label = "Internet gateway" if g.kind == "internet" else "NAT gateway"
    name = g.name if g.name != g.id else g.id
    return Box(
        key=f"{g.kind}:{region}:{g.id}",
        kind=g.kind if g.kind == "nat" else "internet",
        x=0,
        y=0,
        w=GW_W if g.kind == "internet" else NODE_W,
        h=GW_H,
        title=name,
        detail=label + (f" · {g.state}" if g.state and g.state != "available" else ""),
        tooltip=f"{label} {g.id}" + (f" in {g.subnet_id}" if g.subnet_id else ""),
    )


def _outside(
    lay: Layout,
    region: str,
    nodes: list[ArchNode],
    y: int,
    degree: dict[str, int],
    exposed: set[str],
) -> int:
    cols = OUTSIDE_COLS
    lines = (("Outside any VPC", "title"), (f"AWS-managed network · {region}", "sub"))
    top = y + 8 + LINE * len(lines) + 6
    scratch = Layout()
    _column(scratch, nodes, 0, 0, degree, exposed)
    drawn = scratch.boxes
    for i, b in enumerate(drawn):
        b.x = VPC_X + PAD + (i % cols) * COL_W + (COL_W - NODE_W) // 2
        b.y = top + (i // cols) * (NODE_H + V_GAP)
        lay.boxes.append(b)
    for key, b in scratch.shown.items():
        lay.shown[key] = b
    rows = (len(drawn) + cols - 1) // cols
    bottom = top + rows * (NODE_H + V_GAP) + 2
    width = PAD * 2 + min(cols, max(1, len(drawn))) * COL_W
    lay.frames.append(Frame(VPC_X, y, width, bottom - y, "outside", lines))
    lay.width = max(lay.width, VPC_X + width + MARGIN)
    return bottom + 4


def layout(arch: Architecture) -> tuple[Layout, list[str]]:
    """Positions of everything, and the lines of text under the picture (what was not drawn)."""
    lay = Layout()
    notes: list[str] = []
    exposed = {e.target for e in arch.exposures}
    per_group: dict[tuple[str, str], int] = defaultdict(int)
    for e in arch.edges:
        per_group[(e.region, e.source_group)] += 1
        per_group[(e.region, e.target_group)] += 1
    degree: dict[str, int] = {
        n.key: sum(per_group.get((n.region, sg), 0) for sg in n.security_group_ids)
        for n in arch.nodes
    }
    vpcs = {(v.region, v.id): v for v in arch.vpcs}
    by_vpc: dict[tuple[str, str], list[ArchNode]] = defaultdict(list)
    outside: dict[str, list[ArchNode]] = defaultdict(list)
    for n in arch.nodes:
        if n.vpc_id:
            by_vpc[(n.region, n.vpc_id)].append(n)
            if (n.region, n.vpc_id) not in vpcs:  # a VPC the snapshot does not hold
                vpcs[(n.region, n.vpc_id)] = ArchVpc(
                    id=n.vpc_id, region=n.region, name=n.vpc_id, cidr="", is_default=False
                )
        else:
            outside[n.region].append(n)
    used = sorted(
        by_vpc,
        key=lambda k: (
            not any(n.key in exposed for n in by_vpc[k]),
            -len(by_vpc[k]),
            vpcs[k].region,
            vpcs[k].name,
            k[1],
        ),
    )
    drawn = set(used[:MAX_VPCS])
    skipped = used[MAX_VPCS:]
    if skipped:
        count = sum(len(by_vpc[k]) for k in skipped)
        notes.append(f"+{len(skipped)} more VPCs with {count} workloads, not drawn")
    idle = sorted(k for k in vpcs if k not in by_vpc)
    if idle:
        names = ", ".join(
            vpcs[k].id + (" (default)" if vpcs[k].is_default else "") for k in idle[:4]
        )
        more = f" and {len(idle) - 4} more" if len(idle) > 4 else ""
        notes.append(f"Not drawn, nothing runs in: {names}{more}")

    y = MARGIN + 30
    regions = sorted({k[0] for k in drawn} | set(outside))
    internet = Box(
        key="internet",
        kind="internet",
        x=MARGIN,
        y=y,
        w=110,
        h=44,
        title="Internet",
        detail="any address",
        tooltip="The internet",
    )
    lay.internet = internet
    lay.boxes.append(internet)
    for region in regions:
        lay.labels.append((VPC_X, y + 12, f"Region {region}", INK, "start"))
        y += 22
        for key in sorted((k for k in drawn if k[0] == region), key=lambda k: (vpcs[k].name, k[1])):
            y = _vpc(lay, vpcs[key], by_vpc[key], y, degree, exposed) + 18
        if outside.get(region):
            y = _outside(lay, region, outside[region], y, degree, exposed) + 18
    if not regions:
        lay.labels.append((VPC_X, y + 12, "No workload found (nothing to draw)", MUTED, "start"))
        y += 30
    if lay.igws:
        first = min(b.y for b in lay.igws.values())
        internet.y = max(MARGIN + 30, first - 5)
    lay.height = y + 10
    lay.width = max(lay.width, VPC_X + 3 * COL_W + 2 * PAD, 760)
    return lay, notes


# --------------------------------------------------------------------------- drawing


def fits(width: int, size: float) -> int:
    """Characters of ``size`` px text that fit in ``width`` px (a generous sans-serif average)."""
    return max(4, int(width / (size * 0.55)))


def _t(
    x: int,
    y: int,
    value: str,
    *,
    size: float,
    colour: str,
    weight: str = "",
    anchor: str = "start",
    limit: int = 200,
) -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    anchor_attr = "" if anchor == "start" else f' text-anchor="{anchor}"'
    return (
        f'<text x="{x}" y="{y}"{anchor_attr}><tspan font-size="{size}" fill="{colour}"{bold}>'
        f"{text(value, limit)}</tspan></text>"
    )


_FRAME_STYLE = {
    "vpc": ('fill="#fbfaff" stroke="#7a4fd6" stroke-width="1.5"', "#4b2a9a"),
    "public": ('fill="#eef7ee" stroke="#6a9f5a" stroke-width="1"', "#2f6b2a"),
    "private": ('fill="#eef3fb" stroke="#6b8fc7" stroke-width="1"', "#27508f"),
    "outside": ('fill="#f7f7f7" stroke="#9aa3ad" stroke-width="1" stroke-dasharray="5 4"', INK),
}


def _frame(f: Frame) -> list[str]:
    style, colour = _FRAME_STYLE[f.kind]
    out = [f'<rect x="{f.x}" y="{f.y}" width="{f.w}" height="{f.h}" rx="8" {style}/>']
    ty = f.y + 16
    left = f.x + (GW_W // 2 + 8 if f.kind == "vpc" else 8)
    room = f.x + f.w - 8 - left
    for value, kind in f.lines:
        if kind == "title":
            out.append(
                _t(left, ty, value, size=12, colour=colour, weight="600", limit=fits(room, 12))
            )
        else:
            out.append(_t(left, ty, value, size=10.5, colour=MUTED, limit=fits(room, 10.5)))
        ty += LINE
    return out


def _box(b: Box) -> list[str]:
    colour = KIND_COLOURS.get(b.kind, EDGE)
    stroke = RED if b.exposed else colour
    width = "2.5" if b.exposed else "1.5"
    dash = ' stroke-dasharray="5 3"' if b.group else ""
    out = [
        "<g>",
        f"<title>{text(b.tooltip, 400)}</title>",
        f'<rect x="{b.x}" y="{b.y}" width="{b.w}" height="{b.h}" rx="6" fill="#ffffff" '
        f'stroke="{stroke}" stroke-width="{width}"{dash}/>',
        f'<rect x="{b.x + 1}" y="{b.y + 4}" width="4" height="{b.h - 8}" fill="{colour}"/>',
    ]
    room = b.w - 16
    if b.h >= NODE_H:
        out.append(
            _t(b.x + 11, b.y + 16, b.title, size=12, colour=INK, weight="600", limit=fits(room, 12))
        )
        colour_d = RED if b.exposed else MUTED
        out.append(
            _t(b.x + 11, b.y + 31, b.detail, size=10.5, colour=colour_d, limit=fits(room, 10.5))
        )
    else:
        out.append(
            _t(b.x + 11, b.y + 14, b.title, size=11, colour=INK, weight="600", limit=fits(room, 11))
        )
        out.append(_t(b.x + 11, b.y + 27, b.detail, size=10, colour=MUTED, limit=fits(room, 10)))
    out.append("</g>")
    return out


def _curve(x1: int, y1: int, x2: int, y2: int, loop: bool = False) -> str:
    if loop:  # same column: out and back on the right
        bend = max(x1, x2) + 36
        return f"M{x1} {y1} C{bend} {y1} {bend} {y2} {x2} {y2}"
    mid = (x1 + x2) // 2
    return f"M{x1} {y1} C{mid} {y1} {mid} {y2} {x2} {y2}"


def _ends(src: Box, dst: Box) -> tuple[int, int, int, int, bool, str]:
    """Path ends: (x1, y1, x2, y2, loop, side of dst the arrow enters)."""
    if src.right <= dst.x:
        return src.right, src.mid_y, dst.x - 2, dst.mid_y, False, "left"
    if dst.right <= src.x:
        return src.x, src.mid_y, dst.right + 2, dst.mid_y, False, "right"
    return src.right, src.mid_y, dst.right + 2, dst.mid_y, True, "right"


def _edge_path(d: str, tip: str, *, arrow: bool) -> str:
    marker = ' marker-end="url(#auditor-arch-arrow)"' if arrow else ""
    return (
        f'<path d="{d}" fill="none" stroke="{EDGE}" stroke-width="1.3"{marker}>'
        f"<title>{text(tip, 400)}</title></path>"
    )


def _edges(arch: Architecture, lay: Layout) -> tuple[list[str], list[str]]:
    """Grey security-group edges (paths), and their port labels."""
    merged: dict[tuple[int, int], tuple[Box, Box, set[str], set[str]]] = {}
    index = {id(b): i for i, b in enumerate(lay.boxes)}
    boxes: dict[tuple[str, str], dict[int, Box]] = defaultdict(dict)  # group -> drawn boxes
    for (region, sg), keys in arch.members().items():
        for k in keys:
            box = lay.shown.get(k)
            if box is not None:
                boxes[(region, sg)][index[id(box)]] = box
    for e in arch.edges:
        targets = boxes.get((e.region, e.target_group), {})
        for si, src in sorted(boxes.get((e.region, e.source_group), {}).items()):
            for di, dst in sorted(targets.items()):
                if si == di:
                    continue
                entry = merged.setdefault((si, di), (src, dst, set(), set()))
                entry[2].update(e.ports)
                entry[3].add(f"{e.source_group} -> {e.target_group}")
    paths: list[str] = []
    labels: dict[tuple[int, str], set[str]] = defaultdict(set)
    # Targets admitting the same sources share one bundle: sources -> junction -> targets,
    # so many-to-many grants draw |S| + |T| lines, not |S| x |T|.
    hubs: list[tuple[int, int, str]] = []
    by_target: dict[int, set[int]] = defaultdict(set)
    for si, di in merged:
        by_target[di].add(si)
    bundles: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for di, from_ in by_target.items():
        bundles[tuple(sorted(from_))].append(di)
    for sources, bundle in sorted(bundles.items()):
        srcs = [lay.boxes[i] for i in sources]
        dsts = [lay.boxes[i] for i in sorted(bundle)]
        rightwards = all(s.right + 24 < t.x for s in srcs for t in dsts)
        if rightwards and len(srcs) * len(dsts) > len(srcs) + len(dsts):
            hub_ports: set[str] = set()
            jx = min(t.x for t in dsts) - GUTTER // 2
            jy = (min(t.mid_y for t in dsts) + max(t.mid_y for t in dsts)) // 2
            for s in srcs:
                tip = f"{s.title} -> {len(dsts)} targets"
                paths.append(_edge_path(_curve(s.right, s.mid_y, jx, jy), tip, arrow=False))
            for di in sorted(bundle):
                t = lay.boxes[di]
                ports = set().union(*(merged[(si, di)][2] for si in sources))
                groups = set().union(*(merged[(si, di)][3] for si in sources))
                tip = (
                    f"{len(srcs)} sources -> {t.title}: {', '.join(sorted(ports))} "
                    f"({'; '.join(sorted(groups))})"
                )
                paths.append(_edge_path(_curve(jx, jy, t.x - 2, t.mid_y), tip, arrow=True))
                hub_ports.update(ports)
            paths.append(f'<rect x="{jx - 3}" y="{jy - 3}" width="6" height="6" fill="{EDGE}"/>')
            hubs.append((jx - 6, jy - 6, ", ".join(sorted(hub_ports))))
            continue
        for si in sources:
            for di in sorted(bundle):
                src, dst, ports, groups = merged[(si, di)]
                x1, y1, x2, y2, loop, side = _ends(src, dst)
                tip = (
                    f"{src.title} -> {dst.title}: {', '.join(sorted(ports))} "
                    f"({'; '.join(sorted(groups))})"
                )
                paths.append(_edge_path(_curve(x1, y1, x2, y2, loop), tip, arrow=True))
                labels[(di, side)].update(ports)
    out: list[str] = []
    for (i, side), ports in sorted(labels.items()):
        dst = lay.boxes[i]
        shown = ", ".join(sorted(ports))
        if side == "left":  # above the box, where the arrows come in
            out.append(_t(dst.x + 2, dst.y - 5, shown, size=10, colour=MUTED, limit=28))
        else:
            out.append(_t(dst.right + 6, dst.mid_y - 6, shown, size=10, colour=MUTED, limit=28))
    for x, y, shown in hubs:
        out.append(_t(x, y, shown, size=10, colour=MUTED, anchor="end", limit=28))
    return paths, out


def _exposures(arch: Architecture, lay: Layout) -> tuple[list[str], list[str]]:
    """Red paths internet -> gateway -> workload, and their labels; every exposure is drawn
    (onto the summary node when its workload is grouped)."""
    assert lay.internet is not None
    inet = lay.internet
    per_target: dict[int, tuple[Box, list[str], set[tuple[str, str]]]] = {}
    index = {id(b): i for i, b in enumerate(lay.boxes)}
    regions = {n.key: n.region for n in arch.nodes}
    for e in arch.exposures:
        box = lay.shown.get(e.target)
        if box is None:
            continue
        region = regions.get(e.target, "")
        entry = per_target.setdefault(index[id(box)], (box, [], set()))
        entry[1].append(f"{e.protocol} {e.ports}" + ("" if e.world else " (listed addresses)"))
        entry[2].add((region, e.gateway))
    paths: list[str] = []
    labels: list[str] = []
    gateways_used: set[tuple[str, str]] = set()
    for i in sorted(per_target):
        box, what, gws = per_target[i]
        tip = f"Internet exposure: {box.title}: {'; '.join(sorted(set(what)))}"
        for gw_key in sorted(gws):
            gw = lay.igws.get(gw_key)
            # Down from the gateway (on the VPC's border), or from the internet itself for a
            # function URL, then across into the workload's left side.
            src = gw if gw is not None else inet
            if gw is not None:
                gateways_used.add(gw_key)
            sx, sy = src.x + src.w // 2, src.y + src.h
            if gw is None:  # down, across above the row, and into the box from the top
                cx, over = box.x + box.w // 2, box.y - 8
                d = f"M{sx} {sy} L{sx} {over} L{cx} {over} L{cx} {box.y - 2}"
            else:
                tx, ty = box.x - 2, box.mid_y
                d = f"M{sx} {sy} C{sx} {ty} {sx} {ty} {tx} {ty}"
            paths.append(
                f'<path d="{d}" fill="none" stroke="{RED}" stroke-width="2.5" '
                f'marker-end="url(#auditor-arch-arrow-red)"><title>{text(tip, 400)}</title></path>'
            )
        ports = ", ".join(sorted(set(what)))
        box.exposed = True
        box.detail = f"{box.detail}: {ports}" if box.group else f"exposed: {ports}"
    # internet -> gateway: red when a path goes through it, grey dashed otherwise.
    for key in sorted(lay.igws):
        gw = lay.igws[key]
        red = key in gateways_used
        colour, width, dash = (RED, "2.5", "") if red else (EDGE, "1.2", ' stroke-dasharray="4 3"')
        paths.insert(
            0,
            f'<path d="{_curve(inet.right, inet.mid_y, gw.x, gw.mid_y)}" fill="none" '
            f'stroke="{colour}" stroke-width="{width}"{dash}/>',
        )
    return paths, labels


def _egress(lay: Layout) -> list[str]:
    out = []
    for frame, nat in lay.egress:
        y = nat.mid_y
        out.append(
            f'<path d="M{frame.x} {y} L{nat.right + 2} {y}" fill="none" stroke="{EDGE}" '
            f'stroke-width="1.2" stroke-dasharray="4 3" marker-end="url(#auditor-arch-arrow)"/>'
        )
        out.append(
            _t((frame.x + nat.right) // 2, y - 4, "egress", size=9.5, colour=MUTED, anchor="middle")
        )
    return out


def _legend(x: int, y: int) -> list[str]:
    return [
        f'<path d="M{x} {y} L{x + 34} {y}" stroke="{RED}" stroke-width="2.5" '
        f'marker-end="url(#auditor-arch-arrow-red)"/>',
        _t(x + 42, y + 4, "internet exposure path", size=10.5, colour=INK),
        f'<path d="M{x + 190} {y} L{x + 224} {y}" stroke="{EDGE}" stroke-width="1.3" '
        f'marker-end="url(#auditor-arch-arrow)"/>',
        _t(x + 232, y + 4, "security group admits (port)", size=10.5, colour=INK),
        f'<path d="M{x + 410} {y} L{x + 444} {y}" stroke="{EDGE}" stroke-width="1.2" '
        f'stroke-dasharray="4 3"/>',
        _t(x + 452, y + 4, "egress / gateway attachment", size=10.5, colour=INK),
    ]


def summary(arch: Architecture) -> str:
    """``1 VPC in use · 5 workloads · 2 security-group grants · no internet exposure path``."""
    vpcs = len({(n.region, n.vpc_id) for n in arch.nodes if n.vpc_id})
    paths = len(arch.exposures)
    return " · ".join(
        (
            f"{vpcs} VPC{'s' if vpcs != 1 else ''} in use",
            f"{len(arch.nodes)} workload{'s' if len(arch.nodes) != 1 else ''}",
            f"{len(arch.edges)} security-group grant{'s' if len(arch.edges) != 1 else ''}",
            f"{paths} internet exposure path{'s' if paths != 1 else ''}"
            if paths
            else "no internet exposure path",
        )
    )


def render_svg(arch: Architecture) -> str:
    """The diagram as a standalone SVG document (also valid inline in HTML)."""
    lay, notes = layout(arch)
    body: list[str] = []
    for f in lay.frames:
        body.extend(_frame(f))
    exposure_paths, exposure_labels = _exposures(arch, lay)
    edge_paths, edge_labels = _edges(arch, lay)
    body.extend(edge_paths)
    body.extend(_egress(lay))
    body.extend(exposure_paths)
    for b in lay.boxes:
        body.extend(_box(b))
    body.extend(edge_labels)
    body.extend(exposure_labels)
    for x, y, value, colour, anchor in lay.labels:
        body.append(_t(x, y, value, size=12, colour=colour, weight="600", anchor=anchor))
    y = lay.height
    for note in notes:
        body.append(_t(VPC_X, y, note, size=10.5, colour=MUTED, limit=140))
        y += LINE
    body.extend(_legend(MARGIN, y + 10))
    height = y + 24
    width = lay.width
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="arch-diagram" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{FONT}" aria-label="Architecture diagram: {text(summary(arch))}">',
        f"<title>Architecture diagram: {text(summary(arch))}</title>",
        "<defs>",
        _marker("auditor-arch-arrow", EDGE),
        _marker("auditor-arch-arrow-red", RED),
        "</defs>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        _t(MARGIN, MARGIN + 8, summary(arch), size=12, colour=INK, weight="600"),
    ]
    return "\n".join([*head, *body, "</svg>"]) + "\n"


def _marker(ident: str, colour: str) -> str:
    return (
        f'<marker id="{ident}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" '
        f'fill="{colour}"/></marker>'
    )


def node_count(svg: Iterable[str]) -> int:
    """Boxes drawn in an SVG produced here (for tests and the bench)."""
    return sum(line == "<g>" for line in svg)
