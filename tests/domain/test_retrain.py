"""Retrain triggers: how a pipeline's trigger section is read, and which triggers fire, once
per occurrence."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelsteward.domain.registry_file import parse_registry_file
from modelsteward.domain.retrain import (
    BaseNotice,
    BaseTrigger,
    Firing,
    MetricReading,
    MetricSource,
    MetricTrigger,
    RetrainFacts,
    ScheduleTrigger,
    Trigger,
    TriggerKind,
    firings,
    read_triggers,
    render_triggers,
    retrain_schedule,
)
from modelsteward.domain.schedule import parse_schedule
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem

from .strategies import FAST

QUARTERLY = ScheduleTrigger(parse_schedule("quarterly"))
ACCURACY = MetricTrigger("accuracy", 0.95)
THRESHOLDS = {"accuracy": 0.95, "f1": 0.93}


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def reading(value: float, seq: int, *, metric: str = "accuracy", when: datetime | None = None,
            source: MetricSource = MetricSource.EVALUATION) -> MetricReading:
    return MetricReading(metric, value, source, "classifier@2.1.0",
                         when or at(2026, 9, 1) + timedelta(minutes=seq), seq)


FACTS = RetrainFacts("classifier", base_model="gpt-4o-mini")


# --- firings -----------------------------------------------------------------------------------


def test_a_schedule_fires_for_its_due_time_since_the_last_check() -> None:
    facts = replace(FACTS, schedule_checked_at=at(2026, 9, 30, 23))
    fired = firings([QUARTERLY], facts, at(2026, 10, 1, 0, 5))
    assert fired == (Firing("retrain:classifier:schedule:2026-10-01", TriggerKind.SCHEDULE,
                            "The quarterly schedule fell due on 2026-10-01 00:00 UTC (last "
                            "checked 2026-09-30 23:00 UTC)."),)
    assert firings([QUARTERLY], facts, at(2026, 9, 30, 23, 59)) == ()


def test_a_schedule_never_checked_does_not_fire_and_months_missed_fire_once() -> None:
    assert firings([QUARTERLY], FACTS, at(2026, 10, 1, 0, 5)) == ()
    long_ago = RetrainFacts("classifier", schedule_checked_at=at(2025, 11, 3))
    fired = firings([QUARTERLY], long_ago, at(2026, 10, 2))
    assert [f.key for f in fired] == ["retrain:classifier:schedule:2026-10-01"]


def test_a_due_time_other_than_midnight_is_keyed_by_its_minute() -> None:
    facts = RetrainFacts("classifier", schedule_checked_at=at(2026, 10, 1))
    fired = firings([ScheduleTrigger(parse_schedule("30 6 1 */3 *"))], facts, at(2026, 10, 2))
    assert [f.key for f in fired] == ["retrain:classifier:schedule:2026-10-01T06:30Z"]
    assert "The schedule '30 6 1 */3 *' fell due on 2026-10-01 06:30 UTC" in fired[0].reason


def test_schedules_due_at_the_same_time_fire_once() -> None:
    facts = RetrainFacts("classifier", schedule_checked_at=at(2026, 12, 31))
    monthly = ScheduleTrigger(parse_schedule("monthly"))
    fired = firings([QUARTERLY, monthly], facts, at(2027, 1, 1, 1))
    assert [(f.key, f.reason.split(" fell")[0]) for f in fired] == [
        ("retrain:classifier:schedule:2027-01-01", "The quarterly schedule")]


def test_a_metric_below_its_threshold_fires_for_the_event_of_its_latest_reading() -> None:
    facts = RetrainFacts("classifier", readings=(reading(0.97, 800), reading(0.91, 812),
                                                 reading(0.90, 805)))
    fired = firings([ACCURACY], facts, at(2026, 10, 1))
    assert fired == (Firing("retrain:classifier:metric_below:accuracy:812",
                            TriggerKind.METRIC_BELOW,
                            "accuracy 0.91 fell below 0.95 in evaluation of classifier@2.1.0 "
                            "(event 812)."),)


def test_a_metric_fires_only_strictly_below_from_its_own_source_and_up_to_now() -> None:
    at_threshold = RetrainFacts("classifier", readings=(reading(0.95, 1),))
    assert firings([ACCURACY], at_threshold, at(2026, 10, 1)) == ()
    monitored = RetrainFacts("classifier", readings=(
        reading(0.5, 2, source=MetricSource.MONITORING),))
    assert firings([ACCURACY], monitored, at(2026, 10, 1)) == ()
    watch = MetricTrigger("accuracy", 0.95, MetricSource.MONITORING)
    assert [f.key for f in firings([watch], monitored, at(2026, 10, 1))] == [
        "retrain:classifier:metric_below:accuracy:2"]
    # a later reading, recorded after now, is not looked at: the earlier one still fires
    later = RetrainFacts("classifier", readings=(reading(0.5, 3, when=at(2026, 9, 1)),
                                                 reading(0.99, 4, when=at(2026, 12, 1))))
    assert [f.key for f in firings([ACCURACY], later, at(2026, 10, 1))] == [
        "retrain:classifier:metric_below:accuracy:3"]
    recovered = RetrainFacts("classifier", readings=later.readings)
    assert firings([ACCURACY], recovered, at(2026, 12, 2)) == ()


def test_the_base_models_new_versions_plans_and_advisories() -> None:
    facts = RetrainFacts(
        "classifier", base_model="gpt-4o-mini", base_version_used="2024-07-18",
        base_latest_version="2025-07-18",
        deprecations=(BaseNotice("dep-12", "provider shutdown."),),
        advisories=(BaseNotice("MSA-2026-0001"), BaseNotice("MSA-2026-0002", "leaks data")))
    triggers = [BaseTrigger(TriggerKind.BASE_MODEL_NEW_VERSION),
                BaseTrigger(TriggerKind.BASE_DEPRECATED), BaseTrigger(TriggerKind.BASE_ADVISORY)]
    assert [(f.key, f.kind, f.reason) for f in firings(triggers, facts, at(2026, 1, 1))] == [
        ("retrain:classifier:base_version:2025-07-18", TriggerKind.BASE_MODEL_NEW_VERSION,
         "gpt-4o-mini has a newer version 2025-07-18; classifier was fine-tuned from "
         "2024-07-18."),
        ("retrain:classifier:deprecation:dep-12", TriggerKind.BASE_DEPRECATED,
         "The deprecation plan dep-12 covers gpt-4o-mini: provider shutdown."),
        ("retrain:classifier:advisory:MSA-2026-0001", TriggerKind.BASE_ADVISORY,
         "The advisory MSA-2026-0001 affects gpt-4o-mini."),
        ("retrain:classifier:advisory:MSA-2026-0002", TriggerKind.BASE_ADVISORY,
         "The advisory MSA-2026-0002 affects gpt-4o-mini: leaks data."),
    ]
    same = RetrainFacts("classifier", base_version_used="2025-07-18",
                        base_latest_version="2025-07-18")
    unknown = RetrainFacts("classifier", base_latest_version="2025-07-18")
    for quiet in (same, unknown):
        assert firings(triggers, quiet, at(2026, 1, 1)) == ()


def test_naive_times_and_base_triggers_of_other_kinds_are_refused() -> None:
    with pytest.raises(InvalidInput, match="no time zone"):
        firings([QUARTERLY], FACTS, datetime(2026, 1, 1))
    with pytest.raises(InvalidInput, match="not a trigger about the base model"):
        BaseTrigger(TriggerKind.SCHEDULE)


ALL_TRIGGERS: list[Trigger] = [
    QUARTERLY, ScheduleTrigger(parse_schedule("0 */6 * * *")), ACCURACY,
    MetricTrigger("latency_score", 0.5, MetricSource.MONITORING),
    BaseTrigger(TriggerKind.BASE_MODEL_NEW_VERSION), BaseTrigger(TriggerKind.BASE_DEPRECATED),
    BaseTrigger(TriggerKind.BASE_ADVISORY)]
NOW = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1)).map(
    lambda t: t.replace(tzinfo=UTC))
FACTS_DRAWN = st.builds(
    RetrainFacts, st.just("classifier"),
    readings=st.lists(st.builds(
        MetricReading, st.sampled_from(["accuracy", "latency_score"]), st.floats(0, 1),
        st.sampled_from(MetricSource), st.just("classifier@2.1.0"), NOW,
        st.integers(1, 10_000)), max_size=6).map(tuple),
    base_version_used=st.sampled_from(["", "1", "2"]),
    base_latest_version=st.sampled_from(["", "1", "2"]),
    deprecations=st.lists(st.builds(BaseNotice, st.sampled_from(["d1", "d2"])),
                          max_size=2).map(tuple),
    advisories=st.lists(st.builds(BaseNotice, st.sampled_from(["a1", "a2"])),
                        max_size=2).map(tuple),
    schedule_checked_at=st.none() | NOW)


@FAST
@given(FACTS_DRAWN, NOW, st.permutations(ALL_TRIGGERS))
def test_the_same_facts_give_the_same_firings_each_once(facts: RetrainFacts, now: datetime,
                                                        triggers: list[Trigger]) -> None:
    """Evaluated again, the same triggers and facts give the same firings: a notice keyed by
    a firing's key is sent once per occurrence, however often the triggers are evaluated."""
    fired = firings(triggers, facts, now)
    assert firings(triggers, facts, now) == fired
    keys = [f.key for f in fired]
    assert len(keys) == len(set(keys))
    assert {f.key for f in firings(list(reversed(triggers)), facts, now)} == set(keys)
    assert all(f.key.startswith("retrain:classifier:") and f.reason.endswith(".")
               for f in fired)


