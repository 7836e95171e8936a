"""The demonstration registry that ``make run`` builds and shows.

Four realistic models: a hosted provider model with two snapshots, a self-hosted base model with
weights (two versions and a training attestation), a fine-tune of it and a quantised variant.
The weights are small generated files, so nothing is downloaded.

What the web pages show first is there too: the older hosted snapshot is deprecated (the provider
shuts it down in 60 days) and three services of two teams still use it; an advisory affects the
base model, so its fine-tune inherits it; and a high-risk version of the fine-tune waits in
staging for its approval, in an A/B test against production with two days of outcomes, while
production's measurements are recorded. Two approver tokens of the fine-tune's team are written
beside the registry (``approver-token``: rita@example.com; ``author-token``: sam@example.com,
who registered the waiting version and so may not approve it), with the administrator's
``admin-token``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

from modelsteward.domain.advisory import (
    ECOSYSTEM,
    Advisory,
    Affected,
    AffectedRange,
    EventKind,
    RangeEvent,
)
from modelsteward.domain.consumers import Consumer, ConsumerKind, ConsumerPin
from modelsteward.domain.deprecation import DeprecationReason
from modelsteward.domain.evaluation_file import EvaluationResult
from modelsteward.domain.experiment_file import parse_experiment
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.lineage import Relation
from modelsteward.domain.model import Model, ModelKind, RiskTier, SupportPolicy, Version
from modelsteward.domain.provenance import SLSA_PROVENANCE, STATEMENT_TYPE
from modelsteward.domain.tokens import Role
from modelsteward.domain.versioning import ChangeKind
from modelsteward.ports import SystemClock
from modelsteward.service.registry import Registry


def _write_weights(folder: Path, seed: str, shards: int = 2, size: int = 256 * 1024) -> Path:
    """Deterministic stand-in weights: a config, a tokenizer and ``shards`` binary shards."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps({"architecture": "decoder", "seed": seed,
                                                     "hidden_size": 1024}, indent=2))
    (folder / "tokenizer.json").write_text(json.dumps({"vocab_size": 32000, "seed": seed}))
    block = hashlib.sha256(seed.encode()).digest() * (size // 32)
    for i in range(shards):
        (folder / f"model-{i + 1:05d}-of-{shards:05d}.safetensors").write_bytes(
            bytes([i]) + block)
    return folder


def _statement(digest: str, name: str) -> dict[str, object]:
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": name, "digest": {"sha256": digest}}],
        "predicateType": SLSA_PROVENANCE,
        "predicate": {
            "buildDefinition": {
                "buildType": "https://modelsteward.dev/training/v1",
                "externalParameters": {"dataset": "support-tickets-2026-q3", "epochs": 3},
            },
            "runDetails": {"builder": {"id": "https://ci.example.internal/trainers/gpu-pool-a"}},
        },
    }


class StoryClock:
    """The demonstration's history is spread over the last two weeks, so that the pages' "as
    of" dates show the registry as it was: the clock starts 14 days ago and the story moves it
    on (:meth:`later`), never past the real time."""

    def __init__(self, days_ago: int = 14) -> None:
        self.moment = SystemClock().now() - timedelta(days=days_ago)

    def now(self) -> datetime:
        return self.moment

    def later(self, days: float) -> None:
        self.moment = min(self.moment + timedelta(days=days), SystemClock().now())


def _later(registry: Registry, days: float) -> None:
    if isinstance(registry.clock, StoryClock):
        registry.clock.later(days)


def build_home(home: Path) -> str:
    """Build the demonstration registry in ``home`` (its database, weights and tokens) with
    its two weeks of history; returns the database URL."""
    url = f"sqlite:///{home / 'registry.db'}"
    with Registry.open(url, actor="demo@modelsteward", clock=StoryClock()) as registry:
        build(registry, home / "weights")
        _later(registry, 30)  # today
        _attention(registry)
        write_tokens(registry, home)
    return url


