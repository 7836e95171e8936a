"""A version's facts as an SPDX 3.0.1 document with the AI profile (JSON-LD).

Written as plain JSON (no runtime dependency); the tests read it back with
``spdx-python-model`` (the SPDX project's generated 3.0.1 bindings), which refuses unknown
properties, wrong types and values outside the vocabularies, and writes it again, which
checks every required property.

* one ``ai_AIPackage``: name, version, package URL, the root digest as a SHA-256
  ``verifiedUsing`` hash, ``releaseTime`` (registration), ``supportLevel`` and
  ``validUntilTime`` from the model's support window (``support`` until the end of active
  support, then ``limitedSupport`` when the policy says what follows, else ``endOfSupport``;
  ``noAssertion`` without a window), ``endOfSupport`` for a retired version or one past its
  deprecation plan's hard deadline, and the evaluation metrics as ``ai_metric`` entries
  (``suite/metric``); the purpose as ``ai_informationAboutApplication``;
* the licence as a ``hasDeclaredLicense`` relationship to a licence expression;
* each direct parent as a package, related by ``ancestorOf`` (its registry relation in the
  relationship's comment);
* each advisory as a ``security_Vulnerability`` that ``affects`` the package.

Deterministic: ``created`` is ``as_of`` and element ids derive from the version's ref.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from urllib.parse import quote

from modelsteward.domain.lifecycle import Stage
from modelsteward.exports.facts import CardFacts, purl_of
from modelsteward.exports.huggingface import SOURCE

__all__ = ["CONTEXT", "render", "support_level"]

CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
_CREATION = "_:creationinfo"

Json = dict[str, object]


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _midnight(day: date) -> str:
    return _stamp(datetime.combine(day, time(0), tzinfo=UTC))


def support_level(facts: CardFacts) -> str:
    """The SPDX ``SupportType`` of the version at ``facts.as_of``."""
    today = facts.as_of.astimezone(UTC).date()
    if facts.version.stage is Stage.RETIRED or (
            facts.plan is not None and today >= facts.plan.hard_deadline):
        return "endOfSupport"
    active = facts.in_active_support()
    if active is None:
        return "noAssertion"
    if active:
        return "support"
    return "limitedSupport" if facts.model.support.afterwards else "endOfSupport"


def render(facts: CardFacts) -> str:
    """The SPDX document as JSON-LD text (one trailing newline); the same facts give the same
    bytes."""
    base = f"urn:modelsteward:spdx:{quote(facts.ref, safe='@')}"
    package_id = f"{base}#package"
    tool_id = f"{base}#tool"
    graph: list[Json] = [
        {"type": "CreationInfo", "@id": _CREATION, "specVersion": "3.0.1",
         "created": _stamp(facts.as_of), "createdBy": [tool_id]},
        {"type": "SoftwareAgent", "spdxId": tool_id, "name": SOURCE,
         "creationInfo": _CREATION},
    ]
    version = facts.version
    package: Json = {"type": "ai_AIPackage", "spdxId": package_id, "creationInfo": _CREATION,
                     "name": facts.model.name, "software_packageVersion": str(version.id),
                     "software_packageUrl": facts.purl,
                     "software_primaryPurpose": "model",
                     "releaseTime": _stamp(version.registered_at),
                     "supportLevel": [support_level(facts)]}
    if facts.model.description:
        package["description"] = facts.model.description
    if facts.model.purpose:
        package["ai_informationAboutApplication"] = facts.model.purpose
    until = facts.active_support_until
    if until is not None:
        package["validUntilTime"] = _midnight(until)
    if version.digest:
        package["verifiedUsing"] = [{"type": "Hash", "algorithm": "sha256",
                                     "hashValue": version.digest}]
    metrics = [{"type": "DictionaryEntry", "key": f"{e.suite}/{metric}", "value": repr(value)}
               for e in facts.evaluations for metric, value in sorted(e.metrics.items())]
    if metrics:
        package["ai_metric"] = metrics
    graph.append(package)
    elements = [tool_id, package_id]
    relationships: list[Json] = []

    def relate(kind: str, source: str, targets: list[str], comment: str = "") -> None:
        relationship: Json = {"type": "Relationship",
                              "spdxId": f"{base}#relationship-{len(relationships) + 1}",
                              "creationInfo": _CREATION, "from": source,
                              "relationshipType": kind, "to": targets}
        if comment:
            relationship["comment"] = comment
        relationships.append(relationship)

    if facts.model.license:
        licence_id = f"{base}#license"
        graph.append({"type": "simplelicensing_LicenseExpression", "spdxId": licence_id,
                      "creationInfo": _CREATION,
                      "simplelicensing_licenseExpression": facts.model.license})
        elements.append(licence_id)
        relate("hasDeclaredLicense", package_id, [licence_id])
    for index, parent in enumerate(facts.parents, 1):
        parent_id = f"{base}#parent-{index}"
        name, _, number = parent.parent.partition("@")
        node: Json = {"type": "ai_AIPackage", "spdxId": parent_id, "creationInfo": _CREATION,
                      "name": name, "software_packageUrl": purl_of(parent.parent)}
        if number and not parent.parent.startswith("pkg:"):
            node["software_packageVersion"] = number
        graph.append(node)
        elements.append(parent_id)
        relate("ancestorOf", parent_id, [package_id], f"relation: {parent.relation}")
    seen: set[str] = set()
    for found in facts.advisories:
        advisory = found.advisory
        if advisory.id in seen:  # matched twice (own and inherited): the first says it
            continue
        seen.add(advisory.id)
        vulnerability_id = f"{base}#vulnerability-{quote(advisory.id)}"
        node = {"type": "security_Vulnerability", "spdxId": vulnerability_id,
                "creationInfo": _CREATION, "name": advisory.id,
                "security_modifiedTime": _stamp(advisory.modified)}
        if advisory.summary:
            node["summary"] = advisory.summary
        if advisory.published is not None:
            node["security_publishedTime"] = _stamp(advisory.published)
        graph.append(node)
        elements.append(vulnerability_id)
        comment = f"inherited from {found.inherited_from}" if found.inherited_from else ""
        relate("affects", vulnerability_id, [package_id], comment)
    graph.extend(relationships)
    elements += [str(r["spdxId"]) for r in relationships]
    graph.append({"type": "SpdxDocument", "spdxId": f"{base}#document",
                  "creationInfo": _CREATION, "name": f"{facts.ref} (AI BOM)",
                  "profileConformance": ["core", "software", "ai", "security",
                                         "simpleLicensing"],
                  "rootElement": [package_id], "element": elements})
    return json.dumps({"@context": CONTEXT, "@graph": graph}, indent=2,
                      ensure_ascii=False) + "\n"
