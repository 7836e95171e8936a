"""The real ``mlflow`` client against a live modelsteward server (SQLite and PostgreSQL)."""

from __future__ import annotations

import httpx
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException, RestException

from modelsteward import Registry
from modelsteward.api.auth import local_authenticator
from modelsteward.api.deps import Principal
from modelsteward.api.mlflow.filters import matches, parse_filter
from modelsteward.domain.lifecycle import Gate, Stage
from modelsteward.domain.policy import Policy
from modelsteward.errors import InvalidInput
from tests.api.conftest import MakeServer, Server
from tests.conftest import FixedClock


@pytest.fixture
def server(make_server: MakeServer, clock: FixedClock) -> Server:
    return make_server(clock=clock, authenticate=local_authenticator("alice@example.com"))


def mlflow_client(url: str, monkeypatch: pytest.MonkeyPatch) -> MlflowClient:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", url)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    return MlflowClient(tracking_uri=url, registry_uri=url)


@pytest.fixture
def client(server: Server, monkeypatch: pytest.MonkeyPatch) -> MlflowClient:
    return mlflow_client(server.url, monkeypatch)


def test_registered_models_and_versions(client: MlflowClient) -> None:
    created = client.create_registered_model("churn", tags={"team": "risk"},
                                             description="Predicts churn.")
    assert created.name == "churn" and created.tags == {"team": "risk"}
    first = client.create_model_version("churn", "s3://bucket/churn/1", run_id="run-1",
                                        description="first")
    second = client.create_model_version("churn", "s3://bucket/churn/2", run_id="run-2",
                                         tags={"data": "2024"})
    assert (first.version, second.version) == ("1", "2")
    assert first.tags["modelsteward.version"] == "1.0.0"
    assert second.tags == {"data": "2024", "modelsteward.version": "1.1.0"}
    got = client.get_model_version("churn", "1")
    assert (got.source, got.run_id, got.description, got.current_stage) == (
        "s3://bucket/churn/1", "run-1", "first", "None")
    assert client.get_model_version_download_uri("churn", "2") == "s3://bucket/churn/2"
    client.update_model_version("churn", "1", description="edited")
    assert client.get_model_version("churn", "1").description == "edited"
    client.update_registered_model("churn", description="Churn, v2.")
    model = client.get_registered_model("churn")
    assert model.description == "Churn, v2."
    assert model.creation_timestamp <= model.last_updated_timestamp
    assert [v.version for v in model.latest_versions] == ["2"]
    client.delete_model_version("churn", "1")
    third = client.create_model_version("churn", "s3://bucket/churn/3")
    assert third.version == "3"  # deleted numbers are not reused
    with pytest.raises(MlflowException) as gone:
        client.get_model_version("churn", "1")
    assert gone.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_aliases_are_exclusive(client: MlflowClient) -> None:
    client.create_registered_model("ranker")
    for n in range(2):
        client.create_model_version("ranker", f"file:///models/{n}")
    client.set_registered_model_alias("ranker", "champion", "1")
    client.set_registered_model_alias("ranker", "champion", "2")
    assert client.get_model_version_by_alias("ranker", "champion").version == "2"
    assert client.get_model_version("ranker", "1").aliases == []
    assert client.get_registered_model("ranker").aliases == {"champion": "2"}
    client.delete_registered_model_alias("ranker", "champion")
    with pytest.raises(MlflowException) as missing:
        client.get_model_version_by_alias("ranker", "champion")
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as reserved:
        client.set_registered_model_alias("ranker", "v1", "1")
    assert reserved.value.error_code == "INVALID_PARAMETER_VALUE"


def test_tags_on_models_and_versions(client: MlflowClient) -> None:
    client.create_registered_model("tagged")
    client.create_model_version("tagged", "file:///m")
    client.set_registered_model_tag("tagged", "owner", "ml")
    client.set_model_version_tag("tagged", "1", "validated", "yes")
    assert client.get_registered_model("tagged").tags == {"owner": "ml"}
    assert client.get_model_version("tagged", "1").tags["validated"] == "yes"
    client.delete_registered_model_tag("tagged", "owner")
    client.delete_model_version_tag("tagged", "1", "validated")
    assert client.get_registered_model("tagged").tags == {}
    assert "validated" not in client.get_model_version("tagged", "1").tags
    with pytest.raises(MlflowException) as reserved:
        client.set_model_version_tag("tagged", "1", "modelsteward.version", "9.9.9")
    assert reserved.value.error_code == "INVALID_PARAMETER_VALUE"


