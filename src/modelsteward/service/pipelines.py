"""Fine-tuning pipelines: import a model's pipeline, tell its owner team once when a retrain
trigger fires, and record runs step by step with their evidence.

Every use case is one unit of work and records its event in it. A run follows the definition
imported when it started (see :mod:`~modelsteward.domain.pipeline_record`); its steps are
checked against that definition by the domain and against the registry by
:mod:`~modelsteward.service.pipeline_checks`, all problems reported together.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable, Iterator

from modelsteward.domain import events as ev
from modelsteward.domain.events import NewEvent
from modelsteward.domain.experiment import ExperimentStatus
from modelsteward.domain.model import Model
from modelsteward.domain.pipeline import StepName
from modelsteward.domain.pipeline_evidence import (
    DeployEvidence,
    parse_step_result,
    render_step_result,
)
from modelsteward.domain.pipeline_file import parse_pipeline, render_pipeline
from modelsteward.domain.pipeline_record import ImportedPipeline, RunRecord
from modelsteward.domain.pipeline_run import PipelineRun, RunState, record_step
from modelsteward.domain.retrain import firings
from modelsteward.domain.retrain_notice import due_notice
from modelsteward.errors import (
    Conflict,
    DocumentInvalid,
    InvalidInput,
    ModelNotFound,
    PipelineNotFound,
    RunNotFound,
)
from modelsteward.ports import Transaction
from modelsteward.results.pipelines import RetrainDue, RunView
from modelsteward.service import batches
from modelsteward.service.context import Context


class Pipelines:
    """Fine-tuning pipelines over the context's store (see the module's docstring)."""

    def __init__(self, ctx: Context) -> None:
        # every check reads the unit of work it runs in; no other service is needed
        self.ctx = ctx

    # definitions -----------------------------------------------------------------------------

    def import_definition(self, model: str, document: object, source: str = "the pipeline", *,
                          authorize: Callable[[Model], None] | None = None) -> ImportedPipeline:
        """Validate ``document`` (the seed's ``fine_tuning`` shape, see
        :mod:`~modelsteward.domain.pipeline_file`) and make it ``model``'s pipeline, replacing
        an earlier one (runs under way keep theirs; when the schedule was last checked is
        kept). Raises :class:`DocumentInvalid` naming ``source`` with every problem located,
        and :class:`ModelNotFound`. ``authorize`` is called with the model before anything is
        written."""
        definition = parse_pipeline(document, source)
        now = self.ctx.clock.now()
        with self.ctx.store.write() as tx:
            found = self._model(tx, model)
            if authorize is not None:
                authorize(found)
            earlier = tx.pipeline(found.name)
            imported = ImportedPipeline(found.name, definition, now, self.ctx.actor,
                                        earlier.schedule_checked_at if earlier else None)
            tx.put_pipeline(imported)
            self.ctx.record(tx, NewEvent(ev.PIPELINE_IMPORTED, found.name, {
                "source": source, "replaced": earlier is not None,
                "definition": render_pipeline(definition)}))
        return imported

    def definition(self, model: str) -> ImportedPipeline:
        """``model``'s pipeline; raises :class:`ModelNotFound`, :class:`PipelineNotFound`."""
        with self.ctx.store.read() as tx:
            return self._pipeline(tx, self._model(tx, model).name)

    # triggers --------------------------------------------------------------------------------

    def check_triggers(self) -> builtins.list[RetrainDue]:
        """Judge every pipeline's triggers now (see :mod:`modelsteward.domain.retrain` and,
        for the facts, :mod:`modelsteward.service.retrain_facts`). Each firing not told before
        becomes one ``retrain:due`` notice to the model's owner team, keyed by the firing's
        key, and an event; the schedule's check time moves to now. Each model is judged in a
        write transaction of its own. Returns the firings told now."""
        from modelsteward.service.retrain_facts import retrain_facts

        told: builtins.list[RetrainDue] = []
        for name in self._piped_models():
            with self.ctx.store.write() as tx:
                pipeline, model = tx.pipeline(name), tx.get_model(name)
                if pipeline is None or model is None:  # deleted since the list was read
                    continue
                now = self.ctx.clock.now()
                team = model.owner_team or self.ctx.default_team
                facts = retrain_facts(tx, model, pipeline)
                for firing in firings(pipeline.definition.triggers, facts, now):
                    seq, _ = tx.chain_head()
                    if tx.add_notice(due_notice(team, name, firing, seq + 1, now)):
                        self.ctx.record(tx, NewEvent(ev.RETRAIN_DUE, name, {
                            "key": firing.key, "trigger": firing.kind.value,
                            "reason": firing.reason, "team": team}))
                        told.append(RetrainDue(name, team, firing.key, firing.kind.value,
                                               firing.reason))
                tx.set_schedule_checked(name, now)
        return told

    # runs ------------------------------------------------------------------------------------

    def start_run(self, model: str, trigger_key: str = "", *,
                  authorize: Callable[[Model], None] | None = None) -> RunView:
        """Start a run of ``model``'s pipeline for the firing ``trigger_key`` (``""``: by
        hand), following the pipeline as imported now. Raises :class:`PipelineNotFound`,
        :class:`InvalidInput` for a key that is not one of ``model``'s firings, and
        :class:`Conflict` while another run follows the same firing."""
        key = trigger_key.strip()
        prefix = f"retrain:{model}:"
        if key and (not key.startswith(prefix) or not key.isprintable()):
            raise InvalidInput(f"{key!r} is not a retrain trigger of {model}: a firing's key "
                               f"starts with {prefix} (the retrain:due notice gives it; "
                               f"`steward notices`). Leave --trigger out to start by hand.")
        now = self.ctx.clock.now()
        with self.ctx.store.write() as tx:
            found = self._model(tx, model)
            if authorize is not None:
                authorize(found)
            pipeline = self._pipeline(tx, found.name)
            if key:
                for other in tx.runs(found.name):
                    if other.run.trigger_key == key and other.status.state is RunState.WAITING:
                        raise Conflict(
                            f"Run {other.run.id} of {found.name} follows {key} already and "
                            f"waits for {other.status.next_step}; record its steps (`steward "
                            f"pipeline show {other.run.id}`).")
            run = PipelineRun(str(uuid.uuid4()), found.name, key, now)
            record = RunRecord(run, pipeline.definition)
            tx.add_run(record)
            self.ctx.record(tx, NewEvent(ev.PIPELINE_RUN_STARTED, found.name, {
                "run": run.id, "trigger": key or None}))
        return RunView(record)

    def record(self, run_id: str, step: StepName | str, document: object,
               source: str = "the evidence", *,
               authorize: Callable[[Model], None] | None = None) -> RunView:
        """Record ``step`` of run ``run_id`` from its evidence ``document`` (see
        :mod:`~modelsteward.domain.pipeline_evidence`). Raises :class:`RunNotFound`;
        :class:`InvalidInput` for an unknown step; :class:`StepRefused` when the run has ended
        or waits for another step; :class:`DocumentInvalid` listing every problem of the
        document's form (naming ``source``), or every way the evidence contradicts the
        pipeline, the run's earlier steps or the registry (see
        :mod:`~modelsteward.service.pipeline_checks`)."""
        from modelsteward.service.pipeline_checks import registry_problems

        name = _step(step)
        result = parse_step_result(name, document, source)
        now = self.ctx.clock.now()
        with self.ctx.store.write() as tx:
            current = self._run(tx, run_id)
            model = self._model(tx, current.run.model)
            if authorize is not None:
                authorize(model)
            found = registry_problems(tx, current.run, result)
            try:
                run = record_step(current.run, result, now, definition=current.definition)
            except DocumentInvalid as invalid:
                if not found:
                    raise
                raise DocumentInvalid(invalid.source, [*invalid.problems, *found],
                                      consequence="nothing was recorded") from None
            if found:
                raise DocumentInvalid(f"the {name} step of run {run_id}", found,
                                      consequence="nothing was recorded")
            record = RunRecord(run, current.definition)
            tx.save_run(record)
            status = record.status
            self.ctx.record(tx, NewEvent(ev.PIPELINE_STEP_RECORDED, model.name, {
                "run": run.id, "step": name.value, "result": render_step_result(result),
                "state": status.state.value,
                "waiting_for": status.next_step.value if status.next_step else None}))
            return self._view(tx, record)

    def show(self, run_id: str) -> RunView:
        """Run ``run_id`` and where it stands; raises :class:`RunNotFound`."""
        with self.ctx.store.read() as tx:
            return self._view(tx, self._run(tx, run_id))

    def runs(self, model: str = "") -> builtins.list[RunView]:
        """Runs (of ``model``), oldest first; raises :class:`ModelNotFound`."""
        with self.ctx.store.read() as tx:
            if model:
                self._model(tx, model)
            return [self._view(tx, record) for record in tx.runs(model)]

    # helpers ---------------------------------------------------------------------------------

    def _view(self, tx: Transaction, record: RunRecord) -> RunView:
        """``record`` with what the registry knows about the experiment its decision waits
        for."""
        if record.status.next_step is not StepName.PROMOTE_OR_ROLLBACK:
            return RunView(record)
        deployed = record.run.evidence(StepName.DEPLOY)
        if not isinstance(deployed, DeployEvidence):
            return RunView(record)
        experiment = tx.experiment(deployed.experiment)
        if experiment is None:
            return RunView(record)
        if experiment.running:
            note = (f"experiment {experiment.name} is running; decide it with `steward "
                    f"experiment decide {experiment.name}`")
        else:
            outcome = ("promoted" if experiment.status is ExperimentStatus.PROMOTED
                       else "rolled_back")
            note = (f"experiment {experiment.name} ended {experiment.status.value}; record "
                    f"promote_or_rollback with outcome: {outcome}")
        return RunView(record, note)

    def _piped_models(self) -> Iterator[str]:
        """The models with a pipeline, by name, read a keyset batch at a time (each in a read
        unit of work of its own, between the caller's writes)."""
        after = ""
        while True:
            with self.ctx.store.read() as tx:
                page = [p.model for p in tx.pipelines(after=after, limit=batches.BATCH)]
            yield from page
            if len(page) < batches.BATCH:
                return
            after = page[-1]

    def _model(self, tx: Transaction, name: str) -> Model:
        model = tx.get_model(name)
        if model is None:
            raise ModelNotFound(name)
        return model

    def _pipeline(self, tx: Transaction, model: str) -> ImportedPipeline:
        found = tx.pipeline(model)
        if found is None:
            raise PipelineNotFound(model)
        return found

    def _run(self, tx: Transaction, run_id: str) -> RunRecord:
        found = tx.run(run_id.strip()) if run_id.strip() else None
        if found is None:
            raise RunNotFound(run_id)
        return found


def _step(step: StepName | str) -> StepName:
    try:
        return StepName(step)
    except ValueError:
        raise InvalidInput(f"{step!r} is not a pipeline step; the steps are "
                           f"{', '.join(StepName)}.") from None


__all__ = ["Pipelines"]
