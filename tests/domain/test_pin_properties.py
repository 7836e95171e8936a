"""Property tests for ``modelsteward.domain.pins`` against an independent npm oracle.

The oracle below re-derives every pin form from node-semver's definitions (``replaceCaret``,
``replaceTilde``, ``replaceXRange`` and the pre-release rule of ``testSet``) with its own
arithmetic and its own SemVer precedence key; it shares no code with the module under test.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from modelsteward.domain.pins import parse_version_pin
from modelsteward.domain.versioning import ModelVersion

from .strategies import FAST

# --- the oracle -----------------------------------------------------------------------------------

Ver = tuple[int, int, int, str]  # major, minor, patch, pre-release ("" for a release)


def precedence(version: Ver) -> tuple[object, ...]:
    """SemVer 2.0.0 §11 precedence as a sort key: numeric core; a pre-release sorts below its
    release; identifiers compare numerically when numeric, in ASCII order otherwise, numeric
    below alphanumeric; a shorter list of equal identifiers sorts first."""
    major, minor, patch, pre = version
    if not pre:
        return (major, minor, patch, 1, ())
    ids = tuple((0, int(i), "") if i.isdigit() else (1, 0, i) for i in pre.split("."))
    return (major, minor, patch, 0, ids)


@dataclass(frozen=True)
class Oracle:
    """A comparator set: ``None`` in ``comparators`` means "matches nothing"."""

    comparators: tuple[tuple[str, Ver] | None, ...]
    prerelease_cores: frozenset[tuple[int, int, int]]  # cores written with a pre-release
    variant: str

    def matches(self, candidate: ModelVersion) -> bool:
        if candidate.variant != self.variant:
            return False
        cand: Ver = (candidate.major, candidate.minor, candidate.patch, candidate.prerelease)
        key = precedence(cand)
        for comparator in self.comparators:
            if comparator is None:
                return False
            op, version = comparator
            other = precedence(version)
            ok = {">=": key >= other, ">": key > other, "<=": key <= other, "<": key < other,
                  "=": key == other, "!=": key != other}[op]
            if not ok:
                return False
        if candidate.prerelease:
            return candidate.core in self.prerelease_cores
        return True


NEVER = None


def expand(op: str, parts: list[int | None], pre: str) -> list[tuple[str, Ver] | None]:
    """node-semver's desugaring of one token; ``None`` parts are wildcards / missing."""
    major, minor, patch = parts
    x_major, x_minor, x_patch = major is None, minor is None, patch is None
    if op == "^":
        if x_major:
            return []
        assert major is not None
        if x_minor:
            return [(">=", (major, 0, 0, "")), ("<", (major + 1, 0, 0, "0"))]
        assert minor is not None
        if x_patch:
            if major == 0:
                return [(">=", (0, minor, 0, "")), ("<", (0, minor + 1, 0, "0"))]
            return [(">=", (major, minor, 0, "")), ("<", (major + 1, 0, 0, "0"))]
        assert patch is not None
        low = (">=", (major, minor, patch, pre))
        if major == 0:
            if minor == 0:
                return [low, ("<", (0, 0, patch + 1, "0"))]
            return [low, ("<", (0, minor + 1, 0, "0"))]
        return [low, ("<", (major + 1, 0, 0, "0"))]
    if op == "~":
        if x_major:
            return []
        assert major is not None
        if x_minor:
            return [(">=", (major, 0, 0, "")), ("<", (major + 1, 0, 0, "0"))]
        assert minor is not None
        if x_patch:
            return [(">=", (major, minor, 0, "")), ("<", (major, minor + 1, 0, "0"))]
        assert patch is not None
        return [(">=", (major, minor, patch, pre)), ("<", (major, minor + 1, 0, "0"))]
    any_x = x_major or x_minor or x_patch
    if op == "=" and any_x:
        op = ""
    if x_major:
        return [NEVER] if op in ("<", ">") else []
    assert major is not None
    if not any_x:
        assert minor is not None and patch is not None
        return [(op or "=", (major, minor, patch, pre))]
    if op:  # a comparison with a partial version
        m = 0 if x_minor else minor
        assert m is not None
        M, p = major, 0
        if op == ">":
            op = ">="
            if x_minor:
                M, m = M + 1, 0
            else:
                m += 1
        elif op == "<=":
            op = "<"
            if x_minor:
                M += 1
            else:
                m += 1
        return [(op, (M, m, p, "0" if op == "<" else ""))]
    if x_minor:
        return [(">=", (major, 0, 0, "")), ("<", (major + 1, 0, 0, "0"))]
    assert minor is not None
    return [(">=", (major, minor, 0, "")), ("<", (major, minor + 1, 0, "0"))]