def test_search_with_filters_and_pages(client: MlflowClient) -> None:
    for name in ("alpha", "alpine", "beta", "gamma"):
        client.create_registered_model(name, tags={"group": "a" if name.startswith("al") else "b"})
        client.create_model_version(name, f"file:///{name}", run_id=f"run-{name}")
    assert [m.name for m in client.search_registered_models("name LIKE 'al%'")] == [
        "alpha", "alpine"]
    assert [m.name for m in client.search_registered_models("name ILIKE 'ALP%'")] == [
        "alpha", "alpine"]
    assert [m.name for m in client.search_registered_models(
        "tags.group = 'b' AND name != 'gamma'")] == ["beta"]
    first = client.search_registered_models(max_results=3)
    assert [m.name for m in first] == ["alpha", "alpine", "beta"] and first.token
    rest = client.search_registered_models(max_results=3, page_token=first.token)
    assert [m.name for m in rest] == ["gamma"] and not rest.token
    newest = client.search_registered_models(order_by=["name DESC"], max_results=2)
    assert [m.name for m in newest] == ["gamma", "beta"]
    versions = client.search_model_versions("run_id = 'run-beta'")
    assert [(v.name, v.version) for v in versions] == [("beta", "1")]
    assert [v.name for v in client.search_model_versions("name = 'gamma'")] == ["gamma"]
    with pytest.raises(MlflowException) as bad:
        client.search_registered_models("name ~ 'x'")
    assert bad.value.error_code == "INVALID_PARAMETER_VALUE"


def test_version_search_pages_follow_their_tokens_to_the_end(client: MlflowClient) -> None:
    """The page token, passed back as it came by MLflow's own client, continues after the last
    version of the page — across models, past deleted versions (whose numbers stay taken) and
    in a model with more versions than a page — and the pages together are the whole search."""
    for name, count in (("alpha", 7), ("beta", 2), ("gamma", 5)):
        client.create_registered_model(name)
        for n in range(count):
            client.create_model_version(name, f"file:///{name}/{n}", run_id=f"run-{name}")
    for name, number in (("alpha", "7"), ("alpha", "3"), ("gamma", "1")):
        client.delete_model_version(name, number)
    expected = ([("alpha", str(n)) for n in (6, 5, 4, 2, 1)] + [("beta", "2"), ("beta", "1")]
                + [("gamma", str(n)) for n in (5, 4, 3, 2)])
    for size in (1, 2, 3, 4, 100):
        seen: list[tuple[str, str]] = []
        token = None
        while True:
            page = client.search_model_versions(max_results=size, page_token=token)
            assert len(page) <= size
            seen.extend((v.name, v.version) for v in page)
            token = page.token
            if not token:
                break
        assert seen == expected, size
    page = client.search_model_versions("name = 'alpha'", max_results=2)
    rest = client.search_model_versions("name = 'alpha'", max_results=10,
                                        page_token=page.token)
    assert [v.version for v in page] + [v.version for v in rest] == ["6", "5", "4", "2", "1"]


def test_errors_take_mlflows_shape(client: MlflowClient, server: Server) -> None:
    with pytest.raises(RestException) as unknown:
        client.get_registered_model("nothing-here")
    assert unknown.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    client.create_registered_model("dup")
    with pytest.raises(RestException) as twice:
        client.create_registered_model("dup")
    assert twice.value.error_code == "RESOURCE_ALREADY_EXISTS"
    response = server.client.get("/api/2.0/mlflow/model-versions/get",
                                 params={"name": "dup", "version": "x"})
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    missing_field = server.client.post("/api/2.0/mlflow/registered-models/create", json={})
    assert (missing_field.status_code, missing_field.json()["error_code"]) == (
        400, "INVALID_PARAMETER_VALUE")
    # the /api/v1 problem shape is unchanged
    problem = server.client.get("/api/v1/models/nothing-here")
    assert problem.headers["content-type"].startswith("application/problem+json")
    assert isinstance(server.client, httpx.Client)


