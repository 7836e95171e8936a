"""A version's facts as a Hugging Face model card (README.md with YAML front matter), built
with ``huggingface_hub``'s :class:`~huggingface_hub.ModelCardData` and
:class:`~huggingface_hub.EvalResult` so that the Hub's own reader reads it back.

Mapping (``docs/exports.md`` has the table):

* ``license``: the model's licence, lower-cased (the Hub's identifiers are lower-case SPDX ids);
* ``base_model``: each direct parent — an upstream ``pkg:huggingface/ORG/NAME@REV`` as the Hub
  id ``ORG/NAME``, any other package URL as itself, a registry parent as ``model@version``;
* ``base_model_relation``: the registry's relation when the Hub has it (``finetune``,
  ``adapter``, ``quantized``, ``merge``; several parents merged make ``merge``); ``distilled``
  and ``export`` have no Hub equivalent and are left out rather than mislabelled;
* ``new_version``: the replacement named by the version's own deprecation plan (a plan
  inherited from an ancestor names the ancestor's replacement, not this version's);
* ``model-index``: one result per evaluation metric — task ``other`` named by the suite, the
  suite as dataset, its digest as the dataset revision, the metric and its value;
* ``tags``: the model's tags.

``huggingface_hub`` is imported here only, when a card is rendered.
"""

from __future__ import annotations

from packageurl import PackageURL

from modelsteward.domain.lineage import Derivation, Relation
from modelsteward.exports.facts import CardFacts

__all__ = ["base_model_name", "hub_relation", "render"]

_HUB_RELATIONS: dict[Relation, str | None] = {
    Relation.FINETUNE: "finetune",
    Relation.ADAPTER: "adapter",
    Relation.QUANTIZED: "quantized",
    Relation.MERGE: "merge",
    Relation.DISTILLED: None,
    Relation.EXPORT: None,
}
SOURCE = "modelsteward"


def base_model_name(parent: str) -> str:
    """How the Hub names a parent: ``ORG/NAME`` for a Hugging Face package URL, the package URL
    for other upstream models, ``model@version`` for a registry version."""
    if parent.startswith("pkg:"):
        try:
            purl = PackageURL.from_string(parent)
        except ValueError:
            return parent
        if purl.type == "huggingface":
            return f"{purl.namespace}/{purl.name}" if purl.namespace else purl.name
    return parent


def hub_relation(parents: tuple[Derivation, ...]) -> str | None:
    """The Hub's ``base_model_relation`` for these parents, or ``None`` when it has none."""
    if not parents:
        return None
    return "merge" if len(parents) > 1 else _HUB_RELATIONS[parents[0].relation]


def _body(facts: CardFacts) -> str:
    model, version = facts.model, facts.version
    lines = [f"# {facts.ref}", ""]
    if model.description:
        lines += [model.description, ""]
    lines += [f"- Owner team: {model.owner_team or 'not recorded'}",
              f"- Risk tier: {model.risk_tier}",
              f"- Stage: {version.stage}"]
    if version.digest:
        lines.append(f"- Root digest (OpenSSF Model Signing, SHA-256): `{version.digest}`")
    until = facts.active_support_until
    if until is not None:
        lines.append(f"- Support: {model.support.describe()}; active support until {until}")
    for parent in facts.parents:
        lines.append(f"- Derived from {parent.parent} ({parent.relation})")
    if facts.plan is not None:
        plan = facts.plan
        via = f" (inherited from {facts.plan_via})" if facts.plan_via else ""
        lines.append(f"- **Deprecated**{via}: {plan.reason}; soft deadline {plan.soft_deadline},"
                     f" hard deadline {plan.hard_deadline}"
                     + (f"; replaced by {facts.replacement}" if facts.replacement else ""))
    for found in facts.advisories:
        advisory = found.advisory
        via = f" (inherited from {found.inherited_from})" if found.inherited_from else ""
        lines.append(f"- Advisory {advisory.id}{via}: {advisory.summary or 'no summary'}")
    for approval in facts.approvals:
        lines.append(f"- Approved by {approval.approver} ({approval.role}) on "
                     f"{approval.approved_at.date()}")
    lines += ["", f"_Exported by {SOURCE} at {facts.as_of.isoformat()}._", ""]
    return "\n".join(lines)


def render(facts: CardFacts) -> str:
    """The card's README.md text: deterministic for the same facts."""
    from huggingface_hub import EvalResult, ModelCard, ModelCardData

    results = [
        EvalResult(task_type="other", task_name=evaluation.suite,
                   dataset_type=evaluation.suite, dataset_name=evaluation.suite,
                   dataset_revision=evaluation.dataset_digest or None,
                   metric_type=metric, metric_name=metric, metric_value=value)
        for evaluation in facts.evaluations
        for metric, value in sorted(evaluation.metrics.items())
    ]
    extra: dict[str, str] = {}
    relation = hub_relation(facts.parents)
    if relation is not None:
        extra["base_model_relation"] = relation
    if facts.replacement and not facts.plan_via:  # an ancestor's replacement is not ours
        extra["new_version"] = base_model_name(facts.replacement)
    bases = [base_model_name(d.parent) for d in facts.parents]
    data = ModelCardData(
        model_name=facts.model.name,
        license=facts.model.license.lower() or None,
        base_model=(bases[0] if len(bases) == 1 else bases) or None,
        tags=list(facts.model.tags) or None,
        eval_results=results or None,
    )
    for key, value in extra.items():  # fields ModelCardData takes only as extra metadata
        data[key] = value
    card = ModelCard(f"---\n{data.to_yaml()}\n---\n\n{_body(facts)}")
    return str(card)
