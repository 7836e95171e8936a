"""Plain data views of domain values, for ``--json`` output and tables, and the one way text
from the registry or a user's file reaches a terminal: :func:`terminal_safe`, applied to every
string a :class:`SafeConsole` prints and, as :func:`json_safe`, to ``--json`` output."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from rich.console import Console
from rich.style import Style
from rich.text import Text

if TYPE_CHECKING:  # the views only read these: the domain stays unimported for `--help`
    from modelsteward.domain.events import Event
    from modelsteward.domain.lifecycle import Approval, GateOverride
    from modelsteward.domain.lineage import LineageNode
    from modelsteward.domain.model import Model, Version
    from modelsteward.results import Lineage, VerifyResult

# C0 controls but tab and newline (ESC starts the ANSI sequences that recolour, move the cursor
# or retitle a terminal; CR overwrites a line), DEL, C1 controls (CSI), the bidi controls that
# reorder what follows (Trojan Source) and unpaired surrogates (not characters: unprintable)
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                     "\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """``text`` with every character that could act on a terminal instead of being shown
    written as an escape (``\\x1b``, ``\\u202e``): control characters but newline and tab,
    bidi controls, unpaired surrogates. Everything else, including non-Latin scripts and emoji,
    is kept."""
    return _UNSAFE.sub(_escape, text)


# in JSON text (where C0 controls are escaped already): the characters a terminal would act on,
# written as \u escapes instead, which JSON reads back as the same characters
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                             "\ud800-\udfff]")


def json_safe(text: str) -> str:
    """JSON ``text`` with DEL, C1 and bidi controls and unpaired surrogates inside its strings
    written as ``\\uXXXX`` escapes: the same JSON data, safe to print on a terminal."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class SafeConsole(Console):
    """A console on which every string printed, table cells included, passes
    :func:`terminal_safe`; create it with ``markup=False`` (and ``emoji=False``) so that text
    from the registry is shown as written. Styles are given as :class:`Text` spans or
    ``style=`` arguments, never as markup."""

    def render_str(
        self, text: str, *, style: str | Style = "",
        justify: Literal["default", "left", "center", "right", "full"] | None = None,
        overflow: Literal["fold", "crop", "ellipsis", "ignore"] | None = None,
        emoji: bool | None = None, markup: bool | None = None, highlight: bool | None = None,
        highlighter: Callable[[str | Text], Text] | None = None,
    ) -> Text:
        return super().render_str(terminal_safe(text), style=style, justify=justify,
                                  overflow=overflow, emoji=emoji, markup=markup,
                                  highlight=highlight, highlighter=highlighter)


def model_view(model: Model) -> dict[str, object]:
    return {
        "name": model.name, "kind": model.kind.value, "versioning": str(model.versioning),
        "description": model.description,
        "purpose": model.purpose,
        "owner": {"team": model.owner_team, "contact": model.owner_contact},
        "provider": model.provider or None, "provider_model": model.provider_model or None,
        "risk_tier": model.risk_tier.value, "license": model.license or None,
        "tags": list(model.tags),
        "support_policy": {"active_months": model.support.active_months,
                           "afterwards": model.support.afterwards or None},
        "extra": dict(model.extra),
    }


def version_view(version: Version, *, files: bool = False) -> dict[str, object]:
    view: dict[str, object] = {
        "model": version.model, "version": str(version.id), "ref": version.ref,
        "digest": f"sha256:{version.digest}" if version.digest else None,
        "registered_at": version.registered_at.isoformat().replace("+00:00", "Z"),
        "registered_by": version.registered_by,
        "change": version.change.value if version.change else None,
        "forced_reason": version.forced_reason or None, "description": version.description,
        "status": version.status or None, "metadata": dict(version.metadata),
        "metrics": dict(version.metrics), "stage": version.stage.value,
        "blocked_reason": version.blocked_reason or None,
    }
    if files:
        view["files"] = [{"path": f.path, "sha256": f.sha256, "size": f.size}
                         for f in version.files]
    return view


def event_view(event: Event) -> dict[str, object]:
    return {"seq": event.seq, "time": event.time, "actor": event.actor, "kind": event.kind,
            "subject": event.subject, "payload": event.payload, "prev_hash": event.prev_hash,
            "hash": event.hash}


def lineage_view(lineage: Lineage) -> dict[str, object]:
    def nodes(items: tuple[LineageNode, ...]) -> list[dict[str, object]]:
        return [{"depth": n.depth, "child": n.derivation.child, "parent": n.derivation.parent,
                 "relation": n.derivation.relation.value} for n in items]
    return {"ref": lineage.ref, "ancestors": nodes(lineage.ancestors),
            "descendants": nodes(lineage.descendants)}


def verify_view(result: VerifyResult) -> dict[str, object]:
    return {
        "ref": result.version.ref, "ok": result.ok,
        "expected_digest": f"sha256:{result.version.digest}",
        "actual_digest": f"sha256:{result.manifest.root_digest}",
        "changed": list(result.diff.changed), "missing": list(result.diff.missing),
        "extra": list(result.diff.extra),
    }


def override_view(o: GateOverride) -> dict[str, object]:
    return {"gate": o.gate.value, "reason": o.reason, "by": o.actor,
            "at": o.at.isoformat().replace("+00:00", "Z")}


def approval_view(a: Approval) -> dict[str, object]:
    return {"approver": a.approver, "role": a.role, "evidence": a.evidence,
            "risks_accepted": a.risks_accepted, "monitoring_plan": a.monitoring_plan,
            "rollback_plan": a.rollback_plan, "next_review": a.next_review.isoformat(),
            "approved_at": a.approved_at.isoformat().replace("+00:00", "Z"),
            "expires_at": a.expires_at.isoformat().replace("+00:00", "Z"),
            "replaces": a.replaces or None}
