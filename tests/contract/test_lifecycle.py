"""The lifecycle role: stages, evaluations, approvals, checks, overrides, aliases, locations and
measurements."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from modelsteward.domain.direction import Direction
from modelsteward.domain.lifecycle import (
    AliasAssignment,
    Approval,
    Evaluation,
    Gate,
    GateOverride,
    Stage,
    StagingCheck,
)
from modelsteward.domain.model import Model, SupportPolicy
from modelsteward.errors import VersionNotFound

from .helpers import add_model, add_version, at


def _seed(store: Any, *versions: str) -> None:
    with store.write() as tx:
        add_model(tx, "bot")
        for i, v in enumerate(versions or ("1.0.0", "1.1.0", "1.2.0")):
            add_version(tx, "bot", v, minutes=i)


def _evaluation(ident: str, minutes: float, seq: int) -> Evaluation:
    return Evaluation(ident, "ignored", "safety", "sha256:" + "0" * 64, {"acc": 0.5},
                      1.5, {"p50": 10.0}, at(minutes), "alice", seq,
                      {"acc": next(iter(Direction))})


def test_stage_and_block_are_kept(store: Any) -> None:
    _seed(store)
    with store.write() as tx:
        tx.set_stage("bot", "1.0.0", Stage.PRODUCTION)
        tx.set_blocked("bot", "1.0.0", "rolled back")
    with store.read() as tx:
        found = tx.get_version("bot", "1.0.0")
        assert found.stage is Stage.PRODUCTION and found.blocked_reason == "rolled back"
        assert tx.version_states([("bot", "1.0.0"), ("bot", "1.1.0"), ("bot", "9.9.9")]) == {
            ("bot", "1.0.0"): (found.digest, Stage.PRODUCTION, "rolled back"),
            ("bot", "1.1.0"): ("", Stage.TRAINED, "")}


def test_support_terms_name_the_registration_and_policy_of_supported_models(store: Any) -> None:
    _seed(store)  # bot: no support policy
    with store.write() as tx:
        tx.add_model(Model("kept", support=SupportPolicy(12, "community-maintained")), at(0))
        add_version(tx, "kept", "1.0.0", minutes=3)
        add_version(tx, "kept", "1.1.0", minutes=4)
        tx.mark_deleted("kept", "1.1.0", at(5))
    with store.read() as tx:
        assert tx.support_terms([("bot", "1.0.0"), ("kept", "1.0.0"), ("kept", "1.1.0"),
                                 ("kept", "9.9.9")]) == {
            ("kept", "1.0.0"): (at(3), SupportPolicy(12, "community-maintained"))}


def test_version_states_leave_out_tombstones(store: Any) -> None:
    _seed(store)
    with store.write() as tx:
        tx.mark_deleted("bot", "1.1.0", at(5))
    with store.read() as tx:
        assert set(tx.version_states([("bot", "1.0.0"), ("bot", "1.1.0")])) == {("bot", "1.0.0")}
    with store.write() as tx:
        tx.mark_deleted("bot", "", at(6))
    with store.read() as tx:
        assert tx.version_states([("bot", "1.0.0")]) == {}


@pytest.mark.parametrize("bound", [1, 3, 2000])
def test_version_states_of_many_models_are_those_asked_for(
        store: Any, bound: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether the SQL store reads by lists of names or, when most models are asked for, every
    live version in one query (``bound``: the names one list holds), the answer is the same."""
    from modelsteward.store import audit_sql

    monkeypatch.setattr(audit_sql, "CHUNK", bound)
    with store.write() as tx:
        for name in ("a", "b", "c", "d"):
            tx.add_model(Model(name), at(0))
            add_version(tx, name, "1.0.0", minutes=1)
            add_version(tx, name, "2.0.0", minutes=2)
        tx.mark_deleted("b", "2.0.0", at(3))
        tx.mark_deleted("c", "", at(3))
    with store.read() as tx:
        found = tx.version_states([("a", "1.0.0"), ("b", "1.0.0"), ("b", "2.0.0"),
                                   ("c", "1.0.0"), ("d", "2.0.0"), ("d", "9.9.9"),
                                   ("e", "1.0.0")])
        assert sorted(found) == [("a", "1.0.0"), ("b", "1.0.0"), ("d", "2.0.0")]
        assert {state[1] for state in found.values()} == {Stage.TRAINED}
        assert tx.version_states([]) == {}


