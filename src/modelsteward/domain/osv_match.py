"""Which advisories affect a model version or an upstream commit: OSV evaluation and an index.

:func:`affects` is the OSV evaluation algorithm (specification, "Evaluation"), applied to a
:class:`Subject`:

* a withdrawn advisory affects nothing;
* an ``affected`` entry whose ``ecosystem_specific.digests`` include a digest of the subject
  affects it whatever its version, package name or variant (``by="digest"``): a digest names the
  bytes, whichever model they are registered as — so list the digests of the affected artefact
  itself (its root digest or weights), not of files it shares with unaffected models;
* otherwise an entry applies when its package's ecosystem and name equal the subject's — for a
  ``GIT`` subject (an upstream repository, ``name`` its URL) when the entry has a ``GIT`` range
  on that repository or its package is ``GIT`` with that URL (URLs compared without case, a
  trailing ``/`` or ``.git``) — and it affects the subject's version (``by="version"``) when the
  version is listed in ``versions`` or lies in one of the ``ranges``:

  - ``SEMVER`` ranges order by SemVer precedence, ignoring build metadata (a model variant,
    ``1.4.2+q4``, counts as ``1.4.2``);
  - ``ECOSYSTEM`` ranges of ``modelsteward`` order by :class:`ModelVersion` (``1.4.2 <
    1.4.2+q4 < 1.4.3``) when every bound is a model version, else by :class:`Snapshot` (the
    date in the id) when every bound is a snapshot id; a range whose only bounds are
    ``introduced: "0"`` (and ``limit: "*"``) covers every version;
  - in a range, events are sorted by version (ties keep their order in the record;
    ``introduced: "0"`` first, a ``limit`` containing ``*`` last): an ``introduced`` at or
    below the version makes it affected, a ``fixed`` at or below makes it unaffected, a
    ``last_affected`` below makes it unaffected; the last event that applies decides, and when
    the range has ``limit`` events the version must also be below one of them;
  - ``ECOSYSTEM`` ranges of other ecosystems, and bounds that do not parse, are not evaluated;
  - **GIT ranges**: deciding whether a commit lies between two others needs the repository's
    commit graph, which modelsteward does not have. A commit is affected only when it is listed
    in ``versions`` or equals an ``introduced`` or ``last_affected`` commit of a GIT range on
    the subject's repository; a descendant of an introducing commit is *not* found. Advisories
    about upstream repositories should therefore list the affected commits in ``versions``,
    as the specification recommends.

  An entry listing ``variants`` then affects only subjects whose variant is listed (``""``
  names the base version; a snapshot or a commit has the variant ``""``).

The first entry of the advisory that affects the subject is the one reported.

:class:`AdvisoryIndex` gives the same answers as :func:`affects` over every advisory, but only
looks at the advisories that name the subject's package (or repository) or one of its digests,
and within a package finds the ranges containing a version with a segment tree over the
package's range bounds, so a lookup does not grow with advisories that cannot match.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from packageurl import PackageURL

from modelsteward.domain.advisory import ECOSYSTEM, Advisory, Affected, AffectedRange, EventKind
from modelsteward.domain.lineage import MODEL_PURL_NAMESPACE
from modelsteward.domain.osv_order import (
    RangeOrder,
    is_open_bound,
    model_key,
    order_key,
    range_order,
    snapshot_key,
)

__all__ = ["AdvisoryIndex", "Match", "Subject", "affects", "fixed_versions", "subject_from_purl"]

GIT = "GIT"
HUGGING_FACE = "https://huggingface.co"


@dataclass(frozen=True)
class Subject:
    """One artefact to test: a version of a model of this registry (``ecosystem`` is
    ``modelsteward``, ``name`` the model, ``version`` ``1.4.2``, ``1.4.2+q4`` or a snapshot id)
    or a commit of an upstream repository (``ecosystem`` ``GIT``, ``name`` the repository URL
    such as ``https://huggingface.co/org/name``, ``version`` the commit). ``version`` is ``""``
    when unknown: then only digests can match. ``digests`` are ``sha256:<hex>`` digests of the
    artefact (its root digest and the digests of its files)."""

    ecosystem: str
    name: str
    version: str
    digests: frozenset[str] = frozenset()

    @property
    def variant(self) -> str:
        """The variant (after ``+``) of a modelsteward model version, else ``""``."""
        if self.ecosystem != ECOSYSTEM or not self.version:
            return ""
        key = model_key(self.version)
        return key[4] if key is not None else ""


@dataclass(frozen=True)
class Match:
    """``advisory`` affects the subject through its entry ``affected``; ``by`` is ``"digest"``
    when a digest matched, else ``"version"``."""

    advisory: Advisory
    affected: Affected
    by: str


def repo_key(url: str) -> str:
    """A repository URL as compared: stripped, without a trailing ``/`` or ``.git``, lower
    case (Git hosts such as Hugging Face and GitHub resolve names without case)."""
    text = url.strip().rstrip("/")
    if text.endswith(".git"):
        text = text[:-4].rstrip("/")
    return text.lower()


def package_key(ecosystem: str, name: str) -> tuple[str, str]:
    return (GIT, repo_key(name)) if ecosystem == GIT else (ecosystem, name)


def _commit(version: str) -> str:
    return version.strip().lower()


# --- the evaluation algorithm, directly ---------------------------------------------------------

# A bound is (0, ()) for introduced "0", (2, ()) for a limit containing "*", (1, key) otherwise;
# a version is (1, key): tuples order them as the specification's special values require.
_Bound = tuple[int, tuple[object, ...]]


def _bounds(rng: AffectedRange, order: RangeOrder) -> list[tuple[EventKind, _Bound]] | None:
    bounds: list[tuple[EventKind, _Bound]] = []
    for event in rng.events:
        if is_open_bound(event.kind, event.value):
            bounds.append((event.kind, (0, ()) if event.kind is EventKind.INTRODUCED else (2, ())))
            continue
        key = order_key(order, event.value)
        if key is None:
            return None
        bounds.append((event.kind, (1, key)))
    return bounds


def _included(bounds: Sequence[tuple[EventKind, _Bound]], at: _Bound) -> bool:
    """The specification's ``IncludedInRanges`` for one range."""
    limits = [bound for kind, bound in bounds if kind is EventKind.LIMIT]
    if limits and not any(at < limit for limit in limits):
        return False
    vulnerable = False
    for kind, bound in sorted(bounds, key=lambda pair: pair[1]):
        if kind is EventKind.INTRODUCED and at >= bound:
            vulnerable = True
        elif ((kind is EventKind.FIXED and at >= bound)
              or (kind is EventKind.LAST_AFFECTED and at > bound)):
            vulnerable = False
    return vulnerable


def _applies(entry: Affected, subject: Subject) -> bool:
    if subject.ecosystem == GIT:
        target = repo_key(subject.name)
        return (entry.ecosystem == GIT and repo_key(entry.name) == target) or any(
            r.type == GIT and repo_key(r.repo) == target for r in entry.ranges)
    return (bool(entry.ecosystem or entry.name) and entry.ecosystem == subject.ecosystem
            and entry.name == subject.name)


def _version_affected(entry: Affected, subject: Subject) -> bool:
    version = subject.version
    if not version:
        return False
    if subject.ecosystem == GIT:
        commit = _commit(version)
        if not commit:
            return False
        if any(_commit(v) == commit for v in entry.versions):
            return True
        target = repo_key(subject.name)
        return any(
            event.kind in (EventKind.INTRODUCED, EventKind.LAST_AFFECTED)
            and event.value != "0" and _commit(event.value) == commit
            for r in entry.ranges if r.type == GIT and repo_key(r.repo) == target
            for event in r.events)
    if version in entry.versions:
        return True
    for rng in entry.ranges:
        order = range_order(entry.ecosystem, rng)
        if order is None:
            continue
        key = order_key(order, version)
        bounds = _bounds(rng, order)
        if key is not None and bounds is not None and _included(bounds, (1, key)):
            return True
    return False


def _variant_allowed(entry: Affected, subject: Subject) -> bool:
    return not entry.variants or subject.variant in entry.variants


def affects(advisory: Advisory, subject: Subject) -> Match | None:
    """The first entry of ``advisory`` that affects ``subject``, as a :class:`Match`, or
    ``None`` (always for a withdrawn advisory). The rules are in the module docstring."""
    if advisory.withdrawn is not None:
        return None
    for entry in advisory.affected:
        if subject.digests and not subject.digests.isdisjoint(entry.digests):
            return Match(advisory, entry, "digest")
        if (_applies(entry, subject) and _version_affected(entry, subject)
                and _variant_allowed(entry, subject)):
            return Match(advisory, entry, "version")
    return None


def _fixed_sort_key(value: str) -> tuple[int, tuple[object, ...], str]:
    key = model_key(value)
    if key is not None:
        return (0, key, value)
    snapshot = snapshot_key(value)
    if snapshot is not None:
        return (1, snapshot, value)
    return (2, (), value)


def fixed_versions(affected: Affected) -> tuple[str, ...]:
    """The distinct ``fixed`` values of the entry's SEMVER and ECOSYSTEM ranges, lowest first
    (model versions in version order, then snapshot ids by date, then anything else)."""
    values = {event.value for rng in affected.ranges if rng.type in ("SEMVER", "ECOSYSTEM")
              for event in rng.events if event.kind is EventKind.FIXED}
    return tuple(sorted(values, key=_fixed_sort_key))


def subject_from_purl(purl: str, digests: frozenset[str] = frozenset()) -> Subject | None:
    """The subject a package URL names: ``pkg:huggingface/org/name@rev`` is the commit ``rev``
    of ``https://huggingface.co/org/name`` (or of the ``repository_url`` qualifier's host);
    ``pkg:generic/modelsteward/NAME@VERSION`` (:func:`~modelsteward.domain.lineage.model_purl`,
    ``org/name`` models included) is that model version. Anything else, or a malformed URL,
    gives ``None``. Without ``@…`` the version is ``""``."""
    try:
        parsed = PackageURL.from_string(purl)
    except ValueError:
        return None
    version = parsed.version or ""
    namespace = parsed.namespace or ""
    if parsed.type == "huggingface":
        qualifiers = parsed.qualifiers if isinstance(parsed.qualifiers, dict) else {}
        base = str(qualifiers.get("repository_url") or HUGGING_FACE).rstrip("/")
        if "://" not in base:
            base = f"https://{base}"
        path = f"{namespace}/{parsed.name}" if namespace else parsed.name
        return Subject(GIT, f"{base}/{path}", version, digests)
    if parsed.type == "generic" and (namespace == MODEL_PURL_NAMESPACE
                                     or namespace.startswith(f"{MODEL_PURL_NAMESPACE}/")):
        org = namespace[len(MODEL_PURL_NAMESPACE) + 1:]
        return Subject(ECOSYSTEM, f"{org}/{parsed.name}" if org else parsed.name, version,
                       digests)
    return None


# --- the index -----------------------------------------------------------------------------------

# (advisory number, entry number, variants allowed or None for every variant)
_Ref = tuple[int, int, frozenset[str] | None]


class _Stabber:
    """The intervals ``[start, end)`` of integer positions that contain a position.

    Up to :attr:`SCAN_LIMIT` intervals are scanned (cheaper than building anything); past it,
    a segment tree is built on the first query, whose nodes hold the intervals covering them
    whole, so a query costs the tree's height plus the answer."""

    SCAN_LIMIT = 128

    def __init__(self, size: int) -> None:
        self.size = size
        self.intervals: list[tuple[int, int, _Ref]] = []
        self.nodes: dict[int, list[_Ref]] | None = None

    def add(self, start: int, end: int, ref: _Ref) -> None:
        self.intervals.append((start, end, ref))
        self.nodes = None

    def at(self, position: int) -> list[_Ref]:
        if len(self.intervals) <= self.SCAN_LIMIT:
            return [ref for start, end, ref in self.intervals if start <= position < end]
        nodes = self.nodes if self.nodes is not None else self._build()
        found: list[_Ref] = []
        node = position + self.size
        while node >= 1:
            found.extend(nodes.get(node, ()))
            node >>= 1
        return found

    def _build(self) -> dict[int, list[_Ref]]:
        nodes: dict[int, list[_Ref]] = defaultdict(list)
        for start, end, ref in self.intervals:
            low, high = max(start, 0) + self.size, min(end, self.size) + self.size
            while low < high:
                if low & 1:
                    nodes[low].append(ref)
                    low += 1
                if high & 1:
                    high -= 1
                    nodes[high].append(ref)
                low >>= 1
                high >>= 1
        self.nodes = nodes
        return nodes


@dataclass
class _Ordered:
    """The ranges of one order in one package: their sorted distinct bounds and a stabber over
    positions (``2i+1`` is bound ``i``, ``2i`` the gap below it, ``2n`` the gap above all)."""

    points: list[tuple[object, ...]]
    stabber: _Stabber

    def position(self, key: tuple[object, ...]) -> int:
        i = bisect_left(self.points, key)
        return 2 * i + 1 if i < len(self.points) and self.points[i] == key else 2 * i


@dataclass
class _Package:
    exact: dict[str, list[_Ref]] = field(default_factory=lambda: defaultdict(list))
    every_version: list[_Ref] = field(default_factory=list)
    ordered: dict[RangeOrder, _Ordered] = field(default_factory=dict)


def _intervals(bounds: list[tuple[EventKind, int]], size: int) -> list[tuple[int, int]]:
    """The positions in ``[0, size)`` a range covers, as ``[start, end)`` intervals.

    The same rule as :func:`_included`, swept once over the positions: an ``introduced`` or
    ``fixed`` at ``p`` applies from ``p`` on, a ``last_affected`` from ``p + 1``; at each
    position the applying event that sorts last decides; limits cut everything from the
    highest one on."""
    if len(bounds) == 2 and bounds[0][0] is EventKind.INTRODUCED:
        # the usual shape, introduced then fixed or last_affected, needs no sweep
        (_, start), (kind, end) = bounds
        if kind is EventKind.FIXED and start < end:
            return [(max(start, 0), min(end, size))]
        if kind is EventKind.LAST_AFFECTED and start <= end:
            return [(max(start, 0), min(end + 1, size))]
    ranked = sorted(range(len(bounds)), key=lambda i: bounds[i][1])  # stable, as _included
    limits = [position for kind, position in bounds if kind is EventKind.LIMIT]
    stop = min(max(limits), size) if limits else size
    activations = sorted(
        (position + (1 if kind is EventKind.LAST_AFFECTED else 0), rank, kind)
        for rank, (kind, position) in ((r, bounds[i]) for r, i in enumerate(ranked))
        if kind is not EventKind.LIMIT)
    intervals: list[tuple[int, int]] = []
    best_rank, state, affected, opened = -1, False, False, 0
    i = 0
    while i < len(activations):
        threshold = max(activations[i][0], 0)
        while i < len(activations) and max(activations[i][0], 0) == threshold:
            _, rank, kind = activations[i]
            if rank > best_rank:
                best_rank, state = rank, kind is EventKind.INTRODUCED
            i += 1
        if state != affected:
            if state:
                opened = threshold
            else:
                intervals.append((opened, threshold))
            affected = state
    if affected:
        intervals.append((opened, size))
    clipped = [(start, min(end, stop)) for start, end in intervals if start < stop]
    return [(start, end) for start, end in clipped if start < end]


class AdvisoryIndex:
    """Advisories indexed by the package (ecosystem and name, or GIT repository) of each entry
    and by digest, so lookup cost does not grow with the number of advisories that cannot
    match. A package's ranges are compiled on its first lookup."""

    def __init__(self, advisories: Iterable[Advisory]) -> None:
        everything = list(advisories)
        self._count = len(everything)
        self._live = sorted((a for a in everything if a.withdrawn is None),
                            key=attrgetter("id"))
        self._entries: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        self._digests: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._packages: dict[tuple[str, str], _Package] = {}
        self._matches: dict[tuple[int, int, bool], Match] = {}
        entries, digests = self._entries, self._digests
        for a, advisory in enumerate(self._live):
            for e, entry in enumerate(advisory.affected):
                ref = (a, e)
                # an entry is listed once per key: repeats can only follow each other
                if entry.ecosystem or entry.name:
                    entries[package_key(entry.ecosystem, entry.name)].append(ref)
                for rng in entry.ranges:
                    if rng.type == GIT:
                        listed = entries[(GIT, repo_key(rng.repo))]
                        if not listed or listed[-1] != ref:
                            listed.append(ref)
                for digest in entry.digests:
                    listed = digests[digest]
                    if not listed or listed[-1] != ref:
                        listed.append(ref)

    def __len__(self) -> int:
        """The number of advisories given, withdrawn ones included."""
        return self._count

    def lookup(self, subject: Subject) -> list[Match]:
        """Every non-withdrawn advisory that affects ``subject`` (as :func:`affects` says),
        once each, sorted by advisory id."""
        found: dict[int, tuple[int, bool]] = {}  # advisory → (first entry, matched by digest)

        def offer(a: int, e: int, by_digest: bool) -> None:
            best = found.get(a)
            if best is None or e < best[0] or (e == best[0] and by_digest):
                found[a] = (e, by_digest)

        for digest in subject.digests:
            for a, e in self._digests.get(digest, ()):
                offer(a, e, True)
        if subject.version:
            variant = subject.variant
            for a, e, allowed in self._candidates(subject):
                if allowed is None or variant in allowed:
                    offer(a, e, False)
        return [self._match(a, *found[a]) for a in sorted(found)]  # advisories are in id order

    def _match(self, a: int, e: int, by_digest: bool) -> Match:
        match = self._matches.get((a, e, by_digest))
        if match is None:
            advisory = self._live[a]
            match = self._matches[(a, e, by_digest)] = Match(
                advisory, advisory.affected[e], "digest" if by_digest else "version")
        return match

    def _candidates(self, subject: Subject) -> Iterable[_Ref]:
        key = package_key(subject.ecosystem, subject.name)
        package = self._package(key)
        if package is None:
            return
        if subject.ecosystem == GIT:
            yield from package.exact.get(_commit(subject.version), ())
            return
        yield from package.exact.get(subject.version, ())
        yield from package.every_version
        for order, ordered in package.ordered.items():
            version_key = order_key(order, subject.version)
            if version_key is not None:
                yield from ordered.stabber.at(ordered.position(version_key))

    def _package(self, key: tuple[str, str]) -> _Package | None:
        package = self._packages.get(key)
        if package is None and key in self._entries:
            package = self._packages[key] = self._compile(key)
        return package

    def _compile(self, key: tuple[str, str]) -> _Package:
        package = _Package()
        git = key[0] == GIT
        pending: dict[RangeOrder, list[tuple[_Ref, list[tuple[EventKind, _Bound]]]]] = (
            defaultdict(list))
        for a, e in self._entries[key]:
            entry = self._live[a].affected[e]
            ref: _Ref = (a, e, frozenset(entry.variants) if entry.variants else None)
            if git:
                commits = {_commit(v) for v in entry.versions}
                commits.update(
                    _commit(event.value) for r in entry.ranges
                    if r.type == GIT and repo_key(r.repo) == key[1] for event in r.events
                    if event.kind in (EventKind.INTRODUCED, EventKind.LAST_AFFECTED)
                    and event.value != "0")
                for commit in commits - {""}:
                    package.exact[commit].append(ref)
                continue
            for version in set(entry.versions):
                package.exact[version].append(ref)
            for rng in entry.ranges:
                order = range_order(entry.ecosystem, rng)
                if order is None:
                    continue
                if order is RangeOrder.ANY:
                    bounds = _bounds(rng, order)
                    if bounds is not None and _included(bounds, (1, ())):
                        package.every_version.append(ref)
                    continue
                bounds = _bounds(rng, order)
                if bounds is not None:
                    pending[order].append((ref, bounds))
        for order, ranges in pending.items():
            points = sorted({bound[1] for _, bounds in ranges for _, bound in bounds
                             if bound[0] == 1})
            size = 2 * len(points) + 1
            ordered = _Ordered(points, _Stabber(size))
            for ref, bounds in ranges:
                positions = [(kind, -1 if bound[0] == 0 else size if bound[0] == 2
                              else 2 * bisect_left(points, bound[1]) + 1)
                             for kind, bound in bounds]
                for start, end in _intervals(positions, size):
                    ordered.stabber.add(start, end, ref)
            package.ordered[order] = ordered
        return package
