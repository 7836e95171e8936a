"""A version page's "Compared with production" and "Monitoring" sections on the demonstration
data: the evaluation metrics across the model's versions, the cost and latency against
production, and the production measurements, each checked against what the API answers for the
same versions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import httpx
import pytest

from modelsteward import Registry
from modelsteward.web import comparison
from modelsteward.web.charts import number
from tests.web.conftest import Demo


@pytest.fixture(scope="module")
def client(demo: Demo) -> Iterator[httpx.Client]:
    with closing(demo.browser("approver")) as browser:
        browser.headers["authorization"] = f"Bearer {demo.token('approver')}"
        yield browser


def _api(client: httpx.Client, path: str, **params: str) -> Any:
    answer = client.get("/api/v1/" + path, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _figures(page: str, kind: str) -> dict[str, str]:
    """Each figure of ``kind`` by its heading."""
    found: list[tuple[str, str]] = re.findall(
        rf'<figure class="metric {kind}">\s*<figcaption><h[34]>(.*?)</h[34]></figcaption>'
        r"(.*?)</figure>", page, re.S)
    return dict(found)


def test_each_metric_is_charted_across_versions_as_the_api_reports_it(
        client: httpx.Client) -> None:
    page = client.get("/models/support-bot@1.0.1")
    assert page.status_code == 200, page.text
    versions = [v["version"] for v in _api(client, "models/support-bot/versions")["items"]]
    expected: dict[str, list[tuple[str, str]]] = {}
    for version in versions:
        latest: dict[str, dict[str, Any]] = {}
        for e in _api(client, f"models/support-bot/versions/{version}/evaluations")["items"]:
            latest[e["suite"]] = e  # oldest first: the last one of a suite stands
        for suite, e in latest.items():
            for metric, value in e["metrics"].items():
                expected.setdefault(f"{metric} on {suite}", []).append(
                    (version, number(value, 4)))
    figures = _figures(page.text, "trend")
    assert set(figures) == set(expected) and expected
    for heading, body in figures.items():
        rows = re.findall(r'<tr class="trend-value"><td><a href="[^"]+">([^<]+)</a>.*?</td>'
                          r"<td>([^<]+)</td>", body)
        assert rows == expected[heading], heading
        assert len(re.findall(r'<circle class="point', body)) == len(rows)
        assert len(re.findall(r'<circle class="point marked"', body)) == 2  # 1.0.0, 1.0.1
    assert "(production)" in page.text and "(this version)" in page.text


def test_cost_and_latency_are_compared_with_production_as_the_api_does(
        client: httpx.Client) -> None:
    page = client.get("/models/support-bot@1.0.1").text
    compared = _api(client, "models/support-bot/versions/1.0.1/comparison")
    figures = _figures(page, "measure")
    deltas = compared["cost"] + compared["latency"]
    assert deltas and len(figures) == len({d["metric"] for d in deltas})
    for delta in deltas:
        [body] = [b for h, b in figures.items() if h.startswith(delta["metric"] + ":")]
        assert (f'<tr class="measure-value"><td>{delta["suite"]}</td>'
                f'<td>{number(delta["candidate"], 4)}</td>'
                f'<td>{number(delta["baseline"], 4)}</td></tr>') in body
        assert len(re.findall(r'<rect class="bar"', body)) == 2 * len(
            [d for d in deltas if d["metric"] == delta["metric"]])


def test_the_production_version_shows_its_measurements(client: httpx.Client) -> None:
    page = client.get("/models/support-bot@1.0.0").text
    assert "This version is the production version." in page
    events = _api(client, "events", model="support-bot", order="desc", limit="200")["items"]
    measured: dict[str, list[float]] = {}
    for event in events:  # newest first
        if event["kind"] == "model:version:measured" and event["subject"] == "support-bot@1.0.0":
            for metric, value in event["payload"]["values"].items():
                measured.setdefault(metric, []).append(value)
    figures = _figures(page, "monitored")
    assert set(measured) == {"error_rate", "latency_p95_ms"}
    for metric, values in measured.items():
        [body] = [b for h, b in figures.items() if h.startswith(metric)]
        shown = re.findall(r'<tr class="reading[^"]*"><td><time[^>]*>[^<]+</time></td>'
                           r"<td>([^<]+)</td>", body)
        assert shown == [number(v, 4) for v in values]
        assert len(re.findall(r'<circle class="point', body)) == len(values)
        assert len(re.findall(r'<line class="margin"', body)) == (metric == "error_rate")
    assert "error_rate (threshold error_rate &lt;= 0.05)" in page
    assert 'href="/api/v1/events?order=desc&amp;model=support-bot"' in page


def test_a_breach_is_shown_marked_and_the_version_degraded(client: httpx.Client,
                                                           demo: Demo) -> None:
    ref = "claude-sonnet@claude-sonnet-4-20250514"
    with Registry.open(demo.db_url, actor="sre@example.com") as registry:
        registry.lifecycle.record_measurements(ref, {"error_rate": 0.01})
        registry.lifecycle.record_measurements(ref, {"error_rate": 0.09})
    page = client.get(f"/models/{ref}").text
    assert "Degraded: error_rate = 0.09 breaks error_rate &lt;= 0.05" in page
    assert re.search(r"<h3>Breaches</h3><ul><li><time[^>]+>[^<]+</time>: error_rate = 0.09 "
                     r"breaks error_rate &lt;= 0.05</li></ul>", page)
    [body] = _figures(page, "monitored").values()
    assert len(re.findall(r'<tr class="reading failing">', body)) == 1
    assert len(re.findall(r'<circle class="point marked"', body)) == 1


def test_the_trends_read_a_bounded_number_of_versions(
        client: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    ref = "claude-sonnet@claude-sonnet-4-5-20250929"  # production; the older one evaluated too

    def shown() -> set[tuple[str, ...]]:
        figures = _figures(client.get(f"/models/{ref}").text, "trend")
        assert figures
        return {tuple(re.findall(r'<tr class="trend-value"><td><a href="[^"]+">([^<]+)</a>',
                                 body)) for body in figures.values()}

    assert shown() == {("claude-sonnet-4-20250514", "claude-sonnet-4-5-20250929")}
    monkeypatch.setattr(comparison, "MAX_VERSIONS", 0)  # only this and production remain
    assert shown() == {("claude-sonnet-4-5-20250929",)}
