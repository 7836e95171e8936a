"""Advisory use cases: publish (create or import OSV records), withdraw, report, list and export
them, and find the advisories that affect versions — directly, by version or digest, or
inherited from what they derive from. Publishing writes a notice to every consumer team whose
pin resolves to an affected version (the same notices as deprecations).

Who may write an advisory is decided from its :class:`Ownership` (the owner teams of the
registry models it names, or of the models derived from the upstream package it names): each
writing use case takes an ``authorize`` callback, called with the ownership read in its write
transaction — for a record that replaces a stored one, with the stored record's and the new
record's — before anything is written. A report (:meth:`Advisories.report`) publishes nothing:
it reaches the owner teams as a notice carrying the record, for them to publish."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar, cast

from modelsteward.document_reader import Format, load_document, read_text
from modelsteward.domain import events as ev
from modelsteward.domain.advisory import ECOSYSTEM, ID_PREFIX, Advisory, load_advisory, next_id
from modelsteward.domain.events import NewEvent, canonical_json
from modelsteward.domain.lineage import walk_lineage_many
from modelsteward.domain.model import Model, Version
from modelsteward.domain.notices import Notice
from modelsteward.domain.osv_document import advisory_warnings, parse_advisory
from modelsteward.domain.osv_match import (
    AdvisoryIndex,
    Subject,
    affects,
    package_key,
    subject_from_purl,
)
from modelsteward.domain.refs import split_ref
from modelsteward.domain.subscriptions import ADVISORY_REPORT
from modelsteward.errors import (
    AdvisoryNotFound,
    DocumentInvalid,
    InvalidInput,
    ModelNotFound,
    PathUnreadable,
    Problem,
)
from modelsteward.files import write_atomically
from modelsteward.ports import Transaction
from modelsteward.results import Found, Ownership, Published, Reported
from modelsteward.service.context import Context
from modelsteward.service.generations import Generations
from modelsteward.service.reach import affected_teams, descendants
from modelsteward.service.resolution import Resolver

K = TypeVar("K", bound=Hashable)
REPORT_KIND = ADVISORY_REPORT


Authorize = Callable[[Ownership], None]


def _allow(ownership: Ownership) -> None:
    """The authorisation of library and local CLI callers: they act with the store's rights."""


def version_subject(version: Version) -> Subject:
    digests = {f"sha256:{f.sha256}" for f in version.files}
    if version.digest:
        digests.add(f"sha256:{version.digest}")
    return Subject(ECOSYSTEM, version.model, str(version.id), frozenset(digests))


def ref_subject(ref: str) -> Subject | None:
    """The subject for an ancestor named by ``model@version`` or by package URL."""
    if ref.startswith("pkg:"):
        return subject_from_purl(ref)
    model, at, version = ref.partition("@")
    return Subject(ECOSYSTEM, model, version) if at and version else None


def load_stored(document: Mapping[str, Any]) -> Advisory:
    """An advisory read back from the store (it was validated when it was written)."""
    return load_advisory(cast(Mapping[object, object], document))


def find_matches(tx: Transaction,
                 subjects: Mapping[K, Sequence[tuple[Subject, str]]]) -> dict[K, list[Found]]:
    """For each key, the advisories matching any of its subjects; a subject's second element
    names the ancestor it stands for ("" for the key's own version). One batched look-up for
    all keys: only advisories naming one of the packages or digests are read."""
    packages: set[tuple[str, str]] = set()
    digests: set[str] = set()
    for items in subjects.values():
        for subject, _ in items:
            packages.add(package_key(subject.ecosystem, subject.name))
            digests.update(subject.digests)
    index = AdvisoryIndex(load_stored(d) for d in tx.advisory_documents_for(packages, digests))
    return match_subjects(index, subjects)


def match_subjects(index: AdvisoryIndex,
                   subjects: Mapping[K, Sequence[tuple[Subject, str]]]) -> dict[K, list[Found]]:
    """:func:`find_matches` against an index already built (e.g. from an advisory folder)."""
    found: dict[K, list[Found]] = {}
    for key, items in subjects.items():
        seen: set[str] = set()
        hits: list[Found] = []
        for subject, via in items:  # own version first, then nearest ancestors
            for match in index.lookup(subject):
                if match.advisory.id not in seen:
                    seen.add(match.advisory.id)
                    hits.append(Found(match, via))
        found[key] = hits
    return found


