"""``steward compliance`` on the demonstration registry (Must-show 4 of issue 16)."""

from __future__ import annotations

from pathlib import Path

from modelsteward import Registry
from modelsteward.demo import build
from modelsteward.domain.compliance import TITLES, Item
from modelsteward.domain.model import Model, ModelKind
from tests.cli.conftest import Steward

DEMO = ("acme/support-base", "claude-sonnet", "support-bot")


def _demo(db_url: str, tmp_path: Path) -> None:
    with Registry.open(db_url, actor="demo@modelsteward") as registry:
        build(registry, tmp_path / "weights")


def test_compliance_all_shows_every_item_with_evidence(steward: Steward, db_url: str,
                                                       tmp_path: Path) -> None:
    _demo(db_url, tmp_path)
    shown = steward("compliance", "--all").stdout
    assert shown.startswith("# Model lifecycle compliance (Factor 15)")
    for name in DEMO:
        section = shown.split(f"## {name} ")[1].split("\n## ")[0]
        rows = [line for line in section.splitlines() if line.startswith("| ") and
                line[2].isdigit()]
        assert [row.split(" | ")[1] for row in rows] == [
            TITLES[i].replace("|", "\\|") for i in Item]
        assert all("(event #" in row.split(" | ")[3] for row in rows), name
    assert "### Evidence pack for support-bot (high risk)" in shown
    assert "Annex IV 6 Relevant changes made through the lifecycle" in shown
    assert "**MEASURE" in shown

    report = steward("compliance", "--all", "--format", "json").json_object()
    assert [m["model"] for m in report["models"]] == list(DEMO)
    for model in report["models"]:
        assert [f["item"] for f in model["findings"]] == [i.value for i in Item]
        for finding in model["findings"]:
            assert any(e["seq"] for e in finding["evidence"])
            if finding["outcome"] == "fail":
                assert finding["remediation"].startswith("steward ")
    assert list(report["evidence_packs"]) == ["support-bot"]
    assert report["compliant"] is False
    # --fail makes a failing report a failing CI step
    steward("compliance", "--model", "support-bot", "--fail", expect=1)
    one = steward("compliance", "--team", "team-ai-platform", "--json").json_object()
    assert [m["model"] for m in one["models"]] == ["claude-sonnet"]
    assert "Give one of" in steward("compliance", "--all", "--model", "x", expect=2).stderr
    steward("compliance", "--model", "nope", expect=3)


def test_the_html_report_escapes_what_the_registry_holds(steward: Steward, db_url: str) -> None:
    with Registry.open(db_url, actor="a@example.com") as registry:
        registry.create_model(Model(name="evil", kind=ModelKind.SELF_HOSTED,
                                    purpose="<script>alert(1)</script>", owner_team="team-x"))
    page = steward("compliance", "--format", "html").stdout
    assert page.startswith("<!doctype html>") and "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_record_and_tick_tell_a_drift_once(steward: Steward, db_url: str,
                                           tmp_path: Path) -> None:
    _demo(db_url, tmp_path)
    steward("consumer", "add", "summariser", "--team", "team-docs", "--uses",
            "claude-sonnet claude-sonnet-4-5-20250929")
    assert steward("compliance", "--record").stderr == ""
    steward("consumer", "pin", "summariser", "claude-sonnet", "claude-sonnet-4-5-*")
    [drift] = steward("tick", "--json").json_object()["compliance"]["drifted"]
    assert drift["model"] == "claude-sonnet" and drift["team"] == "team-ai-platform"
    assert steward("tick", "--json").json_object()["compliance"] == {"changed": [],
                                                                      "drifted": []}
    [notice] = [n for n in steward("notices", "--json").json_records()
                if n["kind"] == "compliance:drifted"]
    assert notice["payload"]["item"] == "pinned"
