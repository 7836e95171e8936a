"""``steward log verify`` proves the tables follow from the events and that the history extends
a signed checkpoint; ``steward log checkpoint`` makes one. Real databases, edited in SQL as an
attacker with database access would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from modelsteward import Registry
from modelsteward.domain.events import event_hash
from modelsteward.domain.policy import Policy
from modelsteward.domain.versioning import ChangeKind
from tests.cli.conftest import Steward
from tests.service.lifecycle_helpers import to_production, trained


def _sql(db_url: str, *statements: str) -> None:
    engine = create_engine(db_url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def _drop_version_triggers(db_url: str) -> None:
    """What it takes to edit a registered version's digest: the immutability trigger goes."""
    if db_url.startswith("sqlite"):
        _sql(db_url, "DROP TRIGGER versions_immutable")
    else:
        _sql(db_url, "DROP TRIGGER versions_immutable ON versions")


@pytest.fixture
def history(steward: Steward, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Steward:
    """A registry with a model, two versions (one with an artefact), an alias, a rejected
    version, a token and a consumer — in the development mode (every version eligible): the
    gates are not what the state check is about."""
    (tmp_path / "policy.yaml").write_text("eligibility: {minimum_stage: trained}\n")
    monkeypatch.setenv("STEWARD_POLICY", str(tmp_path / "policy.yaml"))
    weights = tmp_path / "weights"
    weights.mkdir()
    (weights / "model.bin").write_text("weights")
    steward("model", "create", "support-bot", "--owner-team", "support")
    steward("version", "register", "support-bot", "--change", "architecture", "--path",
            str(weights))
    steward("version", "register", "support-bot", "--change", "retrain")
    steward("reject", "support-bot@1.1.0", "--reason", "worse on the golden set")
    steward("alias", "set", "support-bot@1.0.0", "champion")
    steward("token", "create", "ci", "--team", "support", "--role", "viewer")
    steward("consumer", "add", "checkout", "--team", "support", "--uses", "support-bot ^1.0")
    return steward


def test_an_untouched_registry_passes_the_state_check(history: Steward) -> None:
    result = history("log", "verify")
    assert "the tables match the events" in result.stdout
    data = history("log", "verify", "--json").json()
    assert isinstance(data, dict)
    assert data["intact"] is True
    assert data["state"] == {"checked": True, "differences": []}


TAMPERING = {
    "digest": ("UPDATE versions SET digest = '" + "0" * 64 + "' WHERE version = '1.0.0'",
               "version support-bot@1.0.0", "digest"),
    "alias": ("UPDATE alias_assignments SET version_id = (SELECT id FROM versions WHERE "
              "version = '1.1.0')", "alias support-bot champion", "holders"),
    "stage": ("UPDATE versions SET stage = 'production' WHERE version = '1.1.0'",
              "version support-bot@1.1.0", "stage"),
    "token role": ("UPDATE api_tokens SET roles = '[\"admin\"]'", "token ", "roles"),
    "consumer pin": ("UPDATE consumer_pins SET pin = '>=0'", "consumer checkout", "pins"),
    # the MLflow number MLflow's reads show: the version's place in its model's registrations
    "number": ("UPDATE versions SET number = number + 100 WHERE version = '1.1.0'",
               "version support-bot@1.1.0", "number"),
}


@pytest.mark.parametrize("edit", list(TAMPERING))
def test_an_edit_made_in_sql_fails_the_state_check_naming_it(
        history: Steward, db_url: str, edit: str) -> None:
    statement, key, field = TAMPERING[edit]
    _drop_version_triggers(db_url)
    _sql(db_url, statement)
    result = history("log", "verify", expect=1)
    assert "The tables do not match the events" in result.stdout
    assert key in result.stdout and f"{field} is " in result.stdout
    data = history("log", "verify", "--json", expect=1).json()
    assert isinstance(data, dict)
    assert data["intact"] is False and data["first_bad_seq"] is None  # the chain is intact
    first = data["state"]["differences"][0]
    assert first["object"].startswith(key) and first["field"] == field
    assert first["table"] != first["derived"] and isinstance(first["seq"], int)
    # the chain alone does not see it
    assert history("log", "verify", "--no-state").code == 0


def test_a_rollback_of_production_blocks_by_its_event(history: Steward, db_url: str) -> None:
    """The version production was rolled back from is blocked as a rollback target by the
    rollback's event: the state check agrees, and clearing the block in SQL is named."""
    with Registry.open(db_url, actor="alice", policy=Policy()) as registry:
        to_production(registry, trained(registry, "bot"))
        to_production(registry, trained(registry, "bot", change=ChangeKind.RETRAIN))
    history("rollback", "bot", "--reason", "latency doubled")
    assert history("log", "verify", "--json").json_object()["state"]["differences"] == []
    _sql(db_url, "UPDATE versions SET blocked_reason = '' WHERE blocked_reason <> ''")
    [cleared] = history("log", "verify", "--json", expect=1).json_object()["state"]["differences"]
    assert (cleared["object"], cleared["field"], cleared["table"]) == (
        "version bot@1.1.0", "blocked_reason", "")
    assert cleared["derived"].endswith(": latency doubled")
    assert cleared["seq"] == history("log", "bot", "--json").json_records()[-1]["seq"]


def test_a_row_no_event_created_is_named(history: Steward, db_url: str) -> None:
    _sql(db_url, "INSERT INTO api_tokens (id, name, team, roles, approval_roles, secret_hash, "
                 "last_four, created_at, created_by) VALUES ('feedfacefeedface', 'backdoor', "
                 "'', '[\"admin\"]', '[]', '" + "a" * 64 + "', 'abcd', "
                 "'2026-01-01 00:00:00', 'mallory')")
    result = history("log", "verify", expect=1)
    assert ("token feedfacefeedface is in the tables but not in the events (no event created "
            "it)") in result.stdout


def _rehash_from(db_url: str, seq: int, column: str, value: str) -> None:
    """Edit event ``seq`` and recompute every later hash and the chain head: a complete
    re-hash, which the chain alone cannot reveal."""
    engine = create_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"UPDATE events SET {column} = :v WHERE seq = :s"),
                               {"v": value, "s": seq})
            rows = connection.execute(text(
                "SELECT seq, time, actor, kind, subject, payload FROM events ORDER BY seq")).all()
            previous = "0" * 64
            for row in rows:
                digest = event_hash(row.seq, row.time, row.actor, row.kind, row.subject,
                                    row.payload, previous)
                connection.execute(text("UPDATE events SET prev_hash = :p, hash = :h "
                                        "WHERE seq = :s"), {"p": previous, "h": digest,
                                                            "s": row.seq})
                previous = digest
            connection.execute(text("UPDATE chain_head SET hash = :h"), {"h": previous})
    finally:
        engine.dispose()


