"""The interfaces the core needs from the outside world.

The services know only these roles; ``store/`` implements them for SQL databases, and tests can
substitute fakes (a fixed :class:`Clock`, an in-memory store). Every role is a small
:class:`~typing.Protocol` in a module of its own, with the records it returns beside it:

============================  ==================================================================
role (module)                 methods
============================  ==================================================================
:class:`Catalog`              close_model_names, get_model, is_deleted, mark_deleted,
(``catalog``)                 list_models, add_model, update_model, model_created_at,
                              get_version, list_versions, latest_release, predecessor,
                              add_version, candidates, version_at, registration_order,
                              version_count, versions_in_stage, version_states,
                              add_attestation, attestations,
                              add_derivation, parents, children, upstream_children
:class:`LifecycleRecords`     set_stage, set_blocked, add_evaluation, evaluations,
(``lifecycle``)               add_approval, approvals, add_check, checks, add_override,
                              overrides, overrides_for, alias_history, current_aliases,
                              assign_alias, remove_alias, end_assignment, add_location,
                              locations, add_measurement, measurements
:class:`EventLog`             append_events, events, events_of_models, events_before,
(``events``)                  chain_head, last_event_time
:class:`ConsumerRecords`      add_consumer, set_consumer_pin, remove_consumer_pin,
(``consumers``)               remove_consumer, get_consumer, list_consumers
:class:`DeprecationRecords`   add_plan, plans, plans_page, add_upstream_plan, upstream_plans,
(``deprecations``)            add_notice, notices
:class:`OutboxRecords`        add_subscription, subscription, subscriptions,
(``outbox``)                  deactivate_subscription, enqueue_deliveries,
                              backfill_deliveries, claim_deliveries, release_deliveries,
                              record_delivered, record_failed, delivery, deliveries,
                              replay_deliveries, prune_deliveries
:class:`TokenRecords`         add_token, token, tokens, count_tokens, revoke_token,
(``tokens``)                  add_web_session, web_session, revoke_web_session,
                              prune_web_sessions
:class:`AdvisoryRecords`      put_advisory, advisory_document, advisory_ids,
(``advisories``)              advisory_documents, advisory_documents_for
:class:`MlflowRecords`        model_tags, set_model_tag, delete_model_tag, version_tags,
(``mlflow``)                  set_version_tag, delete_version_tag, mlflow_model_keys,
                              mlflow_models, mlflow_versions, mlflow_version_page,
                              mlflow_version, mlflow_version_by_alias (records:
                              :class:`ModelRecord`,
                              :class:`VersionRecord`, :class:`ModelKey`)
:class:`StateRecords`         table_state (what the state check compares with the events)
(``state``)
:class:`ExperimentRecords`    add_experiment, save_experiment, experiment, experiments,
(``experiments``)             experiments_of, add_moments, moments
:class:`PipelineRecords`      put_pipeline, pipeline, pipelines, models_with_pipeline,
(``pipelines``)               set_schedule_checked, add_run, save_run, run, runs
============================  ==================================================================

:class:`UnitOfWork` (``store``; :data:`Transaction` is the same) is all the roles on one
transaction, so services call ``tx.get_model(...)`` on whatever unit of work they hold.

Outside the unit of work:

* :class:`Store` (``store``): ``read()``, ``write()``, ``snapshot()`` open units of work;
  ``close()``; ``url`` for messages; and ``outbox_write()`` of :class:`OutboxStore`.
* :class:`OutboxStore` (``store``): ``outbox_write()``, the sender's short writes without the
  registry's write lock (all the dispatcher needs).
* :class:`SchemaStatus` (``store``): ``backend`` and ``revision()``, for the readiness probe.
* :class:`IdempotencyKeys` and :class:`KeptRequest` (``idempotency``): requests kept under an
  ``Idempotency-Key``.
* :class:`Changes` (``changes``): the committed-state marker the HTTP caches are checked
  against.
* :class:`Clock`, :class:`SystemClock` (``clock``) and :class:`Notifier` (``notifier``).
"""

from modelsteward.domain.outcomes import MomentKey
from modelsteward.ports.advisories import AdvisoryRecords
from modelsteward.ports.catalog import Catalog
from modelsteward.ports.changes import Changes
from modelsteward.ports.clock import Clock, SystemClock
from modelsteward.ports.consumers import ConsumerRecords
from modelsteward.ports.deprecations import DeprecationRecords
from modelsteward.ports.events import EventLog
from modelsteward.ports.experiments import ExperimentRecords
from modelsteward.ports.idempotency import IdempotencyKeys, KeptRequest
from modelsteward.ports.lifecycle import LifecycleRecords
from modelsteward.ports.mlflow import MlflowRecords, ModelKey, ModelRecord, VersionRecord
from modelsteward.ports.notifier import Notifier
from modelsteward.ports.outbox import OutboxRecords
from modelsteward.ports.pipelines import PipelineRecords
from modelsteward.ports.state import StateRecords
from modelsteward.ports.store import OutboxStore, SchemaStatus, Store, Transaction, UnitOfWork
from modelsteward.ports.tokens import TokenRecords

__all__ = [
    "AdvisoryRecords",
    "Catalog",
    "Changes",
    "Clock",
    "ConsumerRecords",
    "DeprecationRecords",
    "EventLog",
    "ExperimentRecords",
    "IdempotencyKeys",
    "KeptRequest",
    "LifecycleRecords",
    "MlflowRecords",
    "ModelKey",
    "ModelRecord",
    "MomentKey",
    "Notifier",
    "OutboxRecords",
    "OutboxStore",
    "PipelineRecords",
    "SchemaStatus",
    "StateRecords",
    "Store",
    "SystemClock",
    "TokenRecords",
    "Transaction",
    "UnitOfWork",
    "VersionRecord",
]
