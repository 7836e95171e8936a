"""``steward import mlflow --tracking-uri URL [--dry-run]``: copy an MLflow Model Registry —
registered models, their versions (source, run_id, description, tags) and aliases — into this
registry over MLflow's REST API (httpx; no mlflow runtime dependency). Idempotent: what was
imported before (by name; versions by their MLflow number, kept in the version's metadata) is
skipped."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

from modelsteward.cli.context import State, emit_json, json_option, local_only, out, pass_state
from modelsteward.domain.mlflow_stages import METADATA_KEY
from modelsteward.errors import DocumentInvalid, InvalidInput, ModelNotFound, Problem, StewardError

if TYPE_CHECKING:  # imported when the command runs: `steward import --help` needs neither
    import httpx

    from modelsteward.service.mlflow_compat import MlflowRegistry

_PROMPT_TAG = "mlflow.prompt.is_prompt"
Json = dict[str, object]


@dataclass
class MlflowImport:
    """What an import did (or, in a dry run, would do)."""

    created_models: list[str] = field(default_factory=list)
    registered_versions: list[str] = field(default_factory=list)  # name:number
    tags_set: list[str] = field(default_factory=list)
    aliases_set: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created_models or self.registered_versions or self.tags_set
                    or self.aliases_set)


class MlflowSource:
    """Reads an MLflow Model Registry over its REST API."""

    def __init__(self, client: httpx.Client, uri: str) -> None:
        self.client = client
        self.uri = uri

    def _get(self, path: str, params: dict[str, str | int]) -> Json:
        import httpx

        try:
            response = self.client.get(f"/api/2.0/mlflow/{path}", params=params)
        except httpx.HTTPError as error:
            raise InvalidInput(f"Cannot reach the MLflow registry at {self.uri}: {error}. Check "
                               "--tracking-uri and that the server is running.") from None
        if response.status_code != 200:
            raise InvalidInput(f"The MLflow registry at {self.uri} answered {path} with "
                               f"{response.status_code}: {response.text[:200]}. Check "
                               "--tracking-uri.")
        body = response.json()
        if not isinstance(body, dict):
            raise InvalidInput(f"The MLflow registry at {self.uri} answered {path} with "
                               "something that is not a JSON object.")
        return body

    def _pages(self, path: str, items: str, params: dict[str, str | int]) -> Iterator[Json]:
        token = ""
        while True:
            body = self._get(path, {**params, **({"page_token": token} if token else {})})
            yield from _list(body.get(items))
            token = str(body.get("next_page_token") or "")
            if not token:
                return

    def models(self) -> Iterator[Json]:
        return self._pages("registered-models/search", "registered_models", {"max_results": 1000})

    def versions(self, name: str) -> list[Json]:
        escaped = name.replace("'", "\\'")
        found = list(self._pages("model-versions/search", "model_versions",
                                 {"filter": f"name = '{escaped}'", "max_results": 10_000}))
        return sorted(found, key=lambda v: int(str(v.get("version", "0"))))


def _list(value: object) -> list[Json]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _tags(value: object) -> dict[str, str]:
    from modelsteward.service.mlflow_compat import RESERVED_PREFIX

    return {str(t["key"]): str(t.get("value", "")) for t in _list(value)
            if "key" in t and not str(t["key"]).startswith(RESERVED_PREFIX)}


def import_mlflow(target: MlflowRegistry, source: MlflowSource, *,
                  dry_run: bool = False, team: str = "") -> MlflowImport:
    """Copy ``source`` into ``target``; every model's problems are collected (the others are
    still imported) and returned in the report. New models belong to ``team`` (default: the
    registry's default team)."""
    report = MlflowImport()
    for remote in source.models():
        name = str(remote.get("name", ""))
        tags = _tags(remote.get("tags"))
        if tags.get(_PROMPT_TAG) == "true":
            continue  # prompts are not models
        try:
            _import_model(target, source, remote, name, tags, report, dry_run, team)
        except StewardError as error:
            report.problems.append(Problem(f"registered_models.{name}", str(error)))
    return report


def _import_model(target: MlflowRegistry, source: MlflowSource, remote: Json, name: str,
                  tags: dict[str, str], report: MlflowImport, dry_run: bool,
                  team: str) -> None:
    try:
        local = target.get_model(name)
        have_tags, imported = local.tags, _imported_numbers(target, name)
    except ModelNotFound:
        report.created_models.append(name)
        if not dry_run:
            target.create_model(name, description=str(remote.get("description", "")), tags=tags,
                                owner_team=team)
        have_tags, imported = dict(tags), {}
    for key, value in tags.items():
        if key not in have_tags:
            report.tags_set.append(f"{name}:{key}")
            if not dry_run:
                target.set_model_tag(name, key, value)
    for version in source.versions(name):
        number = int(str(version.get("version", "0")))
        if number in imported:
            continue
        report.registered_versions.append(f"{name}:{number}")
        if dry_run:
            continue
        made = target.create_version(
            name, source=str(version.get("source", "")), run_id=str(version.get("run_id", "")),
            run_link=str(version.get("run_link", "")),
            description=str(version.get("description", "")), tags=_tags(version.get("tags")),
            extra={"source_version": number, "imported_from": source.uri})
        imported[number] = made.number
    created = name in report.created_models
    current = {} if dry_run and created else dict(target.get_model(name).aliases)
    for alias in _list(remote.get("aliases")):
        alias_name = str(alias.get("alias", ""))
        wanted = imported.get(int(str(alias.get("version", "0"))))
        if wanted is not None and current.get(alias_name) == wanted:
            continue
        if dry_run:  # the version may be one this run would register
            report.aliases_set.append(f"{name}:{alias_name}")
        elif wanted is not None:
            target.set_alias(name, alias_name, wanted)
            report.aliases_set.append(f"{name}:{alias_name}")


def _imported_numbers(target: MlflowRegistry, name: str) -> dict[int, int]:
    """Source MLflow number → local MLflow number of the versions imported before."""
    found: dict[int, int] = {}
    for view in target.versions(name):
        meta = view.version.metadata.get(METADATA_KEY)
        if isinstance(meta, dict) and isinstance(meta.get("source_version"), int):
            found[meta["source_version"]] = view.number
    return found


@click.command("mlflow")
@click.option("--tracking-uri", required=True, envvar="STEWARD_MLFLOW_TRACKING_URI",
              help="The MLflow tracking server to import from [STEWARD_MLFLOW_TRACKING_URI].")
@click.option("--dry-run", is_flag=True, help="Say what would be imported; write nothing.")
@click.option("--team", default="", envvar="STEWARD_IMPORT_TEAM",
              help="The owner team of the models created [STEWARD_IMPORT_TEAM]; default "
                   "STEWARD_DEFAULT_TEAM (platform).")
@json_option
@local_only
@pass_state
def import_mlflow_command(state: State, tracking_uri: str, dry_run: bool, team: str,
                          as_json: bool) -> None:
    """Import an MLflow Model Registry: models, versions, tags and aliases (re-running skips
    what was imported)."""
    import httpx


    with httpx.Client(base_url=tracking_uri.rstrip("/"), timeout=60) as client:
        report = import_mlflow(state.local_registry.mlflow(),
                               MlflowSource(client, tracking_uri), dry_run=dry_run,
                               team=team.strip())
    if as_json:
        emit_json({"changed": report.changed, "dry_run": dry_run,
                   "created_models": report.created_models,
                   "registered_versions": report.registered_versions,
                   "tags_set": report.tags_set, "aliases_set": report.aliases_set})
    elif not report.changed:
        out.print(f"Nothing to import: the registry already holds everything from {tracking_uri}.",
                  highlight=False)
    else:
        verb = "would " if dry_run else ""
        for name in report.created_models:
            out.print(f"{verb}create model   {name}", highlight=False)
        for ref in report.registered_versions:
            out.print(f"{verb}register       {ref}", highlight=False)
        for ref in report.tags_set:
            out.print(f"{verb}tag            {ref}", highlight=False)
        for ref in report.aliases_set:
            out.print(f"{verb}set alias      {ref}", highlight=False)
    if report.problems:
        raise DocumentInvalid(f"The MLflow registry at {tracking_uri}", report.problems,
                              consequence="the other models were imported" if not dry_run
                              else "the other models would be imported")

