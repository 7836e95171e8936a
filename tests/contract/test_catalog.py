"""The catalog role: models, versions, candidates, tombstones, attestations, lineage."""

from __future__ import annotations

from typing import Any

import pytest

from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.lineage import Derivation, Relation
from modelsteward.domain.model import FileDigest, VersionScheme
from modelsteward.domain.pins import Bounds
from modelsteward.domain.versioning import ModelVersion
from modelsteward.errors import ModelNotFound, VersionNotFound

from .helpers import T0, add_model, add_version, at, refs

SEMVERS = ["1.0.0", "1.2.0-rc.1", "1.2.0", "1.10.0", "2.0.0-beta", "1.2.0-rc.2",
           "1.2.0+gguf", "0.9.0"]


def _seed(store: Any, versions: list[str] = SEMVERS) -> None:
    with store.write() as tx:
        add_model(tx, "bot")
        for i, v in enumerate(versions):
            add_version(tx, "bot", v, minutes=i)


def test_a_model_reads_back_as_written(store: Any) -> None:
    with store.write() as tx:
        written = add_model(tx, "bot")
    with store.read() as tx:
        found = tx.get_model("bot")
        assert found is not None
        assert found.name == "bot" and found.tags == ("nlp",) and found.extra == {"k": [1, 2]}
        assert found.versioning is VersionScheme.SEMVER and found.owner_team == "team-a"
        assert found == written.__class__(**{**vars(written), "versioning": VersionScheme.SEMVER})
        assert tx.get_model("nobody") is None
        assert tx.model_created_at("bot") == T0


def test_update_model_replaces_its_fields(store: Any) -> None:
    with store.write() as tx:
        model = add_model(tx, "bot")
        tx.update_model(model.__class__(**{**vars(model), "description": "new", "tags": ("x",)}))
    with store.read() as tx:
        found = tx.get_model("bot")
        assert found.description == "new" and found.tags == ("x",)


def test_list_models_pages_by_name_and_hides_tombstones(store: Any) -> None:
    with store.write() as tx:
        for name in ["delta", "alpha", "charlie", "bravo", "echo"]:
            add_model(tx, name)
        tx.mark_deleted("charlie", "", at(1))
    with store.read() as tx:
        assert [m.name for m in tx.list_models()] == ["alpha", "bravo", "delta", "echo"]
        assert [m.name for m in tx.list_models(limit=2)] == ["alpha", "bravo"]
        assert [m.name for m in tx.list_models(after="bravo", limit=2)] == ["delta", "echo"]
        assert tx.list_models(after="echo") == []


def test_a_deleted_model_is_a_tombstone(store: Any) -> None:
    with store.write() as tx:
        add_model(tx, "bot")
        add_version(tx, "bot", "1.0.0")
        tx.mark_deleted("bot", "", at(5))
    with store.read() as tx:
        assert tx.get_model("bot") is None
        assert tx.get_model("bot", include_deleted=True) is not None
        assert tx.is_deleted("bot") and not tx.is_deleted("nobody")
        assert tx.get_version("bot", "1.0.0") is not None  # its versions stay readable
        assert tx.registration_order("bot") == ["1.0.0"]


def test_a_deleted_version_is_hidden_but_keeps_its_number(store: Any) -> None:
    _seed(store, ["1.0.0", "1.1.0", "1.2.0"])
    with store.write() as tx:
        tx.mark_deleted("bot", "1.1.0", at(9))
    with store.read() as tx:
        assert tx.is_deleted("bot", "1.1.0") and not tx.is_deleted("bot", "1.0.0")
        assert tx.get_version("bot", "1.1.0") is None
        assert tx.get_version("bot", "1.1.0", include_deleted=True) is not None
        assert refs(tx.list_versions("bot")) == ["1.0.0", "1.2.0"]
        assert refs(tx.list_versions("bot", include_deleted=True)) == ["1.0.0", "1.1.0", "1.2.0"]
        assert tx.version_at("bot", 2) is None
        assert str(tx.version_at("bot", 3).id) == "1.2.0"
        assert tx.version_count("bot") == 3
        assert tx.version_at("bot", 0) is None and tx.version_at("bot", 4) is None


