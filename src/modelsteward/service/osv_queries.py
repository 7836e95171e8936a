"""Answering OSV API queries (``POST /v1/query`` and ``/v1/querybatch``) from this registry's
advisories.

A query names a package and version (by ``ecosystem`` and ``name``, or by package URL), a
package alone (every advisory naming it), or a commit. What is matched:

* a ``modelsteward`` package version that the registry knows is matched like ``steward
  advisory affecting``: by its version and its artefact digests, then through its lineage —
  every ancestor it derives from (registered versions and upstream package URLs, nearest
  first) — so an advisory about a base model is returned for a fine-tune of it (*inherited*);
* any other package version (an unknown ``modelsteward`` version, or another ecosystem) is
  matched by version alone;
* a commit is matched against the GIT ranges and GIT packages of every advisory (with the
  limits of :mod:`modelsteward.domain.osv_match`: listed commits and range bounds only); with
  a ``pkg:huggingface`` package URL, against that repository only.

Withdrawn advisories match nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from modelsteward.domain.advisory import ECOSYSTEM, Advisory
from modelsteward.domain.lineage import walk_lineage
from modelsteward.domain.osv_match import GIT, AdvisoryIndex, Subject, package_key, repo_key
from modelsteward.ports import Transaction
from modelsteward.service.advisories import (
    find_matches,
    load_stored,
    match_subjects,
    ref_subject,
    version_subject,
)
from modelsteward.service.context import Context


@dataclass(frozen=True)
class PackageQuery:
    """``version`` ``""``: every advisory naming the package."""

    ecosystem: str
    name: str
    version: str = ""


@dataclass(frozen=True)
class CommitQuery:
    """``repository`` ``""``: any repository an advisory names."""

    commit: str
    repository: str = ""


OsvQuery = PackageQuery | CommitQuery


class OsvQueries:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def query(self, query: OsvQuery) -> list[Advisory]:
        """The advisories affecting what ``query`` names: own matches first, then inherited
        ones (nearest ancestor first), each once."""
        return self.query_batch([query])[0]

    def query_batch(self, queries: Sequence[OsvQuery]) -> list[list[Advisory]]:
        """:meth:`query` for each query, in order, in one read transaction."""
        results: list[list[Advisory]] = [[] for _ in queries]
        subjects: dict[int, list[tuple[Subject, str]]] = {}
        with self.ctx.store.read() as tx:
            commits: list[int] = []
            for i, query in enumerate(queries):
                if isinstance(query, CommitQuery):
                    commits.append(i)
                elif not query.version:
                    results[i] = _naming(tx, query)
                else:
                    subjects[i] = self._subjects(tx, query)
            if subjects:
                for i, found in find_matches(tx, subjects).items():
                    results[i] = [f.advisory for f in found]
            if commits:
                advisories = [a for a in (load_stored(d) for d in
                                          tx.advisory_documents(include_withdrawn=False))
                              if a.withdrawn is None]
                repos = sorted({repo for a in advisories for repo in _repositories(a)})
                index = AdvisoryIndex(advisories)
                by_commit: dict[int, list[tuple[Subject, str]]] = {}
                for i in commits:
                    query = queries[i]
                    assert isinstance(query, CommitQuery)
                    wanted = ([repo_key(query.repository)] if query.repository else repos)
                    by_commit[i] = [(Subject(GIT, repo, query.commit), "") for repo in wanted]
                for i, found in match_subjects(index, by_commit).items():
                    results[i] = [f.advisory for f in found]
        return results

    def _subjects(self, tx: Transaction, query: PackageQuery) -> list[tuple[Subject, str]]:
        """The subject of a package version, with its digests and ancestors when the registry
        knows it."""
        if query.ecosystem != ECOSYSTEM:
            return [(Subject(query.ecosystem, query.name, query.version), "")]
        stored = tx.get_version(query.name, query.version)
        if stored is None:
            return [(Subject(ECOSYSTEM, query.name, query.version), "")]
        subjects: list[tuple[Subject, str]] = [(version_subject(stored), "")]
        for node in walk_lineage([stored.ref], tx.parents, lambda d: d.parent):
            parent = node.derivation.parent
            subject = ref_subject(parent)
            if subject is not None and all(via != parent for _, via in subjects):
                subjects.append((subject, parent))
        return subjects


def _naming(tx: Transaction, query: PackageQuery) -> list[Advisory]:
    """Every advisory with an ``affected`` entry for the package, whatever the version."""
    key = package_key(query.ecosystem, query.name)
    found = [load_stored(d) for d in tx.advisory_documents_for([key])]
    return [a for a in found if a.withdrawn is None
            and any(package_key(e.ecosystem, e.name) == key for e in a.affected)]


def _repositories(advisory: Advisory) -> set[str]:
    repos = {repo_key(r.repo) for e in advisory.affected for r in e.ranges
             if r.type == GIT and r.repo}
    repos.update(repo_key(e.name) for e in advisory.affected if e.ecosystem == GIT and e.name)
    return repos
