"""The experiments role: experiments kept whole and by name, and their outcomes' moments added
to, never replaced, under the same (arm, metric, day)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from modelsteward.domain.direction import Direction
from modelsteward.domain.experiment import (
    Action,
    Arm,
    CanaryPlan,
    Experiment,
    ExperimentStatus,
)
from modelsteward.domain.outcomes import Design, MetricKind, MetricRole, MetricSpec, Moments
from modelsteward.errors import ExperimentExists

from .helpers import add_model, at


def experiment(name: str = "bot-ab", model: str = "bot", *, canary: bool = False) -> Experiment:
    made = Experiment(
        name=name, model=model,
        arms=(Arm("control", "1.0.0", 0.9), Arm("treatment", "1.1.0", 0.1)),
        unit="user_id", coverage=0.5, seed=name,
        metrics=(MetricSpec("thumbs_up", MetricKind.PROPORTION),
                 MetricSpec("latency_ms", MetricKind.MEAN, Direction.LOWER_IS_BETTER,
                            MetricRole.GUARDRAIL, 0.1)),
        design=Design(0.01, 0.9, 0.05), starts_at=at(0), ends_at=at(60 * 24 * 7),
        canary=CanaryPlan((0.05, 0.5, 1.0), timedelta(hours=2), 250) if canary else None,
        created_at=at(0), created_by="alice", description="sonnet vs haiku")
    return made.at_step(0, at(1)) if canary else made


def test_an_experiment_reads_back_whole(store: Any) -> None:
    with store.write() as tx:
        add_model(tx, "bot")
        tx.add_experiment(experiment(canary=True))
        tx.add_experiment(experiment("a-first"))
    with store.read() as tx:
        assert tx.experiment("bot-ab") == experiment(canary=True)
        assert tx.experiment("nope") is None
        assert [e.name for e in tx.experiments()] == ["a-first", "bot-ab"]
        assert [e.name for e in tx.experiments("bot")] == ["a-first", "bot-ab"]
        assert tx.experiments("other") == []


def test_the_experiments_of_a_batch_of_models_read_at_once(store: Any) -> None:
    with store.write() as tx:
        add_model(tx, "bot")
        add_model(tx, "alpha")
        for name, model in (("z-bot", "bot"), ("b-alpha", "alpha"), ("a-bot", "bot")):
            tx.add_experiment(experiment(name, model))
    with store.read() as tx:
        found = tx.experiments_of(["bot", "alpha", "nobody"])
        assert {m: [e.name for e in listed] for m, listed in found.items()} == {
            "bot": ["a-bot", "z-bot"], "alpha": ["b-alpha"]}
        assert found["bot"] == tx.experiments("bot")
        assert tx.experiments_of(["nobody"]) == {} == tx.experiments_of([])


def test_a_name_is_taken_once(store: Any) -> None:
    with store.write() as tx:
        add_model(tx, "bot")
        tx.add_experiment(experiment())
    with pytest.raises(ExperimentExists), store.write() as tx:
        tx.add_experiment(experiment(model="bot"))
    with store.read() as tx:
        assert len(tx.experiments()) == 1


def test_saving_changes_the_state_and_running_filters_it(store: Any) -> None:
    with store.write() as tx:
        add_model(tx, "bot")
        tx.add_experiment(experiment())
        tx.add_experiment(experiment("other"))
    ended = experiment().decided(Action.ROLLBACK, "latency regressed", at(30))
    with store.write() as tx:
        tx.save_experiment(ended)
    with store.read() as tx:
        assert tx.experiment("bot-ab") == ended
        assert tx.experiment("bot-ab").status is ExperimentStatus.ROLLED_BACK
        assert [e.name for e in tx.experiments(running=True)] == ["other"]


def test_moments_add_up_under_their_key(store: Any) -> None:
    day = date(2026, 3, 1)
    with store.write() as tx:
        add_model(tx, "bot")
        tx.add_experiment(experiment())
        tx.add_moments("bot-ab", {("control", "latency_ms", day): Moments(2, 3.0, 5.0),
                                  ("control", "", day): Moments(2, 0.0, 0.0)})
    with store.write() as tx:
        tx.add_moments("bot-ab", {("control", "latency_ms", day): Moments(1, 4.0, 16.0),
                                  ("treatment", "latency_ms", day + timedelta(days=1)):
                                      Moments(1, 1.5, 2.25)})
    with store.read() as tx:
        assert tx.moments("bot-ab") == {
            ("control", "", day): Moments(2, 0.0, 0.0),
            ("control", "latency_ms", day): Moments(3, 7.0, 21.0),
            ("treatment", "latency_ms", day + timedelta(days=1)): Moments(1, 1.5, 2.25)}
        assert tx.moments("other") == {}


def test_a_failed_write_keeps_no_moments(store: Any) -> None:
    day = date(2026, 3, 1)
    with store.write() as tx:
        add_model(tx, "bot")
        tx.add_experiment(experiment())
    with pytest.raises(RuntimeError), store.write() as tx:
        tx.add_moments("bot-ab", {("control", "latency_ms", day): Moments(1, 1.0, 1.0)})
        raise RuntimeError("the batch failed after its moments were written")
    with store.read() as tx:
        assert tx.moments("bot-ab") == {}


def test_a_canary_step_changes_only_the_weights(store: Any) -> None:
    with store.write() as tx:
        add_model(tx, "bot")
        tx.add_experiment(experiment(canary=True))
    stepped = experiment(canary=True).at_step(2, at(200))
    with store.write() as tx:
        tx.save_experiment(stepped)
    with store.read() as tx:
        found = tx.experiment("bot-ab")
        assert found.weights == (0.0, 1.0)
        assert found.step == 2 and found.step_started_at == at(200)
        assert replace(found, arms=experiment(canary=True).arms, step=0,
                       step_started_at=at(1)) == experiment(canary=True)


def test_experiments_page_by_name_and_filter_ended_ones(store: Any) -> None:
    names = ["e5", "a1", "d4", "b2", "c3"]
    with store.write() as tx:
        add_model(tx, "bot")
        for name in names:
            tx.add_experiment(experiment(name))
    with store.write() as tx:
        for name in ("a1", "d4"):
            tx.save_experiment(experiment(name).decided(Action.ROLLBACK, "worse", at(30)))
    with store.read() as tx:
        assert [e.name for e in tx.experiments(after="b2", limit=2)] == ["c3", "d4"]
        assert [e.name for e in tx.experiments(after="d4")] == ["e5"]
        assert tx.experiments(limit=0) == []
        assert [e.name for e in tx.experiments(ended=True)] == ["a1", "d4"]
        assert [e.name for e in tx.experiments(ended=True, after="a1", limit=5)] == ["d4"]
        assert [e.name for e in tx.experiments(running=True, limit=2)] == ["b2", "c3"]
