"""``steward export card`` and ``steward import card`` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelsteward import Registry
from tests.cli.conftest import Steward
from tests.conftest import FixedClock
from tests.exports.story import BOT, build


@pytest.fixture
def filled(db_url: str) -> str:
    with Registry.open(db_url, actor="alice", clock=FixedClock()) as registry:
        return build(registry)


def test_export_card_writes_each_format(steward: Steward, filled: str,
                                        tmp_path: Path) -> None:
    card = steward("export", "card", BOT).stdout
    assert card.startswith("---\n") and "base_model: base-llm@1.0.0" in card
    bom = json.loads(steward("export", "card", BOT, "--format", "cyclonedx").stdout)
    assert bom["specVersion"] == "1.6" and bom["vulnerabilities"][0]["id"] == filled
    target = tmp_path / "model.spdx.json"
    done = steward("export", "card", BOT, "--format", "spdx", "-o", str(target))
    assert "Wrote the spdx card of support-bot@1.0.0" in done.stdout
    assert json.loads(target.read_text())["@context"].startswith("https://spdx.org/rdf/3.0.1")


def test_export_card_of_an_unknown_version_exits_with_a_message(steward: Steward,
                                                                 filled: str) -> None:
    done = steward("export", "card", "support-bot@9.9.9", expect=None)
    assert done.code != 0 and "9.9.9" in done.stderr and done.stdout == ""


def test_import_card_round_trip_and_located_problems(steward: Steward, filled: str,
                                                     tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    steward("export", "card", "open-llm-q4@1.0.0", "-o", str(card))
    done = steward("import", "card", str(card), "--model", "q4-copy", "--team", "lab",
                   "--json").json_object()
    assert done["created"] and done["license"] == "mit"
    assert done["base_models"] == ["pkg:huggingface/acme/open-llm"]
    bad = tmp_path / "bad.md"
    bad.write_text("---\nmodel_name: x\ntags: [1]\nbase_model_relation: fork\n---\n")
    refused = steward("import", "card", str(bad), expect=2)
    assert "tags[0]" in refused.stderr and "base_model_relation" in refused.stderr
