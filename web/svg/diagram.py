"""The process diagram of a definition as SVG, with the current state and the visited ones
highlighted: the same graph as ``workflow.machine.mermaid_diagram``, laid out on the server.

Layout: states are placed in layers by the longest forward path from the initial state (edges
that lead back, such as a return for revision, are found by a depth-first search and drawn as
dashed curves on the right). A terminal state reached from three or more states (withdrawal) is
drawn once at the bottom without its many edges, with a note saying where it can be reached
from; otherwise the picture becomes a thicket.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from html import escape

from workflow.definitions.model import Definition

NODE_W, NODE_H = 224, 38
GAP_X, GAP_Y = 28, 34
MARGIN = 16
BACK_LANE = 40
MAX_CHARS = 31


@dataclass
class _Node:
    name: str
    title: str
    layer: int = 0
    order: float = 0.0
    x: float = 0.0
    y: float = 0.0
    terminal: bool = False
    hub: bool = False


def _edges(definition: Definition) -> list[tuple[str, str, str]]:
    seen = set()
    edges = []
    for spec in definition.transitions:
        for source in spec.sources:
            key = (source, spec.dest)
            if key not in seen and source != spec.dest:
                seen.add(key)
                edges.append((source, spec.dest, spec.trigger))
    return edges


def _back_edges(definition: Definition, edges) -> set[tuple[str, str]]:
    out = defaultdict(list)
    for source, dest, _ in edges:
        out[source].append(dest)
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 on the stack, 2 finished

    def visit(node: str) -> None:
        state[node] = 1
        for nxt in out[node]:
            if state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                visit(nxt)
        state[node] = 2

    visit(definition.initial)
    for name in definition.states:
        if name not in state:
            visit(name)
    return back


def layout(definition: Definition, language: str = "ru"):
    edges = _edges(definition)
    back = _back_edges(definition, edges)
    incoming = defaultdict(set)
    for source, dest, _ in edges:
        incoming[dest].add(source)
    nodes = {
        name: _Node(name, spec.title.get(language), terminal=spec.is_terminal)
        for name, spec in definition.states.items()
    }
    for name, node in nodes.items():
        node.hub = node.terminal and len(incoming[name]) >= 3
    forward = [(s, d) for s, d, _ in edges if (s, d) not in back and not nodes[d].hub]
    # Longest path layering over the forward edges (a DAG once back edges are removed).
    for _ in range(len(nodes)):
        changed = False
        for source, dest in forward:
            if nodes[dest].layer < nodes[source].layer + 1:
                nodes[dest].layer = nodes[source].layer + 1
                changed = True
        if not changed:
            break
    last = max((n.layer for n in nodes.values() if not n.hub), default=0)
    for node in nodes.values():
        if node.hub:
            node.layer = last + 1
    layers: dict[int, list[_Node]] = defaultdict(list)
    for index, node in enumerate(nodes.values()):
        node.order = index
        layers[node.layer].append(node)
    # One pass of barycentre ordering keeps children under their parents.
    for layer in sorted(layers):
        for node in layers[layer]:
            parents = [nodes[s] for s, d in forward if d == node.name and nodes[s].layer < layer]
            if parents:
                node.order = sum(p.order for p in parents) / len(parents) + node.order * 1e-3
        layers[layer].sort(key=lambda n: n.order)
        for position, node in enumerate(layers[layer]):
            node.order = position
    width_cols = max(len(v) for v in layers.values())
    inner_w = width_cols * NODE_W + (width_cols - 1) * GAP_X
    for layer, members in layers.items():
        row_w = len(members) * NODE_W + (len(members) - 1) * GAP_X
        start = MARGIN + BACK_LANE + (inner_w - row_w) / 2
        for position, node in enumerate(members):
            node.x = start + position * (NODE_W + GAP_X)
            node.y = MARGIN + layer * (NODE_H + GAP_Y)
    height = MARGIN * 2 + (max(layers) + 1) * (NODE_H + GAP_Y) - GAP_Y
    width = MARGIN * 2 + inner_w + BACK_LANE * 2
    return nodes, edges, back, incoming, width, height


def _label(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1].rstrip() + "…"


def render(
    definition: Definition,
    current: str | None = None,
    visited: set[str] | frozenset[str] = frozenset(),
    language: str = "ru",
    *,
    title: str = "",
    hub_note: str = "from several stages",
) -> str:
    nodes, edges, back, _incoming, width, height = layout(definition, language)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(title)}">',
        "<defs>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path class="arrow" d="M0,0 L10,5 L0,10 z"/>'
        "</marker>"
        '<marker id="arrow-back" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path class="arrow-back" '
        'd="M0,0 L10,5 L0,10 z"/></marker></defs>',
    ]
    middle = width / 2
    for source, dest, trigger in edges:
        a, b = nodes[source], nodes[dest]
        if b.hub:
            continue
        if (source, dest) in back:
            # A loop back runs in the lane on the side of its source, so it does not cut
            # through the other states of the source's row.
            y1, y2 = a.y + NODE_H / 2, b.y + NODE_H / 2
            if a.x + NODE_W / 2 < middle:
                x1, x2 = a.x, b.x
                lane = min(x1, x2) - BACK_LANE * 0.8
                end = x2 - 2
            else:
                x1, x2 = a.x + NODE_W, b.x + NODE_W
                lane = max(x1, x2) + BACK_LANE * 0.8
                end = x2 + 2
            d = f"M{x1:.1f},{y1:.1f} C{lane:.1f},{y1:.1f} {lane:.1f},{y2:.1f} {end:.1f},{y2:.1f}"
            parts.append(
                f'<path class="edge edge-back" d="{d}" marker-end="url(#arrow-back)">'
                f"<title>{escape(trigger)}</title></path>"
            )
            continue
        x1, y1 = a.x + NODE_W / 2, a.y + NODE_H
        x2, y2 = b.x + NODE_W / 2, b.y
        if b.y <= a.y:  # same layer (rare): side by side
            x1, y1 = a.x + NODE_W, a.y + NODE_H / 2
            x2, y2 = b.x, b.y + NODE_H / 2
        mid = (y1 + y2) / 2
        d = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{mid:.1f} {x2:.1f},{mid:.1f} {x2:.1f},{y2 - 1:.1f}"
        parts.append(
            f'<path class="edge" d="{d}" marker-end="url(#arrow)"><title>{escape(trigger)}</title>'
            "</path>"
        )
    for node in nodes.values():
        classes = ["node"]
        if node.terminal:
            classes.append("node-terminal")
        if node.name == current:
            classes.append("node-current")
        elif node.name in visited:
            classes.append("node-visited")
        rx = 18 if node.terminal else 7
        parts.append(
            f'<g class="{" ".join(classes)}"><title>{escape(node.title)}</title>'
            f'<rect x="{node.x:.1f}" y="{node.y:.1f}" width="{NODE_W}" height="{NODE_H}" '
            f'rx="{rx}"/>'
        )
        if node.hub:
            parts.append(
                f'<text x="{node.x + NODE_W / 2:.1f}" y="{node.y + 16:.1f}" '
                f'text-anchor="middle">{escape(_label(node.title))}</text>'
                f'<text class="edge-label" x="{node.x + NODE_W / 2:.1f}" y="{node.y + 30:.1f}" '
                f'text-anchor="middle">{escape(hub_note)}</text></g>'
            )
        else:
            parts.append(
                f'<text x="{node.x + NODE_W / 2:.1f}" y="{node.y + NODE_H / 2 + 4:.1f}" '
                f'text-anchor="middle">{escape(_label(node.title))}</text></g>'
            )
    parts.append("</svg>")
    return "".join(parts)
