"""The audit as a CycloneDX 1.6 BOM (JSON), built with cyclonedx-python-lib.

* ``metadata.component`` is the application; ``metadata.tools`` names modelsteward;
  ``metadata.properties`` carry the source, the fail policy and the verdict.
* One component per audited model: type ``machine-learning-model``, name, version, purl,
  ``bom-ref`` = the purl (``name@version`` when the model has none), a SHA-256 hash of the root
  digest when there is one, and ``modelsteward:…`` properties for the pin, for an entry locked
  with candidates (``modelsteward:candidates = true``) and for every finding that is not an
  advisory (deprecation with phase, dates and replacement; retirement; a version that is not
  eligible, with its severity; gate override; digest mismatch; not in registry; expired
  ignore). The application depends on every
  model.
* One vulnerability per advisory id — split in two when an ignore covers it for some models
  only, because CycloneDX's ``analysis`` belongs to the vulnerability, not to each target. Source
  ``modelsteward``, a rating with the severity, the title as description, the detail, the fix as
  recommendation, the affected models' bom-refs, aliases as references, URLs as advisories, and
  for ignored ones ``analysis.state = not_affected`` with the ignore's reason as its detail
  (``docs/audit.md`` explains the choice).

Same report and extras, same bytes: without ``serial_number`` the serial is a UUID derived from
the report's content, and without ``timestamp`` none is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from cyclonedx.exception.model import InvalidUriException
from cyclonedx.model import HashAlgorithm, HashType, Property, XsUri
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.impact_analysis import ImpactAnalysisState
from cyclonedx.model.vulnerability import (
    BomTarget,
    Vulnerability,
    VulnerabilityAdvisory,
    VulnerabilityAnalysis,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from modelsteward.domain.audit import AuditedModel, AuditReport, Finding, FindingKind
from modelsteward.domain.severity import Level
from modelsteward.reports import json_report, sections, what

__all__ = ["PROPERTY_PREFIX", "render"]

PROPERTY_PREFIX = "modelsteward"
_SOURCE = "modelsteward"

_SEVERITY = {
    Level.UNKNOWN: VulnerabilitySeverity.UNKNOWN,
    Level.LOW: VulnerabilitySeverity.LOW,
    Level.MEDIUM: VulnerabilitySeverity.MEDIUM,
    Level.HIGH: VulnerabilitySeverity.HIGH,
    Level.CRITICAL: VulnerabilitySeverity.CRITICAL,
}

# Who publishes the well-known alias families; anything else is named by its prefix.
_ALIAS_SOURCES = {"CVE": "NVD", "GHSA": "GitHub Advisory Database",
                  "PYSEC": "PyPI Advisory Database", "OSV": "OSV", "AVID": "AVID"}


def _prop(name: str, value: str) -> Property:
    return Property(name=f"{PROPERTY_PREFIX}:{name}", value=value)


def _bom_ref(model: AuditedModel) -> str:
    return model.purl or model.ref


def _purl(text: str) -> PackageURL | None:
    try:
        return PackageURL.from_string(text) if text else None
    except ValueError:
        return None  # still usable as a bom-ref; the component just has no purl field


def _finding_properties(finding: Finding) -> list[Property]:
    """What a non-advisory finding says, as ``modelsteward:<kind>`` properties."""
    summary = f"{finding.id}: {what(finding)}"
    if finding.ignored:
        summary += f" (ignored: {finding.ignored_reason})"
    properties = [_prop(str(finding.kind), summary)]
    if finding.kind is FindingKind.DEPRECATION:
        if finding.phase is not None:
            properties.append(_prop("deprecation:phase", str(finding.phase)))
        if finding.replacement:
            properties.append(_prop("deprecation:replacement", finding.replacement))
        for key, value in sorted(finding.dates.items()):
            properties.append(_prop(f"deprecation:{key.replace('_', '-')}", value))
    if finding.kind is FindingKind.INELIGIBLE and finding.level is not None:
        properties.append(_prop(f"{finding.kind}:severity", str(finding.level)))
    return properties


def _component(model: AuditedModel, findings: Iterable[Finding]) -> Component:
    properties = [_prop("pin", model.pin)] if model.pin else []
    if model.candidates:
        properties.append(_prop("candidates", "true"))
    for finding in findings:
        if finding.kind is not FindingKind.ADVISORY:
            properties += _finding_properties(finding)
    hashes = ([HashType(alg=HashAlgorithm.SHA_256, content=model.root_digest)]
              if model.root_digest else [])
    return Component(type=ComponentType.MACHINE_LEARNING_MODEL, name=model.name,
                     version=model.version or None, purl=_purl(model.purl),
                     bom_ref=_bom_ref(model), hashes=hashes, properties=properties)


def _alias_reference(alias: str) -> VulnerabilityReference:
    prefix = alias.split("-", 1)[0]
    return VulnerabilityReference(
        id=alias, source=VulnerabilitySource(name=_ALIAS_SOURCES.get(prefix.upper(), prefix)))


def _vulnerability(bom_ref: str, findings: list[Finding], refs: dict[str, str]) -> Vulnerability:
    first = findings[0]
    fixes = sorted({f.fix for f in findings if f.fix})
    recommendation = (fixes[0] if len(fixes) == 1 else
                      "; ".join(f"{f.ref}: {f.fix}" for f in findings if f.fix) or None)
    advisories: list[VulnerabilityAdvisory] = []
    properties: list[Property] = []
    for url in dict.fromkeys(u for f in findings for u in f.references):
        try:
            advisories.append(VulnerabilityAdvisory(url=XsUri(url)))
        except InvalidUriException:
            properties.append(_prop("reference", url))
    for f in findings:
        if f.inherited_from:
            properties.append(_prop("inherited-from", f"{f.ref} from {f.inherited_from}"))
        properties += [_prop("fixed-in", version) for version in f.fixed_in]
        properties += [_prop("atlas", technique) for technique in f.atlas]
        properties += [_prop("avid", category) for category in f.avid]
    analysis = (VulnerabilityAnalysis(state=ImpactAnalysisState.NOT_AFFECTED,
                                      detail=first.ignored_reason)
                if first.ignored else None)
    source = VulnerabilitySource(name=_SOURCE)
    return Vulnerability(
        bom_ref=bom_ref, id=first.id, source=source,
        references=[_alias_reference(a) for a in sorted({a for f in findings for a in f.aliases})],
        ratings=[VulnerabilityRating(source=source,
                                     severity=_SEVERITY[first.level or Level.UNKNOWN])],
        description=first.title, detail=first.detail or None, recommendation=recommendation,
        advisories=advisories, analysis=analysis,
        affects=[BomTarget(ref=refs[f.model]) for f in findings],
        properties=properties,
    )


def _serial(report: AuditReport) -> UUID:
    """A serial number that changes exactly when the report's content does."""
    return uuid.uuid5(uuid.NAMESPACE_URL,
                      f"urn:modelsteward:audit:{json_report.render(report)}")


