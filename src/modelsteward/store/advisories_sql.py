"""Storage of advisories: the OSV document as written, plus the packages and digests it names,
indexed, so that an audit reads only the advisories that can match. Mixed into
``SqlTransaction``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from modelsteward.domain.advisory import Advisory
from modelsteward.domain.events import canonical_json
from modelsteward.store.advisory_index import advisory_keys
from modelsteward.store.base import SqlConnectionBase
from modelsteward.store.batches import chunks
from modelsteward.store.tables import advisories, advisory_digests, advisory_packages


class AdvisoryQueries(SqlConnectionBase):
    """Implements :class:`~modelsteward.ports.AdvisoryRecords`."""

    def put_advisory(self, advisory: Advisory, at: datetime, by: str) -> bool:
        """Store ``advisory``, replacing an earlier record with its id. True when it was new."""
        document = canonical_json(advisory.to_osv())
        values = {"modified": advisory.modified, "published": advisory.published,
                  "withdrawn": advisory.withdrawn, "summary": advisory.summary,
                  "level": advisory.level.value, "document": document, "recorded_at": at,
                  "recorded_by": by}
        exists = self.c.execute(select(advisories.c.id)
                                .where(advisories.c.id == advisory.id)).first() is not None
        if exists:
            self.c.execute(update(advisories).where(advisories.c.id == advisory.id)
                           .values(**values))
            self.c.execute(delete(advisory_packages)
                           .where(advisory_packages.c.advisory_id == advisory.id))
            self.c.execute(delete(advisory_digests)
                           .where(advisory_digests.c.advisory_id == advisory.id))
        else:
            self.c.execute(insert(advisories).values(id=advisory.id, **values))
        packages, digests = advisory_keys(advisory)
        if packages:
            self.c.execute(insert(advisory_packages), [
                {"advisory_id": advisory.id, "ecosystem": e, "name": n}
                for e, n in sorted(packages)])
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
        ((ecosystem, name) pairs) or ``digests``, each once, by id. One joined query per few
        hundred keys."""
        found: dict[str, str] = {}
        live = advisories.c.withdrawn.is_(None)
        by_ecosystem: dict[str, set[str]] = {}
        for ecosystem, name in packages:
            by_ecosystem.setdefault(ecosystem, set()).add(name)
        for ecosystem, names in sorted(by_ecosystem.items()):
            # ecosystem = ? AND name IN (…): the (ecosystem, name) index serves it directly
            for chunk in chunks(sorted(names)):
                rows = self.c.execute(
                    select(advisories.c.id, advisories.c.document)
                    .join(advisory_packages,
                          advisory_packages.c.advisory_id == advisories.c.id)
                    .where(advisory_packages.c.ecosystem == ecosystem,
                           advisory_packages.c.name.in_(chunk), live))
                found.update((str(i), str(d)) for i, d in rows)
        for chunk in chunks(sorted(set(digests))):
            rows = self.c.execute(
                select(advisories.c.id, advisories.c.document)
                .join(advisory_digests, advisory_digests.c.advisory_id == advisories.c.id)
                .where(advisory_digests.c.digest.in_(chunk), live))
            found.update((str(i), str(d)) for i, d in rows)
        return [json.loads(found[i]) for i in sorted(found)]
