"""The advisories role: OSV documents, indexed by the packages and digests they name."""

from __future__ import annotations

from typing import Any

from modelsteward.domain.advisory import Advisory, Affected

from .helpers import T0, at

D1, D2 = "sha256:" + "a" * 64, "sha256:" + "b" * 64


def _advisory(ident: str, *affected: Affected, withdrawn: Any = None,
              summary: str = "") -> Advisory:
    return Advisory(ident, T0, summary=summary, affected=affected, withdrawn=withdrawn)


def _seed(store: Any) -> None:
    with store.write() as tx:
        assert tx.put_advisory(_advisory("MSA-3", Affected("steward", "bot")), at(1), "a")
        assert tx.put_advisory(_advisory("MSA-1", Affected("steward", "alpha", digests=(D1,))),
                               at(1), "a")
        assert tx.put_advisory(_advisory("GHSA-2", Affected("steward", "bot"),
                                         withdrawn=at(2)), at(1), "a")
        assert tx.put_advisory(_advisory("MSA-2", Affected("steward", "zeta", digests=(D2,))),
                               at(1), "a")


def test_a_document_reads_back_as_its_osv(store: Any) -> None:
    _seed(store)
    with store.read() as tx:
        assert tx.advisory_document("MSA-3") == _advisory(
            "MSA-3", Affected("steward", "bot")).to_osv()
        assert tx.advisory_document("nope") is None


def test_putting_again_replaces_and_reindexes(store: Any) -> None:
    _seed(store)
    with store.write() as tx:
        assert not tx.put_advisory(_advisory("MSA-3", Affected("steward", "other"),
                                             summary="moved"), at(3), "b")
    with store.read() as tx:
        assert tx.advisory_document("MSA-3")["summary"] == "moved"
        assert tx.advisory_documents_for([("steward", "bot")]) == []
        assert [d["id"] for d in tx.advisory_documents_for([("steward", "other")])] == ["MSA-3"]


def test_ids_and_documents_page_by_id(store: Any) -> None:
    _seed(store)
    with store.read() as tx:
        assert tx.advisory_ids() == ["GHSA-2", "MSA-1", "MSA-2", "MSA-3"]
        assert tx.advisory_ids("MSA") == ["MSA-1", "MSA-2", "MSA-3"]
        assert [d["id"] for d in tx.advisory_documents(limit=2)] == ["GHSA-2", "MSA-1"]
        assert [d["id"] for d in tx.advisory_documents(after="MSA-1")] == ["MSA-2", "MSA-3"]
        assert [d["id"] for d in tx.advisory_documents(include_withdrawn=False)] == [
            "MSA-1", "MSA-2", "MSA-3"]


def test_documents_for_packages_and_digests_skip_withdrawn(store: Any) -> None:
    _seed(store)
    with store.read() as tx:
        found = tx.advisory_documents_for([("steward", "bot"), ("steward", "alpha")], [D2])
        assert [d["id"] for d in found] == ["MSA-1", "MSA-2", "MSA-3"]
        assert [d["id"] for d in tx.advisory_documents_for([], [D1, D2])] == ["MSA-1", "MSA-2"]
        assert tx.advisory_documents_for([("other", "bot")]) == []


def test_the_state_check_sees_advisories(store: Any) -> None:
    _seed(store)
    with store.read() as tx:
        state = tx.table_state()
    assert {"summary": "", "level": _advisory("x").level.value,
            "modified": "2026-03-01T12:00:00Z", "withdrawn": True} in state.values()
