"""Runtime requirements given at registration, on every store: recorded by the registration's
own transaction (the event right after the registration's), shown on the card like those set
later, and nothing at all written when the registration is refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from modelsteward import Registry
from modelsteward.domain import events as ev
from modelsteward.domain.model import Model
from modelsteward.domain.requirements import Requirements
from modelsteward.domain.versioning import ChangeKind
from modelsteward.errors import BumpRuleViolation, VersionExists
from tests.conftest import FixedClock
from tests.service.lifecycle_helpers import manifest

TESTED = Requirements("transformers", ">=4.40,<4.47", tokenizer="meta-llama/Llama-3-8B")


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    with Registry.open(db_url, actor="alice", clock=clock) as reg:
        reg.create_model(Model("bot", owner_team="team-support"))
        reg.register_version("bot", "1.0.0", manifest=manifest("bot 1"))
        yield reg


def test_requirements_given_at_registration_are_recorded_with_it(registry: Registry) -> None:
    created = registry.register_version("bot", "1.1.0", change=ChangeKind.RETRAIN,
                                        manifest=manifest("bot 2"), requirements=TESTED)
    log = registry.log("bot")
    registered = next(e for e in log if e.kind == ev.VERSION_REGISTERED
                      and e.subject == created.ref)
    [recorded] = [e for e in log if e.kind == ev.REQUIREMENTS_SET]
    # one transaction: the same time, the next number, about the new version
    assert (recorded.seq, recorded.time, recorded.subject) == (
        registered.seq + 1, registered.time, "bot@1.1.0")
    assert Requirements.from_payload(recorded.payload) == TESTED
    card = registry.cards.card("bot@1.1.0")
    assert card.versions[0].requirements == TESTED
    assert card.versions[0].requirements_seq == recorded.seq
    assert registry.verify_log()[1] is None


def test_requirements_recorded_later_replace_those_given_at_registration(
        registry: Registry) -> None:
    registry.register_version("bot", "1.1.0", change=ChangeKind.RETRAIN,
                              manifest=manifest("bot 2"), requirements=TESTED)
    later = Requirements("vllm", ">=0.5", hardware="nvidia-l4")
    registry.cards.set_requirements("bot@1.1.0", later)
    assert registry.cards.card("bot@1.1.0").versions[0].requirements == later


@pytest.mark.parametrize("refused", ["exists", "bump-rule"])
def test_a_refused_registration_writes_no_requirements_either(registry: Registry,
                                                              refused: str) -> None:
    head = registry.log()[-1].seq
    with pytest.raises(VersionExists if refused == "exists" else BumpRuleViolation):
        if refused == "exists":
            registry.register_version("bot", "1.0.0", manifest=manifest("again"), force=True,
                                      reason="again", requirements=TESTED)
        else:  # a retrain is a minor bump, not a major one
            registry.register_version("bot", "2.0.0", change=ChangeKind.RETRAIN,
                                      manifest=manifest("bot 2"), requirements=TESTED)
    assert registry.log()[-1].seq == head
    assert [str(v.id) for v in registry.list_versions("bot")] == ["1.0.0"]
    assert not [e for e in registry.log() if e.kind == ev.REQUIREMENTS_SET]
