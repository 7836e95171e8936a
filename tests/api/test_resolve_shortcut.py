"""``GET /api/v1/resolve`` answered before routing (the shortcut of ``api/resolutions.py``) is
the route's answer byte for byte: the same status, headers (Deprecation, Sunset, Link,
Steward-Redirected-From, Steward-Ineligible, X-Steward-Seq) in the same order, and body, for
ranges, exact pins, candidates, hosted models' snapshot pins, deprecated, redirected,
inherited and ineligible versions, and for the errors a plain query meets (unknown model, no
match, a bad or too large pin: the shortcut answers them with the application's problem, not
computing them again in the route); and every request the shortcut does not take as it is (bad
or odd parameters) is the route's own. Two servers share one database: one as
made, one whose shortcut is taken away, so that the route answers every request there."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from modelsteward import Registry
from modelsteward.api.auth import token_authenticator
from modelsteward.api.deps import Principal
from modelsteward.api.resolutions import Answer, KeptAnswers, Shortcut
from modelsteward.api.routes.resolve import SHORTCUT_PATH
from modelsteward.domain.deprecation import DeprecationReason
from modelsteward.domain.lineage import Relation
from modelsteward.domain.model import Model, ModelKind, RiskTier, VersionScheme
from modelsteward.errors import InvalidInput
from tests.api.conftest import MakeServer, Server, caught_up
from tests.conftest import FixedClock
from tests.service.lifecycle_helpers import manifest, statement, to_staging, trained

Query = dict[str, str] | tuple[tuple[str, str], ...]
# (query, whether the shortcut takes it as it is: when it resolves, the shortcut answers)
CASES: list[tuple[Query, bool]] = [
    ({"model": "bot", "pin": "*"}, True),
    ({"model": "bot", "pin": "^2"}, True),  # deprecated: Deprecation, Sunset, Link
    ({"model": "bot", "pin": "~2.0"}, True),
    ({"model": "bot", "pin": ">=1.0.0 <2.1.0"}, True),
    ({"model": "bot", "pin": ">2.0.0,<=3"}, True),
    ({"model": "bot", "pin": "2.x"}, True),
    ({"model": "bot", "pin": "2.0.0"}, True),
    ({"model": "bot", "pin": "=2.0.0"}, True),
    ({"model": "bot", "pin": "3.0.0"}, True),  # exact, not eligible: Steward-Ineligible
    ({"model": "bot", "pin": "1.0.0"}, True),  # retired, redirected: Steward-Redirected-From
    ({"model": "bot", "pin": "^1"}, True),
    ({"model": "bot", "pin": "*", "candidates": "true"}, True),
    ({"model": "bot", "pin": "^3", "candidates": "true"}, True),
    ({"model": "bot", "pin": "*", "candidates": "false"}, True),
    ({"model": "bot-ft", "pin": "*"}, True),  # inherits its parent's plan
    ({"model": "hosted", "pin": "acme-large-*"}, True),
    ({"model": "hosted", "pin": "acme-large-20250101"}, True),
    ({"model": "hosted", "pin": "*"}, True),
    ({"model": "bot", "pin": "^9"}, True),  # no match
    ({"model": "bot", "pin": "^3"}, True),  # only a version that is not eligible
    ({"model": "bto", "pin": "*"}, True),  # unknown model, the nearest names offered
    ({"model": "bot", "pin": "not a pin"}, True),
    ({"model": "bot", "pin": "99999999999999999999.0.0"}, True),
    ({"model": "b" * 129, "pin": "*"}, True),  # as long as allowed: unknown model
    ({"model": "bot", "pin": "*" + " " * 199}, True),
    ({"model": "bot", "pin": "*", "candidates": "yes"}, False),  # the route parses these
    ({"model": "bot", "pin": "*", "candidates": "TRUE"}, False),
    ({"model": "bot", "pin": "*", "candidates": "1"}, False),
    ({"model": "bot", "pin": "*", "candidates": "maybe"}, False),
    ({"model": "bot", "pin": "*", "extra": "1"}, False),
    ((("model", "bot"), ("pin", "^2"), ("pin", "*")), False),
    ((("model", "bot"), ("pin", "^2"), ("candidates", "true"), ("candidates", "false")), False),
    ({"model": "bot"}, False),
    ({"pin": "*"}, False),
    ({}, False),
    ({"model": "", "pin": "*"}, False),
    ({"model": "bot", "pin": ""}, False),
    ({"model": "b" * 130, "pin": "*"}, False),
    ({"model": "bot", "pin": "*" + " " * 200}, False),
]


def seed(db_url: str, clock: FixedClock) -> None:
    """bot: 1.0.0 retired and redirected to ^2, 2.0.0 eligible and deprecated (replaced by
    next-bot 1.0.0), 3.0.0 only trained; bot-ft 1.0.0 fine-tuned from bot 2.0.0; hosted: three
    snapshots."""
    with Registry.open(db_url, actor="alice", clock=clock) as registry:
        first = trained(registry, "bot")
        to_staging(registry, first, RiskTier.LOW)
        second = trained(registry, "bot")
        to_staging(registry, second, RiskTier.LOW)
        trained(registry, "bot")
        today = clock.now().date()
        registry.deprecations.plan(
            first, reason=DeprecationReason.REPLACED, replacement="bot@^2", redirect=True,
            announced=today, soft_deadline=today + timedelta(days=1),
            hard_deadline=today + timedelta(days=2))
        clock.advance(days=3)
        assert first in registry.deprecations.tick().retired
        registry.create_model(Model("bot-ft", risk_tier=RiskTier.LOW))
        tuned = registry.register_version("bot-ft", "1.0.0", manifest=manifest("bot-ft"),
                                          metrics={"loss": 0.2}, derived_from=second,
                                          relation=Relation.FINETUNE)
        registry.attest(tuned.ref, statement(tuned.digest))
        to_staging(registry, tuned.ref, RiskTier.LOW)
        successor = trained(registry, "next-bot")
        to_staging(registry, successor, RiskTier.LOW)
        today = clock.now().date()
        registry.deprecations.plan(
            second, reason=DeprecationReason.REPLACED, replacement=successor,
            announced=today - timedelta(days=1), soft_deadline=today + timedelta(days=30),
            hard_deadline=today + timedelta(days=90))
        registry.create_model(Model("hosted", kind=ModelKind.HOSTED, provider="acme",
                                    versioning=VersionScheme.SNAPSHOT))
        for snapshot in ("acme-large-20250101", "acme-large-20240101", "acme-small-20250601"):
            registry.register_version("hosted", snapshot)


def kept_answers(app: FastAPI) -> KeptAnswers:
    """The application's :class:`KeptAnswers` layer (its middleware is built by then)."""
    layer: Any = app.middleware_stack
    while not isinstance(layer, KeptAnswers):
        layer = layer.app
    return layer