def render(report: AuditReport, *, serial_number: UUID | None = None,
           timestamp: datetime | None = None) -> str:
    """The report as CycloneDX 1.6 JSON (one trailing newline); deterministic for the same
    report, serial number and timestamp."""
    metadata = BomMetaData(
        component=Component(type=ComponentType.APPLICATION, name=report.application,
                            bom_ref=f"application:{report.application}"),
        properties=[_prop("source", report.source), _prop("fail-on", str(report.fail_on)),
                    _prop("passed", "true" if report.passed else "false")],
    )
    # The library stamps "now" unless told otherwise. CycloneDX makes the timestamp optional and
    # the serialiser omits None, but the setter is typed as datetime only.
    metadata.timestamp = timestamp  # type: ignore[assignment]
    metadata.tools.components.add(Component(type=ComponentType.APPLICATION, name=_SOURCE))
    bom = Bom(serial_number=serial_number or _serial(report), metadata=metadata)

    refs: dict[str, str] = {}
    advisories: dict[tuple[str, str], list[Finding]] = {}
    for section in sections(report):
        component = _component(section.model, section.findings)
        refs[section.model.name] = _bom_ref(section.model)
        bom.components.add(component)
        for finding in section.findings:
            if finding.kind is FindingKind.ADVISORY:
                advisories.setdefault((finding.id, finding.ignored_reason), []).append(finding)
    assert metadata.component is not None
    bom.register_dependency(metadata.component, bom.components)

    ids = [advisory_id for advisory_id, _ in advisories]
    ignored_groups: dict[str, int] = {}
    for (advisory_id, reason), findings in sorted(advisories.items()):
        bom_ref = advisory_id
        if reason and ids.count(advisory_id) > 1:
            ignored_groups[advisory_id] = ignored_groups.get(advisory_id, 0) + 1
            bom_ref = f"{advisory_id}#ignored-{ignored_groups[advisory_id]}"
        bom.vulnerabilities.add(_vulnerability(bom_ref, findings, refs))
    return JsonV1Dot6(bom).output_as_string(indent=2) + "\n"