@FAST
@given(st.lists(st.integers(1, 24 * 40), min_size=1, max_size=60), st.booleans())
def test_a_dispatcher_ticking_through_a_year_fires_each_quarter_once(
        gaps: list[int], forgets: bool) -> None:
    """A dispatcher that evaluates the triggers at random intervals (at most 40 days apart)
    and keeps the check time sees each quarter's key once; one that forgets to keep it sees
    a quarter's key again at each tick, never another key for the same quarter, so notices
    keyed by it still go out once."""
    checked, now = at(2026, 1, 1, 12), at(2026, 1, 1, 12)
    seen: list[str] = []
    for hours in gaps:
        now += timedelta(hours=hours)
        facts = RetrainFacts("classifier", schedule_checked_at=checked)
        seen.extend(f.key for f in firings([QUARTERLY], facts, now))
        if not forgets:
            checked = now
    due = [d.date().isoformat() for d in QUARTERLY.schedule.due_times(at(2026, 1, 1, 12), now)]
    expected = [f"retrain:classifier:schedule:{day}" for day in due]
    if forgets:
        assert set(seen) == set(expected)
    else:
        assert seen == expected


# --- the trigger section -----------------------------------------------------------------------


def read(value: object, thresholds: dict[str, float] | None = None
         ) -> tuple[tuple[Trigger, ...], list[Problem]]:
    problems: list[Problem] = []
    found = read_triggers(value, "fine_tuning.trigger", problems,
                          THRESHOLDS if thresholds is None else thresholds)
    return found, problems


