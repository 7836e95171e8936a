"""The OSV query API (``POST /v1/query``, ``POST /v1/querybatch``, ``GET /v1/vulns/{id}``),
with OSV.dev's request and response shapes, so OSV clients (osv-scanner, pip-audit's OSV
service, …) can point at this registry.

Not under ``/api/v1``, and errors are not problem documents: like OSV.dev (a gRPC service
behind an HTTP transcoder) an error is ``{"code": <gRPC status code>, "message": …}`` with the
matching HTTP status — ``3`` (INVALID_ARGUMENT) and 400 for a malformed query. What a query
matches is described in :mod:`modelsteward.service.osv_queries`."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from packageurl import PackageURL
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from modelsteward.api.deps import RegistryDep
from modelsteward.api.problems import status_of
from modelsteward.api.routing import ThreadedRoute
from modelsteward.domain.advisory import format_timestamp
from modelsteward.domain.osv_match import GIT, subject_from_purl
from modelsteward.errors import InvalidInput, StewardError
from modelsteward.service.osv_queries import CommitQuery, OsvQuery, PackageQuery

MAX_BATCH = 1000  # OSV.dev's limit of queries in one batch

# HTTP status → gRPC status code, as gRPC's HTTP mapping pairs them
_GRPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 409: 10, 413: 8, 422: 3, 429: 8, 503: 14}
INVALID_ARGUMENT = 3


class OsvError(BaseModel):
    """OSV.dev's error shape (a ``google.rpc.Status``)."""

    code: int = Field(description="The gRPC status code: 3 invalid argument, 5 not found, …")
    message: str


def osv_error(status: int, message: str) -> JSONResponse:
    code = _GRPC_CODES.get(status, 13)  # 13: INTERNAL
    return JSONResponse({"code": code, "message": message},
                        status_code=400 if status == 422 else status)


