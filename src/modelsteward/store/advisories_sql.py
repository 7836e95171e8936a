"""Storage of advisories: the OSV document as written, plus the packages and digests it names,
indexed, so that an audit reads only the advisories that can match. Mixed into
``SqlTransaction``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, tuple_, update

from modelsteward.domain.advisory import Advisory
from modelsteward.domain.events import canonical_json
from modelsteward.store.tables import advisories, advisory_digests, advisory_packages

_CHUNK = 400  # bound parameters per IN (...) list, well under every engine's limit


def advisory_keys(advisory: Advisory) -> tuple[set[tuple[str, str]], set[str]]:
    """The (ecosystem, name) packages and the digests ``advisory`` names. A GIT range is keyed
    by its repository URL under the ``GIT`` ecosystem."""
    packages: set[tuple[str, str]] = set()
    digests: set[str] = set()
    for affected in advisory.affected:
        if affected.name:
            packages.add((affected.ecosystem, affected.name))
        packages.update(("GIT", r.repo) for r in affected.ranges if r.type == "GIT" and r.repo)
        digests.update(affected.digests)
    return packages, digests


class AdvisoryQueries:
    c: Connection

    def put_advisory(self, advisory: Advisory, at: datetime, by: str) -> bool:
        """Store ``advisory``, replacing an earlier record with its id. True when it was new."""
        document = canonical_json(advisory.to_osv())
        values = dict(modified=advisory.modified, published=advisory.published,
                      withdrawn=advisory.withdrawn, summary=advisory.summary,
                      level=advisory.level.value, document=document, recorded_at=at,
                      recorded_by=by)
        exists = self.c.execute(select(advisories.c.id)
                                .where(advisories.c.id == advisory.id)).first() is not None
        if exists:
            self.c.execute(update(advisories).where(advisories.c.id == advisory.id).values(**values))
            self.c.execute(delete(advisory_packages)
                           .where(advisory_packages.c.advisory_id == advisory.id))
            self.c.execute(delete(advisory_digests)
                           .where(advisory_digests.c.advisory_id == advisory.id))
        else:
            self.c.execute(insert(advisories).values(id=advisory.id, **values))
        packages, digests = advisory_keys(advisory)
        if packages:
            self.c.execute(insert(advisory_packages), [
                {"advisory_id": advisory.id, "ecosystem": e, "name": n} for e, n in sorted(packages)])
        if digests:
            self.c.execute(insert(advisory_digests), [
                {"advisory_id": advisory.id, "digest": d} for d in sorted(digests)])
        return not exists

    def advisory_document(self, advisory_id: str) -> dict[str, Any] | None:
        found = self.c.execute(select(advisories.c.document)
                               .where(advisories.c.id == advisory_id)).scalar()
        return json.loads(found) if found is not None else None

    def advisory_ids(self, prefix: str = "") -> list[str]:
        query = select(advisories.c.id).order_by(advisories.c.id)
        if prefix:
            query = query.where(advisories.c.id.startswith(prefix, autoescape=True))
        return [str(row[0]) for row in self.c.execute(query).all()]

    def advisory_documents(self, *, after: str = "", limit: int | None = None,
                           include_withdrawn: bool = True) -> list[dict[str, Any]]:
        """Advisories by id (keyset pagination: ids greater than ``after``)."""
        query = select(advisories.c.document).order_by(advisories.c.id)
        if after:
            query = query.where(advisories.c.id > after)
        if not include_withdrawn:
            query = query.where(advisories.c.withdrawn.is_(None))
        if limit is not None:
            query = query.limit(limit)
        return [json.loads(str(row[0])) for row in self.c.execute(query).all()]

    def advisory_documents_for(self, packages: Iterable[tuple[str, str]],
                               digests: Iterable[str] = ()) -> list[dict[str, Any]]:
        """Every advisory, withdrawn ones excluded, that names one of ``packages``
        ((ecosystem, name) pairs) or ``digests``, each once, by id."""
        ids: set[str] = set()
        for chunk in _chunks(sorted(set(packages))):
            ids.update(self.c.execute(
                select(advisory_packages.c.advisory_id).where(
                    tuple_(advisory_packages.c.ecosystem, advisory_packages.c.name).in_(chunk)
                )).scalars())
        for chunk in _chunks(sorted(set(digests))):
            ids.update(self.c.execute(
                select(advisory_digests.c.advisory_id)
                .where(advisory_digests.c.digest.in_(chunk))).scalars())
        found: list[dict[str, Any]] = []
        for chunk in _chunks(sorted(ids)):
            found.extend(json.loads(str(row[0])) for row in self.c.execute(
                select(advisories.c.document).where(advisories.c.id.in_(chunk),
                                                    advisories.c.withdrawn.is_(None))
                .order_by(advisories.c.id)).all())
        return found


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]
