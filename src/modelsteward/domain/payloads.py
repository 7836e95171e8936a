"""What the events of a model's or a version's registration record about it.

The event payloads are the registry's history: a state rebuilt from the events (``domain/state.py``)
reads these keys back, so they change only with a new event kind.
"""

from __future__ import annotations

from modelsteward.domain.model import Model, Version


def model_payload(model: Model) -> dict[str, object]:
    return {
        "kind": model.kind.value, "versioning": str(model.versioning),
        "description": model.description, "purpose": model.purpose,
        "owner_team": model.owner_team, "owner_contact": model.owner_contact,
        "provider": model.provider, "provider_model": model.provider_model,
        "risk_tier": model.risk_tier.value, "license": model.license, "tags": list(model.tags),
        "support_months": model.support.active_months, "support_after": model.support.afterwards,
        "extra": dict(model.extra),
    }


def version_payload(version: Version) -> dict[str, object]:
    return {
        "version": str(version.id), "digest": version.digest, "files": len(version.files),
        "change": version.change.value if version.change else None,
        "forced_reason": version.forced_reason, "status": version.status,
        "metrics": dict(version.metrics), "metadata": dict(version.metadata),
    }