def recording(server: Server) -> list[tuple[str, str]]:
    """What the shortcut of ``server`` computed from now on: ("answered", query string) for a
    computation that gave an answer, ("raised", query string) for one that raised."""
    layer = kept_answers(server.app)
    shortcut = layer.shortcuts[SHORTCUT_PATH]
    answered: list[tuple[str, str]] = []

    def answer(request: Any, principal: Principal) -> Callable[[], Answer] | None:
        compute = shortcut.answer(request, principal)
        if compute is None:
            return None

        def run() -> Answer:
            query = request.scope["query_string"].decode()
            try:
                found = compute()
            except Exception:
                answered.append(("raised", query))
                raise
            answered.append(("answered", query))
            return found

        return run

    layer.shortcuts = {SHORTCUT_PATH: Shortcut(shortcut.route, answer)}
    return answered


def as_sent(response: httpx.Response) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    headers = [(name.lower(), value) for name, value in response.headers.raw
               if name.lower() != b"date"]
    return response.status_code, headers, response.content


def started(server: Server, *, anonymous: bool) -> Server:
    """``server`` after one request (its middleware is built, its token cached), its client
    without a token when ``anonymous``."""
    if anonymous:
        server.client.headers.pop("Authorization")
    assert server.client.get("/api/v1/models").status_code == 200
    return server


def anonymous_reading(clock: FixedClock) -> dict[str, Any]:
    return {"authenticate": token_authenticator(None, clock, True)}


def compare(make_server: MakeServer, clock: FixedClock, *, anonymous: bool,
            without_io: bool) -> None:
    """Every case on a server with its shortcut and on one without: the same answers, and the
    shortcut computed exactly the plain queries (when ``without_io``: when the authenticator
    accepts the caller without I/O), once each: an answer is kept, so asking again reads it;
    an error is not, so asking again computes it again (once, not once more in the route)."""
    options = anonymous_reading(clock) if anonymous else {}
    # both made before either is used: making one adds a token, which empties the token caches
    fast, routed = make_server(clock=clock, **options), make_server(clock=clock, **options)
    fast, routed = started(fast, anonymous=anonymous), started(routed, anonymous=anonymous)
    caught_up(fast), caught_up(routed)  # on PostgreSQL: both report the same head
    kept_answers(routed.app).shortcuts = {}
    answered = recording(fast)
    expected = []
    statuses = set()
    for query, plain in CASES:
        ours = fast.client.get(SHORTCUT_PATH, params=query)
        theirs = routed.client.get(SHORTCUT_PATH, params=query)
        assert as_sent(ours) == as_sent(theirs), (query, ours.text, theirs.text)
        statuses.add(ours.status_code)
        if plain and without_io:
            sent = ours.request.url.query.decode()
            expected.extend([("answered", sent)] if ours.status_code == 200
                            else [("raised", sent)] * 2)
        # asked again: kept or computed again, the same answer
        assert as_sent(fast.client.get(SHORTCUT_PATH, params=query)) == as_sent(theirs)
    assert answered == expected
    assert statuses == {200, 400, 404, 422}


