"""The experiments pages on the demonstration data: the list (running first, with what the
analysis recommends) and one experiment's page, whose charts and tables show the numbers
``GET /api/v1/experiments/{name}/results`` answers for the same experiment; and a canary's
steps."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import httpx
import pytest

from modelsteward import Registry
from modelsteward.domain.experiment import Action
from modelsteward.domain.experiment_file import parse_experiment
from modelsteward.web import experiments
from tests.web.conftest import Demo

AB = "support-bot-prompt-ab"  # the demonstration's A/B test
CANARY = "sonnet-snapshot-canary"


def _percent(share: float) -> str:
    return f"{share * 100:+.2f} %"


@pytest.fixture(scope="module")
def client(demo: Demo) -> Iterator[httpx.Client]:
    with closing(demo.browser("approver")) as browser:
        browser.headers["authorization"] = f"Bearer {demo.token('approver')}"
        yield browser


def _results(client: httpx.Client, name: str) -> dict[str, Any]:
    answer = client.get(f"/api/v1/experiments/{name}/results")
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_the_list_shows_running_experiments_with_their_analysis(client: httpx.Client) -> None:
    page = client.get("/experiments")
    results = _results(client, AB)
    assert page.status_code == 200, page.text
    assert '<a href="/experiments">Experiments</a>' in page.text  # the navigation
    row = next(r for r in re.findall(r'<tr class="experiment">(.*?)</tr>', page.text, re.S)
               if AB in r)
    assert f'<a href="/experiments/{AB}">' in row
    assert f"<strong>{results['action']}</strong>" in row
    assert html.escape(results["reasons"][0]) in row
    assert "A/B test" in row and "support-bot" in row
    assert '<a href="/api/v1/experiments">' in page.text
    dashboard = client.get("/")
    assert f'<a href="/experiments/{AB}">{AB}</a>' in dashboard.text


def test_an_experiment_page_charts_the_numbers_of_its_results(client: httpx.Client) -> None:
    page = client.get(f"/experiments/{AB}")
    results = _results(client, AB)
    assert page.status_code == 200, page.text
    text = page.text
    assert f"Verdict: {results['action']}" in text
    shown = [r for t in results["analysis"]["treatments"] for r in t["results"]]
    assert len(shown) == 3  # the primary metric and two guardrails, one treatment
    for result in shown:
        figure = re.search(r'<figure class="metric">\s*<figcaption><h3>'
                           + re.escape(result["metric"]) + r" .*?</figure>", text, re.S)
        assert figure is not None, result["metric"]
        low, high = result["lift_interval"]
        cells = figure.group(0)
        assert f'<td class="lift">{_percent(result["lift"])}</td>' in cells
        assert (f'<td class="interval">{html.escape(_percent(low))} to '
                f'{html.escape(_percent(high))}</td>') in cells
        # the estimate lies on its interval, and zero where the numbers put it
        [estimate] = re.findall(r'<circle class="estimate" cx="([\d.]+)"', cells)
        ends = re.findall(r'<line class="ci" x1="([\d.]+)" y1="[\d.]+" x2="([\d.]+)"', cells)
        x_low, x_high = (float(x) for x in ends[0])
        assert x_low <= float(estimate) <= x_high
        [zero] = re.findall(r'<line class="zero" x1="([\d.]+)"', cells)
        assert (x_low < float(zero) < x_high) == (low < 0 < high)
        assert (float(zero) < float(estimate)) == (result["lift"] > 0)
        margin = re.findall(r'<line class="margin" x1="([\d.]+)"', cells)
        assert len(margin) == (1 if result["role"] == "guardrail" else 0)
        if margin and result["direction"] == "lower":
            assert float(margin[0]) > float(zero)  # worse is up: the margin is right of zero
    primary = next(r for r in shown if r["role"] == "primary")
    observed = dict(re.findall(r'<tr class="traffic"><td>([^<]+)</td>.*?'
                               r'<td class="observations">(\d+)</td>', text, re.S))
    assert observed == {"control": str(primary["control"]["count"]),
                        "treatment": str(primary["treatment"]["count"])}
    assert len(re.findall(r'<rect class="bar"', text)) == 2
    assert f'<a href="/api/v1/experiments/{AB}">' in text
    assert f'<a href="/api/v1/experiments/{AB}/results">' in text


@pytest.fixture(scope="module")
def canary(demo: Demo) -> str:
    """A canary of claude-sonnet's older snapshot against production, a few outcomes in."""
    with Registry.open(demo.db_url, actor="demo@modelsteward") as registry:
        registry.experiments.start(parse_experiment({
            "name": CANARY, "model": "claude-sonnet", "treatment": "claude-sonnet-4-20250514",
            "canary": {"steps": [0.05, 0.25, 1], "min_duration": "1h", "min_sample": 50},
            "guardrails": [{"metric": "latency_p95_ms", "direction": "lower", "margin": 0.1}],
        }))
        registry.experiments.ingest(CANARY, [
            {"unit": f"u-{i}", "arm": "treatment" if i % 4 == 0 else "control",
             "metrics": {"latency_p95_ms": 700.0 + (i * 37) % 90}} for i in range(80)])
    return CANARY


def test_a_canary_page_shows_its_steps_and_guardrails(client: httpx.Client, canary: str) -> None:
    page = client.get(f"/experiments/{canary}")
    results = _results(client, canary)
    assert page.status_code == 200, page.text
    assert "Canary sonnet-snapshot-canary" in page.text
    assert re.search(r'<li class="current" aria-current="step">5 % of the traffic \(current '
                     r"step", page.text)
    [guard] = results["analysis"]["guardrails"]
    assert f'<td class="lift">{_percent(guard["lift"])}</td>' in page.text
    observed = re.findall(r'<td class="observations">(\d+)</td>', page.text)
    assert observed == [str(guard["control"]["count"]), str(guard["treatment"]["count"])]
    listed = client.get("/experiments").text
    assert "step 1 of 3" in listed and f"<strong>{results['action']}</strong>" in listed


def test_an_unknown_experiment_is_not_found(client: httpx.Client) -> None:
    assert client.get("/experiments/no-such-experiment").status_code == 404


def test_ended_experiments_come_in_keyset_pages(client: httpx.Client, demo: Demo,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    with Registry.open(demo.db_url, actor="demo@modelsteward") as registry:
        for name in ("ended-a", "ended-b", "ended-c"):
            registry.experiments.start(parse_experiment({
                "name": name, "model": "support-bot", "control": "production",
                "treatment": "1.0.1",
                "primary": [{"metric": "resolved", "kind": "proportion",
                             "direction": "higher"}]}))
            registry.experiments.decide(name, Action.STOP, f"done {name}")
    monkeypatch.setattr(experiments, "ENDED_PAGE", 2)
    first = client.get("/experiments").text
    assert "done ended-a" in first and "done ended-b" in first and "done ended-c" not in first
    assert '<a href="/experiments?after=ended-b">Next page</a>' in first
    second = client.get("/experiments", params={"after": "ended-b"}).text
    assert "done ended-c" in second and "done ended-a" not in second
    empty = client.get("/experiments/ended-a")  # ended without a single outcome
    assert empty.status_code == 200, empty.text
    assert "no estimate yet" in empty.text and '<td class="lift">n/a</td>' in empty.text
    assert re.findall(r'<td class="observations">(\d+)</td>', empty.text) == ["0", "0"]
    assert "Ended" in empty.text and "done ended-a" in empty.text