def test_evaluations_read_back_by_time_then_seq(store: Any) -> None:
    _seed(store)
    with store.write() as tx:
        tx.add_evaluation("bot", "1.0.0", _evaluation("e3", 2, 0))
        tx.add_evaluation("bot", "1.0.0", _evaluation("e2", 1, 2))
        tx.add_evaluation("bot", "1.0.0", _evaluation("e1", 1, 1))
    with store.read() as tx:
        found = tx.evaluations("bot", "1.0.0")
        assert [e.id for e in found] == ["e1", "e2", "e3"]
        assert found[0] == _evaluation("e1", 1, 1).__class__(
            **{**vars(_evaluation("e1", 1, 1)), "ref": "bot@1.0.0"})
        assert tx.evaluations("bot", "1.1.0") == []
        many = tx.evaluations_for([("bot", "1.0.0"), ("bot", "1.1.0"), ("bot", "9.9.9"),
                                   ("nobody", "1.0.0")])
        assert many == {"bot@1.0.0": found}


def test_approvals_checks_and_overrides_read_back_oldest_first(store: Any) -> None:
    _seed(store)
    approval = Approval("a2", "x", "bob", "risk", "ev", "none", "dash", "revert", date(2026, 6, 1),
                        at(2), at(100))
    with store.write() as tx:
        tx.add_approval("bot", "1.0.0", approval)
        tx.add_approval("bot", "1.0.0", Approval("a1", "x", "carol", "owner", "", "", "", "",
                                                 date(2026, 6, 1), at(1), at(100), "a0"))
        tx.add_check("bot", "1.0.0", StagingCheck("x", "smoke", True, "ok", at(3), "ci"))
        tx.add_check("bot", "1.0.0", StagingCheck("x", "load", False, "slow", at(1), "ci"))
        tx.add_override("bot", "1.0.0", GateOverride("x", Gate.STAGING, "urgent", "bob", at(4)))
        tx.add_override("bot", "1.1.0", GateOverride("x", Gate.APPROVAL, "why", "ann", at(1)))
    with store.read() as tx:
        assert [a.id for a in tx.approvals("bot", "1.0.0")] == ["a1", "a2"]
        assert tx.approvals("bot", "1.0.0")[1] == Approval(
            "a2", "bot@1.0.0", "bob", "risk", "ev", "none", "dash", "revert", date(2026, 6, 1),
            at(2), at(100))
        assert tx.checks("bot", "1.0.0") == [
            StagingCheck("bot@1.0.0", "load", False, "slow", at(1), "ci"),
            StagingCheck("bot@1.0.0", "smoke", True, "ok", at(3), "ci")]
        assert tx.overrides("bot", "1.0.0") == [
            GateOverride("bot@1.0.0", Gate.STAGING, "urgent", "bob", at(4))]
        asked = [("bot", "1.0.0"), ("bot", "1.1.0"), ("bot", "1.2.0"), ("nobody", "1.0.0")]
        assert tx.approvals_for(asked) == {"bot@1.0.0": tx.approvals("bot", "1.0.0")}
        assert tx.checks_for(asked) == {"bot@1.0.0": tx.checks("bot", "1.0.0")}
        assert tx.approvals_for([]) == {} and tx.checks_for([]) == {}
        assert tx.overrides_for([("bot", "1.0.0"), ("bot", "1.1.0"), ("bot", "1.2.0")]) == {
            "bot@1.0.0": [GateOverride("bot@1.0.0", Gate.STAGING, "urgent", "bob", at(4))],
            "bot@1.1.0": [GateOverride("bot@1.1.0", Gate.APPROVAL, "why", "ann", at(1))]}


def test_records_of_an_unknown_version_raise(store: Any) -> None:
    _seed(store)
    with pytest.raises(VersionNotFound), store.write() as tx:
        tx.set_stage("bot", "7.0.0", Stage.PRODUCTION)
    with pytest.raises(VersionNotFound), store.write() as tx:
        tx.add_check("bot", "7.0.0", StagingCheck("x", "smoke", True, "", at(1), "ci"))


