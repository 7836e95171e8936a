"""``steward model create|transfer|list|show``."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import click
from rich.table import Table

from modelsteward.cli.context import (
    State,
    emit_json,
    idempotency_key_option,
    json_option,
    out,
    pass_state,
)
from modelsteward.cli.embedding import model_reembed
from modelsteward.cli.render import model_view, version_view
from modelsteward.cli.streaming import emit_json_items, print_table
from modelsteward.domain.embedding import EmbeddingSpec, embedding_of, with_embedding
from modelsteward.domain.model import Model, ModelKind, RiskTier, SupportPolicy, parse_enum


@click.group()
def model() -> None:
    """Models: named lines of versions."""


@model.command("create")
@click.argument("name")
@click.option("--kind", default="self-hosted", show_default=True,
              help="self-hosted, hosted or fine-tuned.")
@click.option("--description", default="")
@click.option("--purpose", default="", help="What the model is used for.")
@click.option("--owner-team", default="", help="Owning team (default: STEWARD_DEFAULT_TEAM, "
              "platform; through a server, a maintainer's own team).")
@click.option("--owner-contact", default="", help="Contact (e-mail or channel).")
@click.option("--provider", default="", help="Provider of a hosted model (anthropic, openai, …).")
@click.option("--provider-model", default="", help="The provider's model id.")
@click.option("--risk-tier", default="medium", show_default=True, help="low, medium or high.")
@click.option("--license", "license_", default="", help="Licence (SPDX id or name).")
@click.option("--tag", "tags", multiple=True, help="A tag; repeat for several.")
@click.option("--support-months", type=click.IntRange(min=0), default=None,
              help="Active support window of each version, in months.")
@click.option("--support-after", default="", help="What follows the window, e.g. "
              "'community-maintained'.")
@click.option("--embedding-dimension", type=click.IntRange(min=1), default=None, metavar="N",
              help="Declare an embedding model of N dimensions: moving its consumers then "
              "needs a re-embedding plan.")
@click.option("--embedding-distance", default="", metavar="DISTANCE",
              help="cosine (default), dot or euclidean.")
@click.option("--embedding-normalized", is_flag=True, help="Its vectors have unit length.")
@json_option
@idempotency_key_option
@pass_state
def model_create(state: State, name: str, kind: str, description: str, purpose: str,
                 owner_team: str, owner_contact: str, provider: str, provider_model: str,
                 risk_tier: str, license_: str, tags: tuple[str, ...],
                 support_months: int | None, support_after: str,
                 embedding_dimension: int | None, embedding_distance: str,
                 embedding_normalized: bool, as_json: bool) -> None:
    """Create the model NAME (a slug, optionally 'org/name')."""
    embedding = EmbeddingSpec.declared(embedding_dimension, embedding_distance,
                                       embedding_normalized)
    created = state.registry.create_model(Model(
        name=name, kind=parse_enum(ModelKind, kind, "model kind"), description=description,
        purpose=purpose, owner_team=owner_team, owner_contact=owner_contact, provider=provider,
        provider_model=provider_model, risk_tier=parse_enum(RiskTier, risk_tier, "risk tier"),
        license=license_, tags=tuple(tags), support=SupportPolicy(support_months, support_after),
        extra=with_embedding({}, embedding)))
    if as_json:
        emit_json(model_view(created))
    else:
        out.print(f"Created model {created.name} ({created.kind.value}, "
                  f"{created.risk_tier.value} risk).", highlight=False)


@model.command("transfer")
@click.argument("name")
@click.option("--team", required=True, help="The new owner team.")
@click.option("--reason", required=True, help="Why the model changes owner (recorded).")
@json_option
@pass_state
def model_transfer(state: State, name: str, team: str, reason: str, as_json: bool) -> None:
    """Give the model NAME to another owner team (through a server: administrators only)."""
    moved = state.registry.transfer_model(name, team, reason)
    if as_json:
        emit_json(model_view(moved))
    else:
        out.print(f"Model {moved.name} now belongs to team {moved.owner_team}.", highlight=False)


@model.command("list")
@json_option
@pass_state
def model_list(state: State, as_json: bool) -> None:
    """List models."""
    pages = _model_pages(state)
    if as_json:
        emit_json_items(model_view(m) for page in pages() for m in page)
        return

    def rows() -> Iterator[list[tuple[str, ...]]]:
        for page in pages():
            yield [(m.name, m.kind.value, m.owner_team, m.risk_tier.value,
                    f"{m.provider}/{m.provider_model}".strip("/") if m.provider else "",
                    m.purpose) for m in page]

    if not print_table(out, ("model", "kind", "owner", "risk", "provider", "purpose"), rows):
        out.print("No models yet. Create one with `steward model create NAME`.")


def _model_pages(state: State) -> Callable[[], Iterator[list[Model]]]:
    """The models by name, a page at a time: a local database's read in keyset batches (so
    the list is written as it is read), a server's as the remote registry reads them."""
    if state.url:
        found = state.registry.list_models()
        return lambda: iter([found])
    return state.local_registry.catalog.model_pages


@model.command("show")
@click.argument("name")
@click.option("--include-deleted", is_flag=True, help="Also show a deleted model (tombstone).")
@json_option
@pass_state
def model_show(state: State, name: str, include_deleted: bool, as_json: bool) -> None:
    """Show a model and its versions."""
    registry = state.registry
    found = registry.get_model(name, include_deleted)
    versions = registry.list_versions(name, include_deleted)
    deleted = include_deleted and registry.is_deleted(name)
    if as_json:
        emit_json({**model_view(found), "deleted": deleted,
                   "versions": [{**version_view(v),
                                 "deleted": registry.is_deleted(name, str(v.id))}
                                for v in versions]})
        return
    if deleted:
        out.print(f"{name} is DELETED (a tombstone kept for audit; see `steward log {name}`).",
                  highlight=False)
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    view = model_view(found)
    for key in ("name", "kind", "description", "purpose", "risk_tier", "license"):
        if view[key]:
            table.add_row(key.replace("_", " "), str(view[key]))
    table.add_row("owner", " ".join(filter(None, (
        found.owner_team, f"<{found.owner_contact}>" if found.owner_contact else ""))))
    if found.provider:
        table.add_row("provider", f"{found.provider} {found.provider_model}".strip())
    if found.tags:
        table.add_row("tags", ", ".join(found.tags))
    table.add_row("support", found.support.describe())
    spec = embedding_of(found)
    if spec is not None:
        table.add_row("embedding", spec.describe())
    table.add_row("versions", ", ".join(str(v.id) for v in versions) or "none")
    out.print(table)


model.add_command(model_reembed)