class Advisories:
    def __init__(self, ctx: Context, resolver: Resolver) -> None:
        self.ctx = ctx
        self.resolver = resolver

    # publishing -----------------------------------------------------------------------------

    def create(self, draft: Advisory, authorize: Authorize = _allow) -> Published:
        """Publish a new advisory. ``draft.id`` may be empty: the next free local id
        (``x_MSA-<year>-<n>``) is given. The record is validated as OSV; an advisory about an
        in-house model that is not in the registry is refused. ``authorize`` is called with
        its ownership before anything is written."""
        now = self.ctx.clock.now()
        with self.ctx.store.write() as tx:
            advisory_id = draft.id or next_id(tx.advisory_ids(f"{ID_PREFIX}-{now.year}-"),
                                              now.year)
            if tx.advisory_document(advisory_id) is not None:
                raise InvalidInput(f"Advisory {advisory_id} exists already; import a newer "
                                   "record to update it, or leave out the id.")
            advisory = replace(draft, id=advisory_id, modified=now, published=now)
            advisory = parse_advisory(advisory.to_osv(), f"advisory {advisory_id}")
            unknown = self._unknown_models(tx, advisory)
            if unknown:
                raise DocumentInvalid(f"advisory {advisory_id}", unknown)
            authorize(ownership(tx, advisory))
            return self._publish(tx, advisory, True)

    def import_documents(self, documents: Sequence[tuple[str, object]],
                         authorize: Authorize = _allow) -> list[Published]:
        """Import OSV records (source name, parsed JSON). All or nothing: every problem of
        every record is reported before anything is written. A record whose id exists replaces
        it only when its ``modified`` time is newer; an equal or older one is left alone.
        ``authorize`` is called with every record's ownership, and with the stored record's
        when the id exists, whatever the ``modified`` times: a refusal writes nothing."""
        parsed: list[Advisory] = []
        problems: list[Problem] = []
        ids: dict[str, str] = {}
        for source, document in documents:
            try:
                advisory = parse_advisory(document, source)
            except DocumentInvalid as invalid:
                problems.extend(Problem(f"{source}: {p.location}" if p.location else source,
                                        p.message) for p in invalid.problems)
                continue
            if advisory.id in ids:
                problems.append(Problem(source, f"the id {advisory.id} is also used by "
                                                f"{ids[advisory.id]}; each record needs its own"))
                continue
            ids[advisory.id] = source
            parsed.append(advisory)
        if problems:
            raise DocumentInvalid(f"{len(documents)} advisory records", problems)
        results: list[Published] = []
        with self.ctx.store.write() as tx:
            for advisory in parsed:
                stored = tx.advisory_document(advisory.id)
                if stored is not None:
                    authorize(ownership(tx, load_stored(stored)))
                authorize(ownership(tx, advisory))
                if stored is not None and load_stored(stored).modified >= advisory.modified:
                    results.append(Published(advisory, False, (), (), 0))
                    continue
                warnings = self._unknown_models(tx, advisory)
                results.append(self._publish(tx, advisory, stored is None, tuple(warnings)))
        return results

    def _unknown_models(self, tx: Transaction, advisory: Advisory) -> list[Problem]:
        return [Problem(f"affected[{i}].package.name",
                        f"the model {a.name!r} is not in this registry; create it first or check "
                        "the name")
                for i, a in enumerate(advisory.affected)
                if a.ecosystem == ECOSYSTEM and tx.get_model(a.name) is None]

    def _publish(self, tx: Transaction, advisory: Advisory, new: bool,
                 extra_warnings: tuple[Problem, ...] = ()) -> Published:
        tx.put_advisory(advisory, self.ctx.clock.now(), self.ctx.actor)
        direct, upstream = self._directly_affected(tx, advisory)
        derived = descendants(tx, direct + upstream)
        notices = self._notify(tx, advisory, direct, derived, upstream)
        inherited = _inherited(derived, upstream)
        self.ctx.record(tx, NewEvent(
            ev.ADVISORY_PUBLISHED if new else ev.ADVISORY_UPDATED, advisory.id, {
                "summary": advisory.summary, "level": advisory.level.value,
                "modified": advisory.modified.isoformat(),
                "affected": [v.ref for v in direct], "inherited": inherited,
                "notices": notices}))
        return Published(advisory, new, tuple(v.ref for v in direct), tuple(inherited), notices,
                         tuple(advisory_warnings(advisory)) + extra_warnings)

    def _directly_affected(self, tx: Transaction,
                           advisory: Advisory) -> tuple[list[Version], list[Version]]:
        """Registered versions the advisory names, and versions derived from an affected
        upstream (GIT) commit."""
        direct: dict[str, Version] = {}
        upstream: dict[str, Version] = {}
        for affected in advisory.affected:
            if affected.ecosystem == ECOSYSTEM and tx.get_model(affected.name) is not None:
                for version in tx.list_versions(affected.name):
                    if affects(advisory, version_subject(version)) is not None:
                        direct[version.ref] = version
            for repo in {r.repo for r in affected.ranges if r.type == "GIT" and r.repo}:
                purl = _purl_of_repo(repo)
                if not purl:
                    continue
                for derivation in tx.upstream_children(purl):
                    subject = subject_from_purl(derivation.parent)
                    if subject is None or affects(advisory, subject) is None:
                        continue
                    child_model, _, child_version = derivation.child.partition("@")
                    stored = tx.get_version(child_model, child_version)
                    if stored is not None:
                        upstream[stored.ref] = stored
        return list(direct.values()), list(upstream.values())

    def _notify(self, tx: Transaction, advisory: Advisory, direct: list[Version],
                derived: Mapping[Model, list[Version]], upstream: list[Version]) -> int:
        groups: dict[str, tuple[list[Version], bool]] = {}
        for version in direct:
            groups.setdefault(version.model, ([], False))[0].append(version)
        for version in upstream:
            groups.setdefault(version.model, ([], True))[0].append(version)
        for derived_model, derived_versions in derived.items():
            if derived_model.name not in groups:
                groups[derived_model.name] = (list(derived_versions), True)
        created = 0
        for model_name, (versions, inherited) in sorted(groups.items()):
            model = tx.get_model(model_name)
            if model is None:
                continue
            for team, consumers in sorted(affected_teams(self.resolver, tx, model,
                                                         versions).items()):
                created += tx.add_notice(self._notice(advisory, team, model_name,
                                                      versions, consumers, inherited))
        return created

    def _notice(self, advisory: Advisory, team: str, model: str, versions: list[Version],
                consumers: Sequence[Any], inherited: bool) -> Notice:
        names = sorted({c.name for c in consumers})
        refs = sorted(v.ref for v in versions)
        how = "derives from an affected model" if inherited else "is affected"
        message = (f"{'Inherited: ' if inherited else ''}advisory {advisory.id} "
                   f"({advisory.level.value}): {advisory.summary} {model} {how} "
                   f"({', '.join(refs)}). {len(names)} of your consumers "
                   f"{'uses' if len(names) == 1 else 'use'} it: {', '.join(names)}. "
                   "Run `steward audit` in their repositories for the fix.")
        return Notice(f"advisory:{advisory.id}:{team}:{model}", team, model,
                      f"advisory{'-inherited' if inherited else ''}", message,
                      {"advisory": advisory.id, "level": advisory.level.value,
                       "summary": advisory.summary, "versions": refs, "inherited": inherited,
                       "consumers": len(names), "consumer_names": names},
                      self.ctx.clock.now())

    def withdraw(self, advisory_id: str, reason: str, authorize: Authorize = _allow) -> Advisory:
        """Mark an advisory withdrawn (it stops matching; the record stays, as OSV requires).
        ``authorize`` is called with its ownership first."""
        if not reason.strip():
            raise InvalidInput("Say why the advisory is withdrawn with --reason.")
        now = self.ctx.clock.now()
        with self.ctx.store.write() as tx:
            stored = tx.advisory_document(advisory_id)
            if stored is None:
                raise AdvisoryNotFound(advisory_id)
            advisory = load_stored(stored)
            authorize(ownership(tx, advisory))
            if advisory.withdrawn is not None:
                raise InvalidInput(f"Advisory {advisory_id} was already withdrawn on "
                                   f"{advisory.withdrawn.date().isoformat()}.")
            advisory = replace(advisory, withdrawn=now, modified=now)
            tx.put_advisory(advisory, now, self.ctx.actor)
            self.ctx.record(tx, NewEvent(ev.ADVISORY_WITHDRAWN, advisory_id,
                                               {"reason": reason.strip()}))
        return advisory

    def report(self, draft: Advisory) -> Reported:
        """Deliver a third party's report as a draft to the owner teams of the models it names
        (or, naming none, of the models derived from the upstream repository it names): one
        notice per team (kind ``advisory-report``) carrying the record, for a maintainer of
        the team to publish (``steward advisory create``). Nothing is published. Raises
        :class:`DocumentInvalid` for a model not in the registry and :class:`InvalidInput` for
        a report that reaches no team."""
        now = self.ctx.clock.now()
        with self.ctx.store.write() as tx:
            unknown = self._unknown_models(tx, draft)
            if unknown:
                raise DocumentInvalid("the report", unknown)
            owners = ownership(tx, draft)
            teams = sorted((owners.teams or owners.deriving) - {""})
            if not teams:
                raise InvalidInput("The report names no model of this registry with an owner "
                                   "team, and no model derived from what it names; name the "
                                   "affected model (ecosystem modelsteward) or tell an "
                                   "administrator.")
            record = {k: v for k, v in draft.to_osv().items()
                      if k not in ("id", "published", "modified")}
            digest = hashlib.sha256(canonical_json(record).encode()).hexdigest()[:16]
            models = sorted({a.name for a in draft.affected if a.ecosystem == ECOSYSTEM})
            about = ", ".join(models) or "a model your team derives from"
            written = 0
            for team in teams:
                written += tx.add_notice(Notice(
                    f"{REPORT_KIND}:{digest}:{team}", team, models[0] if models else "",
                    REPORT_KIND,
                    f"{self.ctx.actor} reported a problem in {about}: {draft.summary} It "
                    "is a draft: review it and publish it with `steward advisory create` (the "
                    "record is in this notice).",
                    {"reported_by": self.ctx.actor, "record": record, "models": models},
                    now))
        return Reported(tuple(teams), tuple(models), written)

    # reading --------------------------------------------------------------------------------

    def get(self, advisory_id: str) -> Advisory:
        with self.ctx.store.read() as tx:
            stored = tx.advisory_document(advisory_id)
        if stored is None:
            raise AdvisoryNotFound(advisory_id)
        return load_stored(stored)

    def all(self, *, model: str = "", include_withdrawn: bool = False) -> list[Advisory]:
        """Advisories by id; with ``model``, those naming it."""
        with self.ctx.store.read() as tx:
            if model:
                if tx.get_model(model) is None:
                    raise ModelNotFound(model)
                documents = tx.advisory_documents_for([(ECOSYSTEM, model)])
            else:
                documents = tx.advisory_documents(include_withdrawn=include_withdrawn)
        advisories = [load_stored(d) for d in documents]
        return [a for a in advisories if include_withdrawn or a.withdrawn is None]

    def page(self, *, after: str = "", limit: int = 100) -> list[Advisory]:
        """Up to ``limit`` advisories by id after ``after``, withdrawn ones included (a keyset
        page: one bounded read)."""
        with self.ctx.store.read() as tx:
            documents = tx.advisory_documents(after=after, limit=limit, include_withdrawn=True)
        return [load_stored(d) for d in documents]

    def reach(self, advisory: Advisory) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The versions in this registry ``advisory`` affects directly, and those that inherit
        it through lineage (or from an affected upstream commit), as publishing reports them."""
        with self.ctx.store.read() as tx:
            direct, upstream = self._directly_affected(tx, advisory)
            derived = descendants(tx, direct + upstream)
        return tuple(v.ref for v in direct), tuple(_inherited(derived, upstream))

    def affecting(self, ref: str) -> list[Found]:
        """The advisories affecting ``model@version``: its own first, then those inherited from
        what it derives from (nearest ancestor first)."""
        return self.affecting_each([ref])[ref]

    def affecting_each(self, refs: Sequence[str]) -> dict[str, list[Found]]:
        """:meth:`affecting` of each of ``refs``, in one read transaction and one lookup of
        the advisories that can match."""
        with self.ctx.store.read() as tx:
            wanted: dict[str, list[tuple[Subject, str]]] = {}
            # the models and versions read for all refs at once; one not found is read again
            # alone, to be refused as before
            keys = [split_ref(ref) for ref in refs]
            models = tx.get_models({model for model, _ in keys})
            versions = tx.get_versions([key for key in keys if key[0] in models])
            parents = Generations(tx.parents_of)
            parents(list(versions))  # the first generation of each, at once
            for ref, (model, version) in zip(refs, keys, strict=True):
                stored = (versions.get(f"{model}@{version}") if model in models else None) \
                    or self.resolver.require_version(tx, ref)
                subjects: list[tuple[Subject, str]] = [(version_subject(stored), "")]
                for node in walk_lineage_many([stored.ref], parents, lambda d: d.parent):
                    parent = node.derivation.parent
                    subject = ref_subject(parent)
                    if subject is not None and all(via != parent for _, via in subjects):
                        subjects.append((subject, parent))
                wanted[ref] = subjects
            return find_matches(tx, wanted) if wanted else {}

    def export(self, directory: Path) -> list[Path]:
        """Write every advisory, withdrawn ones included, as ``<id>.json`` in ``directory``
        (created if needed), as OSV databases are published. Each file is written whole or
        not at all."""
        directory.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        after = ""
        while True:
            with self.ctx.store.read() as tx:
                page = tx.advisory_documents(after=after, limit=500)
            for document in page:
                advisory = load_stored(document)
                target = directory / f"{advisory.id}.json"
                write_atomically(target, json.dumps(advisory.to_osv(), indent=2,
                                                    ensure_ascii=False) + "\n")
                written.append(target)
            if len(page) < 500:
                return written
            after = str(page[-1]["id"])


# stands in for a draft's missing id while the record is checked; the service gives the real one
_DRAFT_ID = "x_MSA-2000-0001"


def parse_draft(record: Mapping[str, Any], source: str = "the advisory") -> Advisory:
    """An OSV record whose ``id`` and ``modified`` may be left out (a draft or a report),
    validated as any record is; the id is empty when it was left out. Raises
    :class:`DocumentInvalid` with every problem."""
    given = record.get("id")
    checked = {**record, "id": given or _DRAFT_ID,
               "modified": record.get("modified") or "1970-01-01T00:00:00Z"}
    draft = parse_advisory(checked, source)
    return replace(draft, id=given if isinstance(given, str) else "")


def ownership(tx: Transaction, advisory: Advisory) -> Ownership:
    """The ownership of ``advisory`` as read in ``tx`` (see :class:`Ownership`)."""
    teams: set[str] = set()
    deriving: set[str] = set()
    for affected in advisory.affected:
        if affected.ecosystem == ECOSYSTEM:
            model = tx.get_model(affected.name)
            if model is not None:
                teams.add(model.owner_team)
        for repo in {r.repo for r in affected.ranges if r.type == "GIT" and r.repo}:
            purl = _purl_of_repo(repo)
            for derivation in tx.upstream_children(purl) if purl else ():
                child = tx.get_model(derivation.child.partition("@")[0])
                if child is not None:
                    deriving.add(child.owner_team)
    return Ownership(advisory.id, frozenset(teams), frozenset(deriving))


def load_directory(directory: Path) -> list[Advisory]:
    """Every ``*.json`` OSV record under ``directory`` (an exported advisory database),
    validated; all problems of all files are reported together."""
    if not directory.is_dir():
        raise InvalidInput(f"{directory} is not a directory of OSV records; export one with "
                           "`steward advisory export DIR`.")
    advisories: list[Advisory] = []
    problems: list[Problem] = []
    for path in sorted(directory.rglob("*.json")):
        try:
            document = load_document(read_text(path), Format.JSON, path.name)
            advisories.append(parse_advisory(document, path.name))
        except PathUnreadable as exc:
            problems.append(Problem(path.name, f"cannot be read: {exc}"))
        except DocumentInvalid as invalid:
            problems.extend(Problem(f"{path.name}: {p.location}", p.message)
                            for p in invalid.problems)
    if problems:
        raise DocumentInvalid(f"the advisory directory {directory}", problems)
    return advisories


def _purl_of_repo(repo: str) -> str:
    """``https://huggingface.co/org/name`` → ``pkg:huggingface/org/name``."""
    prefix = "https://huggingface.co/"
    if not repo.startswith(prefix):
        return ""
    path = repo[len(prefix):].strip("/")
    return f"pkg:huggingface/{path}" if path.count("/") == 1 else ""


def _inherited(derived: Mapping[Model, list[Version]], upstream: Sequence[Version]) -> list[str]:
    """The refs an advisory reaches by inheritance: versions derived from an affected one, and
    versions derived from an affected upstream commit; sorted."""
    return sorted({v.ref for vs in derived.values() for v in vs} | {v.ref for v in upstream})