def test_alias_assignments_history_and_current(store: Any) -> None:
    _seed(store)
    with store.write() as tx:
        tx.assign_alias("bot", "prod", "1.0.0", exclusive=True, at=at(1), by="a", reason="r1")
        tx.assign_alias("bot", "canary", "1.1.0", exclusive=False, at=at(2), by="a", reason="")
        tx.assign_alias("bot", "canary", "1.2.0", exclusive=False, at=at(3), by="b", reason="")
    with store.write() as tx:
        tx.remove_alias("bot", "prod", "1.0.0", at(4))
        tx.assign_alias("bot", "prod", "1.1.0", exclusive=True, at=at(4), by="a", reason="r2")
    with store.read() as tx:
        assert tx.current_aliases("bot") == [
            AliasAssignment("bot", "canary", "1.1.0", at(2), "a", ""),
            AliasAssignment("bot", "canary", "1.2.0", at(3), "b", ""),
            AliasAssignment("bot", "prod", "1.1.0", at(4), "a", "r2")]
        assert [a.version for a in tx.current_aliases("bot", "canary")] == ["1.1.0", "1.2.0"]
        assert tx.alias_history("bot", "prod") == [
            AliasAssignment("bot", "prod", "1.0.0", at(1), "a", "r1", at(4)),
            AliasAssignment("bot", "prod", "1.1.0", at(4), "a", "r2")]
        assert [a.alias for a in tx.alias_history("bot")] == ["prod", "canary", "canary", "prod"]
        assert tx.current_holders(["bot", "nobody"], "canary") == {
            "bot": tx.current_aliases("bot", "canary")}
        assert tx.current_holders(["bot"], "prod") == {"bot": tx.current_aliases("bot", "prod")}
        assert tx.current_holders(["bot"], "staging") == {}


def test_end_assignment_ends_only_that_assignment(store: Any) -> None:
    _seed(store)
    with store.write() as tx:
        tx.assign_alias("bot", "canary", "1.1.0", exclusive=False, at=at(1), by="a", reason="")
        tx.assign_alias("bot", "canary", "1.2.0", exclusive=False, at=at(2), by="a", reason="")
    with store.write() as tx:
        holder = tx.current_aliases("bot", "canary")[0]
        tx.end_assignment(holder, at(5))
    with store.read() as tx:
        assert [a.version for a in tx.current_aliases("bot", "canary")] == ["1.2.0"]
        assert tx.alias_history("bot", "canary")[0].removed_at == at(5)


def test_an_exclusive_alias_has_one_holder_and_the_refusal_writes_nothing(store: Any) -> None:
    _seed(store)
    with store.write() as tx:
        tx.assign_alias("bot", "prod", "1.0.0", exclusive=True, at=at(1), by="a", reason="")
    with pytest.raises(Exception), store.write() as tx:  # noqa: B017 (each store's own error)
        tx.set_stage("bot", "1.1.0", Stage.PRODUCTION)
        tx.assign_alias("bot", "prod", "1.1.0", exclusive=True, at=at(2), by="a", reason="")
    with store.read() as tx:
        assert [a.version for a in tx.current_aliases("bot", "prod")] == ["1.0.0"]
        assert tx.get_version("bot", "1.1.0").stage is Stage.TRAINED


def test_locations_and_measurements_read_back_oldest_first(store: Any) -> None:
    _seed(store)
    with store.write() as tx:
        tx.add_location("bot", "1.0.0", "archive", "s3://b/2", at(2), "d2")
        tx.add_location("bot", "1.0.0", "source", "/srv/1", at(1), "")
        tx.add_measurement("bot", "1.0.0", "acc", 0.7, at(3), "mon")
        tx.add_measurement("bot", "1.0.0", "acc", 0.9, at(1), "mon")
    with store.read() as tx:
        assert tx.locations("bot", "1.0.0") == [("source", "/srv/1", at(1), ""),
                                                ("archive", "s3://b/2", at(2), "d2")]
        assert tx.measurements("bot", "1.0.0") == [("acc", 0.9, at(1)), ("acc", 0.7, at(3))]
        assert tx.locations("bot", "1.1.0") == [] and tx.measurements("bot", "1.1.0") == []