# --- generating pins ------------------------------------------------------------------------------

SMALL = st.sampled_from([0, 0, 1, 2, 3])  # zeros often: ^0.x and ^0.0.x have their own rules
PRES = st.sampled_from(["0", "alpha", "beta.2", "rc.1", "rc.2", "rc.1.1", "1"])
WILD = st.sampled_from(["x", "X", "*"])


@dataclass(frozen=True)
class Token:
    op: str
    parts: tuple[int | None, int | None, int | None]
    pre: str
    text: str


@st.composite
def tokens(draw: st.DrawFn, ops: st.SearchStrategy[str] | None = None) -> Token:
    op = draw(ops or st.sampled_from(["", "=", "^", "~", ">=", ">", "<", "<=", "!="]))
    known = 3 if op == "!=" else draw(st.sampled_from([0, 1, 2, 3, 3, 3]))
    numbers = [draw(SMALL) for _ in range(known)]
    written = draw(st.integers(min_value=max(known, 1), max_value=3))
    texts = [str(n) for n in numbers] + [draw(WILD) for _ in range(written - known)]
    pre = draw(st.just("") | PRES) if known == 3 else ""
    body = ".".join(texts) + (f"-{pre}" if pre else "")
    space = draw(st.sampled_from(["", "", " "])) if op else ""
    padded: list[int | None] = [*numbers, None, None, None]
    parts = (padded[0], padded[1], padded[2])
    return Token(op, parts, pre, f"{op}{space}{body}")


@dataclass(frozen=True)
class PinCase:
    text: str
    tokens: tuple[Token, ...]
    variant: str

    def oracle(self) -> Oracle:
        comparators: list[tuple[str, Ver] | None] = []
        for token in self.tokens:
            comparators.extend(expand(token.op, list(token.parts), token.pre))
        # a token with a pre-release always has all three numbers
        cores = frozenset((t.parts[0] or 0, t.parts[1] or 0, t.parts[2] or 0)
                          for t in self.tokens if t.pre)
        return Oracle(tuple(comparators), cores, self.variant)


@st.composite
def pins(draw: st.DrawFn, ops: st.SearchStrategy[str] | None = None) -> PinCase:
    # mostly one token: random comparator sets of three rarely match anything
    count = draw(st.sampled_from([1, 1, 1, 2, 2, 3]))
    toks = tuple(draw(tokens(ops)) for _ in range(count))
    separators = [draw(st.sampled_from([" ", ",", ", ", "  "])) for _ in toks[1:]]
    text = toks[0].text + "".join(sep + t.text for sep, t in zip(separators, toks[1:], strict=True))
    variant = draw(st.sampled_from(["", "", "q4"]))
    return PinCase(text + (f"+{variant}" if variant else ""), toks, variant)


CANDIDATES = st.builds(
    ModelVersion,
    st.integers(min_value=0, max_value=4),
    st.integers(min_value=0, max_value=4),
    st.integers(min_value=0, max_value=4),
    st.sampled_from(["", "", "", "0", "alpha", "beta.2", "rc.1", "rc.2", "rc.1.1", "1"]),
    st.sampled_from(["", "", "", "q4", "onnx"]),
)


NEAR_PRES = st.sampled_from(["", "", "", "", "", "0", "alpha", "rc.1", "rc.2", "rc.1.1", "zz"])
NUDGE = st.sampled_from([-1, 0, 0, 1])


