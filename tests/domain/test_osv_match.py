"""Matching advisories to model versions and upstream commits: the OSV evaluation algorithm,
variants, digests, GIT commits, snapshot ids, and an index that agrees with it."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelsteward.domain.advisory import (
    ECOSYSTEM,
    Advisory,
    Affected,
    AffectedRange,
    EventKind,
    RangeEvent,
)
from modelsteward.domain.lineage import model_purl
from modelsteward.domain.osv_match import (
    AdvisoryIndex,
    Match,
    Subject,
    affects,
    fixed_versions,
    subject_from_purl,
)

from .strategies import FAST

NOW = datetime(2026, 1, 1, tzinfo=UTC)
C1, C2, C3, C4 = ("1" * 40, "2" * 40, "3" * 40, "4" * 40)
D1, D2, D3 = (f"sha256:{c * 64}" for c in "abc")
REPO = "https://huggingface.co/acme/base-7b"


def rng(kind: str, *events: tuple[str, str], repo: str = "") -> AffectedRange:
    return AffectedRange(kind, tuple(RangeEvent(EventKind(k), v) for k, v in events), repo)


def advisory(*entries: Affected, ident: str = "x_MSA-2026-0001",
             withdrawn: datetime | None = None) -> Advisory:
    return Advisory(ident, NOW, affected=entries, withdrawn=withdrawn)


def model(*ranges: AffectedRange, name: str = "bot", **fields: object) -> Affected:
    return Affected(ECOSYSTEM, name, ranges=ranges, **fields)  # type: ignore[arg-type]


def hit(entry: Affected, version: str, **subject: object) -> bool:
    fields: dict[str, object] = {"ecosystem": ECOSYSTEM, "name": "bot", "version": version}
    fields.update(subject)
    return affects(advisory(entry), Subject(**fields)) is not None  # type: ignore[arg-type]


# the event kinds' initials, so the table below reads like the specification's examples
I, F, LA, L = "introduced", "fixed", "last_affected", "limit"  # noqa: E741

# (events of one range, its type, version, affected?) — the examples of the OSV specification
# and the corners of its evaluation algorithm
RANGE_CASES = [
    # everything before the fix
    ([(I, "0"), (F, "1.0.2")], "SEMVER", "0.0.1", True),
    ([(I, "0"), (F, "1.0.2")], "SEMVER", "1.0.2-rc.1", True),
    ([(I, "0"), (F, "1.0.2")], "SEMVER", "1.0.2", False),
    ([(I, "0"), (F, "1.0.2")], "SEMVER", "3.0.0", False),
    # introduced is inclusive
    ([(I, "1.0.0"), (F, "1.0.2")], "SEMVER", "1.0.0", True),
    ([(I, "1.0.0"), (F, "1.0.2")], "SEMVER", "1.0.0-rc.1", False),
    ([(I, "1.0.0"), (F, "1.0.2")], "SEMVER", "0.9.9", False),
    # last_affected is inclusive, and SEMVER ignores build metadata (the variant)
    ([(I, "0"), (LA, "2.1.214")], "SEMVER", "2.1.214", True),
    ([(I, "0"), (LA, "2.1.214")], "SEMVER", "2.1.214+q4", True),
    ([(I, "0"), (LA, "2.1.214")], "SEMVER", "2.1.215", False),
    ([(I, "0"), (F, "1.2.0")], "SEMVER", "1.2.0+q4", False),
    ([(I, "1.2.0+q4"), (F, "1.3.0")], "SEMVER", "1.2.0", True),
    # limit: nothing at or above the highest limit; "*" is infinity
    ([(I, "1.0.0"), (L, "1.5.0")], "SEMVER", "1.4.9", True),
    ([(I, "1.0.0"), (L, "1.5.0")], "SEMVER", "1.5.0", False),
    ([(I, "1.0.0"), (L, "*")], "SEMVER", "99.0.0", True),
    ([(I, "1.0.0"), (L, "1.2.0"), (L, "2.0.0")], "SEMVER", "1.9.0", True),
    # several introduced/fixed pairs in one range
    ([(I, "1.0.0"), (F, "1.0.2"), (I, "3.0.0"), (F, "3.2.5")], "SEMVER", "1.0.1", True),
    ([(I, "1.0.0"), (F, "1.0.2"), (I, "3.0.0"), (F, "3.2.5")], "SEMVER", "2.0.0", False),
    ([(I, "1.0.0"), (F, "1.0.2"), (I, "3.0.0"), (F, "3.2.5")], "SEMVER", "3.1.0", True),
    ([(I, "1.0.0"), (F, "1.0.2"), (I, "3.0.0"), (F, "3.2.5")], "SEMVER", "3.2.5", False),
    # re-introduced and never fixed again
    ([(I, "1.0.0"), (F, "1.1.0"), (I, "1.3.0")], "SEMVER", "1.2.0", False),
    ([(I, "1.0.0"), (F, "1.1.0"), (I, "1.3.0")], "SEMVER", "7.0.0", True),
    # events are sorted before evaluation
    ([(F, "1.2.0"), (I, "1.0.0")], "SEMVER", "1.1.0", True),
    ([(F, "1.2.0"), (I, "1.0.0")], "SEMVER", "1.2.0", False),
    # a version that is not SemVer is not in a SEMVER range
    ([(I, "0")], "SEMVER", "gpt-4o-2024-08-06", False),
    # modelsteward ECOSYSTEM ranges: ModelVersion order, a variant right after its base
    ([(I, "1.0.0"), (F, "1.2.0+q4")], "ECOSYSTEM", "1.2.0", True),
    ([(I, "1.0.0"), (F, "1.2.0+q4")], "ECOSYSTEM", "1.2.0+onnx", True),
    ([(I, "1.0.0"), (F, "1.2.0+q4")], "ECOSYSTEM", "1.2.0+q4", False),
    ([(I, "0"), (LA, "1.2.0")], "ECOSYSTEM", "1.2.0", True),
    ([(I, "0"), (LA, "1.2.0")], "ECOSYSTEM", "1.2.0+q4", False),
    # snapshot ids, ordered by the date they carry
    ([(I, "gpt-4o-2024-05-13"), (F, "gpt-4o-2024-11-20")], "ECOSYSTEM", "gpt-4o-2024-08-06",
     True),
    ([(I, "gpt-4o-2024-05-13"), (F, "gpt-4o-2024-11-20")], "ECOSYSTEM", "gpt-4o-2024-11-20",
     False),
    ([(I, "gpt-4o-2024-05-13"), (F, "gpt-4o-2024-11-20")], "ECOSYSTEM", "gpt-4o", False),
    ([(I, "0"), (LA, "claude-3-opus-20240229")], "ECOSYSTEM", "claude-3-haiku-20240307", False),
    # no bound but "0": every version, semantic or snapshot
    ([(I, "0")], "ECOSYSTEM", "claude-sonnet-4-5-20250929", True),
    ([(I, "0"), (L, "*")], "ECOSYSTEM", "3.1.4+q4", True),
]


@pytest.mark.parametrize(("events", "kind", "version", "expected"), RANGE_CASES,
                         ids=[f"{c[1]}:{c[0]}@{c[2]}" for c in RANGE_CASES])
def test_the_osv_evaluation_algorithm(events: list[tuple[str, str]], kind: str, version: str,
                                      expected: bool) -> None:
    entry = model(rng(kind, *events))
    assert hit(entry, version) is expected
    subject = Subject(ECOSYSTEM, "bot", version)
    assert bool(AdvisoryIndex([advisory(entry)]).lookup(subject)) is expected


def test_a_version_in_any_range_or_listed_is_affected() -> None:
    entry = model(rng("SEMVER", (I, "1.0.0"), (F, "2.0.0")),
                  rng("ECOSYSTEM", (I, "5.0.0"), (F, "6.0.0")), versions=("9.0.0+q4",))
    assert [v for v in ("1.5.0", "3.0.0", "5.5.0", "9.0.0", "9.0.0+q4") if hit(entry, v)] == [
        "1.5.0", "5.5.0", "9.0.0+q4"]


def test_ranges_of_other_ecosystems_are_not_evaluated_but_their_versions_are() -> None:
    entry = Affected("PyPI", "torch", ranges=(rng("ECOSYSTEM", (I, "0")),), versions=("2.0",))
    assert not hit(entry, "1.0", ecosystem="PyPI", name="torch")
    assert hit(entry, "2.0", ecosystem="PyPI", name="torch")


def test_an_entry_applies_to_its_own_package_only() -> None:
    entry = model(rng("SEMVER", (I, "0")))
    assert hit(entry, "1.0.0")
    assert not hit(entry, "1.0.0", name="acme/bot")
    assert not hit(entry, "1.0.0", ecosystem="PyPI")


def test_an_unknown_version_matches_only_by_digest() -> None:
    entry = model(rng("SEMVER", (I, "0")), versions=("",), digests=(D1,))
    assert not hit(entry, "")
    assert hit(entry, "", digests=frozenset({D1}))


@pytest.mark.parametrize(("variants", "version", "expected"), [
    ((), "1.0.0+q4", True),
    (("q4",), "1.0.0+q4", True),
    (("q4",), "1.0.0", False),
    (("q4",), "1.0.0+onnx", False),
    (("",), "1.0.0", True),
    (("",), "1.0.0+q4", False),
    (("", "onnx"), "1.0.0+onnx", True),
    (("q4",), "gpt-4o-2024-08-06", False),  # a snapshot has no variant
])
def test_listed_variants_narrow_a_version_match(variants: tuple[str, ...], version: str,
                                                expected: bool) -> None:
    entry = model(rng("ECOSYSTEM", (I, "0")), variants=variants)
    assert hit(entry, version) is expected


def test_a_digest_matches_whatever_the_version_variant_or_name() -> None:
    entry = model(rng("SEMVER", (I, "0"), (F, "1.0.0")), variants=("q4",), digests=(D1, D2))
    for subject in (Subject(ECOSYSTEM, "bot", "5.0.0", frozenset({D2, D3})),
                    Subject(ECOSYSTEM, "bot", "5.0.0", frozenset({D1})),
                    Subject(ECOSYSTEM, "copied-bot", "1.0.0", frozenset({D1})),
                    Subject("GIT", REPO, C1, frozenset({D2}))):
        assert affects(advisory(entry), subject) == Match(advisory(entry), entry, "digest")
    assert affects(advisory(entry), Subject(ECOSYSTEM, "bot", "5.0.0",
                                            frozenset({D3}))) is None


def test_a_digest_match_is_preferred_and_the_first_affecting_entry_is_reported() -> None:
    first = model(rng("SEMVER", (I, "0")), digests=(D1,))
    second = model(rng("SEMVER", (I, "0")), digests=(D2,))
    adv = advisory(first, second)
    assert affects(adv, Subject(ECOSYSTEM, "bot", "1.0.0", frozenset({D1}))) == Match(
        adv, first, "digest")
    assert affects(adv, Subject(ECOSYSTEM, "bot", "1.0.0", frozenset({D2}))) == Match(
        adv, first, "version")
    assert affects(adv, Subject(ECOSYSTEM, "bot", "", frozenset({D2}))) == Match(
        adv, second, "digest")


def test_a_withdrawn_advisory_matches_nothing() -> None:
    entry = model(rng("SEMVER", (I, "0")), digests=(D1,))
    withdrawn = advisory(entry, withdrawn=NOW)
    assert affects(withdrawn, Subject(ECOSYSTEM, "bot", "1.0.0", frozenset({D1}))) is None
    index = AdvisoryIndex([withdrawn])
    assert len(index) == 1
    assert index.lookup(Subject(ECOSYSTEM, "bot", "1.0.0", frozenset({D1}))) == []


# GIT: without the commit graph, only commits that are named match (module docstring)
GIT_ENTRY = Affected("", "", ranges=(
    rng("GIT", (I, C1), (F, C2), repo="https://huggingface.co/Acme/base-7b.git"),
    rng("GIT", (I, "0"), (LA, C3), repo="https://github.com/acme/other"),
), versions=(C4.upper(),))


@pytest.mark.parametrize(("repo", "commit", "expected"), [
    (REPO, C1, True),  # the introducing commit
    (REPO + "/", C1.upper(), True),  # URLs and hashes compared without case or trailing /
    (REPO, C2, False),  # the fixing commit
    (REPO, "5" * 40, False),  # a descendant of C1: unknowable without the commit graph
    (REPO, C4, True),  # listed in versions
    (REPO, "0", False),  # "0" is not a commit
    ("https://github.com/acme/other", C3, True),  # last_affected
    ("https://github.com/acme/other", C1, False),  # C1 introduces in another repository
    ("https://huggingface.co/acme/other-7b", C1, False),
])
def test_git_commits_match_when_named(repo: str, commit: str, expected: bool) -> None:
    subject = Subject("GIT", repo, commit)
    assert (affects(advisory(GIT_ENTRY), subject) is not None) is expected
    assert bool(AdvisoryIndex([advisory(GIT_ENTRY)]).lookup(subject)) is expected


def test_a_git_package_entry_and_a_model_entry_with_a_git_range_apply_to_the_repository() -> None:
    package = Affected("GIT", REPO + ".git", versions=(C1,))
    with_range = model(rng("GIT", (I, C2), repo=REPO), rng("SEMVER", (I, "0")))
    for entry, commit in ((package, C1), (with_range, C2)):
        assert hit(entry, commit, ecosystem="GIT", name=REPO)
    assert hit(with_range, "1.0.0")  # and to the model's own versions
    assert not hit(with_range, "1.0.0", ecosystem="GIT", name=REPO)


def test_fixed_versions_are_the_distinct_fixed_values_lowest_first() -> None:
    entry = model(rng("SEMVER", (I, "0"), (F, "1.10.0"), (I, "2.0.0"), (F, "2.0.1")),
                  rng("ECOSYSTEM", (I, "0"), (F, "1.2.0"), (I, "1.5.0"), (F, "1.10.0")),
                  rng("ECOSYSTEM", (I, "0"), (F, "gpt-4o-2024-11-20")),
                  rng("ECOSYSTEM", (I, "0"), (LA, "1.9.0")),
                  rng("GIT", (I, "0"), (F, C2), repo=REPO))
    assert fixed_versions(entry) == ("1.2.0", "1.10.0", "2.0.1", "gpt-4o-2024-11-20")
    assert fixed_versions(model()) == ()


@pytest.mark.parametrize(("purl", "subject"), [
    ("pkg:huggingface/acme/base-7b@" + C1, Subject("GIT", REPO, C1)),
    ("pkg:huggingface/gpt2@" + C2, Subject("GIT", "https://huggingface.co/gpt2", C2)),
    ("pkg:huggingface/acme/base-7b", Subject("GIT", REPO, "")),
    ("pkg:huggingface/acme/m@" + C1 + "?repository_url=https://hub.example.org",
     Subject("GIT", "https://hub.example.org/acme/m", C1)),
    (model_purl("support-bot", "1.4.2+q4"), Subject(ECOSYSTEM, "support-bot", "1.4.2+q4")),
    (model_purl("acme/support-bot", "1.0.0"), Subject(ECOSYSTEM, "acme/support-bot", "1.0.0")),
    (model_purl("bot", "gpt-4o-2024-08-06"), Subject(ECOSYSTEM, "bot", "gpt-4o-2024-08-06")),
    ("pkg:generic/other/bot@1.0.0", None),
    ("pkg:pypi/torch@2.0.0", None),
    ("not a purl", None),
    ("pkg:", None),
])
def test_subject_from_purl(purl: str, subject: Subject | None) -> None:
    assert subject_from_purl(purl) == subject


def test_subject_from_purl_keeps_the_digests() -> None:
    found = subject_from_purl(model_purl("bot", "1.0.0"), frozenset({D1}))
    assert found is not None and found.digests == frozenset({D1})


@pytest.mark.parametrize(("subject", "variant"), [
    (Subject(ECOSYSTEM, "bot", "1.4.2+q4"), "q4"),
    (Subject(ECOSYSTEM, "bot", "1.4.2"), ""),
    (Subject(ECOSYSTEM, "bot", "claude-sonnet-4-5-20250929"), ""),
    (Subject("PyPI", "torch", "1.0.0+cpu"), ""),
    (Subject("GIT", REPO, C1), ""),
])
def test_subject_variant(subject: Subject, variant: str) -> None:
    assert subject.variant == variant


# --- the index agrees with the algorithm --------------------------------------------------------

NAMES = ["bot", "acme/bot"]
REPOS = [REPO, "https://github.com/acme/other"]
VERSIONS = ["0.9.0", "1.0.0", "1.0.0+q4", "1.0.0+onnx", "1.1.0-rc.1", "1.1.0", "1.2.0",
            "2.0.0", "gpt-4o-2024-05-13", "gpt-4o-2024-08-06", "gpt-4o", "0", "*"]
COMMITS = [C1, C2, C3]
DIGESTS = [D1, D2, D3]
_EVENT = st.builds(RangeEvent, st.sampled_from(list(EventKind)),
                   st.sampled_from(VERSIONS + COMMITS))
_RANGE = st.builds(AffectedRange, st.sampled_from(["SEMVER", "ECOSYSTEM", "GIT"]),
                   st.lists(_EVENT, max_size=5).map(tuple), st.sampled_from(["", *REPOS]))
_ENTRY = st.builds(
    Affected,
    st.sampled_from([ECOSYSTEM, ECOSYSTEM, "GIT", "PyPI", ""]),
    st.sampled_from(NAMES + REPOS + [""]),
    ranges=st.lists(_RANGE, max_size=3).map(tuple),
    versions=st.lists(st.sampled_from(VERSIONS + COMMITS), max_size=2).map(tuple),
    variants=st.lists(st.sampled_from(["", "q4", "onnx"]), max_size=2).map(tuple),
    digests=st.lists(st.sampled_from(DIGESTS), max_size=1).map(tuple),
)
_ADVISORY = st.builds(
    Advisory, st.sampled_from([f"x_MSA-2026-{n:04d}" for n in range(1, 6)]), st.just(NOW),
    withdrawn=st.sampled_from([None, None, None, NOW]),
    affected=st.lists(_ENTRY, min_size=1, max_size=3).map(tuple))
_SUBJECT = st.builds(
    Subject, st.sampled_from([ECOSYSTEM, ECOSYSTEM, "GIT", "PyPI"]),
    st.sampled_from(NAMES + REPOS), st.sampled_from(VERSIONS + COMMITS + [""]),
    st.frozensets(st.sampled_from(DIGESTS), max_size=2))


def brute_force(advisories: list[Advisory], subject: Subject) -> list[Match]:
    found = [match for a in advisories if (match := affects(a, subject)) is not None]
    return sorted(found, key=lambda match: match.advisory.id)


@FAST
@given(st.lists(_ADVISORY, max_size=8), st.lists(_SUBJECT, min_size=1, max_size=6))
def test_the_index_finds_what_affects_finds_over_every_advisory(
        advisories: list[Advisory], subjects: list[Subject]) -> None:
    """Arbitrary advisories — unsorted events, ties, unparseable bounds, repeated ids — and
    subjects: ``lookup`` equals :func:`affects` tried on each advisory, sorted by id."""
    index = AdvisoryIndex(advisories)
    assert len(index) == len(advisories)
    for subject in subjects:
        assert index.lookup(subject) == brute_force(advisories, subject)


@pytest.mark.parametrize("seed", range(4))
def test_the_index_agrees_on_packages_with_many_ranges(seed: int) -> None:
    """Enough ranges on one package for the index to build its segment tree."""
    rand = random.Random(seed)
    pool = [f"{a}.{b}.{c}" for a in range(3) for b in range(4) for c in range(3)]
    pool += [f"{v}+q4" for v in pool[::5]] + ["1.0.0-rc.1", "0", "*"]
    kinds = list(EventKind)
    advisories = [
        advisory(model(*(AffectedRange(rand.choice(["SEMVER", "ECOSYSTEM"]), tuple(
            RangeEvent(rand.choice(kinds), rand.choice(pool))
            for _ in range(rand.randint(1, 5)))) for _ in range(rand.randint(1, 2))),
            variants=rand.choice([(), ("q4",), ("",)])), ident=f"x_MSA-2026-{n:04d}")
        for n in range(400)]
    index = AdvisoryIndex(reversed(advisories))
    for version in [*pool, "9.9.9", "0.0.0-alpha", "gpt-4o-2024-08-06"]:
        subject = Subject(ECOSYSTEM, "bot", version)
        assert index.lookup(subject) == brute_force(advisories, subject), version


def test_lookup_returns_each_advisory_once_sorted_by_id() -> None:
    entry = model(rng("SEMVER", (I, "0")), rng("ECOSYSTEM", (I, "0")), versions=("1.0.0",),
                  digests=(D1,))
    advisories = [advisory(entry, entry, ident=i) for i in ("x_MSA-2026-0003", "GHSA-2",
                                                            "CVE-2026-1")]
    found = AdvisoryIndex(advisories).lookup(Subject(ECOSYSTEM, "bot", "1.0.0", frozenset({D1})))
    assert [m.advisory.id for m in found] == ["CVE-2026-1", "GHSA-2", "x_MSA-2026-0003"]
    assert {m.by for m in found} == {"digest"}
