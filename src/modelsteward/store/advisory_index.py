"""What an advisory is indexed by, in every store: the packages and digests it names."""

from __future__ import annotations

from modelsteward.domain.advisory import Advisory
from modelsteward.domain.osv_match import package_key


def advisory_keys(advisory: Advisory) -> tuple[set[tuple[str, str]], set[str]]:
    """The (ecosystem, name) packages and the digests ``advisory`` names. A GIT range is keyed
    by its repository URL under the ``GIT`` ecosystem."""
    packages: set[tuple[str, str]] = set()
    digests: set[str] = set()
    for affected in advisory.affected:
        if affected.name:
            packages.add(package_key(affected.ecosystem, affected.name))
        packages.update(package_key("GIT", r.repo) for r in affected.ranges
                        if r.type == "GIT" and r.repo)
        digests.update(affected.digests)
    return packages, digests