def near(draw: st.DrawFn, case: PinCase) -> ModelVersion:
    """A candidate at or next to a version the pin names: where off-by-one bugs live."""
    parts = draw(st.sampled_from(case.tokens)).parts
    core = [p if p is not None else draw(SMALL) for p in parts]
    index = draw(st.integers(min_value=0, max_value=2))
    core[index] = max(0, core[index] + draw(NUDGE))
    variant = draw(st.sampled_from([case.variant, case.variant, case.variant, "", "onnx"]))
    return ModelVersion(core[0], core[1], core[2], draw(NEAR_PRES), variant)


@st.composite
def pin_and_candidates(
    draw: st.DrawFn, ops: st.SearchStrategy[str] | None = None
) -> tuple[PinCase, list[ModelVersion]]:
    case = draw(pins(ops))
    count = draw(st.integers(min_value=1, max_value=8))
    candidates = [draw(CANDIDATES) if draw(st.integers(0, 3)) == 0 else near(draw, case)
                  for _ in range(count)]
    return case, candidates


PIN_EXAMPLES = settings(FAST, max_examples=100)


# --- properties -----------------------------------------------------------------------------------


@PIN_EXAMPLES
@given(pin_and_candidates())
def test_matches_agrees_with_npm_oracle(sample: tuple[PinCase, list[ModelVersion]]) -> None:
    """Rule: "Forms for semantically versioned models (the rules follow npm's
    ``node-semver``)": caret, tilde, x-range and comparators "— all must hold"; "A trailing
    ``+VARIANT`` ... asks for that variant; without it only versions without a variant match. A
    pre-release matches only when some comparator names the same ``MAJOR.MINOR.PATCH`` with a
    pre-release"."""
    case, candidates = sample
    pin = parse_version_pin(case.text)
    oracle = case.oracle()
    assert pin.variant == case.variant
    for candidate in candidates:
        assert pin.matches(candidate) == oracle.matches(candidate), (case.text, str(candidate))


def _single_token_pins() -> list[PinCase]:
    """Every one-token pin over the parts 0 and 1: enough to reach each caret, tilde and x-range
    branch (``^0.0.1``, ``^0.1``, ``^1``, ``~0``, ``>0.1`` …) and each boundary."""
    bodies: list[tuple[tuple[int | None, int | None, int | None], str, str]] = [
        ((None, None, None), "", "*"), ((None, None, None), "", "x.x"),
    ]
    for a in (0, 1):
        bodies += [((a, None, None), "", f"{a}"), ((a, None, None), "", f"{a}.x")]
        for b in (0, 1):
            bodies += [((a, b, None), "", f"{a}.{b}"), ((a, b, None), "", f"{a}.{b}.*")]
            for c in (0, 1):
                for pre in ("", "rc.1"):
                    bodies.append(((a, b, c), pre, f"{a}.{b}.{c}" + (f"-{pre}" if pre else "")))
    cases = []
    for op in ("", "=", "^", "~", ">=", ">", "<", "<=", "!="):
        for parts, pre, body in bodies:
            if op == "!=" and None in parts:
                continue
            cases.append(PinCase(op + body, (Token(op, parts, pre, op + body),), ""))
    return cases


_GRID = [ModelVersion(a, b, c, pre) for a in range(3) for b in range(3) for c in range(3)
         for pre in ("", "0", "rc.2")]


def test_every_single_token_pin_on_a_small_grid_agrees_with_npm_oracle() -> None:
    """Rule: "Forms for semantically versioned models (the rules follow npm's
    ``node-semver``)" — exhaustively, for each form over small numbers, where hand-written
    boundaries (``^0.0.x``, ``<=2.4``, ``>2.1``) go wrong; the random test above covers larger
    combinations and variants."""
    mismatches = []
    for case in _single_token_pins():
        pin = parse_version_pin(case.text)
        oracle = case.oracle()
        mismatches += [(case.text, str(v)) for v in _GRID if pin.matches(v) != oracle.matches(v)]
    assert mismatches == []