def test_a_version_reads_back_with_its_files_in_path_order(store: Any) -> None:
    files = (FileDigest("b.bin", "b" * 64, 2), FileDigest("a.bin", "a" * 64, 1))
    with store.write() as tx:
        add_model(tx, "bot")
        written = add_version(tx, "bot", "1.0.0", digest="d" * 64, files=files,
                              description="first", stage=Stage.PRODUCTION)
    with store.read() as tx:
        found = tx.get_version("bot", "1.0.0")
        assert found.files == tuple(sorted(files, key=lambda f: f.path))
        assert found.digest == "d" * 64 and found.description == "first"
        assert found.registered_at == T0 and found.registered_by == "alice"
        assert found.metadata == written.metadata and found.metrics == written.metrics
        assert found.stage is Stage.TRAINED  # registration starts every version trained
        assert found.blocked_reason == ""
        assert tx.list_versions("bot")[0].files == ()  # listings leave the files out
        assert tx.version_at("bot", 1).files == found.files


def test_versions_list_in_version_order(store: Any) -> None:
    _seed(store)
    with store.read() as tx:
        assert refs(tx.list_versions("bot")) == [
            "0.9.0", "1.0.0", "1.2.0-rc.1", "1.2.0-rc.2", "1.2.0", "1.2.0+gguf", "1.10.0",
            "2.0.0-beta"]
        assert tx.registration_order("bot") == SEMVERS


def test_version_pages_follow_the_version_order(store: Any) -> None:
    """Keyset pages of the versions give the whole list's slices, also across many
    pre-releases and variants of one core (read whole at a batch boundary) and deleted ones."""
    cores = [f"1.{i}.0" for i in range(60)]
    crowded = [f"1.{i}.0-rc.{n}" for i in (33, 34) for n in range(1, 31)] + [
        f"1.33.0+v{n}" for n in range(10)]
    _seed(store, cores[::-1] + crowded)
    with store.write() as tx:
        for gone in ("1.34.0-rc.7", "1.5.0", "1.33.0+v3"):
            tx.mark_deleted("bot", gone, at(9))
    with store.read() as tx:
        for deleted in (False, True):
            everything = refs(tx.list_versions("bot", include_deleted=deleted))
            assert len(everything) == 60 + 70 - (0 if deleted else 3)
            for after, limit in [(None, 5), (None, 150), ("1.0.0", 3), ("1.20.0", 100),
                                 ("1.33.0-rc.30", 20), ("1.33.0+v9", 2), ("1.59.0", 10),
                                 ("1.34.0-rc.7", 4)]:
                start = ModelVersion.parse(after) if after else None
                page = refs(tx.list_versions_page("bot", start, limit, include_deleted=deleted))
                first = everything.index(after) + 1 if after in everything else (
                    0 if after is None else
                    sum(1 for v in everything if ModelVersion.parse(v) < start))
                assert page == everything[first:first + limit], (after, limit, deleted)


def test_latest_release_and_predecessor_skip_prereleases_and_variants(store: Any) -> None:
    _seed(store)
    with store.read() as tx:
        assert str(tx.latest_release("bot").id) == "1.10.0"
        v2 = tx.get_version("bot", "2.0.0-beta")
        assert str(tx.predecessor("bot", v2).id) == "1.10.0"
        assert str(tx.predecessor("bot", tx.get_version("bot", "1.2.0-rc.1")).id) == "1.0.0"
        assert tx.predecessor("bot", tx.get_version("bot", "0.9.0")) is None


def test_candidates_are_best_first_within_bounds_and_variant(store: Any) -> None:
    _seed(store)
    with store.read() as tx:
        found = tx.candidates("bot", Bounds((1, 0, 0), (1, 99, 0)), "", False)
        assert refs(found) == ["1.10.0", "1.2.0", "1.0.0"]
        found = tx.candidates("bot", Bounds(None, None), "", True)
        assert refs(found) == ["2.0.0-beta", "1.10.0", "1.2.0", "1.2.0-rc.2", "1.2.0-rc.1",
                               "1.0.0", "0.9.0"]
        assert refs(tx.candidates("bot", Bounds(None, None), "gguf", False)) == ["1.2.0+gguf"]
        assert refs(tx.candidates("bot", Bounds((3, 0, 0), None), "", True)) == []


