"""Messages of the exception tree that depend on what they name."""

from __future__ import annotations

from modelsteward.errors import ModelNotFound


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