class OsvRoute(ThreadedRoute):
    """Routes whose errors — request validation included — take OSV's shape instead of the
    problem documents of ``/api/v1``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as invalid:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body') or 'body'}: "
                    f"{e.get('msg', '')}" for e in invalid.errors())
                return osv_error(400, f"Invalid query: {problems}.")
            except StewardError as error:
                return osv_error(status_of(error)[0], str(error))
            except HTTPException as error:  # a body too large or that cannot be read
                return osv_error(error.status_code, str(error.detail))

        return handle


router = APIRouter(prefix="/v1", tags=["osv"], route_class=OsvRoute)
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OsvError, "description": "The query is malformed (code 3)."},
    401: {"model": OsvError, "description": "A token is needed (code 16)."},
    403: {"model": OsvError, "description": "The token may not read (code 7)."},
    413: {"model": OsvError, "description": "The body is larger than the server's limit "
                                            "(code 8)."},
}


class OsvPackage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=500, examples=["support-bot"])
    ecosystem: str = Field(default="", max_length=100, examples=["modelsteward"])
    purl: str = Field(default="", max_length=2000,
                      examples=["pkg:generic/modelsteward/support-bot@2.1.3"])


class OsvQueryBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    commit: str = Field(default="", max_length=200)
    version: str = Field(default="", max_length=300, examples=["2.1.3"])
    package: OsvPackage | None = None
    page_token: str = Field(default="", max_length=1000,
                            description="Accepted for compatibility; answers are never "
                                        "paginated.")


class OsvBatchBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queries: list[OsvQueryBody] = Field(max_length=MAX_BATCH)


class OsvVulnerabilityList(BaseModel):
    vulns: list[dict[str, Any]] | None = Field(
        default=None, description="Full OSV records; left out when nothing matches.")
    next_page_token: str | None = None


class OsvVulnerabilityRef(BaseModel):
    id: str
    modified: str


class OsvBatchResult(BaseModel):
    vulns: list[OsvVulnerabilityRef] | None = None
    next_page_token: str | None = None


class OsvBatchResults(BaseModel):
    results: list[OsvBatchResult]


def parse_query(body: OsvQueryBody, where: str = "") -> OsvQuery:
    """The query ``body`` asks, checked by OSV.dev's rules: a commit or a package; not a commit
    and a version; a package by name and ecosystem or by package URL, not both; a version in
    the package URL or in ``version``, not both. Raises :class:`InvalidInput`."""
    prefix = f"{where}: " if where else ""

    def invalid(message: str) -> InvalidInput:
        return InvalidInput(f"{prefix}{message}")

    package = body.package
    if body.commit:
        if body.version:
            raise invalid("Invalid query: give a commit or a version, not both.")
        repository = ""
        if package is not None and package.purl:
            subject = subject_from_purl(package.purl)
            if subject is None or subject.ecosystem != GIT:
                raise invalid(f"Invalid query: {package.purl!r} does not name a git repository "
                              "(use pkg:huggingface/ORG/NAME), or leave the package out.")
            repository = subject.name
        return CommitQuery(body.commit, repository)
    if package is None:
        raise invalid("Invalid query: give a package (name and ecosystem, or purl) or a "
                      "commit.")
    if package.purl:
        if package.name or package.ecosystem:
            raise invalid("Invalid query: name the package by purl or by name and ecosystem, "
                          "not both.")
        try:
            parsed = PackageURL.from_string(package.purl)
        except ValueError as exc:
            raise invalid(f"Invalid query: {package.purl!r} is not a package URL "
                          f"({exc}).") from None
        if parsed.version and body.version:
            raise invalid("Invalid query: give the version in the purl or in `version`, not "
                          "both.")
        bare = PackageURL(type=parsed.type, namespace=parsed.namespace, name=parsed.name,
                          qualifiers=parsed.qualifiers).to_string()
        subject = subject_from_purl(bare)
        version = parsed.version or body.version
        if subject is None:  # a package URL of an ecosystem this registry does not hold
            return PackageQuery(parsed.type, bare, version)
        return PackageQuery(subject.ecosystem, subject.name, version)
    if not package.name or not package.ecosystem:
        raise invalid("Invalid query: a package needs both `name` and `ecosystem` (e.g. "
                      "modelsteward and the model's name), or a `purl`.")
    return PackageQuery(package.ecosystem, package.name, body.version)


@router.post("/query", response_model=OsvVulnerabilityList, response_model_exclude_none=True,
             responses=ERRORS)
def query_affected(body: OsvQueryBody, registry: RegistryDep) -> OsvVulnerabilityList:
    """The advisories affecting a package version (own and inherited through lineage), every
    advisory naming a package, or those affecting a commit — as full OSV records. ``{}`` when
    nothing matches."""
    found = registry.osv.query(parse_query(body))
    return OsvVulnerabilityList(vulns=[a.to_osv() for a in found] or None)


@router.post("/querybatch", response_model=OsvBatchResults, response_model_exclude_none=True,
             responses=ERRORS)
def query_affected_batch(body: OsvBatchBody, registry: RegistryDep) -> OsvBatchResults:
    """Many queries at once (up to 1000); each result, in the order of the queries, lists the
    matching advisories' ids and modification times only."""
    queries = [parse_query(q, f"queries[{i}]") for i, q in enumerate(body.queries)]
    results = registry.osv.query_batch(queries)
    return OsvBatchResults(results=[
        OsvBatchResult(vulns=[OsvVulnerabilityRef(id=a.id, modified=format_timestamp(a.modified))
                              for a in found] or None)
        for found in results])


@router.get("/vulns/{advisory_id}", response_model=dict[str, Any],
            responses={**ERRORS, 404: {"model": OsvError,
                                       "description": "No such advisory (code 5)."}})
def get_vuln(advisory_id: str, registry: RegistryDep) -> dict[str, Any]:
    """One advisory as an OSV record (withdrawn ones too)."""
    return registry.advisories.get(advisory_id).to_osv()
