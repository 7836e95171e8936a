"""``GET /api/v1/resolve`` answered before routing (the shortcut of ``api/resolutions.py``) is
the route's answer byte for byte: the same status, headers (Deprecation, Sunset, Link,
Steward-Redirected-From, Steward-Ineligible, X-Steward-Seq) in the same order, and body, for
ranges, exact pins, candidates, hosted models' snapshot pins, deprecated, redirected,
inherited and ineligible versions; and every request the shortcut does not take as it is
(errors, bad or odd parameters) is the route's own. Two servers share one database: one as
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


def recording(server: Server) -> list[str]:
    """The query strings the shortcut of ``server`` answered, from now on."""
    layer = kept_answers(server.app)
    shortcut = layer.shortcuts[SHORTCUT_PATH]
    answered: list[str] = []

    def answer(request: Any, principal: Principal) -> Callable[[], Answer] | None:
        compute = shortcut.answer(request, principal)
        if compute is None:
            return None

        def run() -> Answer:
            found = compute()
            answered.append(request.scope["query_string"].decode())
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
    shortcut answered exactly the plain queries that resolve (when ``without_io``: when the
    authenticator accepts the caller without I/O)."""
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
        if plain and without_io and ours.status_code == 200:
            expected.append(ours.request.url.query.decode())
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
    assert len(answered) == 4
    assert ('steward_http_request_duration_seconds_count{method="GET",'
            'route="/api/v1/resolve",status="200"} 4.0') in c.get("/metrics").text
