"""``RemoteRegistry``: the registry of a server, with the methods of
:class:`~modelsteward.service.registry.Registry` that the CLI uses, returning the same values.

Where remote mode differs, and why:

* events, approvals and everything else a server records name the *token's holder*, not
  ``STEWARD_ACTOR``: the server decides who is acting;
* artefacts are hashed on this machine and only their digests travel (``register_version``
  takes the manifest; ``compare`` fetches the registered digests and compares here); the local
  path a version was registered from is not sent, since the server could not read it;
* :meth:`RemoteRegistry.verify_log` checks the hash chain of the events the server returns,
  a page at a time (an event edited, removed or reordered there is found), and a checkpoint
  against them; the state check and the comparison with the chain-head record (a truncation of
  the newest events) need the database, so the server makes them
  (``GET /events/verification``, for an administrator's token) and reports what it found;
* :meth:`RemoteRegistry.resolution` carries no ``plan`` (the CLI shows the warning, which it
  does carry).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from modelsteward.domain.checkpoint import Checkpoint
from modelsteward.domain.embedding import embedding_of
from modelsteward.domain.events import ChainBreak, Event
from modelsteward.domain.lineage import LineageNode, Relation
from modelsteward.domain.model import Model, Version, VersionScheme
from modelsteward.domain.refs import split_ref
from modelsteward.domain.requirements import Requirements
from modelsteward.domain.state import StateDifference
from modelsteward.domain.versioning import ChangeKind
from modelsteward.errors import InvalidInput, NotAuthorised
from modelsteward.integrity.chain import check_events
from modelsteward.integrity.compare import compare_manifest
from modelsteward.integrity.manifest import Manifest
from modelsteward.ports import Clock, SystemClock
from modelsteward.remote import parse
from modelsteward.remote.cards import RemoteCards, RemoteCompliance
from modelsteward.remote.client import Client, Json, segment
from modelsteward.remote.lifecycle import RemoteLifecycle
from modelsteward.remote.services import (
    RemoteAdvisories,
    RemoteAudits,
    RemoteConsumers,
    RemoteDeletions,
    RemoteDeprecations,
    RemoteLocking,
    RemoteProviders,
    RemoteRetirements,
)
from modelsteward.remote.tokens import RemoteTokens
from modelsteward.results import HistoryReport, Lineage, Resolution, VerifyResult

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class RemoteRegistry:
    """The registry served at ``url``, as ``token``'s holder. Each method is one or a few HTTP
    calls; each raises the :class:`~modelsteward.errors.StewardError` the server's problem
    document stands for (see :mod:`modelsteward.remote.client`)."""

    def __init__(self, url: str, token: str = "", *, client: Client | None = None,
                 clock: Clock | None = None) -> None:
        self.client = client or Client(url, token)
        self.url = self.client.url
        self.clock: Clock = clock or SystemClock()
        self._schemes: dict[str, VersionScheme] = {}
        self._deleted: dict[tuple[str, str], bool] = {}
        self.lifecycle = RemoteLifecycle(self)
        self.consumers = RemoteConsumers(self)
        self.deprecations = RemoteDeprecations(self)
        self.deletions = RemoteDeletions(self)
        self.providers = RemoteProviders(self)
        self.advisories = RemoteAdvisories(self)
        self.locking = RemoteLocking(self)
        self.audits = RemoteAudits(self)
        self.retirements = RemoteRetirements(self)
        self.tokens = RemoteTokens(self)
        self.cards = RemoteCards(self)
        self.compliance = RemoteCompliance(self)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> RemoteRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # paths and parsing -----------------------------------------------------------------------

    @staticmethod
    def model_path(name: str) -> str:
        return f"/models/{segment(name, slashes=True)}"

    def version_path(self, ref: str) -> str:
        model, version = split_ref(ref)
        return f"{self.model_path(model)}/versions/{segment(version)}"

    def scheme(self, model: str) -> VersionScheme:
        """How ``model`` names its versions (semantic versions or snapshot ids), asked once."""
        if model not in self._schemes:
            self.get_model(model, include_deleted=True)
        return self._schemes[model]

    def version_of(self, data: Json) -> Version:
        version = parse.version(data, self.scheme(data["model"]))
        self._deleted[(version.model, str(version.id))] = bool(data.get("deleted"))
        return version

    def _model_of(self, data: Json) -> Model:
        model = parse.model(data)
        assert model.versioning is not None  # set by Model itself
        self._schemes[model.name] = model.versioning
        return model

    # models and versions ---------------------------------------------------------------------

    def create_model(self, model: Model) -> Model:
        return self._model_of(self.client.post("/models", {
            "name": model.name, "kind": model.kind.value, "description": model.description,
            "purpose": model.purpose, "owner_team": model.owner_team,
            "owner_contact": model.owner_contact, "provider": model.provider,
            "provider_model": model.provider_model, "risk_tier": model.risk_tier.value,
            "license": model.license, "tags": list(model.tags),
            "support_months": model.support.active_months,
            "support_after": model.support.afterwards,
            **({"embedding": spec.as_extra()} if (spec := embedding_of(model)) else {})}))

    def transfer_model(self, name: str, team: str, reason: str) -> Model:
        return self._model_of(self.client.post(self.model_path(name) + "/transfers",
                                               {"team": team, "reason": reason}))

    def get_model(self, name: str, include_deleted: bool = False) -> Model:
        data = self.client.get(self.model_path(name), {"include_deleted": include_deleted})
        self._deleted[(name, "")] = bool(data.get("deleted"))
        return self._model_of(data)

    def list_models(self) -> list[Model]:
        return [self._model_of(m) for m in self.client.pages("/models")]

    def register_version(
        self, model_name: str, version: str | None = None, *,
        change: ChangeKind | None = None, variant: str = "", manifest: Manifest | None = None,
        force: bool = False, reason: str = "", description: str = "", status: str = "",
        metadata: Mapping[str, object] | None = None,
        metrics: Mapping[str, object] | None = None, derived_from: str = "",
        relation: Relation | None = None, location: str = "",
        requirements: Requirements | None = None,
    ) -> Version:
        """Register a version from the digests of ``manifest`` (hashed here). ``location``, a
        path on this machine, is not sent: the server could not read it. ``requirements`` are
        recorded by the server with the registration."""
        files = [{"path": f.path, "sha256": f.sha256, "size": f.size}
                 for f in manifest.files] if manifest else []
        body: dict[str, object] = {
            "version": version, "change": change.value if change else None,
            "variant": variant, "force": force, "reason": reason,
            "description": description, "status": status, "files": files,
            "metadata": dict(metadata or {}), "metrics": dict(metrics or {}),
            "derived_from": derived_from, "relation": relation.value if relation else None}
        if requirements is not None:  # left out otherwise: a server without it still answers
            body["requirements"] = requirements.recorded()
        return self.version_of(self.client.post(f"{self.model_path(model_name)}/versions", body))

    def get_version(self, model: str, version: str, include_deleted: bool = False) -> Version:
        return self.version_of(self.client.get(self.version_path(f"{model}@{version}"),
                                               {"include_deleted": include_deleted}))

    def list_versions(self, model: str, include_deleted: bool = False) -> list[Version]:
        return [self.version_of(v) for v in self.client.pages(
            f"{self.model_path(model)}/versions", {"include_deleted": include_deleted})]

    def is_deleted(self, model: str, version: str = "") -> bool:
        """Whether the model (or the version) is a tombstone; known from the last answer that
        showed it, else asked."""
        if (model, version) in self._deleted:
            return self._deleted[(model, version)]
        if version:
            found = self.get_version(model, version, include_deleted=True)
            return self._deleted[(model, str(found.id))]
        self.get_model(model, include_deleted=True)
        return self._deleted[(model, "")]

    # resolution ------------------------------------------------------------------------------

    def resolution(self, model_name: str, pin: str, *, candidates: bool = False) -> Resolution:
        query = {"model": model_name, "pin": pin}
        if candidates:
            query["candidates"] = "true"
        found = self.client.get("/resolve", query)
        version = self.get_version(found["model"], found["version"])
        return Resolution(version, warning=found.get("warning") or "",
                          redirected_from=found.get("redirected_from") or "",
                          inherited_from=found.get("inherited_from") or "",
                          ineligible=found.get("ineligible") or "")

    def resolve(self, model_name: str, pin: str, *, candidates: bool = False) -> Version:
        return self.resolution(model_name, pin, candidates=candidates).version

    # provenance and lineage ------------------------------------------------------------------

    def attest(self, ref: str, statement: object, metrics: object | None = None) -> None:
        self.client.post(f"{self.version_path(ref)}/attestations",
                         {"statement": statement, "metrics": metrics})

    def attestations(self, ref: str) -> list[dict[str, object]]:
        return [dict(a) for a in self.client.pages(f"{self.version_path(ref)}/attestations")]

    def lineage(self, ref: str) -> Lineage:
        model, version = split_ref(ref, version_required=False)
        path = (self.version_path(ref) if version else self.model_path(model)) + "/lineage"
        data = self.client.get(path)
        return Lineage(data["ref"],
                       tuple(LineageNode(*parse.derivation(n)) for n in data["ancestors"]),
                       tuple(LineageNode(*parse.derivation(n)) for n in data["descendants"]))

    # integrity -------------------------------------------------------------------------------

    def compare(self, ref: str, manifest: Manifest) -> VerifyResult:
        """Compare a manifest hashed here with the digests the server registered for ``ref``."""
        version = self.get_version(*split_ref(ref))
        if not version.digest:
            raise InvalidInput(f"{ref} was registered without an artefact; there is nothing to "
                               "verify against.")
        return VerifyResult(version, manifest, compare_manifest(version.files, manifest))

    # history ---------------------------------------------------------------------------------

    def log(self, model: str = "", *, after_seq: int = 0,
            limit: int | None = None) -> list[Event]:
        params: dict[str, str | int | bool] = {"model": model}
        if after_seq:
            params["after"] = str(after_seq)
        return [parse.event(e) for e in self.client.pages("/events", params, limit)]

    def log_tail(self, model: str = "", *, limit: int, before_seq: int = 0) -> list[Event]:
        """The newest ``limit`` events (of ``model``), before ``before_seq`` when given, oldest
        first."""
        params: dict[str, str | int | bool] = {"model": model, "order": "desc"}
        if before_seq:
            params["after"] = str(before_seq)
        found = [parse.event(e) for e in self.client.pages("/events", params, limit)]
        return found[::-1]

    def _events(self) -> Iterator[Event]:
        return (parse.event(e) for e in self.client.pages("/events", {"model": ""}))

    def verify_log(self) -> tuple[int, ChainBreak | None]:
        """Check the hash chain of every event the server returns (see the module's notes),
        a page at a time."""
        report = self.verify_history(state=False)
        return report.events, report.broken

    def verify_history(self, *, state: bool = False, checkpoint: Checkpoint | None = None,
                       trusted: Ed25519PublicKey | None = None) -> HistoryReport:
        """The chain and ``checkpoint`` checks of
        :meth:`~modelsteward.service.registry.Registry.verify_history`, made here over the
        events the server returns, streamed page by page. With ``state``, the server is also
        asked for its own verification (``GET /events/verification``, administrators): the
        state check and the chain-head record, which only the database has; a token that may
        not ask leaves ``differences`` at ``None``."""
        walk, problem = check_events(self._events(), checkpoint=checkpoint, trusted=trusted)
        broken, found = walk.broken, None
        if state and broken is None:
            try:
                answer = self.client.get("/events/verification")
            except NotAuthorised:
                answer = None
            if answer is not None:
                if answer["first_bad_seq"] is not None:
                    broken = ChainBreak(answer["first_bad_seq"],
                                        f"{answer['reason']} (found by the server)")
                found = tuple(StateDifference(d["object"], d["field"], d["table"],
                                              d["derived"], d["seq"])
                              for d in answer["differences"])
        return HistoryReport(walk.count, walk.last_seq, walk.last_hash, broken,
                             checkpoint, problem, found)