def test_delete_registered_model(client: MlflowClient) -> None:
    client.create_registered_model("gone")
    client.delete_registered_model("gone")
    with pytest.raises(MlflowException) as missing:
        client.get_registered_model("gone")
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_readers_may_not_write(make_server: MakeServer, clock: FixedClock,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    viewer = Principal("victor", roles=frozenset({"viewer"}))
    reader = mlflow_client(make_server(clock=clock, authenticate=lambda request: viewer).url,
                           monkeypatch)
    with pytest.raises(MlflowException) as refused:
        reader.create_registered_model("not-mine")
    assert refused.value.error_code == "PERMISSION_DENIED"
    assert list(reader.search_registered_models()) == []


@pytest.mark.parametrize("text", ["name =", "name = 'x' AND", "tags. = 'x'", "x = 'y'",
                                  "name = 'a' OR name = 'b'", "name IN 'a'", "'a' = name",
                                  "name = 3", "name LIKE", "run_id IN ('a' 'b')"])
def test_bad_filters_are_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_filter(text, frozenset({"name", "run_id"}))


def test_filter_semantics() -> None:
    conditions = parse_filter("name LIKE 'a_c%' AND tags.`a key` = 'v' AND run_id IN ('r1', 'r2')",
                              frozenset({"name", "run_id"}))
    assert matches(conditions, {"name": "abcdef", "run_id": "r2"}, {"a key": "v"})
    assert not matches(conditions, {"name": "abcdef", "run_id": "r3"}, {"a key": "v"})
    assert not matches(conditions, {"name": "abcdef", "run_id": "r1"}, {})


def test_a_maintainer_of_another_team_changes_nothing(make_server: MakeServer,
                                                       clock: FixedClock) -> None:
    """Version creation, aliases and tags check the model's team inside their own write: the
    refusal is MLflow's PERMISSION_DENIED and nothing is written."""
    from modelsteward.domain.tokens import Role
    from tests.api.test_api_consumers import client_as

    server = make_server(clock=clock)
    api = "/api/2.0/mlflow"
    c = server.client
    assert c.post("/api/v1/models", json={"name": "support-bot", "owner_team": "support"}
                  ).status_code == 201
    assert c.post(f"{api}/model-versions/create", json={"name": "support-bot",
                                                        "source": "s3://b/1"}).status_code == 200
    before = c.get(f"{api}/model-versions/search", params={"filter": "name = 'support-bot'"})
    with client_as(server, "olga", "search", Role.MAINTAINER) as other:
        for path, body in [
                ("model-versions/create", {"name": "support-bot", "source": "s3://b/2"}),
                ("registered-models/alias", {"name": "support-bot", "alias": "champion",
                                             "version": "1"}),
                ("registered-models/set-tag", {"name": "support-bot", "key": "k",
                                               "value": "v"}),
                ("model-versions/set-tag", {"name": "support-bot", "version": "1", "key": "k",
                                            "value": "v"})]:
            refused = other.post(f"{api}/{path}", json=body)
            assert refused.status_code == 403, (path, refused.text)
            assert refused.json()["error_code"] == "PERMISSION_DENIED", path
    after = c.get(f"{api}/model-versions/search", params={"filter": "name = 'support-bot'"})
    assert after.json() == before.json()
    model = c.get(f"{api}/registered-models/get", params={"name": "support-bot"}).json()
    assert not model["registered_model"].get("tags") and \
        not model["registered_model"].get("aliases")


# --- stages -----------------------------------------------------------------------------------

STAGES = ("None", "Staging", "Production", "Archived")
# from each MLflow stage, the targets the mapping reaches; the others answer RESOURCE_CONFLICT
# naming the way forward (Archived, or copy_model_version)
REACHES = {
    "None": {"None", "Staging", "Production", "Archived"},
    "Staging": {"Staging", "Production", "Archived"},
    "Production": {"Production", "Archived"},
    "Archived": {"Archived"},
}


def waive_gates(db_url: str, clock: FixedClock, name: str, version: str) -> None:
    """Override every gate of ``name@version`` through the library, as an administrator would,
    so that a stage test does not depend on evaluations, checks and approvals."""
    with Registry.open(db_url, actor="root", clock=clock,
                       policy=Policy(administrators=("root",))) as registry:
        for gate in Gate:
            registry.lifecycle.override(f"{name}@{version}", gate, "stage mapping test")


def test_every_stage_transition_from_every_reachable_stage(client: MlflowClient, db_url: str,
                                                           clock: FixedClock) -> None:
    client.create_registered_model("stages")
    outcomes: dict[tuple[str, str], str] = {}
    for start in STAGES:
        for target in STAGES:
            made = client.create_model_version("stages", f"s3://bucket/{start}-{target}")
            assert made.current_stage == "None"
            waive_gates(db_url, clock, "stages", made.tags["modelsteward.version"])
            if start != "None":
                client.transition_model_version_stage("stages", made.version, start)
            assert client.get_model_version("stages", made.version).current_stage == start
            try:
                moved = client.transition_model_version_stage("stages", made.version, target)
            except MlflowException as refused:
                assert refused.error_code == "RESOURCE_CONFLICT", (start, target)
                assert "Archived" in refused.message and "copy_model_version" in refused.message
                outcomes[(start, target)] = "refused"
                assert client.get_model_version("stages", made.version).current_stage == start
                continue
            assert moved.current_stage == target
            assert client.get_model_version("stages", made.version).current_stage == target
            outcomes[(start, target)] = "moved"
    assert outcomes == {(start, target): "moved" if target in REACHES[start] else "refused"
                        for start in STAGES for target in STAGES}


def test_a_gate_stops_staging_with_its_requirements_and_the_same_call_continues(
        client: MlflowClient, db_url: str, clock: FixedClock) -> None:
    client.create_registered_model("gated")
    made = client.create_model_version("gated", "s3://bucket/gated/1")
    with pytest.raises(MlflowException) as refused:
        client.transition_model_version_stage("gated", made.version, "Staging")
    assert refused.value.error_code == "RESOURCE_CONFLICT"
    assert "validation gate" in refused.value.message
    assert client.get_model_version("gated", made.version).current_stage == "None"
    waive_gates(db_url, clock, "gated", made.tags["modelsteward.version"])
    moved = client.transition_model_version_stage("gated", made.version, "Staging")
    assert moved.current_stage == "Staging"


def test_archived_takes_a_new_version_out_of_use_and_copy_starts_again(
        client: MlflowClient) -> None:
    client.create_registered_model("churn")
    made = client.create_model_version("churn", "s3://bucket/churn/1", run_id="run-1",
                                       tags={"data": "2024"}, description="first")
    archived = client.transition_model_version_stage("churn", made.version, "Archived")
    assert archived.current_stage == "Archived"
    copied = client.copy_model_version("models:/churn/1", "churn-copy")
    assert (copied.name, copied.version, copied.current_stage) == ("churn-copy", "1", "None")
    assert copied.tags == {"data": "2024", "modelsteward.version": "1.0.0"}
    assert (copied.run_id, copied.description, copied.source) == (
        "run-1", "first", "models:/churn/1")
    again = client.copy_model_version("models:/churn/1", "churn")
    assert (again.version, again.tags["modelsteward.version"]) == ("2", "1.1.0")
    with pytest.raises(MlflowException) as reserved:
        client.create_model_version("churn", "s3://x", tags={"modelsteward.other": "x"})
    assert reserved.value.error_code == "INVALID_PARAMETER_VALUE"


def test_archive_existing_versions_archives_the_others_in_the_target_stage(
        client: MlflowClient, db_url: str, clock: FixedClock) -> None:
    client.create_registered_model("ranker")
    for n in range(3):
        made = client.create_model_version("ranker", f"s3://bucket/ranker/{n}")
        waive_gates(db_url, clock, "ranker", made.tags["modelsteward.version"])
    client.transition_model_version_stage("ranker", "1", "Production")
    client.transition_model_version_stage("ranker", "2", "Staging")
    moved = client.transition_model_version_stage("ranker", "3", "Production",
                                                  archive_existing_versions=True)
    assert moved.current_stage == "Production"
    stages = {v.version: v.current_stage for v in client.search_model_versions("name='ranker'")}
    assert stages == {"1": "Archived", "2": "Staging", "3": "Production"}
    with pytest.raises(MlflowException) as refused:
        client.transition_model_version_stage("ranker", "2", "Archived",
                                              archive_existing_versions=True)
    assert refused.value.error_code == "INVALID_PARAMETER_VALUE"
    assert client.get_model_version("ranker", "2").current_stage == "Staging"


@pytest.mark.parametrize("reached", [Stage.EVALUATED, Stage.REGISTERED])
def test_versions_promoted_outside_mlflow_are_none_and_move_on(
        client: MlflowClient, db_url: str, clock: FixedClock, reached: Stage) -> None:
    client.create_registered_model("outside")
    moves = {}
    for target in STAGES:
        made = client.create_model_version("outside", f"s3://bucket/{target}")
        ref = f"outside@{made.tags['modelsteward.version']}"
        waive_gates(db_url, clock, "outside", made.tags["modelsteward.version"])
        with Registry.open(db_url, actor="root", clock=clock) as registry:
            registry.lifecycle.promote(ref, Stage.EVALUATED)
            if reached is Stage.REGISTERED:
                registry.lifecycle.promote(ref, Stage.REGISTERED)
        assert client.get_model_version("outside", made.version).current_stage == "None"
        moves[target] = client.transition_model_version_stage(
            "outside", made.version, target).current_stage
    assert moves == {target: target for target in STAGES}
