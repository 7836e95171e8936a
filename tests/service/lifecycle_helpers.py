"""Building blocks for lifecycle tests: a version carried through each gate by the library."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from modelsteward import Registry
from modelsteward.domain.evaluation_file import EvaluationResult
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import FileDigest, Model, RiskTier
from modelsteward.domain.provenance import SLSA_PROVENANCE, STATEMENT_TYPE
from modelsteward.domain.versioning import ChangeKind
from modelsteward.integrity.manifest import Manifest

DATASET = "sha256:" + "d" * 64
CHECKS = ("loads-and-serves", "latency-within-budget", "rollback-rehearsed")
APPROVERS = {RiskTier.LOW: [("lead", "bob")],
             RiskTier.MEDIUM: [("product-owner", "bob"), ("ml-lead", "carol")],
             RiskTier.HIGH: [("risk-committee", "dave")]}


def manifest(seed: str) -> Manifest:
    digest = hashlib.sha256(seed.encode()).hexdigest()
    return Manifest.of([FileDigest("model.safetensors", digest, 10)])


def statement(digest: str) -> dict[str, object]:
    return {"_type": STATEMENT_TYPE, "predicateType": SLSA_PROVENANCE,
            "subject": [{"name": "m", "digest": {"sha256": digest}}],
            "predicate": {"buildDefinition": {"buildType": "https://example.com/train/v1"},
                          "runDetails": {"builder": {"id": "https://example.com/ci"}}}}


def evaluation(suite: str, **metrics: float) -> EvaluationResult:
    return EvaluationResult(suite, DATASET, dict(metrics), 10.0, {"p50": 100.0, "p95": 300.0})


def as_actor(registry: Registry, actor: str) -> Registry:
    registry.actor = actor
    return registry


def trained(registry: Registry, model: str, tier: RiskTier = RiskTier.LOW,
            change: ChangeKind = ChangeKind.ARCHITECTURE) -> str:
    """Register a new version by alice, with digest, attestation and training metrics."""
    as_actor(registry, "alice")
    if model not in {m.name for m in registry.list_models()}:
        registry.create_model(Model(model, risk_tier=tier))
    count = len(registry.list_versions(model))
    version = registry.register_version(model, change=change,
                                        manifest=manifest(f"{model}-{count}"),
                                        metrics={"loss": 0.2})
    registry.attest(version.ref, statement(version.digest))
    return version.ref


def evaluated_suites(tier: RiskTier) -> list[str]:
    return {RiskTier.LOW: ["golden"], RiskTier.MEDIUM: ["golden", "safety"],
            RiskTier.HIGH: ["golden", "safety", "adversarial"]}[tier]


def to_registered(registry: Registry, ref: str, accuracy: float = 0.93) -> None:
    """Take ``ref`` (registered with an artefact) through the validation and evaluation gates
    of the default policy, so that it is eligible for applications: a training attestation
    with metrics when it has none, the evaluations its model's risk tier requires, then
    ``evaluated`` and ``registered``."""
    model, _, number = ref.partition("@")
    tier = registry.get_model(model).risk_tier
    if not registry.attestations(ref):
        version = registry.get_version(model, number)
        registry.attest(ref, statement(version.digest.removeprefix("sha256:")),
                        metrics={"loss": 0.2})
    evaluate_and_register(registry, ref, tier, accuracy)


def evaluate_and_register(registry: Registry, ref: str, tier: RiskTier,
                          accuracy: float = 0.93) -> None:
    """Record the suites ``tier`` needs, then promote ``ref`` to evaluated and registered."""
    lifecycle = as_actor(registry, "alice").lifecycle
    for suite in evaluated_suites(tier):
        lifecycle.record_evaluation(ref, evaluation(suite, accuracy=accuracy,
                                                    toxicity_rate=0.001))
    lifecycle.promote(ref, Stage.EVALUATED)
    lifecycle.promote(ref, Stage.REGISTERED)


def to_staging(registry: Registry, ref: str, tier: RiskTier, accuracy: float = 0.93) -> None:
    evaluate_and_register(registry, ref, tier, accuracy)
    lifecycle = registry.lifecycle
    lifecycle.promote(ref, Stage.STAGING)
    for check in CHECKS:
        lifecycle.record_check(ref, check, True, "ci run 42")


def approve_all(registry: Registry, ref: str, tier: RiskTier, next_review: date) -> None:
    for role, person in APPROVERS[tier]:
        as_actor(registry, person).lifecycle.approve(
            ref, role=role, evidence="eval report", risks_accepted="minor drift",
            monitoring_plan="error-rate dashboard", rollback_plan="steward rollback",
            next_review=next_review)
    as_actor(registry, "alice")


def to_production(registry: Registry, ref: str, tier: RiskTier = RiskTier.LOW,
                  accuracy: float = 0.93) -> None:
    to_staging(registry, ref, tier, accuracy)
    today = registry.clock.now().date()
    approve_all(registry, ref, tier, today + timedelta(days=90))
    registry.lifecycle.promote(ref, Stage.PRODUCTION)
