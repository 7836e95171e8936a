"""Lock files and audits over HTTP — the API of ``steward lock``, ``steward outdated`` and
``steward audit``. Documents travel as their text (the bytes of ``models.toml``,
``models.lock`` and ``.steward-ignore.toml``); nothing is read from or written to the server's
disk."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from modelsteward.api import problems
from modelsteward.api.auth import require_consumer_writer, require_writer
from modelsteward.api.deps import PrincipalDep, RegistryDep
from modelsteward.api.routes import API
from modelsteward.api.routing import ThreadedRoute
from modelsteward.domain.app_manifest import parse_manifest
from modelsteward.domain.audit import DEFAULT_FAIL_ON, parse_fail_on
from modelsteward.domain.consumers import Consumer
from modelsteward.domain.ignores import Ignore, parse_ignores
from modelsteward.domain.lockfile import Lock, lock_warnings
from modelsteward.errors import DocumentInvalid, InvalidInput
from modelsteward.integrity.lock_check import read_lock
from modelsteward.reports import json_report

router = APIRouter(prefix=API, tags=["lock files"], route_class=ThreadedRoute,
                   responses=problems.RESPONSES)

MAX_DOCUMENT = 5_000_000  # characters; a lock of thousands of models is far smaller


class LockCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    manifest: str = Field(max_length=MAX_DOCUMENT, description="The text of models.toml.",
                          examples=['[application]\nname = "checkout-api"\n\n[models]\n'
                                    'support-bot = "^2.1"\n'])
    lock: str | None = Field(default=None, max_length=MAX_DOCUMENT,
                             description="The text of the current models.lock, if any: models "
                                         "already locked keep their version.")
    upgrade: list[str] | StrictBool = Field(
        default=False, description="Move pins forward: true for every model, or the names.")
    candidates: StrictBool = Field(
        default=False, description="Also admit versions that have not reached the policy's "
                                   "eligibility.minimum_stage (for staging environments); the "
                                   "lock records it per model (candidates = true). Never "
                                   "rejected, retired, degraded or rolled-back versions.")


class LockPublic(BaseModel):
    lock: str = Field(description="The text of the new models.lock (deterministic).")
    changes: list[str]
    models: dict[str, str]
    warnings: list[str]


class LockText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lock: str = Field(max_length=MAX_DOCUMENT, description="The text of models.lock.")


class AuditCreate(LockText):
    fail_on: str = Field(default=DEFAULT_FAIL_ON, max_length=200,
                         description="What fails: a severity, a deprecation phase, "
                                     "gate-override, or none.")
    ignore_file: str = Field(default="", max_length=MAX_DOCUMENT,
                             description="The text of .steward-ignore.toml.")
    ignore: list[str] = Field(default_factory=list,
                              description="Advisory or finding ids to ignore for this audit.")


class OutdatedPublic(BaseModel):
    model: str
    locked: str
    wanted: str
    latest: str


class OutdatedList(BaseModel):
    items: list[OutdatedPublic]
    warnings: list[str]


def _lock(text: str) -> tuple[Lock, list[str]]:
    found = read_lock(text, "models.lock")
    return found, [f"models.lock: {w}" for w in lock_warnings(found)]


@router.post("/locks", response_model=LockPublic)
def create_lock(body: LockCreate, request: Request, registry: RegistryDep,
                principal: PrincipalDep) -> LockPublic:
    """Resolve models.toml into models.lock: exact versions with their digests, only versions
    the policy calls eligible (unless ``candidates``, or models.toml, admits candidates). Records the
    application as a consumer of each model, so it needs the maintainer role. Unless
    models.toml names a registry, the lock names this server's URL as the caller reached it.
    A maintainer locks only its own team's applications: models.toml's ``team`` must be its
    team, and an application already recorded must belong to it (administrators lock any)."""  # noqa: E501 (the OpenAPI description, pinned)
    require_writer(principal, principal.team)
    manifest = parse_manifest(body.manifest, "models.toml")
    previous, warnings = _lock(body.lock) if body.lock is not None else (None, [])

    def authorize(existing: Consumer | None) -> str:
        team = require_writer(principal, manifest.team)  # refuses a manifest of another team
        if existing is None:
            return team
        require_consumer_writer(principal, existing)
        return existing.team

    result = registry.locking.lock(manifest, previous, upgrade=body.upgrade,
                                   candidates=body.candidates,
                                   registry_name=str(request.base_url).rstrip("/"),
                                   authorize=authorize)
    return LockPublic(lock=result.text, changes=list(result.changes),
                      models={m.name: m.version for m in result.lock.models},
                      warnings=warnings + list(result.warnings))


@router.post("/locks/outdated", response_model=OutdatedList)
def list_outdated(body: LockText, registry: RegistryDep) -> OutdatedList:
    """Locked models with newer eligible versions: the newest the pin accepts (wanted) and the
    newest of all (latest); an entry locked with candidates admits them."""
    found, warnings = _lock(body.lock)
    return OutdatedList(items=[OutdatedPublic(model=r.model, locked=r.locked, wanted=r.wanted,
                                              latest=r.latest)
                               for r in registry.locking.outdated(found)],
                        warnings=warnings)


@router.post("/audits", response_model=dict[str, Any])
def audit_lock(body: AuditCreate, registry: RegistryDep) -> dict[str, Any]:
    """Audit the locked models against the registry: advisories (direct and inherited),
    deprecation phase, retirement, versions that are not eligible, gate overrides and digest
    mismatches. The answer is the
    JSON report of ``steward audit --format json``; ``passed`` says whether it fails under
    ``fail_on``."""
    policy = parse_fail_on(body.fail_on)
    ignores: list[Ignore] = [Ignore(i, "given in the request", None) for i in body.ignore]
    if body.ignore_file:
        try:
            ignores.extend(parse_ignores(body.ignore_file, ".steward-ignore.toml"))
        except DocumentInvalid as invalid:
            raise DocumentInvalid(invalid.source, invalid.problems,
                                  consequence="the audit did not run") from None
    found, _ = _lock(body.lock)
    if not found.models:
        raise InvalidInput("The lock names no models, so there is nothing to audit; lock the "
                           "application's models first.")
    report = registry.audits.audit(found, fail_on=policy, ignores=ignores)
    return json_report.to_document(report)
