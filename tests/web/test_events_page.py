"""The events page on the demonstration data: the log newest first in keyset pages, a model's
events, each event's link in the hash chain checked on the page, the whole chain verified by an
administrator (as ``GET /api/v1/events/verification`` does), and an event edited in the
database found broken at its sequence number; and ``/live``, the chain head the pages poll."""

from __future__ import annotations

import html
import re
import sqlite3
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from modelsteward import Registry
from modelsteward.domain.events import Event, NewEvent, event_hash, extend_chain
from modelsteward.web import events as events_page
from tests.web.conftest import Demo, post_form

ROW = re.compile(r'<tr class="event( failing)?" id="e(\d+)">(.*?)</tr>', re.S)


def _rows(page: str) -> list[tuple[int, bool, str]]:
    return [(int(seq), bool(failing), row) for failing, seq, row in ROW.findall(page)]


def _newest(demo: Demo, limit: int, model: str = "", before: int = 0) -> list[Event]:
    with Registry.open(demo.db_url) as registry:
        return registry.log_tail(model, limit=limit, before_seq=before)[::-1]


def test_the_log_is_shown_newest_first_with_each_event_checked(demo: Demo) -> None:
    with closing(demo.browser("approver")) as browser:
        answer = browser.get("/events")
    assert answer.status_code == 200, answer.text
    expected = _newest(demo, events_page.EVENT_PAGE)
    rows = _rows(answer.text)
    assert [seq for seq, _, _ in rows] == [e.seq for e in expected]
    assert not any(failing for _, failing, _ in rows)
    for (_, _, row), event in zip(rows, expected, strict=True):
        assert f'<code title="{event.hash}">{event.hash[:12]}…</code>' in row
        assert html.escape(event.actor) in row and event.kind in row
        if event.kind.startswith("model:"):
            assert f'<a href="/models/{event.subject}">' in row
    assert (f"Intact on this page: events {expected[-1].seq} to {expected[0].seq}"
            in answer.text)
    assert f"Chain head: event {expected[0].seq}," in answer.text
    assert f'data-seq="{expected[0].seq}"' in answer.text
    assert '<a href="/events">Events</a>' in answer.text
    assert '<a href="/api/v1/events?order=desc">' in answer.text
    assert '<a href="/api/v1/events/verification">' in answer.text
    assert "Verify the whole chain" not in answer.text  # administrators only, as in the API


def test_older_pages_continue_where_the_last_one_ended(
        demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events_page, "EVENT_PAGE", 7)
    every = [e.seq for e in _newest(demo, 10_000)]
    seen: list[int] = []
    with closing(demo.browser("approver")) as browser:
        path = "/events"
        while path:
            answer = browser.get(path)
            assert answer.status_code == 200, answer.text
            rows = _rows(answer.text)
            assert 0 < len(rows) <= 7 and not any(f for _, f, _ in rows)
            seen.extend(seq for seq, _, _ in rows)
            older = re.search(r'href="(/events\?before=\d+)">Older events', answer.text)
            path = older.group(1) if older else ""
    assert seen == every


def test_a_models_events_link_to_its_pages(demo: Demo) -> None:
    with closing(demo.browser("approver")) as browser:
        answer = browser.get("/events", params={"model": "claude-sonnet"})
        unknown = browser.get("/events", params={"model": "no-such-model"})
        bad = browser.get("/events", params={"before": "x"})
    assert answer.status_code == 200, answer.text
    expected = _newest(demo, events_page.EVENT_PAGE, "claude-sonnet")
    rows = _rows(answer.text)
    assert [seq for seq, _, _ in rows] == [e.seq for e in expected] and expected
    assert all(e.subject.split("@")[0] == "claude-sonnet" for e in expected)
    assert not any(failing for _, failing, _ in rows)
    assert '<a href="/api/v1/events?model=claude-sonnet&amp;order=desc">' in answer.text
    assert unknown.status_code == 404 and bad.status_code == 400


def test_live_answers_the_chain_head_to_readers_only(demo: Demo) -> None:
    with Registry.open(demo.db_url) as registry, registry.store.read() as tx:
        head = tx.chain_head()[0]
    with closing(demo.browser("approver")) as browser:
        answer = browser.get("/live")
    assert answer.status_code == 200 and answer.json() == {"seq": head}
    assert answer.headers["cache-control"] == "no-store"
    with closing(demo.browser()) as nobody:
        assert nobody.get("/live").status_code == 401


