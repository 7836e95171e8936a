"""Every model has an owner team, over a real socket with real tokens: a model made without one
gets the default team (an administrator naming none, the MLflow API, a registry file entry
without ``owner``), a model left without one (from before) is changed by administrators only,
ownership moves only by an administrator's transfer, and the migration gives old models the
default team."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from modelsteward import Registry
from modelsteward.cli.main import cli
from modelsteward.domain.model import Model
from modelsteward.store.migrate import alembic_config
from tests.api.conftest import Server
from tests.api.test_auth import FILES, client, make_token


def test_new_models_always_get_a_team(server: Server) -> None:
    ops_admin = client(server, make_token(server, "ops-admin", "admin", team="ops"))
    support = client(server, make_token(server, "support-ci", "maintainer", team="support"))
    with ops_admin, support:
        made = ops_admin.post("/api/v1/models", json={"name": "unnamed-bot"})
        assert made.status_code == 201 and made.json()["owner"]["team"] == "platform"
        named = ops_admin.post("/api/v1/models", json={"name": "named-bot", "owner_team": "x"})
        assert named.json()["owner"]["team"] == "x"
        assert support.post("/api/v1/models", json={"name": "mine"}
                            ).json()["owner"]["team"] == "support"
        mlflow = ops_admin.post("/api/2.0/mlflow/registered-models/create",
                                json={"name": "ml-bot"})
        assert mlflow.status_code == 200, mlflow.text
        assert ops_admin.get("/api/v1/models/ml-bot").json()["owner"]["team"] == "ops"
        # a maintainer of the default team does not get the unnamed one by default elsewhere
        assert support.post("/api/v1/models/unnamed-bot/versions", json={
            "version": "1.0.0", "files": FILES}).status_code == 403


def test_a_model_without_a_team_is_left_to_administrators(server: Server) -> None:
    assert server.client.post("/api/v1/models", json={"name": "old-bot"}).status_code == 201
    engine = create_engine(server.app.state.settings.registry.database_url)
    with engine.begin() as connection:  # as a model made before every model had a team
        connection.execute(text("UPDATE models SET owner_team = '' WHERE name = 'old-bot'"))
    engine.dispose()
    support = client(server, make_token(server, "support-ci", "maintainer", team="support"))
    with support:
        refused = support.post("/api/v1/models/old-bot/versions", json={
            "version": "1.0.0", "files": FILES})
        assert refused.status_code == 403 and "no owner team" in refused.json()["detail"]
        assert support.post("/api/v1/deletions", json={
            "target": "old-bot", "reason": "mine now", "dry_run": False}).status_code == 403
        assert server.client.get("/api/v1/models/old-bot").status_code == 200
    assert server.client.post("/api/v1/models/old-bot/versions", json={
        "version": "1.0.0", "files": FILES}).status_code == 201


def test_only_administrators_transfer_a_model(server: Server) -> None:
    admin = server.client
    assert admin.post("/api/v1/models", json={"name": "bot", "owner_team": "support"}
                      ).status_code == 201
    support = client(server, make_token(server, "support-ci", "maintainer", team="support"))
    billing = client(server, make_token(server, "billing-ci", "maintainer", team="billing"))
    move = {"team": "billing", "reason": "billing took it over"}
    with support, billing:
        assert support.post("/api/v1/models/bot/transfers", json=move).status_code == 403
        assert billing.post("/api/v1/models/bot/transfers", json=move).status_code == 403
        assert admin.post("/api/v1/models/bot/transfers", json={**move, "reason": ""}
                          ).status_code == 422
        moved = admin.post("/api/v1/models/bot/transfers", json=move)
        assert moved.status_code == 200 and moved.json()["owner"]["team"] == "billing"
        assert support.post("/api/v1/models/bot/versions", json={
            "version": "1.0.0", "files": FILES}).status_code == 403
        assert billing.post("/api/v1/models/bot/versions", json={
            "version": "1.0.0", "files": FILES}).status_code == 201
    event = admin.get("/api/v1/events", params={"model": "bot"}).json()["items"][-2]
    assert event["payload"]["owner_team_before"] == "support"


def test_cli_transfer_and_registry_file_team(tmp_path: Path, sqlite_url: str) -> None:
    env = {"STEWARD_DATABASE_URL": sqlite_url, "STEWARD_ACTOR": "admin@example.com"}
    runner = CliRunner()
    registry_file = tmp_path / "model-registry.yaml"
    registry_file.write_text("models:\n  file-bot:\n    provider: anthropic\n"
                             "    model_id: claude-sonnet-4-5-20250929\n")
    done = runner.invoke(cli, ["import", "registry", str(registry_file), "--team", "search"],
                         env=env)
    assert done.exit_code == 0, done.output
    done = runner.invoke(cli, ["model", "create", "plain-bot"], env=env)
    assert done.exit_code == 0, done.output
    with Registry.open(sqlite_url) as registry:
        assert registry.get_model("file-bot").owner_team == "search"
        assert registry.get_model("plain-bot").owner_team == "platform"
    done = runner.invoke(cli, ["model", "transfer", "plain-bot", "--team", "search",
                               "--reason", "reorganised"], env=env)
    assert done.exit_code == 0, done.output
    with Registry.open(sqlite_url) as registry:
        assert registry.get_model("plain-bot").owner_team == "search"


def test_the_migration_gives_models_without_a_team_the_default_team(db_url: str) -> None:
    with Registry.open(db_url) as registry:
        registry.create_model(Model("kept-bot", owner_team="support"))
        registry.create_model(Model("old-bot"))
    engine = create_engine(db_url)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0013")
        # as a model made before every model had a team
        connection.execute(text("UPDATE models SET owner_team = '' WHERE name = 'old-bot'"))
        command.upgrade(alembic_config(connection), "head")
        teams: dict[str, str] = dict(
            connection.execute(text("SELECT name, owner_team FROM models")).all())
    engine.dispose()
    assert teams == {"kept-bot": "support", "old-bot": "platform"}
