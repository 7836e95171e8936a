"""Must-show 2: each export is checked by its standard's own tooling — the Hugging Face card
read back by ``huggingface_hub``, the ML-BOM validated strictly against CycloneDX 1.6 by
``cyclonedx-python-lib``, the SPDX document read and rewritten by ``spdx-python-model``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from modelsteward import Registry
from modelsteward.domain.model import Model, SupportPolicy
from modelsteward.domain.support import add_months
from modelsteward.exports import ExportFormat, spdx
from modelsteward.exports.spdx import support_level
from modelsteward.store.opening import MEMORY_URL
from tests.conftest import FixedClock
from tests.exports.story import BOT, UPSTREAM, build
from tests.service.lifecycle_helpers import manifest


@pytest.fixture
def registry(clock: FixedClock) -> Iterator[Registry]:
    with Registry.open(MEMORY_URL, actor="alice", clock=clock) as reg:
        yield reg


@pytest.fixture
def advisory(registry: Registry) -> str:
    return build(registry)


def spdx_problems(text: str) -> list[str]:
    """What ``spdx-python-model`` says about an SPDX 3.0.1 JSON-LD document: reading refuses
    unknown properties, wrong types and values outside the vocabularies; linking finds
    dangling references; writing refuses missing required properties."""
    from spdx_python_model import v3_0_1 as spdx

    objects = spdx.SHACLObjectSet()
    try:
        spdx.JSONLDDeserializer().deserialize_data(json.loads(text), objects)
    except (KeyError, TypeError, ValueError) as exc:
        return [f"read: {exc}"]
    missing = sorted(objects.link())
    if missing:
        return [f"unresolved: {ref}" for ref in missing]
    try:
        spdx.JSONLDSerializer().serialize_data(objects)
    except (KeyError, TypeError, ValueError) as exc:
        return [f"write: {exc}"]
    return []


def test_the_hugging_face_card_loads_back_with_huggingface_hub(
        registry: Registry, advisory: str, tmp_path: Path) -> None:
    from huggingface_hub import ModelCard

    path = tmp_path / "README.md"
    path.write_text(registry.exports.render(BOT, ExportFormat.HF), encoding="utf-8")
    card = ModelCard.load(path)
    data = card.data
    assert data.base_model == "base-llm@1.0.0"
    assert data.base_model_relation == "finetune"
    assert data.new_version == "support-bot@2.0.0"  # the plan's ^2, resolved
    assert data.license == "apache-2.0" and data.tags == ["support", "chat"]
    assert data.model_name == "support-bot"
    results = {(r.task_name, r.metric_type): r for r in data.eval_results}
    assert set(results) == {("golden", "accuracy"), ("golden", "toxicity_rate")}
    assert results["golden", "accuracy"].metric_value == pytest.approx(0.93)
    assert results["golden", "accuracy"].dataset_name == "golden"
    assert results["golden", "accuracy"].dataset_revision == "sha256:" + "d" * 64
    assert advisory in card.text and "Deprecated" in card.text


def test_an_upstream_hugging_face_parent_is_named_by_its_hub_id(
        registry: Registry, advisory: str, tmp_path: Path) -> None:
    from huggingface_hub import ModelCard

    path = tmp_path / "README.md"
    path.write_text(registry.exports.render("open-llm-q4@1.0.0", ExportFormat.HF),
                    encoding="utf-8")
    data = ModelCard.load(path).data
    assert data.base_model == "acme/open-llm"
    assert data.base_model_relation == "quantized"
    assert data.get("new_version") is None and data.eval_results is None


def test_the_ml_bom_validates_strictly_against_cyclonedx_1_6(
        registry: Registry, advisory: str) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    text = registry.exports.render(BOT, ExportFormat.CYCLONEDX)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    bom = json.loads(text)
    (component,) = bom["components"]
    assert component["type"] == "machine-learning-model"
    digest = registry.get_version("support-bot", "1.0.0").digest
    assert component["hashes"] == [{"alg": "SHA-256", "content": digest}]
    assert component["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    (ancestor,) = component["pedigree"]["ancestors"]
    assert ancestor["purl"] == "pkg:generic/modelsteward/base-llm@1.0.0"
    card = component["modelCard"]
    metrics = {(m["slice"], m["type"]) for m in
               card["quantitativeAnalysis"]["performanceMetrics"]}
    assert metrics == {("golden", "accuracy"), ("golden", "toxicity_rate")}
    assert card["considerations"] == {"useCases": ["customer support"]}
    (vulnerability,) = bom["vulnerabilities"]
    assert vulnerability["id"] == advisory
    assert vulnerability["ratings"][0]["severity"] == "high"
    assert {"name": "modelsteward:inherited-from", "value": "base-llm@1.0.0"} in (
        vulnerability["properties"])
    properties = {p["name"]: p["value"] for p in component["properties"]}
    assert properties["modelsteward:deprecation:replacement"] == "support-bot@2.0.0"
    assert properties["modelsteward:support:active-until"] == "2027-11-22"


def test_the_ml_bom_of_an_upstream_derivative_validates(registry: Registry,
                                                        advisory: str) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    text = registry.exports.render("open-llm-q4@1.0.0", ExportFormat.CYCLONEDX)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    (ancestor,) = json.loads(text)["components"][0]["pedigree"]["ancestors"]
    assert ancestor["purl"] == UPSTREAM


def test_the_spdx_document_is_valid_spdx_3_with_the_support_window(
        registry: Registry, advisory: str) -> None:
    text = registry.exports.render(BOT, ExportFormat.SPDX)
    assert spdx_problems(text) == []
    graph = json.loads(text)["@graph"]
    (package,) = [e for e in graph if e["type"] == "ai_AIPackage"
                  and e["name"] == "support-bot"]
    assert package["supportLevel"] == ["support"]
    assert package["validUntilTime"] == "2027-11-22T00:00:00Z"
    assert {"key": "golden/accuracy", "value": "0.93", "type": "DictionaryEntry"} in (
        package["ai_metric"])
    kinds = sorted(e["relationshipType"] for e in graph if e["type"] == "Relationship")
    assert kinds == ["affects", "ancestorOf", "hasDeclaredLicense"]


def test_without_a_support_window_the_spdx_level_is_no_assertion(
        registry: Registry, advisory: str) -> None:
    facts = registry.exports.facts("open-llm-q4@1.0.0")
    assert facts.active_support_until is None
    text = registry.exports.render("open-llm-q4@1.0.0", ExportFormat.SPDX)
    assert spdx_problems(text) == []
    assert support_level(facts) == "noAssertion" and "validUntilTime" not in text


@pytest.mark.parametrize(("months", "afterwards", "days_later", "level"), [
    (12, "security fixes only", 0, "support"),
    (12, "security fixes only", 366, "limitedSupport"),
    (12, "", 366, "endOfSupport"),
    (1, "", 29, "support"),  # 22 November + 1 month = 22 December: the last day is 21st
    (1, "", 30, "endOfSupport"),
])
def test_the_support_level_follows_the_window_and_what_comes_after(
        registry: Registry, advisory: str, months: int, afterwards: str, days_later: int,
        level: str) -> None:
    """Active support lasts the policy's months from the registration day; afterwards the
    level is limited support when the policy names what follows, else end of support."""
    facts = registry.exports.facts("open-llm-q4@1.0.0")
    model = replace(facts.model, support=SupportPolicy(months, afterwards))
    later = replace(facts, model=model, as_of=facts.as_of + timedelta(days=days_later))
    assert support_level(later) == level
    assert spdx_problems(spdx.render(later)) == []


def test_a_version_past_its_hard_deadline_is_at_end_of_support(registry: Registry,
                                                              advisory: str,
                                                              clock: FixedClock) -> None:
    clock.moment += timedelta(days=91)  # the plan's hard deadline is 90 days away
    assert support_level(registry.exports.facts(BOT)) == "endOfSupport"


def test_months_are_added_on_the_calendar() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 22), 14) == date(2028, 1, 22)


def test_the_validator_catches_a_broken_spdx_document() -> None:
    """The check is not vacuous: an unknown property and a bad support level are refused."""
    good = {"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [
        {"type": "CreationInfo", "@id": "_:c", "specVersion": "3.0.1",
         "created": "2026-11-22T09:00:00Z", "createdBy": ["urn:x#tool"]},
        {"type": "SoftwareAgent", "spdxId": "urn:x#tool", "creationInfo": "_:c"},
        {"type": "ai_AIPackage", "spdxId": "urn:x#p", "creationInfo": "_:c", "name": "m",
         "supportLevel": ["support"]}]}
    assert spdx_problems(json.dumps(good)) == []
    graph = good["@graph"]
    assert isinstance(graph, list)
    graph[2]["supportLevel"] = ["forever"]
    assert spdx_problems(json.dumps(good)) != []
    graph[2]["supportLevel"] = ["support"]
    graph[2]["ai_colour"] = "blue"
    assert spdx_problems(json.dumps(good)) != []


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_exports_are_deterministic(registry: Registry, advisory: str,
                                   fmt: ExportFormat) -> None:
    assert registry.exports.render(BOT, fmt) == registry.exports.render(BOT, fmt)


def test_a_diamond_in_the_lineage_still_validates(registry: Registry, advisory: str,
                                                  tmp_path: Path) -> None:
    """A merge of support-bot@1.0.0 and its own base reaches base-llm@1.0.0 twice: each
    ancestor and advisory appears once, and both documents stay valid."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    registry.create_model(Model("merged"))
    registry.register_version("merged", "1.0.0", manifest=manifest("merged"))
    card = tmp_path / "README.md"
    card.write_text("---\nbase_model: [support-bot@1.0.0, base-llm@1.0.0]\n"
                    "base_model_relation: merge\n---\n", encoding="utf-8")
    registry.exports.import_card(card, model="merged", version="1.0.0")
    text = registry.exports.render("merged@1.0.0", ExportFormat.CYCLONEDX)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    bom = json.loads(text)
    ancestors = [a["purl"] for a in bom["components"][0]["pedigree"]["ancestors"]]
    assert sorted(ancestors) == ["pkg:generic/modelsteward/base-llm@1.0.0",
                                 "pkg:generic/modelsteward/support-bot@1.0.0"]
    assert [v["id"] for v in bom["vulnerabilities"]] == [advisory]
    assert spdx_problems(registry.exports.render("merged@1.0.0", ExportFormat.SPDX)) == []
    # an ancestor's deprecation plan is inherited, but its replacement is not our new_version
    facts = registry.exports.facts("merged@1.0.0")
    assert facts.plan_via == "support-bot@1.0.0"
    hf = registry.exports.render("merged@1.0.0", ExportFormat.HF)
    assert "new_version" not in hf and "base_model_relation: merge" in hf
