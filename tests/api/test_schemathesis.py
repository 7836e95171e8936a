"""Property tests of the whole HTTP API from its own OpenAPI document (schemathesis): for
generated requests to every operation, the server never answers 5xx, answers only with status
codes the document declares, and every body conforms to the declared schema. Data is seeded
first so that reads hit real rows. Operations that touch the server's disk (retirement into an
archive, restoring) are left out: generated paths would be written to."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance, status_code_conformance,
)

from tests.api.conftest import Server
from tests.api.test_osv_api import seed as seed_osv

EXAMPLES = 8  # per operation: the whole run stays well under a minute
SKIPPED = {("POST", "/api/v1/retirements"), ("POST", "/api/v1/restorations"),
           ("GET", "/metrics")}
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


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
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        tested += 1

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(), data=st.data())
        def run(case: Any, data: Any) -> None:
            case.call_and_validate(base_url=server.url, headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert tested > 20
    assert not failures, "\n\n".join(failures)