def test_a_complete_rehash_fails_against_an_earlier_checkpoint(
        history: Steward, db_url: str, tmp_path: Path) -> None:
    key, checkpoint = tmp_path / "log.key", tmp_path / "checkpoint.json"
    made = history("log", "checkpoint", "--key", str(key), "--new-key", "-o", str(checkpoint))
    assert "Checkpoint of event 7 written" in made.stderr
    assert (tmp_path / "log.key.pub").is_file() and key.stat().st_mode & 0o077 == 0
    document = json.loads(checkpoint.read_text())
    assert document["format"] == "modelsteward-checkpoint/1" and document["seq"] == 7
    history("model", "create", "later", "--owner-team", "support")  # the history grows
    ok = history("log", "verify", "--checkpoint", str(checkpoint), "--key", f"{key}.pub")
    assert "it extends the checkpoint of event 7" in ok.stdout

    _rehash_from(db_url, 1, "time", "2020-01-01T00:00:00.000000Z")
    assert history("log", "verify").code == 0  # the rewrite is invisible to the chain
    result = history("log", "verify", "--checkpoint", str(checkpoint), expect=1)
    assert "does not extend the checkpoint" in result.stdout
    assert "event 7 has the hash" in result.stdout and "rewritten" in result.stdout
    data = history("log", "verify", "--checkpoint", str(checkpoint), "--json", expect=1).json()
    assert isinstance(data, dict)
    assert data["checkpoint"]["holds"] is False


