"""What a version's exports know: :class:`CardFacts`, one value gathered from the registry's
records, from which every standard export (Hugging Face card, CycloneDX ML-BOM, SPDX AI) is
rendered without further reads.

Pure: no I/O and no clock; ``as_of`` is the moment the facts were read, passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from modelsteward.domain.deprecation import DeprecationPlan
from modelsteward.domain.lifecycle import Approval, Evaluation
from modelsteward.domain.lineage import Derivation, LineageNode, model_purl
from modelsteward.domain.model import Model, Version
from modelsteward.domain.support import add_months
from modelsteward.results.advisories import Found

__all__ = ["CardFacts", "purl_of"]


def purl_of(ref: str) -> str:
    """The package URL of a lineage node: a registry ``model@version`` as
    ``pkg:generic/modelsteward/…``, an upstream package URL as itself."""
    if ref.startswith("pkg:"):
        return ref
    model, _, version = ref.partition("@")
    return model_purl(model, version)


@dataclass(frozen=True)
class CardFacts:
    """Everything the registry records about one version that a standard card can carry.

    ``parents`` are the direct derivations (what ``base_model`` names), ``ancestors`` every
    derivation up the lineage (nearest first, for CycloneDX's pedigree); ``plan`` is the
    deprecation plan covering the version (its own, else an inherited one, then ``plan_via``
    names the ancestor), and ``replacement`` the version that plan's replacement resolves to
    (or the plan's ``MODEL@PIN`` when it resolves to nothing).
    """

    model: Model
    version: Version
    as_of: datetime
    parents: tuple[Derivation, ...] = ()
    ancestors: tuple[LineageNode, ...] = ()
    evaluations: tuple[Evaluation, ...] = ()
    approvals: tuple[Approval, ...] = ()
    advisories: tuple[Found, ...] = ()
    plan: DeprecationPlan | None = None
    plan_via: str = ""
    replacement: str = ""

    @property
    def ref(self) -> str:
        return self.version.ref

    @property
    def purl(self) -> str:
        return model_purl(self.model.name, str(self.version.id))

    @property
    def released(self) -> date:
        """The day the version was registered (the start of its support window)."""
        return self.version.registered_at.astimezone(UTC).date()

    @property
    def active_support_until(self) -> date | None:
        """The end of active support under the model's policy, or ``None`` when the model
        declares no support window."""
        months = self.model.support.active_months
        return None if months is None else add_months(self.released, months)

    def in_active_support(self) -> bool | None:
        """Whether ``as_of`` falls inside the active support window (``None``: no window)."""
        until = self.active_support_until
        return None if until is None else self.as_of.astimezone(UTC).date() < until
