"""The advisories role: OSV documents, indexed by the packages and digests they name."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from modelsteward.domain.advisory import Advisory


class AdvisoryRecords(Protocol):
    """Advisories by id, as OSV documents."""

    def put_advisory(self, advisory: Advisory, at: datetime, by: str) -> bool:
        """Store ``advisory``, replacing an earlier record with its id. True when it was new."""
        ...
    def advisory_document(self, advisory_id: str) -> dict[str, Any] | None: ...
    def advisory_ids(self, prefix: str = "") -> list[str]:
        """Ids (starting with ``prefix``), sorted."""
        ...
    def advisory_documents(self, *, after: str = "", limit: int | None = None,
                           include_withdrawn: bool = True) -> list[dict[str, Any]]:
        """Advisories by id (keyset pagination: ids greater than ``after``)."""
        ...
    def advisory_documents_for(self, packages: Iterable[tuple[str, str]],
                               digests: Iterable[str] = ()) -> list[dict[str, Any]]:
        """Every advisory, withdrawn ones excluded, that names one of ``packages``
        ((ecosystem, name) pairs) or ``digests``, each once, by id."""
        ...