def test_the_seeds_trigger_section() -> None:
    """``or: eval_score_drops_below_threshold`` stands for one metric_below trigger per
    metric of the evaluate step's threshold."""
    found, problems = read({"schedule": "quarterly", "or": "eval_score_drops_below_threshold"})
    assert problems == []
    assert found == (QUARTERLY, ACCURACY, MetricTrigger("f1", 0.93))


def test_a_list_of_triggers_and_their_written_form() -> None:
    section = [{"schedule": "0 6 1 */3 *"},
               {"metric_below": {"metric": "accuracy", "threshold": 0.9,
                                 "source": "monitoring"}},
               {"metric_below": {"metric": "f1"}},
               "base_model_new_version", "base_deprecated", "base_advisory"]
    found, problems = read(section)
    assert problems == []
    assert found == (ScheduleTrigger(parse_schedule("0 6 1 */3 *")),
                     MetricTrigger("accuracy", 0.9, MetricSource.MONITORING),
                     MetricTrigger("f1", 0.93),
                     BaseTrigger(TriggerKind.BASE_MODEL_NEW_VERSION),
                     BaseTrigger(TriggerKind.BASE_DEPRECATED),
                     BaseTrigger(TriggerKind.BASE_ADVISORY))
    assert read(render_triggers(found)) == (found, [])
    assert read("base_advisory") == ((BaseTrigger(TriggerKind.BASE_ADVISORY),), [])
    assert read(None) == ((), [])


