"""A version's facts as a CycloneDX 1.6 ML-BOM (JSON).

``cyclonedx-python-lib`` cannot build a ``modelCard`` (its issue #912), so the document is
written as plain JSON here; the tests validate it with that library's strict 1.6 validator.

* one ``machine-learning-model`` component: name, version, package URL (also its
  ``bom-ref``), a SHA-256 hash of the root digest and one per registered file, the licence
  (an SPDX id when the licence is one, else a name), ``pedigree.ancestors`` from the lineage
  (nearest first, each with its relation as a property);
* its ``modelCard``: ``modelParameters.datasets`` (one per evaluation suite, its digest as a
  property), ``quantitativeAnalysis.performanceMetrics`` (one per evaluation metric, the suite
  as the slice) and ``considerations.useCases`` from the model's purpose — what the registry
  does not record (intended use, limitations, ethics) is left out, not invented;
* ``modelsteward:…`` properties for the stage, risk tier, support window, deprecation plan and
  approvals;
* one ``vulnerabilities`` entry per advisory affecting the version (inherited ones say from
  which ancestor).

Deterministic: the serial number is a UUID derived from the content, the timestamp is
``as_of``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable

from modelsteward.domain.lineage import LineageNode
from modelsteward.exports.facts import CardFacts, purl_of

__all__ = ["render"]

SCHEMA = "http://cyclonedx.org/schema/bom-1.6.schema.json"
_PREFIX = "modelsteward"
_SEVERITY = {"unknown": "unknown", "low": "low", "medium": "medium", "high": "high",
             "critical": "critical"}

Json = dict[str, object]


def _prop(name: str, value: object) -> Json:
    return {"name": f"{_PREFIX}:{name}", "value": str(value)}


def _licence(text: str) -> list[Json]:
    if not text:
        return []
    from cyclonedx.spdx import fixup_id

    spdx = fixup_id(text)
    return [{"license": {"id": spdx} if spdx else {"name": text}}]


def _ancestor(node: LineageNode) -> Json:
    parent = node.derivation.parent
    name, _, version = parent.partition("@")
    component: Json = {"type": "machine-learning-model", "bom-ref": f"ancestor:{parent}",
                       "name": name, "purl": purl_of(parent)}
    if version and not parent.startswith("pkg:"):
        component["version"] = version
    component["properties"] = [_prop("relation", node.derivation.relation),
                               _prop("child", node.derivation.child),
                               _prop("depth", node.depth)]
    return component


def _model_card(facts: CardFacts) -> Json:
    card: Json = {"bom-ref": f"model-card:{facts.ref}"}
    datasets = [{"type": "dataset", "name": e.suite,
                 "contents": {"properties": [_prop("dataset-digest", e.dataset_digest)]}}
                for e in facts.evaluations if e.dataset_digest]
    if datasets:
        card["modelParameters"] = {"datasets": datasets}
    metrics = [{"type": metric, "value": repr(float(value)), "slice": e.suite}
               for e in facts.evaluations for metric, value in sorted(e.metrics.items())]
    if metrics:
        card["quantitativeAnalysis"] = {"performanceMetrics": metrics}
    if facts.model.purpose:
        card["considerations"] = {"useCases": [facts.model.purpose]}
    return card


def _properties(facts: CardFacts) -> list[Json]:
    model = facts.model
    props = [_prop("stage", facts.version.stage), _prop("risk-tier", model.risk_tier)]
    if model.owner_team:
        props.append(_prop("owner-team", model.owner_team))
    until = facts.active_support_until
    if until is not None:
        props += [_prop("support:policy", model.support.describe()),
                  _prop("support:active-until", until)]
    if facts.plan is not None:
        plan = facts.plan
        props += [_prop("deprecation:plan", plan.id), _prop("deprecation:reason", plan.reason),
                  _prop("deprecation:announced", plan.announced),
                  _prop("deprecation:soft-deadline", plan.soft_deadline),
                  _prop("deprecation:hard-deadline", plan.hard_deadline)]
        if facts.plan_via:
            props.append(_prop("deprecation:inherited-from", facts.plan_via))
        if facts.replacement:
            props.append(_prop("deprecation:replacement", facts.replacement))
    for approval in facts.approvals:
        props.append(_prop("approval", f"{approval.role} by {approval.approver} at "
                                       f"{approval.approved_at.isoformat()}"))
    return props


def _component(facts: CardFacts) -> Json:
    version = facts.version
    hashes = [{"alg": "SHA-256", "content": version.digest}] if version.digest else []
    component: Json = {"type": "machine-learning-model", "bom-ref": facts.purl,
                       "name": facts.model.name, "version": str(version.id),
                       "purl": facts.purl}
    if facts.model.description:
        component["description"] = facts.model.description
    if hashes:
        component["hashes"] = hashes
    licences = _licence(facts.model.license)
    if licences:
        component["licenses"] = licences
    if facts.ancestors:
        # a diamond in the lineage reaches an ancestor twice: one component each (bom-refs are
        # unique), the nearest derivation kept
        nearest = {n.derivation.parent: n for n in reversed(facts.ancestors)}
        component["pedigree"] = {"ancestors": [_ancestor(n) for n in facts.ancestors
                                               if nearest[n.derivation.parent] is n]}
    component["modelCard"] = _model_card(facts)
    component["properties"] = _properties(facts)
    return component


def _vulnerabilities(facts: CardFacts) -> Iterable[Json]:
    source = {"name": _PREFIX}
    seen: set[str] = set()
    for found in facts.advisories:
        advisory = found.advisory
        if advisory.id in seen:  # matched twice (own and inherited): the first says it
            continue
        seen.add(advisory.id)
        entry: Json = {"bom-ref": f"vulnerability:{advisory.id}", "id": advisory.id,
                       "source": source,
                       "ratings": [{"source": source,
                                    "severity": _SEVERITY[str(advisory.level)]}]}
        if advisory.summary:
            entry["description"] = advisory.summary
        if advisory.details:
            entry["detail"] = advisory.details
        if advisory.published is not None:
            entry["published"] = advisory.published.isoformat()
        entry["updated"] = advisory.modified.isoformat()
        entry["affects"] = [{"ref": facts.purl}]
        if found.inherited_from:
            entry["properties"] = [_prop("inherited-from", found.inherited_from)]
        yield entry


def render(facts: CardFacts) -> str:
    """The ML-BOM as JSON text (two-space indent, one trailing newline); the same facts give the
    same bytes."""
    body: Json = {
        "metadata": {
            "timestamp": facts.as_of.isoformat(),
            "tools": {"components": [{"type": "application", "name": _PREFIX}]},
        },
        "components": [_component(facts)],
    }
    vulnerabilities = list(_vulnerabilities(facts))
    if vulnerabilities:
        body["vulnerabilities"] = vulnerabilities
    content = json.dumps(body, sort_keys=True)
    serial = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:modelsteward:mlbom:{content}")
    document: Json = {"$schema": SCHEMA, "bomFormat": "CycloneDX", "specVersion": "1.6",
                      "serialNumber": serial.urn, "version": 1, **body}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