def build(registry: Registry, workdir: Path) -> None:
    """Populate an empty registry with the demonstration models (the deadline, advisory and
    tokens the web pages show are :func:`build_home`'s)."""
    registry.create_model(Model(
        name="claude-sonnet", kind=ModelKind.HOSTED, provider="anthropic",
        provider_model="claude-sonnet-4-5", purpose="Document summarisation",
        description="Anthropic Claude Sonnet, used through the provider's API.",
        owner_team="team-ai-platform", owner_contact="ai-platform@example.com",
        risk_tier=RiskTier.MEDIUM, license="proprietary", tags=("llm", "hosted")))
    older = registry.register_version("claude-sonnet", "claude-sonnet-4-20250514",
                                      status="active",
                                      metrics={"accuracy": 0.93, "cost_per_1k_requests": 13.1})
    newer = registry.register_version("claude-sonnet", "claude-sonnet-4-5-20250929",
                                      status="active",
                                      metrics={"accuracy": 0.95, "cost_per_1k_requests": 11.8})
    _through_evaluation(registry, older)
    _to_production(registry, newer)
    _later(registry, 4)

    registry.create_model(Model(
        name="acme/support-base", kind=ModelKind.SELF_HOSTED,
        description="Open-weights 7B base model, served on our own GPUs.",
        purpose="Base for the support assistant", owner_team="team-ml-core",
        owner_contact="ml-core@example.com", risk_tier=RiskTier.MEDIUM, license="apache-2.0",
        tags=("llm", "base"), support=SupportPolicy(12, "community-maintained")))
    registry.register_version(
        "acme/support-base", change=ChangeKind.ARCHITECTURE,
        path=_write_weights(workdir / "support-base-1.0.0", "base-1"),
        derived_from="pkg:huggingface/mistralai/Mistral-7B-v0.3@caa1feb0e54d415e2df31207e5f4e273e33509d1",
        relation=Relation.FINETUNE, metrics={"loss": 1.21, "accuracy": 0.88})
    retrained = registry.register_version(
        "acme/support-base", change=ChangeKind.RETRAIN,
        path=_write_weights(workdir / "support-base-1.1.0", "base-2"),
        description="Retrained on the 2026-Q3 ticket corpus.",
        metrics={"loss": 1.07, "accuracy": 0.91})
    registry.attest(retrained.ref, _statement(retrained.digest, "support-base"),
                    {"loss": 1.07, "accuracy": 0.91, "curves": {"loss": [2.3, 1.6, 1.2, 1.07]}})
    registry.register_version(
        "acme/support-base", change=ChangeKind.QUANTISATION, variant="q4",
        path=_write_weights(workdir / "support-base-1.1.0-q4", "base-2-q4", size=64 * 1024),
        description="4-bit quantisation for CPU serving.")

    _later(registry, 5)
    registry.create_model(Model(
        name="support-bot", kind=ModelKind.FINE_TUNED,
        description="Support-ticket assistant fine-tuned from acme/support-base.",
        purpose="Answer and classify support tickets", owner_team="team-support",
        owner_contact="support-eng@example.com", risk_tier=RiskTier.HIGH, license="apache-2.0",
        tags=("llm", "support"), support=SupportPolicy(12, "community-maintained")))
    operator = registry.actor
    registry.actor = AUTHOR  # the fine-tune's engineer registers its versions
    first = registry.register_version(
        "support-bot", change=ChangeKind.RETRAIN,
        path=_write_weights(workdir / "support-bot-1.0.0", "bot-1", shards=1),
        derived_from="acme/support-base@1.1.0", relation=Relation.FINETUNE,
        metrics={"accuracy": 0.97, "f1": 0.95})
    waiting = registry.register_version(
        "support-bot", change=ChangeKind.PROMPT,
        path=_write_weights(workdir / "support-bot-1.0.1", "bot-1-prompt", shards=1),
        description="New system prompt template.", metrics={"accuracy": 0.97, "f1": 0.96})
    for version in (first, waiting):
        registry.attest(version.ref, _statement(version.digest, "support-bot"),
                        {"accuracy": 0.97, "curves": {"loss": [1.9, 1.3, 1.1]}})
    registry.actor = operator
    _to_production(registry, retrained)
    _to_production(registry, first)
    _later(registry, 3)
    _to_staging(registry, waiting)
    _experiment(registry)
    _monitoring(registry, first)


AUTHOR = "sam@example.com"  # registered support-bot's versions: may not approve them (high risk)
APPROVER = "rita@example.com"  # an independent approver of team-support


