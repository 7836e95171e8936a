"""``steward pipeline`` with the example files: an import, the tick's retrain:due (once), a run
started for it whose id is the only thing on stdout, steps recorded, and ``pipeline show``
saying where it stands, what it waits for and each step's evidence; refusals with their exit
codes and located problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Steward

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """The commands are thin over the service, which the service tests run on every store."""
    return sqlite_url


@pytest.fixture
def cli(steward: Steward, tmp_path: Path) -> Steward:
    """summarizer@1.0.0 and 1.1.0 (trained), and the example pipeline imported."""
    steward("model", "create", "summarizer", "--owner-team", "team-ml")
    for n in (1, 2):
        (tmp_path / f"s{n}").mkdir()
        (tmp_path / f"s{n}" / "model.safetensors").write_text(f"summarizer weights {n}\n")
    steward("version", "register", "summarizer", "--change", "architecture", "--path", "s1")
    steward("version", "register", "summarizer", "--change", "retrain", "--path", "s2")
    imported = steward("pipeline", "import", "summarizer", str(EXAMPLES / "pipeline.yaml"))
    assert imported.stdout.startswith("Imported the pipeline of summarizer: "
                                      "collect_training_data → prepare_dataset → ")
    assert "Triggers: the quarterly schedule; accuracy below 0.9 (evaluation)." in imported.stdout
    return steward


def test_a_run_started_by_the_ticks_notice_is_shown_step_by_step(cli: Steward) -> None:
    assert cli("tick", "--json").json_object()["retrain"] == []
    cli("eval", "record", "summarizer@1.1.0", str(EXAMPLES / "pipeline" / "eval-drift.json"))
    [due] = cli("tick", "--json").json_object()["retrain"]
    assert (due["model"], due["team"], due["trigger"]) == ("summarizer", "team-ml",
                                                           "metric_below")
    assert "retrain due summarizer" not in cli("tick").stdout  # told once
    [notice] = [n for n in cli("notices", "--json").json_records() if n["kind"] == "retrain:due"]
    assert notice["payload"]["key"] == due["key"]

    started = cli("pipeline", "start", "summarizer", "--trigger", due["key"])
    run = started.stdout.strip()
    assert len(run) == 36 and "\n" not in run
    assert started.stderr.startswith(f"Started run {run} of summarizer: waiting for training "
                                     "data from production_feedback")
    for step in ("collect_training_data", "prepare_dataset", "fine_tune"):
        cli("pipeline", "record", run, step, str(EXAMPLES / "pipeline" / f"{step}.yaml"))

    shown = cli("pipeline", "show", run).stdout.splitlines()
    assert shown[0].startswith(f"Run {run} of summarizer, started ")
    assert shown[0].endswith(f" UTC by {due['key']}")
    assert shown[1].startswith("waiting for the evaluation on golden (fine_tune step done ")
    steps = [" ".join(line.split()[:2]) for line in shown[2:]]
    assert steps == ["collect_training_data done", "prepare_dataset done", "fine_tune done",
                     "evaluate next", "register -", "deploy -", "promote_or_rollback -"]
    assert shown[2].endswith("5,230 samples from production_feedback (human_verified_only), "
                             "sha256:9c1f0e6f4a7d…")
    assert shown[4].endswith("gpt-4o-mini@2024-07-18, job ftjob-summarizer-0412 (epochs 3, "
                             "learning_rate_multiplier 1.8)")

    as_json = cli("pipeline", "show", run, "--json").json_object()
    assert (as_json["status"], as_json["waiting_for"]) == ("waiting", "evaluate")
    assert as_json["steps"][2]["result"]["job_id"] == "ftjob-summarizer-0412"
    assert as_json["definition"]["fine_tuning"]["pipeline"][2]["base_model"] == "gpt-4o-mini"
    [listed] = cli("pipeline", "list", "--model", "summarizer", "--json").json_records()
    assert listed["id"] == run
    assert run in cli("pipeline", "list").stdout


def test_refusals_exit_with_their_codes_and_locate_every_problem(cli: Steward,
                                                                 tmp_path: Path) -> None:
    run = cli("pipeline", "start", "summarizer").stdout.strip()
    early = cli("pipeline", "record", run, "fine_tune",
                str(EXAMPLES / "pipeline" / "fine_tune.yaml"), expect=4)
    assert "waits for collect_training_data first" in early.stderr
    (tmp_path / "collect.yaml").write_text("source: web_scrape\nsamples: 12\n")
    bad = cli("pipeline", "record", run, "collect_training_data", "collect.yaml", expect=2)
    assert "collect.yaml has 1 problem" in bad.stderr
    assert "  - dataset_digest: is required" in bad.stderr
    (tmp_path / "collect.yaml").write_text(
        (EXAMPLES / "pipeline" / "collect_training_data.yaml").read_text()
        .replace("production_feedback", "web_scrape").replace("5230", "12"))
    contradicting = cli("pipeline", "record", run, "collect_training_data", "collect.yaml",
                        expect=2)
    assert "has 2 problems; nothing was recorded" in contradicting.stderr
    assert "  - source: is 'web_scrape'" in contradicting.stderr
    assert "  - samples: 12 samples are fewer" in contradicting.stderr
    (tmp_path / "pipeline.yaml").write_text("fine_tuning:\n  trigger: hourly\n  pipeline: []\n")
    broken = cli("pipeline", "import", "summarizer", "pipeline.yaml", expect=2)
    assert "  - fine_tuning.pipeline: must be a list of steps" in broken.stderr
    assert "  - fine_tuning.trigger: " in broken.stderr
    assert cli("pipeline", "show", "nope", expect=3).stderr.startswith(
        "error: There is no pipeline run 'nope'.")
    cli("pipeline", "start", "nope", expect=3)
