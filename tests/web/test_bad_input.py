"""A page asked with a query that breaks a field's rule answers with the error page in HTML
(400), naming the field and its rule, as a person reading pages expects: not the API's JSON."""

from __future__ import annotations

from contextlib import closing

import pytest

from tests.web.conftest import Demo


@pytest.mark.parametrize(("page", "field"), [
    ("/models?stage=" + "x" * 41, "stage"),
    ("/models?q=" + "q" * 201, "q"),
    ("/consumers?model=" + "m" * 130, "model"),
    ("/experiments?after=" + "a" * 101, "after"),
    ("/models/support-bot?at=" + "2026-01-011", "at"),
])
def test_a_broken_query_gets_the_error_page(demo: Demo, page: str, field: str) -> None:
    with closing(demo.browser("approver")) as browser:
        answer = browser.get(page)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert "<h1>Bad input</h1>" in answer.text or "Bad input" in answer.text
    assert f"{field}: String should have at most" in answer.text
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")


def test_the_api_still_answers_its_problem_document(demo: Demo) -> None:
    token = demo.token("approver")
    with closing(demo.browser()) as client:
        answer = client.get("/api/v1/models?after=" + "a" * 2000,
                            headers={"authorization": f"Bearer {token}"})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
