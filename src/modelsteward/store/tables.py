"""The database schema. States are strings with CHECK constraints, times are UTC, ids are made in
Python. Alembic migrations in ``migrations/versions`` must produce exactly this metadata (a test
compares them)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import SchemaItem
from sqlalchemy.types import TypeDecorator

from modelsteward.domain.consumers import ConsumerKind
from modelsteward.domain.deprecation import DeprecationReason
from modelsteward.domain.lifecycle import Gate, Stage
from modelsteward.domain.lineage import Relation
from modelsteward.domain.model import ModelKind, RiskTier, VersionScheme

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every engine (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _one_of(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


models = Table(
    "models", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(129), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("versioning", String(16), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("purpose", Text, nullable=False, default=""),
    Column("owner_team", String(200), nullable=False, default=""),
    Column("owner_contact", String(200), nullable=False, default=""),
    Column("provider", String(100), nullable=False, default=""),
    Column("provider_model", String(200), nullable=False, default=""),
    Column("risk_tier", String(8), nullable=False),
    Column("license", String(100), nullable=False, default=""),
    Column("tags", JSON, nullable=False),
    Column("support_months", Integer, nullable=True),
    Column("support_after", Text, nullable=False, default=""),
    Column("extra", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("deleted_at", UtcDateTime, nullable=True),  # a tombstone: hidden, kept for audit
    CheckConstraint(_one_of("kind", [k.value for k in ModelKind]), name="kind"),
    CheckConstraint(_one_of("risk_tier", [t.value for t in RiskTier]), name="risk_tier"),
    CheckConstraint(_one_of("versioning", [s.value for s in VersionScheme]), name="versioning"),
)

versions = Table(
    "versions", metadata,
    Column("id", String(36), primary_key=True),
    Column("model_id", String(36), ForeignKey("models.id"), nullable=False),
    Column("version", String(200), nullable=False),
    # semantic versions: numeric parts for ordered range queries; NULL for provider snapshots
    Column("major", BigInteger, nullable=True),
    Column("minor", BigInteger, nullable=True),
    Column("patch", BigInteger, nullable=True),
    Column("prerelease", String(100), nullable=False, default=""),
    Column("variant", String(32), nullable=False, default=""),
    Column("snapshot_date", String(8), nullable=False, default=""),
    Column("registered_seq", BigInteger, nullable=False),
    Column("digest", String(64), nullable=False, default=""),
    Column("change", String(16), nullable=True),
    Column("forced_reason", Text, nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("status", String(32), nullable=False, default=""),
    Column("meta", JSON, nullable=False),
    Column("metrics", JSON, nullable=False),
    Column("registered_at", UtcDateTime, nullable=False),
    Column("registered_by", String(200), nullable=False),
    Column("stage", String(16), nullable=False, server_default="trained"),
    Column("blocked_reason", Text, nullable=False, server_default=""),
    Column("deleted_at", UtcDateTime, nullable=True),
    # the MLflow number: 1-based place in the model's registration order, deleted ones counted
    Column("number", BigInteger, nullable=False, server_default="0"),
    UniqueConstraint("model_id", "version", name="uq_versions_model_version"),
    CheckConstraint(_one_of("stage", [s.value for s in Stage]), name="stage"),
    # a pin's candidates of one stage, newest first (0021: the stage before the variant)
    Index("ix_versions_stage_core", "model_id", "stage", "variant", "major", "minor", "patch"),
    Index("ix_versions_snapshot", "model_id", "snapshot_date", "registered_seq"),
    Index("ix_versions_stage", "stage", "registered_at"),  # what waits in staging (0019)
    # the models list by stage (0020); a stage's newest version (0021)
    Index("ix_versions_model_stage", "model_id", "stage", "number"),
    Index("ix_versions_number", "model_id", "number", unique=True),  # by number, newest (0021)
    Index("ix_versions_core", "model_id", "major", "minor", "patch"),  # version order (0021)
)

version_files = Table(
    "version_files", metadata,
    Column("version_id", String(36), ForeignKey("versions.id"), primary_key=True),
    Column("path", String(1024), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
)

attestations = Table(
    "attestations", metadata,
    Column("id", String(36), primary_key=True),
    Column("version_id", String(36), ForeignKey("versions.id"), nullable=False, index=True),
    Column("statement", JSON, nullable=False),
    Column("metrics", JSON, nullable=False),
    Column("attached_at", UtcDateTime, nullable=False),
    Column("attached_by", String(200), nullable=False),
)

lineage = Table(
    "lineage", metadata,
    Column("id", String(36), primary_key=True),
    Column("child", String(400), nullable=False, index=True),
    Column("parent", String(1024), nullable=False, index=True),
    Column("relation", String(16), nullable=False),
    UniqueConstraint("child", "parent", name="uq_lineage_child_parent"),
    CheckConstraint(_one_of("relation", [r.value for r in Relation]), name="relation"),
)

events = Table(
    "events", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("time", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("kind", String(100), nullable=False),
    Column("subject", String(400), nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # equality and prefix (``MODEL@%``) lookups; on PostgreSQL with the pattern operator class,
    # so a LIKE prefix uses the index whatever the database's collation (revision 0018)
    Index("ix_events_subject", "subject", postgresql_ops={"subject": "varchar_pattern_ops"}),
)

# Which models an event concerns although its subject names none of them (advisories, consumers:
# domain.mentions); a card reads those subjects' events through it (revision 0018).
event_mentions = Table(
    "event_mentions", metadata,
    Column("model", String(200), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("subject", String(400), nullable=False),
)

# One row: the last event's number and hash. Write transactions lock it first, which serialises
# writers on PostgreSQL (SQLite serialises them with BEGIN IMMEDIATE).
chain_head = Table(
    "chain_head", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)


# --- lifecycle (revision 0003) -------------------------------------------------------------------

evaluations = Table(
    "evaluations", metadata,
    Column("id", String(36), primary_key=True),
    Column("version_id", String(36), ForeignKey("versions.id"), nullable=False, index=True),
    Column("suite", String(200), nullable=False),
    Column("dataset_digest", String(200), nullable=False),
    Column("metrics", JSON, nullable=False),
    Column("cost_per_1k_requests", Float, nullable=True),
    Column("latency_ms", JSON, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("seq", BigInteger, nullable=False),
    # metric -> "higher"|"lower" as the evaluation file declared (revision 0015); NULL: none
    Column("directions", JSON, nullable=True),
)

approvals = Table(
    "approvals", metadata,
    Column("id", String(36), primary_key=True),
    Column("version_id", String(36), ForeignKey("versions.id"), nullable=False, index=True),
    Column("approver", String(200), nullable=False),
    Column("role", String(100), nullable=False),
    Column("evidence", Text, nullable=False),
    Column("risks_accepted", Text, nullable=False),
    Column("monitoring_plan", Text, nullable=False),
    Column("rollback_plan", Text, nullable=False),
    Column("next_review", Date, nullable=False),
    Column("approved_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("replaces", String(200), nullable=False),
)

staging_checks = Table(
    "staging_checks", metadata,
    Column("id", String(36), primary_key=True),
    Column("version_id", String(36), ForeignKey("versions.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("recorded_by", String(200), nullable=False),
)

gate_overrides = Table(
    "gate_overrides", metadata,
    Column("id", String(36), primary_key=True),
    Column("version_id", String(36), ForeignKey("versions.id"), nullable=False, index=True),
    Column("gate", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    CheckConstraint(_one_of("gate", [g.value for g in Gate]), name="gate"),
)

alias_assignments = Table(
    "alias_assignments", metadata,
    Column("id", String(36), primary_key=True),
    Column("model_id", String(36), ForeignKey("models.id"), nullable=False),
    Column("alias", String(100), nullable=False),
    Column("version_id", String(36), ForeignKey("versions.id"), nullable=False),
    Column("exclusive", Boolean, nullable=False),
    Column("assigned_at", UtcDateTime, nullable=False),
    Column("assigned_by", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("removed_at", UtcDateTime, nullable=True),
    Index("ix_alias_assignments_lookup", "model_id", "alias", "assigned_at"),
    # an exclusive alias has at most one current holder, whatever the code does
    Index("uq_alias_assignments_exclusive", "model_id", "alias", unique=True,
          sqlite_where=text("exclusive AND removed_at IS NULL"),
          postgresql_where=text("exclusive AND removed_at IS NULL")),
)

measurements = Table(
    "measurements", metadata,
    Column("id", String(36), primary_key=True),
    Column("version_id", String(36), ForeignKey("versions.id"), nullable=False, index=True),
    Column("metric", String(200), nullable=False),
    Column("value", Float, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("recorded_by", String(200), nullable=False),
)


# --- consumers (revision 0004) ------------------------------------------------------------------

consumers = Table(
    "consumers", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(129), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("team", String(200), nullable=False),
    Column("contact", String(200), nullable=False),
    Column("environment", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint(_one_of("kind", [k.value for k in ConsumerKind]), name="kind"),
)

consumer_pins = Table(
    "consumer_pins", metadata,
    Column("id", String(36), primary_key=True),
    Column("consumer_id", String(36), ForeignKey("consumers.id"), nullable=False),
    Column("model_id", String(36), ForeignKey("models.id"), nullable=False, index=True),
    Column("pin", String(200), nullable=False),
    UniqueConstraint("consumer_id", "model_id", name="uq_consumer_pins_consumer_model"),
)


# --- deprecation plans and notices (revision 0005) ----------------------------------------------

def _plan_columns() -> list[SchemaItem]:
    """What a deprecation plan records, whether it targets a model or an upstream package URL."""
    return [
        Column("reason", String(32), nullable=False),
        Column("replacement", String(400), nullable=False),
        Column("announced", Date, nullable=False),
        Column("soft_deadline", Date, nullable=False),
        Column("hard_deadline", Date, nullable=False),
        Column("migration_steps", JSON, nullable=False),
        Column("support_window", Text, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("created_by", String(200), nullable=False),
        CheckConstraint(_one_of("reason", [r.value for r in DeprecationReason]), name="reason"),
    ]


deprecation_plans = Table(
    "deprecation_plans", metadata,
    Column("id", String(36), primary_key=True),
    Column("model_id", String(36), ForeignKey("models.id"), nullable=False, index=True),
    Column("target", String(200), nullable=False),
    Column("redirect", Boolean, nullable=False),
    *_plan_columns(),
)

notices = Table(
    "notices", metadata,
    Column("id", String(36), primary_key=True),
    # one notice per team, model, cause and phase: the key makes a repeat impossible
    Column("key", String(600), nullable=False, unique=True),
    Column("team", String(200), nullable=False, index=True),
    Column("model", String(129), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("message", Text, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)


# --- artefact locations (revision 0007) ---------------------------------------------------------

artifact_locations = Table(
    "artifact_locations", metadata,
    Column("id", String(36), primary_key=True),
    Column("version_id", String(36), ForeignKey("versions.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("uri", Text, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("verified_digest", String(64), nullable=False),
    CheckConstraint("kind IN ('source', 'archive', 'restored')", name="kind"),
)


# --- deprecation of upstream models named by package URL (revision 0008) ------------------------

upstream_plans = Table(
    "upstream_plans", metadata,
    Column("id", String(36), primary_key=True),
    Column("purl", String(1024), nullable=False, index=True),
    *_plan_columns(),
)


# --- advisories (revision 0009) -----------------------------------------------------------------

advisories = Table(
    "advisories", metadata,
    Column("id", String(100), primary_key=True),
    Column("modified", UtcDateTime, nullable=False),
    Column("published", UtcDateTime, nullable=True),
    Column("withdrawn", UtcDateTime, nullable=True),
    Column("summary", Text, nullable=False),
    Column("level", String(16), nullable=False),
    Column("document", Text, nullable=False),  # the OSV record as canonical JSON
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("recorded_by", String(200), nullable=False),
)

# what an advisory names, so that an audit looks up only the advisories that can match
advisory_packages = Table(
    "advisory_packages", metadata,
    Column("advisory_id", String(100), ForeignKey("advisories.id"), primary_key=True),
    Column("ecosystem", String(100), primary_key=True),
    Column("name", String(1024), primary_key=True),
    Index("ix_advisory_packages_package", "ecosystem", "name"),
)

advisory_digests = Table(
    "advisory_digests", metadata,
    Column("advisory_id", String(100), ForeignKey("advisories.id"), primary_key=True),
    Column("digest", String(80), primary_key=True),
    Index("ix_advisory_digests_digest", "digest"),
)


# --- notification outbox (revision 0011) ---------------------------------------------------------

from modelsteward.domain.outbox import DeliveryStatus  # noqa: E402  (kept with its section)
from modelsteward.domain.subscriptions import Channel  # noqa: E402

subscriptions = Table(
    "subscriptions", metadata,
    Column("id", String(36), primary_key=True),
    Column("team", String(200), nullable=False, index=True),
    Column("kinds", JSON, nullable=False),  # glob patterns over notice kinds
    Column("channel", String(16), nullable=False),
    Column("url", Text, nullable=True),  # webhook
    # the webhook signing key; kept in clear because signing needs it (shown once at creation)
    Column("secret", String(100), nullable=True),
    Column("address", String(320), nullable=True),  # e-mail
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    CheckConstraint(_one_of("channel", [c.value for c in Channel]), name="channel"),
    CheckConstraint("(channel = 'webhook' AND url IS NOT NULL AND secret IS NOT NULL) OR "
                    "(channel = 'email' AND address IS NOT NULL)", name="target"),
)

# one row per notice and matching subscription, written in the notice's transaction
deliveries = Table(
    "deliveries", metadata,
    Column("id", String(36), primary_key=True),  # also the webhook-id and the Message-ID
    Column("notice_id", String(36), ForeignKey("notices.id"), nullable=False),
    Column("subscription_id", String(36), ForeignKey("subscriptions.id"), nullable=False,
           index=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("leased_until", UtcDateTime, nullable=True),  # a sender holds it until then
    Column("last_error", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime, nullable=True),
    UniqueConstraint("notice_id", "subscription_id", name="uq_deliveries_notice_subscription"),
    CheckConstraint(_one_of("status", [s.value for s in DeliveryStatus]), name="status"),
    CheckConstraint("attempts >= 0", name="attempts"),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
)


# --- API tokens (revision 0010) ------------------------------------------------------------------

# only a SHA-256 of each token's secret is kept; the text is shown once, when the token is made
api_tokens = Table(
    "api_tokens", metadata,
    Column("id", String(16), primary_key=True),
    Column("name", String(100), nullable=False, index=True),
    Column("team", String(200), nullable=False),
    Column("roles", JSON, nullable=False),  # a sorted list of role names
    Column("approval_roles", JSON, nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("last_four", String(4), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
)


# --- the web pages' sessions (revision 0019) -----------------------------------------------------

# a signed-in browser: only a SHA-256 of the session id (the cookie) is kept
web_sessions = Table(
    "web_sessions", metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("token_id", String(16), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)


# --- key-value tags of models and versions, for MLflow compatibility (revision 0012) -------------

model_tags = Table(
    "model_tags", metadata,
    Column("model_id", String(36), ForeignKey("models.id"), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
)

# versions are immutable (triggers on ``versions``), so what MLflow may change about a version —
# its tags, and its description under the reserved key ``modelsteward.description`` — lives here
version_tags = Table(
    "version_tags", metadata,
    Column("version_id", String(36), ForeignKey("versions.id"), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
)


# --- Idempotency-Key answers of the API (revision 0013) ------------------------------------------

# one row per (caller, key): claimed before the request runs (``status`` NULL while it runs),
# then holding the answer a retry gets; a row past ``expires_at`` counts as absent
idempotency_keys = Table(
    "idempotency_keys", metadata,
    Column("scope", String(250), primary_key=True),  # the caller: token:<id> or actor:<name>
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),  # sha256 of method, path, query, body
    Column("status", Integer, nullable=True),
    Column("headers", JSON, nullable=True),  # [[name, value], …] as sent
    Column("body", LargeBinary, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)


# --- experiments and canaries, and their outcomes (revision 0016) ---------------------------------

from modelsteward.domain.experiment import ExperimentKind, ExperimentStatus  # noqa: E402

# the experiment's whole record (arms, metrics, design, state) as canonical JSON, with the
# fields it is looked up by beside it
experiments = Table(
    "experiments", metadata,
    Column("name", String(100), primary_key=True),
    Column("model", String(200), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("record", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint(_one_of("kind", [k.value for k in ExperimentKind]), name="kind"),
    CheckConstraint(_one_of("status", [s.value for s in ExperimentStatus]), name="status"),
)

# per arm, metric and day: the sufficient statistics of the observations (metric '' counts the
# outcome rows); rows are added to, never one per observation
experiment_moments = Table(
    "experiment_moments", metadata,
    Column("experiment", String(100), ForeignKey("experiments.name"), primary_key=True),
    Column("arm", String(100), primary_key=True),
    Column("metric", String(100), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("count", BigInteger, nullable=False),
    Column("total", Float, nullable=False),
    Column("total_sq", Float, nullable=False),
    CheckConstraint("count >= 0", name="count"),
)


# --- fine-tuning pipelines and their runs (revision 0017) -----------------------------------------

from modelsteward.domain.pipeline_run import RunState  # noqa: E402

# one per model: the definition in the pipeline file's shape, as canonical JSON
pipelines = Table(
    "pipelines", metadata,
    Column("model", String(200), primary_key=True),
    Column("definition", Text, nullable=False),
    Column("imported_at", UtcDateTime, nullable=False),
    Column("imported_by", String(200), nullable=False),
    Column("schedule_checked_at", UtcDateTime, nullable=True),
)

# a run's whole record (the definition it follows, its steps with their evidence) as canonical
# JSON, with the fields it is looked up by beside it
pipeline_runs = Table(
    "pipeline_runs", metadata,
    Column("id", String(36), primary_key=True),
    Column("model", String(200), nullable=False, index=True),
    Column("trigger_key", String(600), nullable=False),
    Column("status", String(16), nullable=False),
    Column("record", Text, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    CheckConstraint(_one_of("status", [s.value for s in RunState]), name="status"),
)
