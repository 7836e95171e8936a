"""``steward version register|list|show|attest|requirements``, ``resolve``, ``lineage``
and ``verify``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table

from modelsteward.cli.context import (
    State,
    emit_json,
    err,
    hash_with_progress,
    idempotency_key_option,
    json_option,
    out,
    pass_state,
)
from modelsteward.cli.exits import Exit
from modelsteward.cli.files import read_json
from modelsteward.cli.render import (
    approval_view,
    lineage_view,
    override_view,
    verify_view,
    version_view,
)
from modelsteward.domain.lineage import Relation
from modelsteward.domain.model import parse_enum
from modelsteward.domain.refs import split_ref
from modelsteward.domain.versioning import ChangeKind
from modelsteward.errors import InvalidInput

if TYPE_CHECKING:
    from modelsteward.results import Resolution

_CHANGES = ", ".join(c.value for c in ChangeKind)


@click.group()
def version() -> None:
    """Versions: immutable registered artefacts of a model."""


def _key_values(pairs: tuple[str, ...], option: str) -> dict[str, object]:
    found: dict[str, object] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key:
            raise InvalidInput(f"{option} {pair!r} is not KEY=VALUE, e.g. {option} accuracy=0.94.")
        found[key] = value
    return found


def _metrics(pairs: tuple[str, ...]) -> dict[str, object]:
    metrics: dict[str, object] = {}
    for key, value in _key_values(pairs, "--metric").items():
        try:
            metrics[key] = float(str(value))
        except ValueError:
            raise InvalidInput(f"--metric {key}={value!r}: the value must be a number.") from None
    return metrics


@version.command("register")
@click.argument("model")
@click.argument("version_text", metavar="[VERSION]", required=False)
@click.option("--change", help=f"What changed: {_CHANGES}. Computes or checks the version.")
@click.option("--variant", default="", help="Variant name for quantisation/distillation/export.")
@click.option("--path", type=click.Path(path_type=Path), help="Model folder or file to hash.")
@click.option("--force", is_flag=True, help="Register a version that contradicts the rules.")
@click.option("--reason", default="", help="Why --force is needed (recorded).")
@click.option("--description", default="")
@click.option("--status", default="", help="Free-form status (e.g. evaluating).")
@click.option("--metric", "metric_pairs", multiple=True, metavar="NAME=NUMBER",
              help="A metric; repeat for several.")
@click.option("--meta", "meta_pairs", multiple=True, metavar="KEY=VALUE",
              help="Metadata such as framework=torch-2.4; repeat for several.")
@click.option("--derived-from", default="", metavar="MODEL@VERSION|PURL",
              help="Parent version, or an upstream model as a package URL.")
@click.option("--relation", default=None,
              help="finetune, adapter, merge, quantized, distilled or export.")
@click.option("--requirements", "requirements_file", default=None,
              type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="What the version was tested with, recorded with it (YAML or JSON, as for "
                   "`steward version requirements --file`).")
@json_option
@idempotency_key_option
@pass_state
def version_register(state: State, model: str, version_text: str | None, change: str | None,
                     variant: str, path: Path | None, force: bool, reason: str, description: str,
                     status: str, metric_pairs: tuple[str, ...], meta_pairs: tuple[str, ...],
                     derived_from: str, relation: str | None, requirements_file: Path | None,
                     as_json: bool) -> None:
    """Register a version of MODEL: computed from --change, or VERSION checked against it."""
    change_kind = parse_enum(ChangeKind, change, "change kind") if change else None
    relation_kind = parse_enum(Relation, relation, "relation") if relation else None
    metrics = _metrics(metric_pairs)
    metadata = _key_values(meta_pairs, "--meta")
    requirements = None
    if requirements_file is not None:  # read and checked before anything is hashed or written
        from modelsteward.cli.files import read_structured
        from modelsteward.domain.requirements import parse_requirements

        requirements = parse_requirements(read_structured(requirements_file),
                                          str(requirements_file))
    registry = state.registry
    registry.get_model(model)  # fail before hashing a large artefact
    manifest = hash_with_progress(path, state.workers, f"hashing {path}") if path else None
    created = registry.register_version(
        model, version_text, change=change_kind, variant=variant, manifest=manifest, force=force,
        reason=reason, description=description, status=status, metadata=metadata,
        metrics=metrics, derived_from=derived_from, relation=relation_kind,
        location=str(path.resolve()) if path else "", requirements=requirements)
    if as_json:
        emit_json(version_view(created))
        return
    digest = f" sha256:{created.digest}" if created.digest else ""
    out.print(f"Registered {created.ref}{digest}", highlight=False)
    if created.forced_reason:
        err.print(f"warning: versioning rule overridden: {created.forced_reason}", highlight=False)


@version.command("list")
@click.argument("model")
@json_option
@pass_state
def version_list(state: State, model: str, as_json: bool) -> None:
    """List the versions of MODEL, lowest first."""
    found = state.registry.list_versions(model)
    if as_json:
        emit_json([version_view(v) for v in found])
        return
    if not found:
        out.print(f"{model} has no versions yet. Register one with "
                  f"`steward version register {model} --change …`.", highlight=False)
        return
    lifecycle = state.registry.lifecycle
    aliases: dict[str, list[str]] = {}
    for assignment in lifecycle.aliases(model):
        aliases.setdefault(assignment.version, []).append(assignment.alias)
    table = Table("version", "stage", "aliases", "digest", "change", "registered", "by", "notes")
    for v in found:
        notes = [f"{o.gate.value} gate overridden" for o in lifecycle.overrides(v.ref)]
        if v.blocked_reason:
            notes.append(f"degraded: {v.blocked_reason}")
        table.add_row(str(v.id), v.stage.value, ", ".join(aliases.get(str(v.id), [])),
                      v.digest[:12], v.change.value if v.change else "",
                      v.registered_at.strftime("%Y-%m-%d %H:%M"), v.registered_by,
                      "; ".join(notes))
    out.print(table)


@version.command("show")
@click.argument("ref", metavar="MODEL@VERSION")
@click.option("--files", "with_files", is_flag=True, help="List every file and its digest.")
@click.option("--include-deleted", is_flag=True, help="Also show a deleted version (tombstone).")
@json_option
@pass_state
def version_show(state: State, ref: str, with_files: bool, include_deleted: bool,
                 as_json: bool) -> None:
    """Show one version with its provenance and lineage."""
    registry = state.registry
    found = registry.get_version(*split_ref(ref), include_deleted=include_deleted)
    if include_deleted and (registry.is_deleted(found.model)
                            or registry.is_deleted(found.model, str(found.id))):
        view = version_view(found, files=True)
        if as_json:
            emit_json({**view, "deleted": True})
        else:
            out.print(f"{found.ref} is DELETED (a tombstone kept for audit); digest "
                      f"{view['digest']}, stage {found.stage.value}.", highlight=False)
        return
    attestations = registry.attestations(ref)
    tree = registry.lineage(ref)
    lifecycle = registry.lifecycle
    overrides = lifecycle.overrides(ref)
    approvals = lifecycle.approvals(ref)
    aliases = [a.alias for a in lifecycle.aliases(found.model) if a.version == str(found.id)]
    advisories = registry.advisories.affecting(ref)
    if as_json:
        emit_json({**version_view(found, files=True), "attestations": attestations,
                   "advisories": [{"id": h.advisory.id, "level": h.advisory.level.value,
                                   "summary": h.advisory.summary, "matched_by": h.match.by,
                                   "inherited_from": h.inherited_from or None}
                                  for h in advisories],
                   "lineage": lineage_view(tree), "aliases": aliases,
                   "overrides": [override_view(o) for o in overrides],
                   "approvals": [approval_view(a) for a in approvals],
                   "evaluations": len(lifecycle.evaluations(ref))})
        return
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    view = version_view(found)
    for key in ("ref", "stage", "digest", "change", "forced_reason", "status", "description",
                "registered_at", "registered_by"):
        if view[key]:
            table.add_row(key.replace("_", " "), str(view[key]))
    if aliases:
        table.add_row("aliases", ", ".join(aliases))
    if found.blocked_reason:
        table.add_row("DEGRADED", found.blocked_reason)
    for hit in advisories:
        inherited = f" (inherited from {hit.inherited_from})" if hit.inherited_from else ""
        table.add_row("ADVISORY", f"{hit.advisory.id} ({hit.advisory.level.value}): "
                                  f"{hit.advisory.summary}{inherited}")
    for o in overrides:
        table.add_row("GATE OVERRIDDEN", f"{o.gate.value} by {o.actor} on {o.at:%Y-%m-%d}: "
                                         f"{o.reason}")
    for a in approvals:
        table.add_row("approved", f"{a.role} by {a.approver} on {a.approved_at:%Y-%m-%d} "
                                  f"(expires {a.expires_at:%Y-%m-%d}, next review "
                                  f"{a.next_review})")
    table.add_row("files", str(len(found.files)))
    for name, value in sorted(found.metrics.items()):
        table.add_row(f"metric {name}", str(value))
    for name, value in sorted(found.metadata.items()):
        table.add_row(name, str(value))
    for node in tree.ancestors:
        table.add_row("derived from",
                      f"{node.derivation.parent} ({node.derivation.relation.value})")
    table.add_row("attestations", str(len(attestations)) if attestations else "none")
    out.print(table)
    if with_files:
        files = Table("path", "sha256", "size")
        for f in found.files:
            files.add_row(f.path, f.sha256, str(f.size))
        out.print(files)


@version.command("attest")
@click.argument("ref", metavar="MODEL@VERSION")
@click.argument("statement", type=click.Path(path_type=Path))
@click.option("--metrics", "metrics_file", type=click.Path(path_type=Path),
              help="JSON file of training metrics (numbers or lists of numbers).")
@pass_state
def version_attest(state: State, ref: str, statement: Path, metrics_file: Path | None) -> None:
    """Attach a training attestation (in-toto Statement v1, SLSA Provenance v1) to a version."""
    document = read_json(statement)
    metrics = read_json(metrics_file) if metrics_file else None
    state.registry.attest(ref, document, metrics)
    out.print(f"Attached the training attestation to {ref}.", highlight=False)


@version.command("requirements")
@click.argument("ref", metavar="MODEL@VERSION")
@click.option("--file", "file", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="YAML or JSON: framework, framework_version, tokenizer, hardware, "
                   "serving_config_digest.")
@click.pass_context
def version_requirements(ctx: click.Context, ref: str, file: Path) -> None:
    """Record what a version was tested with (its card's compatibility notes; see
    `docs/cards.md`)."""
    from modelsteward.cli.cards import version_requirements as record

    ctx.forward(record)


@version.command("incident")
@click.argument("ref", metavar="MODEL@VERSION")
@click.option("--summary", default=None, help="What went wrong, in one line (at most 500 "
              "characters).")
@click.option("--severity", type=click.Choice(["low", "medium", "high", "critical"],
                                              case_sensitive=False),
              default=None, help="How bad it is.  [default: medium]")
@click.option("--started", metavar="DATE", default="",
              help="The day it started (YYYY-MM-DD; default: today).")
@click.option("--resolved", metavar="DATE", default="",
              help="The day it was resolved (YYYY-MM-DD): for an incident already over, or "
                   "with --resolve (default: today).")
@click.option("--link", metavar="URL", default="", help="Where its write-up is (http(s)).")
@click.option("--resolve", "incident", type=click.IntRange(min=1), metavar="ID", default=None,
              help="Resolve the open incident ID (the number the card shows) instead.")
@json_option
@pass_state
def version_incident(state: State, ref: str, summary: str | None, severity: str | None,
                     started: str, resolved: str, link: str, incident: int | None,
                     as_json: bool) -> None:
    """Record an incident found after release against a version (a known issue on its card,
    open until resolved), or resolve one with --resolve ID (see `docs/cards.md`)."""
    from modelsteward.cli.cards import version_incident as record

    record(state, ref, summary, severity, started, resolved, link, incident, as_json)


@click.command()
@click.argument("model")
@click.argument("pin")
@click.option("--candidates", is_flag=True,
              help="Also accept versions that have not reached the policy's eligibility "
                   "minimum stage yet (for staging environments); never rejected, retired, "
                   "degraded or rolled-back ones.")
@json_option
@pass_state
def resolve(state: State, model: str, pin: str, candidates: bool, as_json: bool) -> None:
    """Resolve PIN (2.1.3, ^2.1, ~2.1, 2.x, '>=2 <3', claude-sonnet-4-5-*) to a version.

    A non-strict pin gives only versions the policy calls eligible; an exact version is given
    as asked, with a warning when it is not eligible."""
    resolution = state.registry.resolution(model, pin, candidates=candidates)
    found = resolution.version
    if as_json:
        emit_json({**version_view(found), "pin": pin, "warning": resolution.warning or None,
                   "redirected_from": resolution.redirected_from or None,
                   "eligible": resolution.eligible,
                   "ineligible": resolution.ineligible or None,
                   "candidates": candidates})
    else:
        out.print(found.ref, highlight=False)
    warn_resolution(resolution)


def warn_resolution(resolution: Resolution) -> None:
    """Say on stderr what an application must know about a resolution: a redirect, a version
    that is not eligible, a deprecation warning."""
    found = resolution.version
    if resolution.redirected_from:
        err.print(f"warning: {resolution.redirected_from} is retired; redirected to {found.ref}",
                  highlight=False)
    if resolution.ineligible:
        err.print(f"WARNING: {found.ref} is not eligible for applications: "
                  f"{resolution.ineligible}.", highlight=False)
    if resolution.warning:
        err.print(f"warning: {resolution.warning}", highlight=False)


@click.command()
@click.argument("ref", metavar="MODEL[@VERSION]")
@json_option
@pass_state
def lineage(state: State, ref: str, as_json: bool) -> None:
    """Show what a version derives from and what derives from it."""
    tree = state.registry.lineage(ref)
    if as_json:
        emit_json(lineage_view(tree))
        return
    if not tree.ancestors and not tree.descendants:
        out.print(f"{ref} has no recorded lineage.", highlight=False)
        return
    table = Table("direction", "depth", "child", "relation", "parent")
    for node in tree.ancestors:
        d = node.derivation
        table.add_row("ancestor", str(node.depth), d.child, d.relation.value, d.parent)
    for node in tree.descendants:
        d = node.derivation
        table.add_row("descendant", str(node.depth), d.child, d.relation.value, d.parent)
    out.print(table)


@click.command()
@click.argument("targets", nargs=-1, metavar="MODEL@VERSION PATH | --lock FILE [MODEL=]PATH…")
@click.option("--lock", "lock_path", type=click.Path(path_type=Path), default=None,
              help="Check each PATH against this lock file instead of the registry.")
@json_option
@pass_state
def verify(state: State, targets: tuple[str, ...], lock_path: Path | None, as_json: bool) -> None:
    """Check the files at PATH against a registered version, or with --lock against a lock file
    (exit 1 on any difference)."""
    if lock_path is not None:
        from modelsteward.cli.locks import verify_lock
        verify_lock(state, lock_path, targets, as_json)
        return
    if len(targets) != 2:
        raise InvalidInput("Write steward verify MODEL@VERSION PATH, or steward verify --lock "
                           "models.lock [MODEL=]PATH….")
    ref, path = targets[0], Path(targets[1])
    registry = state.registry
    registry.get_version(*split_ref(ref))
    manifest = hash_with_progress(path, state.workers, f"hashing {path}")
    result = registry.compare(ref, manifest)
    if as_json:
        emit_json(verify_view(result))
    elif result.ok:
        out.print(f"{path} matches {ref} (sha256:{result.manifest.root_digest}).", highlight=False)
    else:
        out.print(f"{path} does NOT match {ref}:", highlight=False)
        for label, items in (("changed", result.diff.changed), ("missing", result.diff.missing),
                             ("extra", result.diff.extra)):
            for item in items:
                out.print(f"  {label:8} {item}", highlight=False)
    if not result.ok:
        raise click.exceptions.Exit(int(Exit.CHECK_FAILED))