def _attention(registry: Registry) -> None:
    """What the dashboard asks attention for: an upcoming provider shutdown whose snapshot three
    services still pin, and an advisory on the base model that its fine-tune inherits."""
    today = registry.clock.now().date()
    for name, team in (("ticket-summaries", "team-support"), ("weekly-digest", "team-support"),
                       ("contract-review", "team-legal")):
        registry.consumers.add(Consumer(name, ConsumerKind.APPLICATION, team,
                                        f"{team}@example.com", "production",
                                        (ConsumerPin("claude-sonnet",
                                                     "claude-sonnet-4-20250514"),)))
    registry.deprecations.plan(
        "claude-sonnet@claude-sonnet-4-20250514", reason=DeprecationReason.PROVIDER_SHUTDOWN,
        replacement="claude-sonnet@claude-sonnet-4-5-20250929", announced=today,
        soft_deadline=today + timedelta(days=30), hard_deadline=today + timedelta(days=60),
        migration_steps=("Pin claude-sonnet-4-5-* instead", "Re-run the summary evaluation"))
    registry.advisories.create(Advisory(
        "", registry.clock.now(), summary="Role-play prompts bypass the refusal training",
        details="Found in red-teaming: a role-play preamble makes 1.1.x answer what it refuses.",
        affected=(Affected(ECOSYSTEM, "acme/support-base", ranges=(AffectedRange("SEMVER", (
            RangeEvent(EventKind.INTRODUCED, "1.1.0"),)),)),),
        database_specific={"severity": "HIGH"}))


def _experiment(registry: Registry) -> None:
    """An A/B test of support-bot's waiting prompt (1.0.1) against production (1.0.0), with two
    days of outcomes (deterministic: a seeded generator): the new prompt resolves more tickets,
    a little slower and no dearer."""
    spec = parse_experiment({
        "name": "support-bot-prompt-ab", "model": "support-bot", "control": "production",
        "treatment": "1.0.1", "traffic_split": 0.5, "unit": "user_id", "duration": "14d",
        "description": "Does the new system prompt resolve more tickets without slowing down?",
        "primary": [{"metric": "resolved", "kind": "proportion", "direction": "higher"}],
        "guardrails": [{"metric": "latency_p95_ms", "direction": "lower", "margin": 0.1},
                       {"metric": "cost_per_1k_requests", "direction": "lower",
                        "margin": 0.05}],
        "design": {"alpha": 0.05, "power": 0.8, "mde": 0.05}}, source="the demo experiment")
    registry.experiments.start(spec)
    draw = random.Random(7)
    for day in range(2):
        units = [f"user-{i}" for i in range(400)]
        arms = {r.unit: r.arm for r in registry.experiments.route_many(spec.name, units)}
        registry.experiments.ingest(spec.name, [
            {"unit": unit, "metrics": {
                "resolved": int(draw.random() < (0.70 if arms[unit] == "treatment" else 0.62)),
                "latency_p95_ms": round(draw.gauss(
                    830.0 if arms[unit] == "treatment" else 800.0, 90.0), 1),
                "cost_per_1k_requests": round(draw.gauss(3.2, 0.25), 3)}}
            for unit in units])
        if day == 0:
            _later(registry, 1)


def _monitoring(registry: Registry, version: Version) -> None:
    """A day of production measurements of ``version``, every six hours, within the policy's
    error-rate threshold (a breach would mark it degraded)."""
    for error_rate, latency in ((0.012, 790.0), (0.018, 842.0), (0.011, 805.0), (0.021, 868.0)):
        registry.lifecycle.record_measurements(version.ref, {"error_rate": error_rate,
                                                             "latency_p95_ms": latency})
        _later(registry, 0.25)


def write_tokens(registry: Registry, home: Path) -> None:
    """The administrator's token (``admin-token``) and two approvers of team-support:
    ``approver-token`` (rita@example.com) and ``author-token`` (sam@example.com, the author of
    the waiting high-risk version), each written to ``home`` (mode 0600) and printed."""
    from modelsteward.cli.tokens import bootstrap_admin_token, write_secret_file

    if bootstrap_admin_token(registry.tokens, home) is None:
        return  # tokens exist: made on an earlier run
    for file, name in (("approver-token", APPROVER), ("author-token", AUTHOR)):
        issued = registry.tokens.create(name, team="team-support",
                                        roles=frozenset({Role.APPROVER}),
                                        approval_roles=frozenset({"risk-committee"}))
        write_secret_file(home / file, issued.text)
        print(f"Sign in to the web pages as {name} with the token in {home / file}:\n"
              f"  {issued.text}")