def test_every_problem_of_a_trigger_section_is_located() -> None:
    _, problems = read({
        "schedule": "fortnightly",
        "unless": "friday",
        "or": ["eval_score_drops_below_threshold", {"metric_below": {"metric": "accuracy"}},
               {"metric_below": {"metric": "recall"}},
               {"metric_below": {"metric": "f1", "threshold": "high", "when": "now"}},
               {"base_advisory": {"severity": "high"}}, {"retrain": "always"}, "quarterly",
               {"schedule": "monthly", "metric_below": {}}, 7]})
    assert [str(p) for p in problems] == [
        "fine_tuning.trigger.schedule: must be daily, weekly, monthly, quarterly, yearly or a "
        "cron rule of five fields (minute hour day-of-month month day-of-week, e.g. "
        "'0 6 1 */3 *'), found the text 'fortnightly' (1 field)",
        "fine_tuning.trigger.unless: is not part of a trigger section: write schedule: and "
        "or:, or a list of triggers",
        "fine_tuning.trigger.or[1]: repeats the trigger at fine_tuning.trigger.or[0]; give "
        "each trigger once",
        "fine_tuning.trigger.or[2].metric_below: gives no threshold, and the evaluate step "
        "has none for recall; add threshold:",
        "fine_tuning.trigger.or[3].metric_below.when: is not a field of metric_below; its "
        "fields are metric, threshold, source",
        "fine_tuning.trigger.or[3].metric_below.threshold: must be a number, found the text "
        "'high'",
        "fine_tuning.trigger.or[4].base_advisory: takes no parameters: write it as the word "
        "base_advisory",
        "fine_tuning.trigger.or[5].retrain: is not a trigger; the triggers are schedule, "
        "metric_below, base_model_new_version, base_deprecated, base_advisory",
    ] + [
        f"fine_tuning.trigger.or[{i}]: must be a trigger: {{schedule: quarterly}}, "
        f"{{metric_below: {{metric: accuracy, threshold: 0.9, source: monitoring}}}}, or one "
        f"of the words eval_score_drops_below_threshold, base_model_new_version, "
        f"base_deprecated, base_advisory, found {found}"
        for i, found in ((6, "the text 'quarterly'"), (7, "a mapping"), (8, "the number 7"))]


def test_the_shorthand_needs_the_evaluate_steps_thresholds() -> None:
    assert read("eval_score_drops_below_threshold", {})[1] == [Problem(
        "fine_tuning.trigger", "eval_score_drops_below_threshold needs the evaluate step's "
                               "threshold, which names no metric")]
    problems: list[Problem] = []  # thresholds unknown (the evaluate step is wrong): no echo
    assert read_triggers(["eval_score_drops_below_threshold", {"metric_below": {
        "metric": "f1"}}], "t", problems, None) == ()
    assert problems == []


# --- the registry file's retrain_schedule ------------------------------------------------------


def test_the_registry_files_retrain_schedule_is_read_as_a_schedule_trigger() -> None:
    entries = parse_registry_file({"models": {
        "classification-v2": {"type": "fine-tuned", "base_model": "gpt-4o-mini",
                              "fine_tune_id": "ft:gpt-4o-mini:org:classification-v2:abc123",
                              "retrain_schedule": "quarterly"},
        "broken": {"provider": "openai", "model_id": "gpt-4o", "retrain_schedule": "fortnightly"},
        "plain": {"provider": "openai", "model_id": "gpt-4o"}}})
    assert retrain_schedule(entries[0]) == QUARTERLY
    assert retrain_schedule(entries[2]) is None
    with pytest.raises(DocumentInvalid) as refused:
        retrain_schedule(entries[1])
    assert [p.location for p in refused.value.problems] == ["models.broken.retrain_schedule"]