def test_the_shortcut_answers_as_the_route_does(make_server: MakeServer, db_url: str,
                                                clock: FixedClock) -> None:
    seed(db_url, clock)
    # with a token; on PostgreSQL every request checks it in the database: the route answers
    compare(make_server, clock, anonymous=False,
            without_io=not db_url.startswith("postgresql"))
    compare(make_server, clock, anonymous=True, without_io=True)


def test_the_shortcut_sends_the_routes_headers(make_server: MakeServer, db_url: str,
                                               clock: FixedClock) -> None:
    """What the comparison above compares is there: the headers of a deprecated, a redirected,
    an ineligible and an inheriting answer, and the request is counted under its route."""
    seed(db_url, clock)
    server = started(make_server(clock=clock, **anonymous_reading(clock)), anonymous=True)
    answered = recording(server)
    c = server.client
    deprecated = c.get(SHORTCUT_PATH, params={"model": "bot", "pin": "^2"})
    assert deprecated.headers["Deprecation"].startswith("@")
    assert deprecated.headers["Sunset"].endswith("GMT") and "Link" in deprecated.headers
    redirected = c.get(SHORTCUT_PATH, params={"model": "bot", "pin": "1.0.0"})
    assert redirected.headers["Steward-Redirected-From"] == "bot@1.0.0"
    ineligible = c.get(SHORTCUT_PATH, params={"model": "bot", "pin": "3.0.0"})
    assert "still trained" in ineligible.headers["Steward-Ineligible"]
    inherited = c.get(SHORTCUT_PATH, params={"model": "bot-ft", "pin": "*"})
    assert inherited.json()["inherited_from"] == "bot@2.0.0"
    answers = (deprecated, redirected, ineligible, inherited)
    assert all(r.status_code == 200 and "X-Steward-Seq" in r.headers for r in answers)
    # an error the computation raises is the shortcut's answer too, counted under the route
    unknown = c.get(SHORTCUT_PATH, params={"model": "bto", "pin": "*"})
    assert unknown.status_code == 404 and "X-Steward-Seq" in unknown.headers
    assert unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["instance"] == SHORTCUT_PATH and "'bot'" in unknown.json()["detail"]
    assert [kind for kind, _ in answered] == ["answered"] * 4 + ["raised"]
    metrics = c.get("/metrics").text
    assert ('steward_http_request_duration_seconds_count{method="GET",'
            'route="/api/v1/resolve",status="200"} 4.0') in metrics
    assert ('steward_http_request_duration_seconds_count{method="GET",'
            'route="/api/v1/resolve",status="404"} 1.0') in metrics


def test_an_error_the_shortcut_raises_is_answered_there(make_server: MakeServer, db_url: str,
                                                        clock: FixedClock) -> None:
    """A computation before routing that raises is answered with the problem the application
    makes of the error, not computed again by the route; and it is not kept."""
    seed(db_url, clock)
    server = started(make_server(clock=clock, **anonymous_reading(clock)), anonymous=True)
    layer = kept_answers(server.app)
    route = layer.shortcuts[SHORTCUT_PATH].route

    def refusing(_request: Any, _principal: Principal) -> Callable[[], Answer]:
        def run() -> Answer:
            raise InvalidInput("Computed before routing.")
        return run

    layer.shortcuts = {SHORTCUT_PATH: Shortcut(route, refusing)}
    query = {"model": "bot", "pin": "^2"}  # the route resolves it
    refused = server.client.get(SHORTCUT_PATH, params=query)
    assert refused.status_code == 400, refused.text
    assert refused.json() == {"type": "/problems/invalid-input", "title": "Bad input",
                              "status": 400, "detail": "Computed before routing.",
                              "instance": SHORTCUT_PATH}
    assert "X-Steward-Seq" in refused.headers
    layer.shortcuts = {}
    assert server.client.get(SHORTCUT_PATH, params=query).status_code == 200