def _through_evaluation(registry: Registry, version: Version) -> None:
    """Carry a medium-risk version through the validation and evaluation gates (to
    ``registered``): from then on the pins applications use may choose it."""
    lifecycle = registry.lifecycle
    for suite, metrics in (("golden", {"accuracy": 0.91, "toxicity_rate": 0.002}),
                           ("safety", {"refusal_rate": 0.01, "toxicity_rate": 0.001}),
                           ("adversarial", {"refusal_rate": 0.01, "toxicity_rate": 0.001})):
        lifecycle.record_evaluation(version.ref, EvaluationResult(
            suite, "sha256:" + hashlib.sha256(suite.encode()).hexdigest(), metrics, 3.2,
            {"p50": 180.0, "p95": 420.0}))
    for stage in (Stage.EVALUATED, Stage.REGISTERED):
        lifecycle.promote(version.ref, stage)


def _to_staging(registry: Registry, version: Version) -> None:
    lifecycle = registry.lifecycle
    _through_evaluation(registry, version)
    lifecycle.promote(version.ref, Stage.STAGING)
    for check in registry.policy.staging_checks:
        lifecycle.record_check(version.ref, check, True, "staging run 2026-11-20")


def _to_production(registry: Registry, version: Version) -> None:
    """Carry a version through every gate, as its team would."""
    lifecycle = registry.lifecycle
    _to_staging(registry, version)
    author = registry.actor
    review = registry.clock.now().date() + timedelta(days=180)
    roles = registry.policy.approvals[registry.get_model(version.model).risk_tier].roles
    for role, person in zip(roles, ("priya@example.com", "li@example.com"), strict=False):
        registry.actor = person
        lifecycle.approve(version.ref, role=role, evidence="eval report 2026-11-19",
                          risks_accepted="slight drift on rare ticket types",
                          monitoring_plan="error-rate dashboard, alert at 5%",
                          rollback_plan=f"steward rollback {version.model}",
                          next_review=review)
    registry.actor = author
    lifecycle.promote(version.ref, Stage.PRODUCTION)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build and show the demonstration registry.")
    parser.add_argument("--home", type=Path, default=Path(".demo"),
                        help="Folder for the demo database and weights (default .demo).")
    parser.add_argument("--serve", action="store_true",
                        help="Then serve it over HTTP (what `make run` does).")
    parser.add_argument("--port", type=int, default=None,
                        help="Port for --serve (default STEWARD_PORT or 8765).")
    args = parser.parse_args(argv)
    home: Path = args.home.resolve()
    url = f"sqlite:///{home / 'registry.db'}"
    with Registry.open(url, actor="demo@modelsteward") as registry:
        empty = not registry.list_models()
    if empty:
        print(f"Building the demonstration registry in {home} …")
        build_home(home)
    else:
        print(f"Using the demonstration registry in {home} (delete the folder to rebuild).")
    from modelsteward.cli.main import main as steward

    if args.serve:
        return serve(home, url, args.port)

    commands = [
        ["model", "list"],
        ["version", "list", "acme/support-base"],
        ["version", "list", "claude-sonnet"],
        ["resolve", "acme/support-base", "^1.0"],
        ["resolve", "claude-sonnet", "claude-sonnet-4-5-*"],
        ["lineage", "acme/support-base@1.1.0"],
        ["alias", "list", "acme/support-base"],
        ["version", "show", "acme/support-base@1.1.0"],
        ["verify", "support-bot@1.0.1", str(home / "weights" / "support-bot-1.0.1")],
        ["log", "--limit", "20"],
        ["log", "verify"],
    ]
    for command in commands:
        print(f"\n$ steward {' '.join(command)}", flush=True)
        code = steward(["--database-url", url, *command])
        if code:
            return code
    print("\nTry it yourself:\n  . .venv/bin/activate\n"
          f"  export STEWARD_DATABASE_URL={url}\n  steward --help")
    return 0


def serve(home: Path, url: str, port: int | None) -> int:
    """Serve the demonstration registry on 127.0.0.1 (its files, including the administrator
    token the server writes on first start, live in ``home``)."""
    import os

    from modelsteward.cli.main import main as steward

    os.environ["STEWARD_HOME"] = str(home)
    os.environ.setdefault("STEWARD_ACTOR", "demo@modelsteward")
    chosen = str(port or os.environ.get("STEWARD_PORT") or 8765)
    print(f"Serving the demonstration registry on http://127.0.0.1:{chosen} "
          f"(API /api/v1, docs /docs, MLflow API /api/2.0/mlflow); Ctrl-C stops it.",
          flush=True)
    return steward(["--database-url", url, "serve", "--host", "127.0.0.1", "--port", chosen])


if __name__ == "__main__":
    raise SystemExit(main())
