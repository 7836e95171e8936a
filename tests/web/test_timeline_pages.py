"""The deprecations timeline and the advisories page on the demonstration data: every plan
with its dates, phase and impact, provider shutdowns, and each advisory with the versions it
affects directly and those that inherit it through lineage."""

from __future__ import annotations

import html
import re
from contextlib import closing

import pytest

from modelsteward import Registry
from modelsteward.domain.advisory import (
    ECOSYSTEM,
    Advisory,
    Affected,
    AffectedRange,
    EventKind,
    RangeEvent,
)
from modelsteward.domain.model import Model
from modelsteward.web import reach
from tests.web.conftest import Demo


def _row(page: str, cls: str, containing: str) -> str:
    rows: list[str] = [r for r in re.findall(rf'<tr class="{cls}">(.*?)</tr>', page, re.S)
                       if containing in r]
    assert rows, f"no {cls} row with {containing!r}"
    return str(rows[0])


def test_the_deprecations_page_shows_each_plan_with_its_impact(demo: Demo) -> None:
    with closing(demo.browser("approver")) as browser:
        answer = browser.get("/deprecations")
    assert answer.status_code == 200, answer.text
    row = _row(answer.text, "plan", "claude-sonnet@")
    assert "3 services, 2 teams" in row
    assert "provider-shutdown" in row
    assert 'class="timeline" role="img"' in row and "hard deadline" in row
    assert '<a href="/deprecations">Deprecations</a>' in answer.text
    assert '<a href="/api/v1/deprecations">' in answer.text


def test_plans_are_ordered_by_their_next_date(demo: Demo) -> None:
    with closing(demo.browser("approver")) as browser:
        page = browser.get("/deprecations").text
    plans = re.findall(r'<tr class="plan">.*?</td>\s*<td><time datetime="([0-9-]+)"', page, re.S)
    assert plans and plans == sorted(plans)


def test_the_advisories_page_shows_direct_and_inherited_versions(demo: Demo) -> None:
    with closing(demo.browser("approver")) as browser:
        answer = browser.get("/advisories")
    assert answer.status_code == 200, answer.text
    row = _row(answer.text, "advisory", "acme/support-base@")
    direct, inherited = re.findall(r"<td>(?:<ul>.*?</ul>|[a-z ]+)</td>", row, re.S)[-2:]
    assert 'href="/models/acme/support-base@' in direct
    assert 'href="/models/support-bot@' in inherited and "support-bot" not in direct
    assert "in force" in row
    assert '<a href="/advisories">Advisories</a>' in answer.text


def test_the_advisories_page_is_paged_by_id(demo: Demo) -> None:
    with closing(demo.browser("approver")) as browser:
        first = browser.get("/advisories").text
        ids = re.findall(r'<tr class="advisory">\s*<td><a href="[^"]+">([^<]+)</a>', first)
        assert ids
        after = browser.get("/advisories", params={"after": ids[0]}).text
    assert ids[0] not in re.findall(r'<tr class="advisory">\s*<td><a href="[^"]+">([^<]+)</a>',
                                    after)
    assert "First page" in after


def test_the_deprecations_page_says_when_it_shows_only_the_soonest(
        demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reach, "PLAN_LIMIT", 0)
    with closing(demo.browser("approver")) as browser:
        page = browser.get("/deprecations").text
    assert '<tr class="plan">' not in page
    assert re.search(r"At most the 0 plans with the soonest next date are shown; [1-9]\d* more",
                     page)


def test_the_advisories_pages_reach_every_advisory(demo: Demo,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    with Registry.open(demo.db_url, actor="lead@example.com") as registry:
        registry.create_model(Model("paged-model", owner_team="team-support"))
        registry.register_version("paged-model", "1.0.0")
        for summary in ("first", "second"):
            registry.advisories.create(Advisory(
                "", registry.clock.now(), summary=summary,
                affected=(Affected(ECOSYSTEM, "paged-model", ranges=(AffectedRange("SEMVER", (
                    RangeEvent(EventKind.INTRODUCED, "0"),)),)),),
                database_specific={"severity": "LOW"}))
        every = [a.id for a in registry.advisories.all(include_withdrawn=True)]
    monkeypatch.setattr(reach, "ADVISORY_PAGE", 1)
    seen: list[str] = []
    with closing(demo.browser("approver")) as browser:
        path = "/advisories"
        while path:
            page = browser.get(path).text
            seen.extend(re.findall(r'<tr class="advisory">\s*<td><a href="[^"]+">([^<]+)</a>',
                                   page))
            following = re.search(r'<a href="(/advisories\?after=[^"]+)">Next page</a>', page)
            path = html.unescape(following.group(1)) if following else ""
    assert seen == every and len(every) >= 3
