"""The registry's use cases, run against SQLite and PostgreSQL (the ``db_url`` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from modelsteward import Registry
from modelsteward.domain.lineage import Relation
from modelsteward.domain.model import Model, ModelKind
from modelsteward.domain.provenance import SLSA_PROVENANCE, STATEMENT_TYPE
from modelsteward.domain.versioning import ChangeKind
from modelsteward.errors import (
    AttestationMismatch,
    BumpRuleViolation,
    DocumentInvalid,
    InvalidInput,
    ModelExists,
    ModelNotFound,
    NoMatchingVersion,
    StorageError,
    VersionExists,
    VersionNotFound,
)
from tests.conftest import FixedClock
from tests.service.eligibility_helpers import DEVELOPMENT


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    reg = Registry.open(db_url, actor="alice", clock=clock)
    yield reg
    reg.close()


@pytest.fixture
def development(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    """A registry whose policy makes every trained version eligible (``minimum_stage:
    trained``): for tests of pin syntax and paging, which register versions without gates."""
    reg = Registry.open(db_url, actor="alice", clock=clock, policy=DEVELOPMENT)
    yield reg
    reg.close()


def weights(folder: Path, content: bytes = b"w" * 1000) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text('{"layers": 2}')
    (folder / "model.safetensors").write_bytes(content)
    return folder


def event_count(registry: Registry) -> int:
    return len(registry.log())


def test_models_are_created_listed_and_unique(registry: Registry) -> None:
    registry.create_model(Model("support-bot", owner_team="team-support", purpose="tickets"))
    registry.create_model(Model("acme/base", kind=ModelKind.SELF_HOSTED))
    assert [m.name for m in registry.list_models()] == ["acme/base", "support-bot"]
    assert registry.get_model("support-bot").owner_team == "team-support"
    with pytest.raises(ModelExists, match="already exists"):
        registry.create_model(Model("support-bot"))
    with pytest.raises(ModelNotFound, match="steward model create nope"):
        registry.get_model("nope")


def test_change_kinds_compute_the_next_version(registry: Registry) -> None:
    registry.create_model(Model("bot"))
    made = [registry.register_version("bot", change=c, variant=v) for c, v in [
        (ChangeKind.ARCHITECTURE, ""), (ChangeKind.RETRAIN, ""), (ChangeKind.CONFIG, ""),
        (ChangeKind.PROMPT, ""), (ChangeKind.QUANTISATION, "q4"), (ChangeKind.ARCHITECTURE, ""),
    ]]
    assert [str(v.id) for v in made] == ["1.0.0", "1.1.0", "1.1.1", "1.1.2", "1.1.2+q4", "2.0.0"]
    assert [str(v.id) for v in registry.list_versions("bot")] == [
        "1.0.0", "1.1.0", "1.1.1", "1.1.2", "1.1.2+q4", "2.0.0"]
    # the quantised variant derives from its base automatically
    parents = registry.lineage("bot@1.1.2+q4").ancestors
    assert [(n.derivation.parent, n.derivation.relation) for n in parents] == [
        ("bot@1.1.2", Relation.QUANTIZED)]


def test_explicit_version_contradicting_the_change_is_refused_and_nothing_written(
        registry: Registry) -> None:
    registry.create_model(Model("bot"))
    registry.register_version("bot", "1.4.2")
    before = event_count(registry)
    with pytest.raises(BumpRuleViolation, match=r"next version is 2\.0\.0, not 1\.5\.0"):
        registry.register_version("bot", "1.5.0", change=ChangeKind.ARCHITECTURE)
    with pytest.raises(InvalidInput, match="--force needs --reason"):
        registry.register_version("bot", "1.5.0", change=ChangeKind.ARCHITECTURE, force=True)
    assert event_count(registry) == before
    assert [str(v.id) for v in registry.list_versions("bot")] == ["1.4.2"]
    forced = registry.register_version("bot", "1.5.0", change=ChangeKind.ARCHITECTURE,
                                       force=True, reason="tokenizer change was cosmetic")
    assert forced.forced_reason == "tokenizer change was cosmetic"
    assert registry.log("bot")[-1].payload["forced_reason"] == "tokenizer change was cosmetic"


def test_backport_is_checked_against_its_own_predecessor(registry: Registry) -> None:
    registry.create_model(Model("bot"))
    registry.register_version("bot", "1.4.2")
    registry.register_version("bot", change=ChangeKind.ARCHITECTURE)  # 2.0.0
    patch = registry.register_version("bot", "1.4.3", change=ChangeKind.CONFIG)
    assert str(patch.id) == "1.4.3"


def test_duplicate_versions_are_refused(registry: Registry, tmp_path: Path) -> None:
    registry.create_model(Model("bot"))
    registry.register_version("bot", "1.0.0", path=weights(tmp_path / "a"))
    before = event_count(registry)
    with pytest.raises(VersionExists, match="immutable"):
        registry.register_version("bot", "1.0.0", path=weights(tmp_path / "b", b"other"),
                                  force=True, reason="try to overwrite")
    assert event_count(registry) == before
    assert registry.get_version("bot", "1.0.0").files[1].size == 1000


def test_hosted_models_use_snapshot_ids(development: Registry) -> None:
    registry = development  # about pin syntax, not the gates
    registry.create_model(Model("sonnet", kind=ModelKind.HOSTED, provider="anthropic"))
    for snapshot in ["claude-sonnet-4-5-20250929", "claude-sonnet-4-20250514",
                     "claude-sonnet-4-5-20251101"]:
        registry.register_version("sonnet", snapshot)
    assert str(registry.resolve("sonnet", "claude-sonnet-4-5-*").id) == "claude-sonnet-4-5-20251101"
    assert str(registry.resolve("sonnet", "claude-sonnet-4-2*").id) == "claude-sonnet-4-20250514"
    assert str(registry.resolve("sonnet", "claude-sonnet-4-5-20250929").id) == \
        "claude-sonnet-4-5-20250929"
    with pytest.raises(NoMatchingVersion):
        registry.resolve("sonnet", "claude-opus-*")
    with pytest.raises(InvalidInput, match="snapshot ids"):
        registry.register_version("sonnet", change=ChangeKind.CONFIG)


def test_resolution_picks_the_best_match(development: Registry) -> None:
    registry = development  # about pin syntax, not the gates
    registry.create_model(Model("bot"))
    for seeded in ["1.0.0", "2.0.0", "2.1.0", "2.1.3", "2.1.3+q4", "2.2.0-rc.1", "2.4.0", "3.0.0"]:
        registry.register_version("bot", seeded, force=True, reason="seeding")
    expectations = {"2.1.3": "2.1.3", "^2.1": "2.4.0", "~2.1": "2.1.3", "2.x": "2.4.0",
                    ">=2 <3": "2.4.0", "^2.1+q4": "2.1.3+q4", "*": "3.0.0",
                    ">=2.2.0-rc.1 <2.3": "2.2.0-rc.1", "<2": "1.0.0"}
    for pin, expected in expectations.items():
        assert str(registry.resolve("bot", pin).id) == expected, pin
    with pytest.raises(NoMatchingVersion, match="loosen the pin"):
        registry.resolve("bot", "^4")


def test_resolution_pages_through_many_candidates(development: Registry) -> None:
    """More candidates than one database page, with the match only at the very bottom."""
    registry = development  # about paging, not the gates
    registry.create_model(Model("bot"))
    for patch in range(600):
        registry.register_version("bot", f"1.0.{patch}-rc.1", force=True, reason="seeding")
    registry.register_version("bot", "0.9.0", force=True, reason="seeding")
    assert str(registry.resolve("bot", ">=0.9.0 <0.9.1").id) == "0.9.0"
    assert str(registry.resolve("bot", ">=1.0.3-rc.1 <1.0.4").id) == "1.0.3-rc.1"


def test_registered_files_are_verified(registry: Registry, tmp_path: Path) -> None:
    registry.create_model(Model("bot"))
    folder = weights(tmp_path / "w")
    version = registry.register_version("bot", "1.0.0", path=folder)
    assert len(version.digest) == 64 and len(version.files) == 2
    assert registry.verify("bot@1.0.0", folder).ok
    (folder / "model.safetensors").write_bytes(b"tampered")
    (folder / "config.json").unlink()
    (folder / "extra.bin").write_bytes(b"x")
    result = registry.verify("bot@1.0.0", folder)
    assert not result.ok
    assert (result.diff.changed, result.diff.missing, result.diff.extra) == (
        ("model.safetensors",), ("config.json",), ("extra.bin",))


def statement(digest: str) -> dict[str, object]:
    return {"_type": STATEMENT_TYPE, "predicateType": SLSA_PROVENANCE,
            "subject": [{"name": "bot", "digest": {"sha256": digest}}],
            "predicate": {"buildDefinition": {"buildType": "https://example.com/train/v1"},
                          "runDetails": {"builder": {"id": "https://example.com/ci"}}}}


def test_attestations_must_name_the_version_digest(registry: Registry, tmp_path: Path) -> None:
    registry.create_model(Model("bot"))
    version = registry.register_version("bot", "1.0.0", path=weights(tmp_path / "w"))
    registry.attest("bot@1.0.0", statement(version.digest), {"loss": 0.3, "curve": [1.0, 0.5]})
    stored = registry.attestations("bot@1.0.0")
    assert stored[0]["metrics"] == {"loss": 0.3, "curve": [1.0, 0.5]}
    wrong = "ab" * 32
    with pytest.raises(AttestationMismatch) as caught:
        registry.attest("bot@1.0.0", statement(wrong))
    assert version.digest in str(caught.value) and wrong in str(caught.value)
    with pytest.raises(DocumentInvalid) as invalid:
        registry.attest("bot@1.0.0", {"_type": "nope", "subject": [{"digest": {}}]},
                        {"loss": "low"})
    locations = {p.location for p in invalid.value.problems}
    assert {"$._type", "$.predicateType", "$.subject[0].digest.sha256", "$.predicate",
            "$.loss"} <= locations
    assert len(registry.attestations("bot@1.0.0")) == 1


def test_lineage_reaches_ancestors_and_descendants(registry: Registry) -> None:
    registry.create_model(Model("base"))
    registry.create_model(Model("bot", kind=ModelKind.FINE_TUNED))
    upstream = "pkg:huggingface/mistralai/Mistral-7B-v0.3@caa1feb"
    registry.register_version("base", "1.0.0", derived_from=upstream, relation=Relation.FINETUNE)
    registry.register_version("bot", "1.0.0", derived_from="base@1.0.0",
                              relation=Relation.FINETUNE)
    registry.register_version("bot", change=ChangeKind.QUANTISATION, variant="q4")
    tree = registry.lineage("base@1.0.0")
    assert [(n.depth, n.derivation.parent) for n in tree.ancestors] == [(1, upstream)]
    assert [(n.depth, n.derivation.child) for n in tree.descendants] == [
        (1, "bot@1.0.0"), (2, "bot@1.0.0+q4")]
    up = registry.lineage("bot@1.0.0+q4").ancestors
    assert [n.derivation.parent for n in up] == ["bot@1.0.0", "base@1.0.0", upstream]
    with pytest.raises(VersionNotFound):
        registry.register_version("bot", "2.0.0", change=ChangeKind.ARCHITECTURE,
                                  derived_from="base@9.9.9", relation=Relation.FINETUNE)
    with pytest.raises(InvalidInput, match="package URL"):
        registry.register_version("bot", "2.0.0", change=ChangeKind.ARCHITECTURE,
                                  derived_from="pkg:", relation=Relation.FINETUNE)


def _tamper(db_url: str, sql: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as connection:
        for statement in sql.split(";"):
            connection.execute(text(statement))
    engine.dispose()


@pytest.mark.parametrize(("sql", "bad_seq"), [
    ("UPDATE events SET payload = replace(payload, 'team-a', 'team-b') WHERE seq = 2", 2),
    ("DELETE FROM events WHERE seq = 3", 3),
    ("UPDATE events SET seq = -2 WHERE seq = 2; UPDATE events SET seq = 2 WHERE seq = 3; "
     "UPDATE events SET seq = 3 WHERE seq = -2", 2),
    ("DELETE FROM events WHERE seq = 4", 4),
    ("UPDATE events SET actor = 'mallory' WHERE seq = 4", 4),
])
def test_log_verify_names_the_first_tampered_event(sql_url: str, clock: FixedClock, sql: str,
                                                   bad_seq: int) -> None:
    db_url = sql_url  # the events are tampered with in SQL
    with Registry.open(db_url, actor="alice", clock=clock) as registry:
        registry.create_model(Model("one", owner_team="team-a"))
        registry.create_model(Model("two", owner_team="team-a"))
        registry.create_model(Model("three"))
        registry.register_version("three", "1.0.0")
        assert registry.verify_log() == (4, None)
    _tamper(db_url, sql)
    with Registry.open(db_url, actor="alice", clock=clock) as registry:
        _, broken = registry.verify_log()
    assert broken is not None and broken.seq == bad_seq


def test_unreachable_database_is_a_clear_storage_error() -> None:
    with pytest.raises(StorageError, match="STEWARD_DATABASE_URL"):
        Registry.open("postgresql+psycopg://nobody@127.0.0.1:1/nowhere")
    with pytest.raises(StorageError, match="not a database URL"):
        Registry.open("definitely not a url")
    with pytest.raises(StorageError, match="SQLite and PostgreSQL"):
        Registry.open("mysql://root@127.0.0.1/test")
