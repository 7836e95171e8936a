"""The consumers page on the demonstration data: every consumer with its team, kind,
environment and what its pins resolve to now, in keyset pages by name; and, for one model, its
users grouped by team as ``GET /api/v1/impact`` counts them."""

from __future__ import annotations

import html
import re
from contextlib import closing

import pytest

from modelsteward import Registry
from modelsteward.web import reach
from tests.web.conftest import Demo

NAME = r'<tr class="consumer">\s*<td><a href="[^"]+">([^<]+)</a>'


def test_the_impact_of_a_model_counts_services_and_teams(demo: Demo) -> None:
    with closing(demo.browser("approver")) as browser:
        answer = browser.get("/consumers", params={"model": "claude-sonnet"})
    with Registry.open(demo.db_url) as registry:
        impact = registry.consumers.impact("claude-sonnet")
    assert answer.status_code == 200, answer.text
    assert "3 services, 2 teams" in answer.text
    assert impact.consumers == 3 and len(impact.by_team) == 2
    teams = re.findall(r'<tr class="team">\s*<td>([^<]+)</td>\s*<td>(\d+)</td>', answer.text)
    assert {t: int(n) for t, n in teams} == impact.by_team
    for affected in impact.affected:
        assert html.escape(affected.consumer.name) in answer.text
    assert '<a href="/api/v1/impact?target=claude-sonnet">' in answer.text
    assert '<a href="/api/v1/consumers?model=claude-sonnet">' in answer.text


def test_each_consumer_shows_its_pins_and_what_they_resolve_to(demo: Demo) -> None:
    with closing(demo.browser("approver")) as browser:
        answer = browser.get("/consumers")
    with Registry.open(demo.db_url) as registry:
        first = registry.consumers.show(min(c.name for c in registry.consumers.list()))
    assert answer.status_code == 200, answer.text
    assert '<a href="/consumers">Consumers</a>' in answer.text
    assert '<a href="/api/v1/consumers">' in answer.text
    row = re.findall(r'<tr class="consumer">(.*?)</tr>', answer.text, re.S)[0]
    assert html.escape(first.consumer.team) in row and first.consumer.kind.value in row
    assert first.pins
    for pin, status in first.pins:
        assert status.resolves_to
        shown = status.resolves_to if "@" in status.resolves_to else \
            f"{pin.model}@{status.resolves_to}"
        assert f'href="/models/{shown}"' in row


def test_the_consumer_pages_reach_every_consumer(demo: Demo,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    with Registry.open(demo.db_url) as registry:
        every = sorted(c.name for c in registry.consumers.list())
    assert len(every) >= 3
    monkeypatch.setattr(reach, "CONSUMER_PAGE", 2)
    seen: list[str] = []
    with closing(demo.browser("approver")) as browser:
        path = "/consumers"
        while path:
            page = browser.get(path).text
            seen.extend(re.findall(NAME, page))
            following = re.search(r'<a href="(/consumers\?after=[^"]+)">Next page</a>', page)
            path = html.unescape(following.group(1)) if following else ""
    assert seen == every


def test_an_unknown_model_is_a_clear_error(demo: Demo) -> None:
    with closing(demo.browser("approver")) as browser:
        answer = browser.get("/consumers", params={"model": "no-such-model"})
    assert answer.status_code == 404
    assert "no-such-model" in answer.text