def test_a_checkpoint_must_carry_a_good_signature(history: Steward, tmp_path: Path) -> None:
    key, checkpoint = tmp_path / "log.key", tmp_path / "checkpoint.json"
    printed = history("log", "checkpoint", "--key", str(key), "--new-key").stdout
    checkpoint.write_text(printed)
    history("log", "verify", "--checkpoint", str(checkpoint))
    # a forged head (another hash) does not match its signature
    forged = json.loads(printed) | {"hash": "f" * 64}
    checkpoint.write_text(json.dumps(forged))
    result = history("log", "verify", "--checkpoint", str(checkpoint), expect=1)
    assert "signature does not match" in result.stdout
    # signed, but by another key than the one trusted
    other = tmp_path / "other.key"
    checkpoint.write_text(history("log", "checkpoint", "--key", str(other), "--new-key").stdout)
    result = history("log", "verify", "--checkpoint", str(checkpoint), "--key", str(key),
                     expect=1)
    assert "not signed by the given key" in result.stdout


def test_bad_checkpoint_input_is_refused_and_writes_nothing(
        history: Steward, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "x", "seq": 0}')
    result = history("log", "verify", "--checkpoint", str(bad), expect=2)
    assert "format must be" in result.stderr and "seq must be a positive" in result.stderr
    key = tmp_path / "log.key"
    key.write_text("not a key")
    result = history("log", "checkpoint", "--key", str(key), "--new-key", expect=2)
    assert "already exists" in result.stderr and key.read_text() == "not a key"
    assert "is not an unencrypted PEM private key" in history(
        "log", "checkpoint", "--key", str(key), expect=2).stderr


def test_no_checkpoint_of_a_broken_history(history: Steward, db_url: str,
                                           tmp_path: Path) -> None:
    _sql(db_url, "UPDATE events SET actor = 'mallory' WHERE seq = 2")
    result = history("log", "checkpoint", "--key", str(tmp_path / "k"), "--new-key", expect=1)
    assert "event 2 is bad" in result.stdout and "No checkpoint was made" in result.stderr


def test_advisories_and_deprecation_plans_are_checked(history: Steward, db_url: str) -> None:
    history("advisory", "create", "--model", "support-bot", "--introduced", "0", "--fixed",
            "1.1.0", "--severity", "high", "--summary", "Role-play bypasses refusals")
    history("deprecate", "support-bot@1.0.0", "--reason", "replaced", "--soft-deadline",
            "2099-01-01", "--hard-deadline", "2099-06-01", "--migration-step", "Pin ^2")
    history("deprecate", "pkg:huggingface/org/base", "--reason", "vulnerability",
            "--soft-deadline", "2099-01-01", "--hard-deadline", "2099-06-01")
    [advisory] = history("advisory", "list", "--json").json_records()
    history("advisory", "withdraw", advisory["id"], "--reason", "not reproducible")
    assert "the tables match the events" in history("log", "verify").stdout
    _sql(db_url, "UPDATE advisories SET withdrawn = NULL",
         "UPDATE deprecation_plans SET hard_deadline = '2100-01-01'")
    data = history("log", "verify", "--json", expect=1).json()
    assert isinstance(data, dict)
    found = {(d["object"].split()[0], d["field"]) for d in data["state"]["differences"]}
    assert found == {("advisory", "withdrawn"), ("plan", "hard_deadline")}
