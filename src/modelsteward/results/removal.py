"""What taking a model or version out of use did: a deletion's pin changes, a retirement's
archive and report."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from modelsteward.domain.consumers import ConsumerPin


@dataclass(frozen=True)
class PinChange:
    consumer: str
    team: str
    before: ConsumerPin
    after: ConsumerPin | None  # None: the pin is cleared


@dataclass(frozen=True)
class PinKept:
    """A pin that gave the deleted version and, without it, still resolves: kept as it is."""

    consumer: str
    team: str
    pin: ConsumerPin
    resolves_to: str  # the version it resolves to once the deleted one is gone


@dataclass(frozen=True)
class DeletionReport:
    """What a deletion changes: the pins moved to the replacement or cleared, the pins kept
    because they still resolve without the deleted version (only without a replacement: with
    one, every pin that gave the version moves), and the aliases removed."""

    target: str
    replacement: str
    changes: tuple[PinChange, ...]
    aliases_removed: tuple[str, ...]
    dry_run: bool
    unchanged: tuple[PinKept, ...] = ()

    @property
    def by_team(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for change in self.changes:
            counts[change.team] += 1
        return dict(sorted(counts.items()))


@dataclass(frozen=True)
class RetirementResult:
    ref: str
    archive: str
    report_markdown: str
    report_json: str