def test_only_an_administrator_verifies_the_whole_chain(demo: Demo) -> None:
    with closing(demo.browser("approver")) as approver:
        refused = post_form(approver, "/events/verification", {}, page="/events")
        assert refused.status_code == 403
    with closing(demo.browser("admin")) as admin:
        assert "not been verified since this server started" in admin.get("/events").text
        forged = admin.post("/events/verification", data={"csrf": "0" * 64})
        assert forged.status_code == 401
        done = post_form(admin, "/events/verification", {}, page="/events")
        assert done.status_code == 303 and done.headers["location"] == "/events#chain"
        shown = admin.get("/events").text
    head = _newest(demo, 1)[0]
    assert re.search(rf"Last full verification \([^)]+, by [^)]+\): intact, {head.seq} events "
                     rf"up to the head, event {head.seq}", shown), shown
    assert f'<code title="{head.hash}">' in shown


def _tamper(demo: Demo, seq: int, payload: str) -> str:
    """Set event ``seq``'s payload directly in the database; return the one it had."""
    database = demo.db_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(database)) as connection, connection:
        (kept,) = connection.execute("SELECT payload FROM events WHERE seq = ?",
                                     (seq,)).fetchone()
        connection.execute("UPDATE events SET payload = ? WHERE seq = ?", (payload, seq))
    return str(kept)


def test_an_event_edited_in_the_database_breaks_the_chain_at_its_number(demo: Demo) -> None:
    shown = _newest(demo, events_page.EVENT_PAGE)
    recent, old = shown[3].seq, shown[-1].seq - 5  # on the first page, and before it
    assert old > 1
    kept = _tamper(demo, recent, '{"edited":true}')
    try:
        with closing(demo.browser("admin")) as admin:
            page = admin.get("/events").text
            failing = [seq for seq, failing, _ in _rows(page) if failing]
            assert failing == [recent]
            assert f"Broken: event {recent} does not hold (its content does not match its " \
                   "hash (edited))" in page
            post_form(admin, "/events/verification", {}, page="/events")
            assert f"broken at event {recent}: its content does not match" in \
                admin.get("/events").text
    finally:
        _tamper(demo, recent, kept)
    kept = _tamper(demo, old, '{"edited":true}')
    try:
        with closing(demo.browser("admin")) as admin:
            page = admin.get("/events").text
            assert "Intact on this page" in page  # the page checks only what it shows
            post_form(admin, "/events/verification", {}, page="/events")
            page = admin.get("/events").text
            assert f"broken at event {old}: its content does not match" in page
            older = admin.get("/events", params={"before": str(old + 2)}).text
            assert [seq for seq, failing, _ in _rows(older) if failing] == [old]
    finally:
        _tamper(demo, old, kept)


def _chain(count: int) -> list[Event]:
    return extend_chain((0, ""), datetime(2026, 1, 1, tzinfo=UTC), "someone",
                        [NewEvent("model:created", f"m{n}", {"n": n}) for n in range(count)])


def test_a_window_of_the_chain_is_checked_against_its_predecessors_and_the_head() -> None:
    every = _chain(6)
    head = (every[-1].seq, every[-1].hash)
    window, before = every[3:], {3: every[2]}
    assert events_page.window_breaks(window, before, head) == {}
    assert events_page.window_breaks(every[:2], {}, None) == {}  # event 1 links to genesis
    assert events_page.window_breaks(window, {3: None}, head) == {
        4: "event 3 before it is missing"}
    edited = replace(every[4], payload_json='{"n":99}')
    assert events_page.window_breaks([every[3], edited, every[5]], before, head) == {
        5: "its content does not match its hash (edited)"}
    # rehashed after the edit: the content holds, but the next event's link does not
    rehashed = replace(edited, hash=event_hash(5, edited.time, edited.actor, edited.kind,
                                               edited.subject, edited.payload_json,
                                               edited.prev_hash))
    assert events_page.window_breaks([every[3], rehashed, every[5]], before, head) == {
        6: "it does not link to the previous event's hash"}
    # the newest event shown is not the head: later events were cut off
    assert list(events_page.window_breaks(every[3:5], before, head)) == [5]


def test_a_payload_summary_is_short_plain_text() -> None:
    assert events_page.summary('{"a":"x <b>","b":[1,2],"c":null}') == \
        'a: x <b>; b: [1,2]; c: null'
    long = events_page.summary('{"text":"' + "y" * 500 + '"}')
    assert len(long) == events_page.SUMMARY_CHARS and long.endswith("…")
