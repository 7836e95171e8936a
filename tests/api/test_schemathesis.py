"""Property tests of the whole HTTP API from its own OpenAPI document (schemathesis): for
generated requests to every operation, the server never answers 5xx, answers only with status
codes the document declares, every body conforms to the declared schema, and a request that
satisfies the document is never refused for a rule the document does not state (a 422
validation problem, a manifest problem, MLflow's "request is not valid"). Data is seeded
first so that reads hit real rows. Operations that touch the server's disk (retirement into an
archive, restoring) are left out: generated paths would be written to."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import Server
from tests.api.test_osv_api import seed as seed_osv

EXAMPLES = 15  # per operation: enough to meet an unstated rule, the run stays near a minute
SKIPPED = {("POST", "/api/v1/retirements"), ("POST", "/api/v1/restorations"),
           ("GET", "/metrics")}


def no_unstated_rule(ctx: Any, response: Any, case: Any) -> None:
    """Generated requests satisfy the document; the server may refuse them for what the
    registry holds (404, 409, a bad pin: 400), never for their shape."""
    text = response.text
    if response.status_code == 422:
        body = response.json()
        assert body["type"] != "/problems/validation", f"refused a valid request: {text[:500]}"
        assert not body["detail"].startswith("The manifest"), f"refused a manifest: {text[:500]}"
    if response.status_code == 400 and "/problems/invalid-input" in text:
        # parse_enum's and parse_roles' refusals: the document lists the values (enum)
        assert ": use one of" not in text and "Unknown role" not in text, (
            f"refused a value of an enum the document does not state: {text[:500]}")
    if response.status_code == 400 and case.operation.path.startswith("/api/2.0/mlflow"):
        assert "The request is not valid" not in text, f"refused a valid request: {text[:500]}"


CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance,
          no_unstated_rule]


def test_every_operation_keeps_its_contract(server: Server) -> None:
    seed_osv(server)
    c = server.client
    c.post("/api/v1/consumers", json={"name": "checkout-api", "team": "payments",
                                      "uses": [{"model": "support-bot", "pin": "^1"}]})
    headers = {"Authorization": f"Bearer {server.admin_token}"}
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", headers=headers)
    failures: list[str] = []
    tested = 0
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        tested += 1

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            case.call_and_validate(base_url=server.url, headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:
            # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert tested > 20
    assert not failures, "\n\n".join(failures)
