"""The registry ``bench_route.py`` and ``bench_ingest.py`` measure: one model with two versions
taken through the default policy's gates (so both are eligible, as an experiment requires) and
a running A/B experiment between them with three metrics.

The seeding goes through the library, as an application's pipeline would (register, attest,
evaluate, promote); it mirrors ``tests/service/lifecycle_helpers.py``, which a benchmark run as
a script cannot import.
"""

from __future__ import annotations

import hashlib

from modelsteward import Registry
from modelsteward.domain.evaluation_file import EvaluationResult
from modelsteward.domain.experiment_file import parse_experiment
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import FileDigest, Model, RiskTier
from modelsteward.domain.provenance import SLSA_PROVENANCE, STATEMENT_TYPE
from modelsteward.domain.versioning import ChangeKind
from modelsteward.integrity.manifest import Manifest

MODEL = "bench-bot"
CONTROL, TREATMENT = "1.0.0", "2.0.0"
METRICS = ("thumbs_up", "latency_ms", "cost")  # one proportion, two means
DATASET = "sha256:" + "d" * 64


def seed_model(registry: Registry) -> None:
    """:data:`MODEL` with :data:`CONTROL` and :data:`TREATMENT`, both ``registered`` (eligible
    under the default policy: attested, evaluated on the suite a low-risk model needs)."""
    registry.create_model(Model(MODEL, owner_team="team-bench", risk_tier=RiskTier.LOW))
    for number in (CONTROL, TREATMENT):
        digest = hashlib.sha256(f"{MODEL}-{number}".encode()).hexdigest()
        version = registry.register_version(
            MODEL, change=ChangeKind.ARCHITECTURE,
            manifest=Manifest.of([FileDigest("model.safetensors", digest, 10)]))
        registry.attest(version.ref, _statement(version.digest.removeprefix("sha256:")),
                        metrics={"loss": 0.2})
        registry.lifecycle.record_evaluation(version.ref, EvaluationResult(
            "golden", DATASET, {"accuracy": 0.93, "toxicity_rate": 0.001}, 10.0,
            {"p50": 100.0, "p95": 300.0}))
        registry.lifecycle.promote(version.ref, Stage.EVALUATED)
        registry.lifecycle.promote(version.ref, Stage.REGISTERED)


def start_experiment(registry: Registry, name: str) -> None:
    """A running 50/50 A/B test ``name`` between the two versions, every unit covered, with
    :data:`METRICS` (the primary a proportion, two guardrails)."""
    registry.experiments.start(parse_experiment({
        "name": name, "model": MODEL, "control": CONTROL, "treatment": TREATMENT,
        "weights": [0.5, 0.5],
        "primary": [{"metric": "thumbs_up", "kind": "proportion", "direction": "higher"}],
        "guardrails": [{"metric": "latency_ms", "direction": "lower", "margin": 0.1},
                       {"metric": "cost", "direction": "lower", "margin": 0.05}]}))


def _statement(digest: str) -> dict[str, object]:
    return {"_type": STATEMENT_TYPE, "predicateType": SLSA_PROVENANCE,
            "subject": [{"name": "m", "digest": {"sha256": digest}}],
            "predicate": {"buildDefinition": {"buildType": "https://example.com/train/v1"},
                          "runDetails": {"builder": {"id": "https://example.com/ci"}}}}
