"""A lineage walk's step that reads a whole generation at once and keeps what it read, for
walks over many roots in one read transaction."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from modelsteward.domain.lineage import Derivation


class Generations:
    """``step`` of :func:`~modelsteward.domain.lineage.walk_lineage_many`: the derivations of
    each ref asked, read through ``read_many`` (``parents_of`` or ``children_of`` of a
    transaction) for those not read before, in one call for all of them."""

    def __init__(self, read_many: Callable[[Collection[str]], dict[str, list[Derivation]]]
                 ) -> None:
        self._read = read_many
        self._known: dict[str, list[Derivation]] = {}

    def __call__(self, refs: Sequence[str]) -> dict[str, list[Derivation]]:
        missing = [ref for ref in dict.fromkeys(refs) if ref not in self._known]
        if missing:
            self._known.update(self._read(missing))
        return {ref: self._known[ref] for ref in refs}