@PIN_EXAMPLES
@given(pin_and_candidates(), st.randoms(use_true_random=False))
def test_best_match_is_invariant_under_shuffling(
    sample: tuple[PinCase, list[ModelVersion]], rnd: random.Random
) -> None:
    """Rule: resolution picks the best match — the highest version the pin accepts — so the
    order in which candidates are listed (e.g. from the database) cannot change the answer."""
    case, candidates = sample
    pin = parse_version_pin(case.text)

    def best(versions: list[ModelVersion]) -> ModelVersion | None:
        return max((v for v in versions if pin.matches(v)), default=None)

    shuffled = list(candidates)
    rnd.shuffle(shuffled)
    assert best(shuffled) == best(candidates) == best(list(reversed(candidates)))
    expected = max((v for v in candidates if case.oracle().matches(v)), default=None)
    assert best(candidates) == expected


def _within(
    core: tuple[int, int, int],
    lower: tuple[int, int, int] | None,
    upper: tuple[int, int, int] | None,
) -> bool:
    return (lower is None or lower <= core) and (upper is None or core <= upper)


@PIN_EXAMPLES
@given(pin_and_candidates())
def test_bounds_are_a_sound_prefilter(sample: tuple[PinCase, list[ModelVersion]]) -> None:
    """Rule (``Bounds``): "The core range a pin can match, for narrowing a database query" —
    every version the pin matches has its core within ``[lower, upper]`` (``None`` is unbounded),
    or the query would silently drop a matching version (``<2.2.0-rc.5`` included).
    """
    case, candidates = sample
    pin = parse_version_pin(case.text)
    bounds = pin.bounds()
    for candidate in candidates:
        if pin.matches(candidate):
            assert _within(candidate.core, bounds.lower, bounds.upper), (case.text, str(candidate))


def test_bounds_of_every_single_token_pin_on_a_small_grid_are_sound() -> None:
    """Rule (``Bounds``): "The core range a pin can match, for narrowing a database query" —
    exhaustively over the one-token pins and the grid of the test above."""
    escapes = []
    for case in _single_token_pins():
        pin = parse_version_pin(case.text)
        bounds = pin.bounds()
        escapes += [(case.text, str(v), bounds) for v in _GRID
                    if pin.matches(v) and not _within(v.core, bounds.lower, bounds.upper)]
    assert escapes == []


@settings(FAST, max_examples=10, phases=[Phase.explicit, Phase.generate])
@given(
    core=st.tuples(SMALL, SMALL, SMALL),
    upper_pre=st.sampled_from(["", "rc.5", "beta"]),
    low=st.sampled_from(["0", "alpha.1"]),
    with_lower=st.booleans(),
)
def test_bounds_keep_prereleases_below_a_prerelease_upper_bound(
    core: tuple[int, int, int], upper_pre: str, low: str, with_lower: bool
) -> None:
    """Rule (``Bounds``): "The core range a pin can match" — including the pre-releases a pin
    admits: ``>=X-alpha <X`` or ``<X-rc.5`` matches pre-releases of ``X``, so ``X`` itself must
    lie within the bounds."""
    text = ".".join(map(str, core))
    upper = f"{text}-{upper_pre}" if upper_pre else text
    lower = f">={text}-{low} " if with_lower or not upper_pre else ""
    pin = parse_version_pin(f"{lower}<{upper}")
    candidate = ModelVersion(*core, prerelease=low)
    assert pin.matches(candidate)
    bounds = pin.bounds()
    assert _within(candidate.core, bounds.lower, bounds.upper), (str(pin), bounds)


def test_bounds_hold_for_version_parts_beyond_32_bits() -> None:
    """Rule (``Bounds``): "The core range a pin can match, for narrowing a database query"."""
    candidate = ModelVersion.parse("2.2147483648.0")
    pin = parse_version_pin("^2")
    assert pin.matches(candidate)
    bounds = pin.bounds()
    assert _within(candidate.core, bounds.lower, bounds.upper)