def test_candidates_filter_stages_blocks_and_tombstones(store: Any) -> None:
    _seed(store, ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0"])
    with store.write() as tx:
        tx.set_stage("bot", "1.4.0", Stage.RETIRED)
        tx.set_stage("bot", "1.3.0", Stage.PRODUCTION)
        tx.set_stage("bot", "1.2.0", Stage.PRODUCTION)
        tx.set_blocked("bot", "1.2.0", "degraded")
        tx.mark_deleted("bot", "1.1.0", at(3))
    everything = Bounds(None, None)
    with store.read() as tx:
        assert refs(tx.candidates("bot", everything, "", False)) == ["1.3.0", "1.2.0", "1.0.0"]
        assert refs(tx.candidates("bot", everything, "", False, unblocked=True)) == [
            "1.3.0", "1.0.0"]
        assert refs(tx.candidates("bot", everything, "", False,
                                  stages={Stage.PRODUCTION})) == ["1.3.0", "1.2.0"]
        assert refs(tx.candidates("bot", everything, "", False, stages={Stage.RETIRED})) == [
            "1.4.0"]
        assert refs(tx.candidates("bot", everything, "", False, include_deleted=True)) == [
            "1.3.0", "1.2.0", "1.1.0", "1.0.0"]


def test_many_prereleases_of_one_core_come_whole_and_in_order(store: Any) -> None:
    versions = [f"1.0.0-rc.{i}" for i in range(1, 40)] + ["0.1.0", "1.0.0"]
    _seed(store, versions)
    with store.read() as tx:
        found = refs(tx.candidates("bot", Bounds(None, None), "", True))
    assert found == ["1.0.0", *[f"1.0.0-rc.{i}" for i in range(39, 0, -1)], "0.1.0"]


def test_snapshot_candidates_are_newest_first(store: Any) -> None:
    with store.write() as tx:
        add_model(tx, "gpt", snapshots=True)
        for i, v in enumerate(["gpt-4o-2024-08-06", "gpt-4o-2024-05-13", "gpt-4o-2024-11-20"]):
            add_version(tx, "gpt", v, minutes=i)
        tx.set_stage("gpt", "gpt-4o-2024-05-13", Stage.REJECTED)
    with store.read() as tx:
        assert refs(tx.candidates("gpt", Bounds(None, None), "", False)) == [
            "gpt-4o-2024-11-20", "gpt-4o-2024-08-06"]
        assert str(tx.latest_release("gpt").id) == "gpt-4o-2024-11-20"
        assert tx.predecessor("gpt", tx.get_version("gpt", "gpt-4o-2024-11-20")) is None


def test_unknown_models_and_versions_raise(store: Any) -> None:
    with store.write() as tx:
        add_model(tx, "support-bot")
    with pytest.raises(ModelNotFound) as raised, store.read() as tx:
        tx.list_versions("support-bat")
    assert raised.value.suggestions == ("support-bot",)
    with pytest.raises(VersionNotFound), store.read() as tx:
        tx.evaluations("support-bot", "9.9.9")
    with store.read() as tx:
        assert tx.get_version("support-bot", "9.9.9") is None
        assert tx.close_model_names("suport-bot") == ["support-bot"]


def test_attestations_read_back_oldest_first(store: Any) -> None:
    with store.write() as tx:
        add_model(tx, "bot")
        add_version(tx, "bot", "1.0.0")
        tx.add_attestation("bot", "1.0.0", {"n": 2}, {"acc": 0.5}, at(2), "bob")
        tx.add_attestation("bot", "1.0.0", {"n": 1}, {}, at(1), "alice")
    with store.read() as tx:
        found = tx.attestations("bot", "1.0.0")
    assert [a["statement"] for a in found] == [{"n": 1}, {"n": 2}]
    assert found[0] == {"statement": {"n": 1}, "metrics": {}, "attached_at": at(1).isoformat(),
                        "attached_by": "alice"}


def test_lineage_reads_both_ways_and_upstream(store: Any) -> None:
    base = "pkg:huggingface/acme/base"
    with store.write() as tx:
        tx.add_derivation(Derivation("bot@1.0.0", f"{base}@abc", Relation.FINETUNE))
        tx.add_derivation(Derivation("alpha@1.0.0", base, Relation.ADAPTER))
        tx.add_derivation(Derivation("bot@1.0.0", "other@2.0.0", Relation.MERGE))
        tx.add_derivation(Derivation("zeta@1.0.0", f"{base}x", Relation.MERGE))
    with store.read() as tx:
        assert [d.parent for d in tx.parents("bot@1.0.0")] == ["other@2.0.0", f"{base}@abc"]
        assert tx.children("other@2.0.0") == [
            Derivation("bot@1.0.0", "other@2.0.0", Relation.MERGE)]
        assert [d.child for d in tx.upstream_children(base)] == ["alpha@1.0.0", "bot@1.0.0"]
        asked = ["bot@1.0.0", "alpha@1.0.0", "other@2.0.0", "nobody@1.0.0"]
        assert tx.parents_of(asked) == {ref: tx.parents(ref) for ref in asked}
        assert tx.parents_of([]) == {}
        asked = ["other@2.0.0", f"{base}@abc", "bot@1.0.0", "nobody@1.0.0"]
        assert tx.children_of(asked) == {ref: tx.children(ref) for ref in asked}
        assert tx.children_of([]) == {}


def test_returned_values_do_not_change_the_store(store: Any) -> None:
    _seed(store, ["1.0.0"])
    with store.read() as tx:
        tx.get_version("bot", "1.0.0").metadata["origin"] = "changed"
        tx.get_model("bot").extra["k"] = "changed"
        tx.list_versions("bot")[0].metrics["acc"] = 0
    with store.read() as tx:
        assert tx.get_version("bot", "1.0.0").metadata == {"origin": "test"}
        assert tx.get_model("bot").extra == {"k": [1, 2]}
        assert tx.list_versions("bot")[0].metrics == {"acc": 0.9}


def test_version_ids_come_back_typed(store: Any) -> None:
    _seed(store, ["1.2.3-rc.1+gguf"])
    with store.read() as tx:
        assert tx.get_version("bot", "1.2.3-rc.1+gguf").id == ModelVersion(1, 2, 3, "rc.1", "gguf")


def test_models_with_a_version_in_a_stage_are_found_by_name(store: Any) -> None:
    with store.write() as tx:
        for name in ("alpha", "bot", "charlie", "gone"):
            add_model(tx, name)
        for name in ("alpha", "bot", "charlie", "gone"):
            add_version(tx, name, "1.0.0")
            add_version(tx, name, "1.1.0")
        tx.set_stage("alpha", "1.1.0", Stage.PRODUCTION)
        tx.set_stage("bot", "1.0.0", Stage.PRODUCTION)
        tx.set_stage("bot", "1.1.0", Stage.STAGING)
        tx.set_stage("charlie", "1.0.0", Stage.PRODUCTION)
        tx.mark_deleted("charlie", "1.0.0", at(1))
        tx.set_stage("gone", "1.0.0", Stage.PRODUCTION)
        tx.mark_deleted("gone", "", at(1))
    with store.read() as tx:
        names = ["alpha", "bot", "charlie", "gone", "nobody"]
        assert tx.models_with_stage(names, Stage.PRODUCTION) == {"alpha", "bot"}
        assert tx.models_with_stage(names, Stage.STAGING) == {"bot"}
        assert tx.models_with_stage(["alpha"], Stage.STAGING) == set()
        assert tx.models_with_stage([], Stage.PRODUCTION) == set()
        assert tx.models_with_stage(names, Stage.TRAINED) == {"alpha", "charlie"}


def test_the_newest_registrations_come_first(store: Any) -> None:
    with store.write() as tx:
        add_model(tx, "bot")
        add_model(tx, "alpha")
        for number in ("2.0.0", "1.0.0", "1.1.0"):
            add_version(tx, "bot", number)
        add_version(tx, "alpha", "9.0.0")
        tx.mark_deleted("bot", "1.1.0", at(1))
    with store.read() as tx:
        assert tx.newest_registrations("bot", limit=2) == ["1.1.0", "1.0.0"]
        assert tx.newest_registrations("bot", limit=10) == ["1.1.0", "1.0.0", "2.0.0"]
        assert tx.newest_registrations("alpha", limit=0) == []
        with pytest.raises(ModelNotFound):
            tx.newest_registrations("nobody", limit=1)


def test_many_models_and_versions_read_at_once_as_one_by_one(store: Any) -> None:
    files = (FileDigest("b.bin", "b" * 64, 2), FileDigest("a.bin", "a" * 64, 1))
    with store.write() as tx:
        add_model(tx, "bot")
        add_model(tx, "cat")
        add_model(tx, "gone")
        add_version(tx, "bot", "1.0.0", files=files)
        add_version(tx, "bot", "1.1.0")
        add_version(tx, "cat", "1.1.0")
        add_version(tx, "cat", "2.0.0")
        tx.mark_deleted("cat", "2.0.0", at(5))
        tx.mark_deleted("gone", "", at(5))
    with store.read() as tx:
        models = tx.get_models(["bot", "cat", "gone", "nobody", "bot"])
        assert models == {"bot": tx.get_model("bot"), "cat": tx.get_model("cat")}
        asked = [("bot", "1.0.0"), ("cat", "1.1.0"), ("cat", "2.0.0"), ("bot", "9.9.9"),
                 ("nobody", "1.0.0"), ("cat", "1.0.0")]
        found = tx.get_versions(asked)
        assert found == {"bot@1.0.0": tx.get_version("bot", "1.0.0"),
                         "cat@1.1.0": tx.get_version("cat", "1.1.0")}
        assert found["bot@1.0.0"].files == tuple(sorted(files, key=lambda f: f.path))
        assert tx.get_versions([]) == {} and tx.get_models([]) == {}


def test_which_versions_are_attested_is_read_at_once(store: Any) -> None:
    _seed(store, ["1.0.0", "1.1.0", "1.2.0"])
    with store.write() as tx:
        tx.add_attestation("bot", "1.0.0", {"n": 1}, {}, at(1), "alice")
        tx.add_attestation("bot", "1.0.0", {"n": 2}, {}, at(2), "alice")
        tx.add_attestation("bot", "1.2.0", {"n": 1}, {}, at(1), "alice")
    with store.read() as tx:
        assert tx.attested([("bot", "1.0.0"), ("bot", "1.1.0"), ("bot", "1.2.0"),
                            ("bot", "9.9.9"), ("nobody", "1.0.0")]) == {"bot@1.0.0", "bot@1.2.0"}
        assert tx.attested([]) == set()


def _mixed_model(store: Any) -> dict[str, tuple[Stage, bool, bool]]:
    """A model of 160 versions in every stage, with pre-releases of one core spanning pages,
    variants, blocked and deleted ones, registered in no version order: {version: (stage,
    blocked, deleted)}."""
    import random

    chance = random.Random(21)
    names = [f"{major}.{minor}.{patch}" for major in (0, 1, 2) for minor in range(6)
             for patch in range(4)]
    names += [f"1.3.0-rc.{i}" for i in range(1, 30)] + ["1.5.1+gguf", "2.0.0+gguf", "1.5.2-b+q"]
    chance.shuffle(names)
    made: dict[str, tuple[Stage, bool, bool]] = {}
    with store.write() as tx:
        add_model(tx, "big")
        for i, name in enumerate(names):
            add_version(tx, "big", name, minutes=i)
        for name in names:
            stage = chance.choice([*Stage, Stage.TRAINED, Stage.TRAINED])
            blocked, deleted = chance.random() < 0.1, chance.random() < 0.1
            if stage is not Stage.TRAINED:
                tx.set_stage("big", name, stage)
            if blocked:
                tx.set_blocked("big", name, "degraded")
            if deleted:
                tx.mark_deleted("big", name, at(999))
            made[name] = (stage, blocked, deleted)
    return made


@pytest.mark.parametrize("stages", [None, {Stage.PRODUCTION}, {Stage.TRAINED},
                                    {Stage.PRODUCTION, Stage.STAGING, Stage.REGISTERED,
                                     Stage.DEPRECATED, Stage.RETIRED}, set(Stage), set()])
def test_candidates_are_every_admitted_version_best_first(store: Any,
                                                          stages: set[Stage] | None) -> None:
    """Read stage by stage (each from its newest) and merged, the candidates are those one
    filter over every version gives, best first, over pages of growing size: in every
    combination of bounds, variant, pre-releases, blocked and deleted versions."""
    made = _mixed_model(store)
    cases = [(Bounds(None, None), ""), (Bounds((1, 0, 0), (1, 99, 99)), ""),
             (Bounds((1, 3, 0), (1, 3, 0)), ""), (Bounds((0, 5, 0), (2, 0, 0)), "gguf"),
             (Bounds(None, (1, 3, 0)), ""), (Bounds((1, 4, 0), None), "q")]
    with store.read() as tx:
        for bounds, variant in cases:
            for prerelease in (False, True):
                for unblocked in (False, True):
                    for deleted in (False, True):
                        found = refs(tx.candidates("big", bounds, variant, prerelease,
                                                   stages=stages, unblocked=unblocked,
                                                   include_deleted=deleted))
                        expected = [
                            name for name, (stage, blocked, gone) in made.items()
                            if (stage in stages if stages is not None
                                else stage not in (Stage.RETIRED, Stage.REJECTED))
                            and not (unblocked and blocked) and not (gone and not deleted)
                            and _within(ModelVersion.parse(name), bounds, variant, prerelease)]
                        expected.sort(key=ModelVersion.parse, reverse=True)
                        assert found == expected, (bounds, variant, prerelease, unblocked,
                                                   deleted)


def _within(version: ModelVersion, bounds: Bounds, variant: str, prerelease: bool) -> bool:
    core = version.core
    return (version.variant == variant and (prerelease or not version.prerelease)
            and (bounds.lower is None or core >= bounds.lower)
            and (bounds.upper is None or core <= bounds.upper))
