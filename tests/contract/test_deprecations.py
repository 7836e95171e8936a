"""The deprecations role: plans, upstream plans and notices (with their deliveries)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from modelsteward.domain.deprecation import DeprecationPlan, DeprecationReason
from modelsteward.domain.notices import Notice
from modelsteward.errors import ModelNotFound

from .helpers import add_model, at

D1, D2, D3 = date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)


def _plan(ident: str, model: str, minutes: float, *, redirect: bool = False) -> DeprecationPlan:
    return DeprecationPlan(ident, model, "<2.0.0", DeprecationReason.REPLACED, "bot@^2", D1, D2,
                           D3, ("step one", "step two"), "90d", redirect, at(minutes), "alice")


def test_plans_read_back_oldest_first_by_model(store: Any) -> None:
    with store.write() as tx:
        add_model(tx, "bot")
        add_model(tx, "alpha")
        tx.add_plan(_plan("p3", "bot", 2))
        tx.add_plan(_plan("p2", "alpha", 1))
        tx.add_plan(_plan("p1", "bot", 1))
    with store.read() as tx:
        assert [p.id for p in tx.plans()] == ["p1", "p2", "p3"]
        assert [p.id for p in tx.plans("bot")] == ["p1", "p3"]
        assert tx.plans("bot")[0] == _plan("p1", "bot", 1)
        by_model = tx.plans_of(["bot", "nobody", "alpha", "bot"])
        assert by_model == {"bot": tx.plans("bot"), "nobody": [], "alpha": tx.plans("alpha")}
        assert tx.plans_of([]) == {}


def test_a_plan_of_an_unknown_model_raises(store: Any) -> None:
    with pytest.raises(ModelNotFound), store.write() as tx:
        tx.add_plan(_plan("p1", "nobody", 1))
    with pytest.raises(ModelNotFound), store.read() as tx:
        tx.plans("nobody")


def test_upstream_plans_have_no_model(store: Any) -> None:
    purl = "pkg:huggingface/acme/base"
    with store.write() as tx:
        tx.add_upstream_plan(DeprecationPlan("u2", "", purl, DeprecationReason.VULNERABILITY, "",
                                             D1, D2, D3, (), "", False, at(2), "bob"))
        tx.add_upstream_plan(DeprecationPlan("u1", "", purl, DeprecationReason.REPLACED, "x@1",
                                             D1, D2, D3, ("a",), "30d", False, at(1), "bob"))
    with store.read() as tx:
        found = tx.upstream_plans()
    assert [p.id for p in found] == ["u1", "u2"]
    assert found[0] == DeprecationPlan("u1", "", purl, DeprecationReason.REPLACED, "x@1", D1, D2,
                                       D3, ("a",), "30d", False, at(1), "bob")


def test_a_notice_is_stored_once_per_key(store: Any) -> None:
    with store.write() as tx:
        assert tx.add_notice(Notice("k1", "team-b", "bot", "deprecation", "m1", {"a": 1}, at(2)))
        assert tx.add_notice(Notice("k2", "team-a", "bot", "deprecation", "m2", {}, at(2)))
        assert tx.add_notice(Notice("k3", "team-a", "bot", "retirement", "m3", {}, at(1)))
    with store.write() as tx:
        assert not tx.add_notice(Notice("k1", "team-b", "bot", "other", "again", {}, at(3)))
    with store.read() as tx:
        assert [n.key for n in tx.notices()] == ["k3", "k2", "k1"]
        assert [n.key for n in tx.notices("team-b")] == ["k1"]
        assert tx.notices("team-b")[0] == Notice("k1", "team-b", "bot", "deprecation", "m1",
                                                 {"a": 1}, at(2))


def test_a_redirecting_plan_keeps_its_redirect_and_steps(store: Any) -> None:
    with store.write() as tx:
        add_model(tx, "bot")
        tx.add_plan(_plan("p1", "bot", 1, redirect=True))
    with store.read() as tx:
        (found,) = tx.plans("bot")
    assert found.redirect is True and found.migration_steps == ("step one", "step two")
    assert found.announced == D1 and found.hard_deadline == D3 and found.created_at == at(1)


def test_a_rolled_back_notice_leaves_its_key_free(store: Any) -> None:
    try:
        with store.write() as tx:
            assert tx.add_notice(Notice("k1", "team-a", "bot", "deprecation", "m", {}, at(1)))
            raise RuntimeError("abandoned")
    except RuntimeError:
        pass
    with store.write() as tx:
        assert tx.notices() == []
        assert tx.add_notice(Notice("k1", "team-a", "bot", "deprecation", "m", {}, at(1)))


def test_an_empty_store_has_no_plans_or_notices(store: Any) -> None:
    with store.read() as tx:
        assert tx.plans() == [] and tx.upstream_plans() == [] and tx.notices() == []


def test_models_without_plan_are_read_first_by_name_with_their_count(store: Any) -> None:
    from dataclasses import replace

    from modelsteward.domain.model import Model, SupportPolicy

    with store.write() as tx:
        for name in ("delta", "alpha", "charlie", "bravo", "echo"):
            add_model(tx, name)
        tx.add_model(replace(Model("supported", owner_team="team-a"),
                             support=SupportPolicy(12, "community")), at(0))
        tx.add_plan(_plan("p1", "bravo", 1))
        tx.mark_deleted("echo", "", at(2))
    with store.read() as tx:
        assert tx.models_without_plan(limit=2) == (["alpha", "charlie"], 3)
        assert tx.models_without_plan(limit=10) == (["alpha", "charlie", "delta"], 3)
        assert tx.models_without_plan(limit=0) == ([], 3)
        # a keyset page: the names after a cursor, the count still of them all
        assert tx.models_without_plan(limit=1, after="alpha") == (["charlie"], 3)
        assert tx.models_without_plan(limit=5, after="bravo") == (["charlie", "delta"], 3)
        assert tx.models_without_plan(limit=5, after="delta") == ([], 3)


def _walk(tx: Any, size: int, *, by_model: bool = False) -> list[list[str]]:
    """The ids of every batch of ``size`` plans, each read after the last of the one before."""
    batches: list[list[str]] = []
    after = None
    while batch := tx.plans_page(after, limit=size, by_model=by_model):
        assert len(batch) <= size
        batches.append([p.id for p in batch])
        after = batch[-1]
    return batches


def test_plans_are_read_in_keyset_batches_in_either_order(store: Any) -> None:
    with store.write() as tx:
        add_model(tx, "bot")
        add_model(tx, "alpha")
        add_model(tx, "gone")
        # p5 and p4 were made at the same time: the id breaks the tie
        for ident, model, minutes in (("p3", "bot", 2), ("p2", "alpha", 1), ("p1", "bot", 1),
                                      ("p5", "alpha", 3), ("p4", "alpha", 3), ("p6", "gone", 0)):
            tx.add_plan(_plan(ident, model, minutes))
        tx.mark_deleted("gone", "", at(4))
    with store.read() as tx:
        every = [p.id for p in tx.plans()]
        assert every == ["p6", "p1", "p2", "p3", "p4", "p5"]
        assert _walk(tx, 2) == [["p6", "p1"], ["p2", "p3"], ["p4", "p5"]]
        assert _walk(tx, 4) == [["p6", "p1", "p2", "p3"], ["p4", "p5"]]
        assert [ids for [ids] in _walk(tx, 1)] == every
        assert _walk(tx, 4, by_model=True) == [["p2", "p4", "p5", "p1"], ["p3", "p6"]]
        assert [ids for [ids] in _walk(tx, 1, by_model=True)] == ["p2", "p4", "p5", "p1", "p3",
                                                                   "p6"]
        assert tx.plans_page(limit=10) == tx.plans()
        assert tx.plans_page(limit=0) == []


def test_the_count_of_models_without_plan_stops_where_asked(store: Any) -> None:
    with store.write() as tx:
        for name in ("alpha", "bravo", "charlie", "delta"):
            add_model(tx, name)
    with store.read() as tx:
        assert tx.models_without_plan(limit=1, count_up_to=3) == (["alpha"], 3)
        assert tx.models_without_plan(limit=1, count_up_to=9) == (["alpha"], 4)


def test_the_plans_of_targets_due_by_a_day_come_with_their_later_plans(store: Any) -> None:
    later = date(2026, 9, 1)
    with store.write() as tx:
        add_model(tx, "bot")
        add_model(tx, "alpha")
        tx.add_plan(_plan("p1", "bot", 1))
        tx.add_plan(_plan("p2", "alpha", 2))
        # the same target as p1, due later: it supersedes p1, so it comes with it
        tx.add_plan(replace(_plan("p3", "bot", 3), hard_deadline=later))
        # another target, due later only
        tx.add_plan(replace(_plan("p4", "bot", 4), target="<3.0.0", hard_deadline=later))
    with store.read() as tx:
        assert [p.id for p in tx.plans_due(D3)] == ["p1", "p2", "p3"]
        assert tx.plans_due(D3)[2] == tx.plans("bot")[1]
        assert [p.id for p in tx.plans_due(later)] == ["p1", "p2", "p3", "p4"]
        assert tx.plans_due(D2) == []
