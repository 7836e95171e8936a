"""The lineage graph of a model page, laid out for a server-rendered SVG: one column per
generation (ancestors left, the model's versions, descendants right). A node is *marked* when
an advisory affects it directly or a deprecation plan covers it, and *shaded* when one of its
ancestors in the graph is marked (or an advisory reaches it through one): the derivatives an
ancestor's problem touches. The facts come from the services (``Registry.lineage``, advisories'
``affecting`` and the cards' deprecation status); this module only places them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from modelsteward.domain.card import Card
from modelsteward.domain.lineage import Derivation
from modelsteward.errors import StewardError
from modelsteward.results.advisories import Found
from modelsteward.service.registry import Registry

MAX_NODES = 60  # beyond this the page says how many more and links the JSON twin
MAX_ROOTS = 20  # the model's newest versions whose lineage the page draws
_WIDTH, _HEIGHT, _GAP_X, _GAP_Y, _PAD = 210, 30, 50, 14, 8


@dataclass(frozen=True)
class Node:
    ref: str
    x: int
    y: int
    label: str
    state: str  # "", "marked" or "shaded"
    why: str  # what marks or shades it, for the node's title and the list below the graph
    href: str  # the node's page ("" for package URLs)


@dataclass(frozen=True)
class Edge:
    x1: int
    y1: int
    x2: int
    y2: int


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    width: int
    height: int
    hidden: int  # nodes left out (over MAX_NODES)


def _short(ref: str, size: int = 30) -> str:
    return ref if len(ref) <= size else ref[:size - 1] + "…"


def _edge(parent: Node, child: Node) -> Edge:
    """From the parent's right side to the child's left; within one column (a variant of the
    model's own version), down the left edge."""
    if parent.x == child.x:
        return Edge(parent.x + 10, parent.y + _HEIGHT, child.x + 10, child.y)
    return Edge(parent.x + _WIDTH, parent.y + _HEIGHT // 2, child.x, child.y + _HEIGHT // 2)


def marks(registry: Registry, refs: list[str],
          cards: dict[str, Card]) -> tuple[dict[str, str], dict[str, str]]:
    """``(marked, inherited)``: why each registry ref is marked (its own advisory or a
    deprecation plan covering it), and the advisories it inherits from an ancestor."""
    marked: dict[str, str] = {}
    inherited: dict[str, str] = {}
    covered: dict[str, str] = {}
    for model in sorted({r.partition("@")[0] for r in refs if not r.startswith("pkg:")}):
        card = cards.get(model)
        if card is None:
            try:
                card = registry.cards.card(model)
            except StewardError:
                continue
        for status in card.deprecations:
            for version in status.versions:
                covered[f"{model}@{version}"] = (f"deprecated ({status.reason}, hard deadline "
                                                 f"{status.hard_deadline})")
    wanted = [ref for ref in refs if not ref.startswith("pkg:")]
    try:  # all at once; one by one when one of them cannot be read (it shows no advisory)
        affecting = registry.advisories.affecting_each(wanted)
    except StewardError:
        affecting = {ref: _affecting(registry, ref) for ref in wanted}
    for ref in wanted:
        found = affecting[ref]
        own = [f.advisory.id for f in found if not f.inherited_from]
        via = [f"{f.advisory.id} through {f.inherited_from}" for f in found if f.inherited_from]
        reasons = [f"advisory {', '.join(own)}"] if own else []
        if ref in covered:
            reasons.append(covered[ref])
        if reasons:
            marked[ref] = "; ".join(reasons)
        if via:
            inherited[ref] = "inherits advisory " + "; ".join(via)
    return marked, inherited


def _affecting(registry: Registry, ref: str) -> list[Found]:
    try:
        return registry.advisories.affecting(ref)
    except StewardError:
        return []


def layout(registry: Registry, versions: list[str], cards: dict[str, Card]) -> Graph:
    """The graph around ``versions`` (``model@version`` refs of one model: the page passes
    its newest :data:`MAX_ROOTS`); ``cards``: cards already built, by model name."""
    depth: dict[str, int] = dict.fromkeys(versions, 0)
    edges: dict[Derivation, None] = {}  # in order, once each
    lineages = registry.catalog.lineages(versions)
    for root in versions:
        lineage = lineages[root]
        for node in lineage.ancestors:
            depth.setdefault(node.derivation.parent, -node.depth)
            depth.setdefault(node.derivation.child, -node.depth + 1)
            edges[node.derivation] = None
        for node in lineage.descendants:
            depth.setdefault(node.derivation.child, node.depth)
            depth.setdefault(node.derivation.parent, node.depth - 1)
            edges[node.derivation] = None
    refs = sorted(depth, key=lambda r: (depth[r], r))
    hidden = max(0, len(refs) - MAX_NODES)
    refs = refs[:MAX_NODES]
    marked, inherited = marks(registry, refs, cards)
    parents: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        parents[edge.child].add(edge.parent)

    def ancestors(ref: str) -> set[str]:
        seen: set[str] = set()
        todo = [ref]
        while todo:
            for parent in parents.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    lowest = min((depth[r] for r in refs), default=0)
    rows: dict[int, int] = defaultdict(int)
    placed: dict[str, Node] = {}
    for ref in refs:
        column = depth[ref] - lowest
        row = rows[column]
        rows[column] += 1
        reason = marked.get(ref, "")
        state = "marked" if reason else ""
        if not state:
            touched = sorted(a for a in ancestors(ref) if a in marked)
            if touched:
                state, reason = "shaded", "derived from " + ", ".join(
                    f"{a} ({marked[a]})" for a in touched)
            elif ref in inherited:
                state, reason = "shaded", inherited[ref]
        placed[ref] = Node(ref, _PAD + column * (_WIDTH + _GAP_X),
                           _PAD + row * (_HEIGHT + _GAP_Y), _short(ref), state, reason,
                           "" if ref.startswith("pkg:") else "/models/" + ref)
    lines = tuple(_edge(placed[e.parent], placed[e.child])
                  for e in edges if e.parent in placed and e.child in placed)
    columns = len(rows) or 1
    tallest = max(rows.values(), default=1)
    return Graph(tuple(placed.values()), lines,
                 2 * _PAD + columns * _WIDTH + (columns - 1) * _GAP_X,
                 2 * _PAD + tallest * _HEIGHT + (tallest - 1) * _GAP_Y, hidden)
