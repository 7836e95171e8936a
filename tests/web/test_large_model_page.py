"""A model with more versions than a page folds whole (``LARGE_MODEL``): its page folds the
history of its newest versions, and says so, with the same facts as the whole card."""

from __future__ import annotations

import re
from contextlib import closing

import pytest

from modelsteward import Registry
from modelsteward.domain.model import Model
from modelsteward.domain.versioning import ChangeKind
from modelsteward.web import pages
from tests.web.conftest import Demo


def test_a_large_model_page_shows_its_newest_versions_and_whole_facts(
        demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    with Registry.open(demo.db_url, actor="lead@example.com") as registry:
        registry.create_model(Model("wide-model", owner_team="team-support"))
        registry.register_version("wide-model", "1.0.0")
        for _ in range(5):
            registry.register_version("wide-model", change=ChangeKind.RETRAIN)
        registry.cards.edit("wide-model", "intended-use", "Ranking <b>wide</b> results.")
        whole = registry.cards.card("wide-model")
    monkeypatch.setattr(pages, "LARGE_MODEL", 3)
    monkeypatch.setattr(pages, "SHOWN_VERSIONS", 2)
    with closing(demo.browser("approver")) as browser:
        page = browser.get("/models/wide-model").text
        version = browser.get("/models/wide-model@1.1.0")
    assert "wide-model has 6 versions: this page folds the history" in page
    shown = re.findall(r'href="/models/wide-model@([0-9.]+)"', page)
    assert set(shown) == {"1.5.0", "1.4.0"}
    assert "4 older ones are in" in page
    assert "Ranking &lt;b&gt;wide&lt;/b&gt; results." in page
    assert whole.sections and len(whole.versions) == 6
    assert version.status_code == 200 and "1.1.0" in version.text


def test_a_model_page_below_the_limit_folds_the_whole_history(demo: Demo) -> None:
    with closing(demo.browser("approver")) as browser:
        page = browser.get("/models/support-bot").text
    assert "this page folds the history" not in page
