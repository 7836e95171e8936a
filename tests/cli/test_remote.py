"""Remote mode: the same commands against a server (STEWARD_URL, STEWARD_TOKEN) as against a
local database.

The parity test runs one scenario twice — on a local database, and through a real server on
127.0.0.1 over another database of the same kind — and compares every command's exit code and
``--json`` output, with only the values that differ by nature (times, hashes, generated ids)
normalised."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from modelsteward import Registry
from modelsteward.api.app import create_app
from modelsteward.api.settings import ServerSettings
from modelsteward.config import Settings
from modelsteward.domain.tokens import Role
from modelsteward.errors import InvalidInput
from modelsteward.notify.settings import NotifySettings
from modelsteward.remote.client import error_of
from tests.api.conftest import run_server
from tests.cli.conftest import Run, Steward
from tests.conftest import fresh_pg_schema
from tests.notify.conftest import free_port, write_notices
from tests.service.eligibility_helpers import through_gates

ACTOR = "alice@example.com"  # the local actor, and the name of the server's token
VOLATILE = {"registered_at", "assigned_at", "removed_at", "recorded_at", "approved_at",
            "expires_at", "created_at", "modified", "published", "time", "hash", "prev_hash",
            "at"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                  r"|(?<=^token:)[0-9a-f]{16}$")


@pytest.fixture
def server_db(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second database of the same kind as ``db_url``, for the server."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'server.db'}"
        return
    with fresh_pg_schema() as url:
        yield url


# a development policy: every trained version may be chosen for an application
DEVELOPMENT = "eligibility: {minimum_stage: trained}\n"


@pytest.fixture
def served(server_db: str, tmp_path: Path,
           request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """(URL, administrator token) of a server on 127.0.0.1 over ``server_db``, with the
    notification settings of the environment (as ``steward serve`` reads them). Parametrised
    indirectly with a policy's text, the server runs under that policy, written to
    ``tmp_path / "policy.yaml"`` (for the local CLI's STEWARD_POLICY too)."""
    policy_path = ""
    if getattr(request, "param", ""):
        policy_path = str(tmp_path / "policy.yaml")
        Path(policy_path).write_text(request.param)
    settings = ServerSettings(Settings(server_db, ACTOR, policy_path=policy_path),
                              notify=NotifySettings.from_env())
    serving = run_server(create_app(settings))
    url = next(serving)
    with Registry.open(server_db, actor="setup") as registry:
        token = registry.tokens.create(ACTOR, team="platform",
                                        roles=frozenset({Role.ADMIN})).text
    yield url, token
    serving.close()


@pytest.fixture
def remote(steward: Steward, served: tuple[str, str],
           monkeypatch: pytest.MonkeyPatch) -> Steward:
    """``steward`` with STEWARD_URL and STEWARD_TOKEN set to the server's."""
    url, token = served

    def run(*args: str, expect: int | None = 0) -> Run:
        with monkeypatch.context() as patch:
            patch.setenv("STEWARD_URL", url)
            patch.setenv("STEWARD_TOKEN", token)
            return steward(*args, expect=expect)

    return run


def _normalise(value: object, key: str = "") -> object:
    if key in VOLATILE and value is not None:
        return "<varies>"
    if isinstance(value, dict):
        return {k: _normalise(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, str):  # generated ids (plans, evaluations, tokens) are random
        return UUID.sub("<uuid>", value)
    return value


def _outcome(result: Run, root: Path) -> tuple[int, object]:
    stdout = result.stdout.replace(str(root), "<root>")
    try:
        data: object = json.loads(stdout) if stdout.strip() else None
    except json.JSONDecodeError:
        data = stdout
    return result.code, _normalise(data)


def _write_weights(folder: Path, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text('{"layers": 2}\n')
    (folder / "weights.bin").write_text(text)


EVALUATION = {"suite": "golden", "dataset_digest": "sha256:" + "ab" * 32,
              "metrics": {"accuracy": 0.93}, "latency_ms": {"p50": 120}}
MANIFEST = '[application]\nname = "checkout"\nteam = "support"\n\n[models]\nsupport-bot = "^1.0"\n'


def _scenario(run: Steward, root: Path) -> list[tuple[str, tuple[int, object]]]:
    """Every step's command and (exit code, normalised JSON)."""
    root.mkdir(parents=True, exist_ok=True)
    _write_weights(root / "w1", "one")
    _write_weights(root / "w2", "two")
    (root / "eval.json").write_text(json.dumps(EVALUATION))
    (root / "app").mkdir()
    (root / "app" / "models.toml").write_text(MANIFEST)
    steps: list[tuple[str, ...]] = [
        ("model", "create", "support-bot", "--owner-team", "support", "--risk-tier", "low",
         "--support-months", "12", "--purpose", "answers", "--json"),
        ("model", "create", "orphan", "--owner-team", "support", "--json"),
        ("version", "register", "support-bot", "--change", "architecture", "--path",
         str(root / "w1"), "--metric", "accuracy=0.9", "--meta", "framework=torch", "--json"),
        ("version", "register", "support-bot", "--change", "retrain", "--path",
         str(root / "w2"), "--status", "evaluating", "--json"),
        ("version", "register", "support-bot", "--change", "quantisation", "--variant", "q4",
         "--path", str(root / "w2"), "--json"),
        ("version", "register", "support-bot", "3.0.0", "--change", "config", "--json"),
        ("model", "list", "--json"),
        ("model", "show", "support-bot", "--json"),
        ("version", "list", "support-bot", "--json"),
        ("version", "show", "support-bot@1.1.0", "--json"),
        ("resolve", "support-bot", "^1.0", "--json"),
        ("resolve", "support-bot", "^7", "--json"),
        ("lineage", "support-bot@1.1.0+q4", "--json"),
        ("lineage", "support-bot", "--json"),
        ("verify", "support-bot@1.1.0", str(root / "w2"), "--json"),
        ("verify", "support-bot@1.0.0", str(root / "w2"), "--json"),
        ("eval", "record", "support-bot@1.1.0", str(root / "eval.json"), "--json"),
        ("eval", "list", "support-bot@1.1.0", "--json"),
        ("compare", "support-bot@1.1.0", "--against", "1.0.0", "--json"),
        ("promote", "support-bot@1.1.0", "--to", "evaluated", "--dry-run", "--json"),
        ("promote", "support-bot@1.1.0", "--to", "evaluated", "--json"),
        ("check", "record", "support-bot@1.1.0", "loads-and-serves", "--passed"),
        ("check", "list", "support-bot@1.1.0", "--json"),
        ("alias", "set", "support-bot@1.0.0", "champion"),
        ("alias", "set", "support-bot@1.1.0", "champion"),
        ("alias", "list", "support-bot", "--json"),
        ("alias", "history", "support-bot", "--json"),
        ("alias", "remove", "support-bot@1.1.0", "champion"),
        ("consumer", "add", "web", "--team", "support", "--environment", "production",
         "--uses", "support-bot ^1.0", "--json"),
        ("consumer", "list", "--json"),
        ("consumer", "show", "web", "--json"),
        ("consumer", "pin", "web", "support-bot", "~1.0"),
        ("impact", "support-bot", "--json"),
        ("deprecate", "support-bot@1.0.0", "--reason", "replaced", "--replacement",
         "support-bot@^1.1", "--announced", "2020-01-01", "--soft-deadline", "2099-01-01",
         "--hard-deadline", "2099-06-01", "--migration-step", "Pin ^1.1", "--json"),
        ("plan", "support-bot", "--json"),
        ("plans", "--missing", "--json"),
        ("notices", "--json"),
        ("tick", "--json"),
        ("advisory", "create", "--model", "support-bot", "--introduced", "0", "--fixed",
         "1.1.0", "--severity", "high", "--summary", "Role-play bypasses refusals", "--json"),
        ("advisory", "list", "--json"),
        ("advisory", "show", "x_MSA-2026-0001", "--json"),
        ("version", "show", "support-bot@1.0.0", "--json"),
        ("delete", "orphan", "--reason", "unused", "--json"),
        ("model", "show", "orphan", "--include-deleted", "--json"),
        # no version of the scenario passed the evaluation gate: a staging lock admits them
        ("lock", "--manifest", str(root / "app" / "models.toml"), "--lock",
         str(root / "app" / "models.lock"), "--candidates", "--json"),
        ("outdated", "--lock", str(root / "app" / "models.lock"), "--json"),
        ("audit", "--lock", str(root / "app" / "models.lock"), "--format", "json"),
        ("advisory", "withdraw", "x_MSA-2026-0001", "--reason", "not reproducible"),
        ("log", "--json"),
        ("log", "support-bot", "--limit", "3", "--json"),
        ("log", "verify", "--json"),
    ]
    outcomes = []
    for step in steps:
        result = run(*step, expect=None)
        outcomes.append((" ".join(step).replace(str(root), "<root>"), _outcome(result, root)))
    # the lock names the database it was resolved against; the two databases differ
    lock = re.sub(r'(?m)^registry = ".*"$', 'registry = "<database>"',
                  (root / "app" / "models.lock").read_text())
    outcomes.append(("models.lock", (0, lock)))
    return outcomes


# about parity, not the gates: the scenario's versions do not pass them (no attestations), and
# its consumers, plans and locks need versions a range may choose
@pytest.mark.parametrize("served", [DEVELOPMENT], indirect=True, ids=["development"])
def test_the_same_scenario_gives_the_same_answers_locally_and_remotely(
        steward: Steward, remote: Steward, served: tuple[str, str], db_url: str,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server_url = served[0]
    monkeypatch.setenv("STEWARD_POLICY", str(tmp_path / "policy.yaml"))  # the server's policy
    # the server's database holds its token, and the event that made it: so does the local one
    with Registry.open(db_url, actor="setup") as registry:
        registry.tokens.create(ACTOR, team="platform", roles=frozenset({Role.ADMIN}))
    local = _scenario(steward, tmp_path / "local")
    remotely = _scenario(remote, tmp_path / "remote")
    assert [step for step, _ in local] == [step for step, _ in remotely]
    for (step, here), (_, there) in zip(local, remotely, strict=True):
        assert here == there, step
    # the lock names where it was resolved: the local database, or the server as reached
    remote_lock = (tmp_path / "remote" / "app" / "models.lock").read_text()
    assert f'registry = "{server_url}"' in remote_lock, remote_lock
    # the scenario did reach the server: its log holds the events, signed by the token
    events = json.loads(remote("log", "--json").stdout)
    assert {e["actor"] for e in events[1:]} == {ACTOR}
    assert events[-1]["kind"] == "advisory:withdrawn"


def test_a_bad_token_is_refused_with_the_fix(steward: Steward, served: tuple[str, str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_URL", served[0])
    monkeypatch.setenv("STEWARD_TOKEN", "stw_nothing_real")
    result = steward("model", "list", expect=7)
    assert "refused the token" in result.stderr
    assert "STEWARD_TOKEN" in result.stderr


def test_an_unreachable_server_is_named_with_the_fix(steward: Steward,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_URL", "http://127.0.0.1:9")  # the discard port: nothing listens
    result = steward("model", "list", expect=6)
    assert "http://127.0.0.1:9" in result.stderr
    assert "STEWARD_URL" in result.stderr


def test_a_url_that_is_not_http_is_bad_input(steward: Steward) -> None:
    result = steward("--url", "registry.example.com", "model", "list", expect=2)
    assert "http://" in result.stderr


def test_not_found_has_the_local_exit_code(steward: Steward, remote: Steward) -> None:
    local = steward("model", "show", "nowhere", expect=3)
    served = remote("model", "show", "nowhere", expect=3)
    assert local.stderr == served.stderr  # the server's sentence, word for word
    remote("resolve", "nowhere", "^1", expect=3)


@pytest.mark.parametrize("command", [("db", "upgrade"), ("init",), ("serve",),
                                     ("deliver", "--once"),
                                     ("export", "registry"), ("policy", "show")])
def test_local_only_commands_refuse_a_url(remote: Steward, command: tuple[str, ...]) -> None:
    result = remote(*command, expect=2)
    named = " ".join(c for c in command if not c.startswith("-"))
    assert f"`steward {named}` works on a local database" in result.stderr
    assert "unset STEWARD_URL" in result.stderr


def test_a_maintainer_of_another_team_is_refused_with_the_role_named(
        remote: Steward, served: tuple[str, str], server_db: str, steward: Steward,
        monkeypatch: pytest.MonkeyPatch) -> None:
    remote("model", "create", "support-bot", "--owner-team", "support")
    with Registry.open(server_db, actor="setup") as registry:
        other = registry.tokens.create("bob", team="search",
                                        roles=frozenset({Role.MAINTAINER})).text
    monkeypatch.setenv("STEWARD_URL", served[0])
    monkeypatch.setenv("STEWARD_TOKEN", other)
    result = steward("version", "register", "support-bot", "--change", "retrain", expect=7)
    assert "search" in result.stderr and "STEWARD_TOKEN" in result.stderr


def test_verify_hashes_here_and_compares_with_the_server(remote: Steward,
                                                         tmp_path: Path) -> None:
    _write_weights(tmp_path / "w", "one")
    remote("model", "create", "support-bot")
    remote("version", "register", "support-bot", "--change", "architecture", "--path",
           str(tmp_path / "w"))
    remote("verify", "support-bot@1.0.0", str(tmp_path / "w"))
    (tmp_path / "w" / "weights.bin").write_text("changed")
    result = remote("verify", "support-bot@1.0.0", str(tmp_path / "w"), "--json", expect=1)
    assert json.loads(result.stdout)["changed"] == ["weights.bin"]


def test_tokens_are_made_listed_and_revoked_through_the_server(
        remote: Steward, steward: Steward, served: tuple[str, str]) -> None:
    url = served[0]
    made = json.loads(remote("token", "create", "ci-support", "--team", "support", "--role",
                             "maintainer", "--expires", "30d", "--json").stdout)
    assert made["token"].startswith(f"stw_{made['id']}_") and made["expires_at"]
    assert made["hint"].endswith(made["token"][-4:])
    listed = json.loads(remote("token", "list", "--json").stdout)
    assert made["id"] in {t["id"] for t in listed}
    # the new token works at once, and stops working when revoked through the server
    steward("--url", url, "--token", made["token"], "model", "list", "--json")
    remote("token", "revoke", made["id"])
    refused = steward("--url", url, "--token", made["token"], "model", "list", expect=7)
    assert "STEWARD_TOKEN" in refused.stderr
    [revoked] = [t for t in json.loads(remote("token", "list", "--json").stdout)
                 if t["id"] == made["id"]]
    assert revoked["revoked_at"]
    remote("token", "create", "x", "--role", "emperor", expect=2)


def _dead_letters(database_url: str) -> None:
    """The worker beside ``database_url``'s database: two notices for team-a, one refused
    attempt each (nothing listens on the webhook's port, no SMTP host is set), so every
    delivery is dead."""
    with Registry.open(database_url, actor="worker") as registry:
        write_notices(registry, "team-a", 2)
        with registry.notifications(NotifySettings(allow_private=True, max_attempts=1,
                                                    timeout=2.0)) as notifications:
            assert notifications.deliver_once().dead == 4


def _notify_scenario(run: Steward, database_url: str,
                     hook: str) -> list[tuple[str, tuple[int, object]]]:
    """Subscribe, list, die, replay, backfill, unsubscribe; each step's (exit code, JSON)."""
    outcomes: list[tuple[str, tuple[int, object]]] = []

    def step(*args: str) -> object:
        result = run(*args, expect=None)
        code, data = _outcome(result, Path("/nowhere"))
        for delivery in data if isinstance(data, list) else [data]:
            if isinstance(delivery, dict) and "next_attempt_at" in delivery:
                # the times of the attempts vary by nature
                delivery["next_attempt_at"] = "<varies>"
                delivery["last_error"] = re.sub(r" at [^ ]+: ", " at <varies>: ",
                                                str(delivery["last_error"]))
        if isinstance(data, list):
            data = sorted(data, key=json.dumps)  # equal times: ties follow random ids
        if isinstance(data, dict) and "secret" in data:
            data["secret"] = "<secret>" if str(data["secret"]).startswith("whsec_") else "?"
        outcomes.append((UUID.sub("<uuid>", " ".join(args)), (code, data)))
        return json.loads(result.stdout) if code == 0 else None

    hooked = cast(dict[str, str], step("subscribe", "team-a", "--webhook", hook, "--kinds",
                                       "deprecation*", "--json"))
    step("subscribe", "team-a", "--email", "ops@example.com", "--json")
    step("subscriptions", "--json")
    step("subscriptions", "--team", "team-a", "--all", "--json")
    step("dead-letters", "--json")
    _dead_letters(database_url)
    letters = cast(list[dict[str, Any]], step("dead-letters", "--json"))
    [first] = [d["id"] for d in letters if d["subscription"]["channel"] == "webhook"
               and d["notice"]["key"].endswith(":0")]
    step("replay", first, "--json")
    step("replay", first, "--json")  # not dead any more: a conflict
    step("replay", "--all", "--json")
    late = cast(dict[str, str], step("subscribe", "team-a", "--email", "late@example.com",
                                     "--json"))
    step("replay", "--subscription", late["id"], "--since", "2020-01-01", "--json")
    step("replay", "--subscription", late["id"], "--since", "2020-01-01", "--json")
    step("dead-letters", "--json")
    step("unsubscribe", hooked["id"], "--json")
    step("subscriptions", "--all", "--json")
    step("replay", "no-such-delivery", "--json")
    step("unsubscribe", "no-such-subscription", "--json")
    step("subscribe", "team-a", "--email", "a@example.com", "--kinds", "deprecations*")
    step("subscribe", "team-a", "--email", "a@example.com", "--webhook", hook)
    return outcomes


@pytest.fixture
def allow_loopback(steward: Steward, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback webhooks, for the local CLI and for the server (made after this fixture; after
    ``steward``, which clears the STEWARD_* variables)."""
    monkeypatch.setenv("STEWARD_WEBHOOK_ALLOW_PRIVATE", "1")


def test_notifications_are_managed_through_the_server_as_locally(
        allow_loopback: None, steward: Steward, remote: Steward, db_url: str,
        server_db: str) -> None:
    hook = f"http://127.0.0.1:{free_port()}/hook?token=t"  # nothing listens: refused
    local = _notify_scenario(steward, db_url, hook)
    served = _notify_scenario(remote, server_db, hook)
    for (step, here), (_, there) in zip(local, served, strict=True):
        assert here == there, step
    codes = [code for _, (code, _) in served]
    assert codes == [0] * 7 + [4] + [0] * 7 + [3, 3, 2, 2]
    answers = [data for _, (_, data) in served]
    assert [len(cast(list[object], answers[i])) for i in (2, 4, 5, 12)] == [2, 0, 4, 0]
    assert answers[8] == {"replayed": 3} and answers[10] == {"replayed": 2}
    assert answers[11] == {"replayed": 0}
    assert cast(dict[str, object], answers[0])["secret"] == "<secret>"
    # the replies through the server are the server's: its history has what the CLI did
    events = [e["kind"] for e in json.loads(remote("log", "--json").stdout)]
    assert events.count("notify:subscription:created") == 3
    assert "notify:delivery:replayed" in events
    # the same sentence for what is not there, word for word
    assert (steward("replay", "nope", expect=3).stderr
            == remote("replay", "nope", expect=3).stderr)


def test_a_maintainer_manages_its_teams_notifications_through_the_server(
        remote: Steward, steward: Steward, served: tuple[str, str], server_db: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    theirs = json.loads(remote("subscribe", "team-b", "--email", "b@example.com",
                               "--json").stdout)
    with Registry.open(server_db, actor="setup") as registry:
        maintainer = registry.tokens.create("ann", team="team-a",
                                             roles=frozenset({Role.MAINTAINER})).text
    monkeypatch.setenv("STEWARD_URL", served[0])
    monkeypatch.setenv("STEWARD_TOKEN", maintainer)
    steward("subscribe", "team-a", "--email", "a@example.com")
    refused = steward("subscribe", "team-b", "--email", "a@example.com", expect=7)
    assert "team-b" in refused.stderr and "STEWARD_TOKEN" in refused.stderr
    assert [s["team"] for s in json.loads(steward("subscriptions", "--json").stdout)] == [
        "team-a"]
    steward("unsubscribe", theirs["id"], expect=3)  # another team's is not confirmed to exist
    steward("replay", "--all", expect=7)  # every dead letter at once: administrators
    steward("deliver", "--once", expect=2)  # the worker runs beside the database


def test_create_commands_take_an_idempotency_key(remote: Steward) -> None:
    remote("model", "create", "ranker", "--idempotency-key", "create-ranker")
    again = remote("model", "create", "ranker", "--idempotency-key", "create-ranker")
    assert "Created model ranker" in again.stdout  # the first answer, not "already exists"
    register = ("version", "register", "ranker", "--change", "retrain", "--json",
                "--idempotency-key", "ranker-retrain-1")
    first = remote(*register).json()
    assert remote(*register).json() == first
    assert len(cast(list[Any], remote("version", "list", "ranker", "--json").json())) == 1
    other = remote("version", "register", "ranker", "--change", "config",
                   "--idempotency-key", "ranker-retrain-1", expect=2)
    assert "ranker-retrain-1" in other.stderr and "another request" in other.stderr
    remote("model", "create", "x", "--idempotency-key", "", expect=2)


def test_a_body_above_the_servers_limit_is_bad_input_not_a_server_failure() -> None:
    detail = ("The request body is larger than this server's limit of 4096 bytes (4 KiB); "
              "send less in one request (the limit is STEWARD_MAX_BODY_BYTES on the server).")
    error = error_of("http://registry", 413, {"type": "/problems/content-too-large",
                                              "title": "Content too large", "status": 413,
                                              "detail": detail, "instance": "/api/v1/models"})
    assert type(error) is InvalidInput and str(error) == detail


def test_provider_import_reports_skipped_rows_as_locally(steward: Steward,
                                                          remote: Steward) -> None:
    """The server numbers the rows of the table it is sent; the client points them back at
    the file and row they were read from."""
    answers = []
    for run in (steward, remote):
        run("model", "create", "gpt", "--kind", "hosted", "--provider", "openai")
        run("version", "register", "gpt", "gpt-4-0613")
        answers.append(json.loads(run("providers", "import", "--curated", "--json").stdout))
    local, served = answers
    assert served == local and served["planned"] == ["gpt@gpt-4-0613"]
    assert {s["file"] for s in served["skipped"]} == {"modelsteward/data/provider_shutdowns.yaml"}
    assert served["skipped"][0]["row"] == 1 and len(served["skipped"]) == served["shutdowns"] - 1


def _unresolvable_pin(run: Steward, db: str) -> list[tuple[int, str]]:
    """A consumer whose ``^1`` was kept when 1.1.0 was deleted, then lost 1.0.0 (rejected):
    what ``consumer show``, ``impact`` and the deletion report say about it."""
    run("model", "create", "bot", "--owner-team", "support")
    for version in ("1.0.0", "1.1.0"):
        run("version", "register", "bot", version, "--force", "--reason", "seed")
    with Registry.open(db, actor="setup") as registry:
        for version in ("1.0.0", "1.1.0"):
            through_gates(registry, f"bot@{version}")
    run("consumer", "add", "web", "--team", "support", "--uses", "bot ^1")
    results = [run("delete", "bot@1.1.0", "--reason", "leaked data", "--json")]
    with Registry.open(db, actor="setup") as registry:
        registry.lifecycle.reject("bot@1.0.0", "failed the red team")
    results += [run("consumer", "show", "web", "--json"), run("impact", "bot", "--json"),
                run("consumer", "show", "web")]
    return [(r.code, r.stdout) for r in results]


def test_a_pin_that_no_longer_resolves_reads_the_same_remotely(
        steward: Steward, remote: Steward, db_url: str, server_db: str) -> None:
    local = _unresolvable_pin(steward, db_url)
    served = _unresolvable_pin(remote, server_db)
    assert local == served
    shown = json.loads(served[1][1])
    assert shown["resolves_to"] == {"bot": None}
    assert shown["unresolvable"]["bot"]["version"] == "bot@1.1.0"
    assert shown["unresolvable"]["bot"]["state"] == "deleted"
    assert json.loads(served[0][1])["unchanged"][0]["resolves_to"] == "1.0.0"
    assert "bot@1.1.0 was deleted on" in served[3][1]
