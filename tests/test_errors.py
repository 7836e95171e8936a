"""The exception tree: messages that depend on what they name, one module holding every
class, and an exit code and HTTP problem intended for each class (no default)."""

from __future__ import annotations

import pytest

from modelsteward.api.problems import RESPONSES, status_of
from modelsteward.cli.exits import Exit, exit_code
from modelsteward.errors import (
    ArtifactError,
    Conflict,
    DeliveryFailed,
    DocumentInvalid,
    IdempotencyKeyReused,
    InvalidInput,
    ModelNotFound,
    NotAuthenticated,
    NotAuthorised,
    NotFound,
    StewardError,
    StorageError,
)
from modelsteward.remote.client import error_of


def test_a_missing_model_is_offered_for_creation_only_when_its_name_could_be_created() -> None:
    assert "`steward model create ghost`" in str(ModelNotFound("ghost", ()))
    refused = str(ModelNotFound("Ghost Bot", ()))
    assert "model create" not in refused and "steward model list" in refused
    assert "Did you mean 'ghost'?" in str(ModelNotFound("Ghost", ["ghost"]))


def _subclasses(root: type) -> set[type]:
    found = set()
    for cls in root.__subclasses__():
        found |= {cls, *_subclasses(cls)}
    return found


def test_the_whole_tree_lives_in_the_errors_module_and_its_drawing() -> None:
    """Every deliberate error is defined in ``modelsteward.errors`` (one place to read the tree)
    and drawn in its docstring; found by importing every module of the package."""
    import importlib
    import pkgutil

    import modelsteward
    from modelsteward import errors
    from modelsteward.errors import StewardError

    for module in pkgutil.walk_packages(modelsteward.__path__, "modelsteward."):
        if ".migrations." not in module.name:
            importlib.import_module(module.name)
    tree = {c for c in _subclasses(StewardError) if c.__module__.startswith("modelsteward")}
    elsewhere = sorted(f"{c.__module__}.{c.__name__}" for c in tree
                       if c.__module__ != "modelsteward.errors")
    assert not elsewhere, f"define these in modelsteward/errors.py: {elsewhere}"
    drawn = errors.__doc__ or ""
    undrawn = sorted(c.__name__ for c in tree if f"── {c.__name__}" not in drawn)
    assert not undrawn, f"add these to the tree in the docstring of errors.py: {undrawn}"


def _tree() -> list[type[StewardError]]:
    """Every class under the root, in a stable order (all live in ``modelsteward.errors``)."""
    return sorted((c for c in _subclasses(StewardError) if c.__module__.startswith("modelsteward")),
                  key=lambda c: c.__name__)


def _family(cls: type[StewardError]) -> type[StewardError]:
    """The class directly under :class:`StewardError` that ``cls`` descends from."""
    mro = cls.__mro__
    return mro[mro.index(StewardError) - 1]


def _bare(cls: type[StewardError]) -> StewardError:
    """An instance of ``cls`` without its constructor's arguments: the mappings read only the
    class."""
    return cls.__new__(cls)


# what a script should do differs per family, so each has its own code; a new family fails
# below until it is given one here and in cli/exits.py
FAMILY_EXITS: dict[type[StewardError], Exit] = {
    InvalidInput: Exit.USAGE,
    NotFound: Exit.NOT_FOUND,
    Conflict: Exit.CONFLICT,
    ArtifactError: Exit.ARTIFACT,
    DeliveryFailed: Exit.DELIVERY_FAILED,
    NotAuthorised: Exit.NOT_AUTHORISED,
    StorageError: Exit.STORAGE,
}
FAMILY_PROBLEMS: dict[type[StewardError], tuple[int, str]] = {
    InvalidInput: (400, "invalid-input"),
    NotFound: (404, "not-found"),
    Conflict: (409, "conflict"),
    ArtifactError: (422, "artefact"),
    DeliveryFailed: (502, "delivery-failed"),
    NotAuthorised: (403, "not-authorised"),
    StorageError: (503, "storage"),
}
# the members (and their subclasses) answered otherwise than their family over HTTP
MEMBER_PROBLEMS: dict[type[StewardError], tuple[int, str]] = {
    DocumentInvalid: (422, "document-invalid"),
    IdempotencyKeyReused: (422, "idempotency-key-reused"),
    NotAuthenticated: (401, "not-authenticated"),
}
# the delivery worker catches DeliveryFailed; no route sends, so no operation answers 502
UNDECLARED = {502}


def test_every_family_has_an_intended_exit_code_and_problem() -> None:
    families = {_family(c) for c in _tree()}
    unlisted = sorted(f.__name__ for f in families - FAMILY_EXITS.keys())
    assert not unlisted, f"decide the exit code of {unlisted} (tests/test_errors.py, cli/exits.py)"
    unlisted = sorted(f.__name__ for f in families - FAMILY_PROBLEMS.keys())
    assert not unlisted, f"decide the HTTP problem of {unlisted} (here and api/problems.py)"


def test_every_error_exits_with_its_familys_code() -> None:
    wrong = {c.__name__: (exit_code(_bare(c)), FAMILY_EXITS[_family(c)]) for c in _tree()
             if exit_code(_bare(c)) is not FAMILY_EXITS[_family(c)]}
    assert not wrong, f"(actual, intended): {wrong}"


def test_every_error_is_answered_with_its_intended_problem() -> None:
    def intended(cls: type[StewardError]) -> tuple[int, str]:
        member = next((m for m in cls.__mro__ if m in MEMBER_PROBLEMS), None)
        return MEMBER_PROBLEMS[member] if member else FAMILY_PROBLEMS[_family(cls)]

    wrong = {c.__name__: (status_of(_bare(c))[:2], intended(c)) for c in _tree()
             if status_of(_bare(c))[:2] != intended(c)}
    assert not wrong, f"(actual, intended): {wrong}"
    statuses = {status for status, _ in [*FAMILY_PROBLEMS.values(), *MEMBER_PROBLEMS.values()]}
    undeclared = statuses - set(RESPONSES) - UNDECLARED
    assert not undeclared, f"declare {undeclared} in RESPONSES (api/problems.py): routes answer it"


def test_an_error_of_no_family_has_no_default_code() -> None:
    """A bare root would otherwise pass for some family; it is a bug, reported as one."""
    with pytest.raises(TypeError, match="FAMILY_EXITS"):
        exit_code(StewardError("unclassified"))
    with pytest.raises(TypeError, match="ERROR_STATUSES"):
        status_of(StewardError("unclassified"))


def test_a_problem_from_a_server_gives_the_local_exit_code() -> None:
    """Remote mode reads the problem back into an error of the same family."""
    for cls in _tree():
        status, slug, title = status_of(_bare(cls))
        body = {"type": f"/problems/{slug}", "title": title, "status": status,
                "detail": "It failed.", "instance": "/api/v1/x"}
        remote = error_of("http://registry", status, body)
        assert exit_code(remote) is exit_code(_bare(cls)), (cls.__name__, type(remote).__name__)
