"""Messages of the exception tree that depend on what they name."""

from __future__ import annotations

from modelsteward.errors import ModelNotFound


def test_a_missing_model_is_offered_for_creation_only_when_its_name_could_be_created() -> None:
    assert "`steward model create ghost`" in str(ModelNotFound("ghost", ()))
    refused = str(ModelNotFound("Ghost Bot", ()))
    assert "model create" not in refused and "steward model list" in refused
    assert "Did you mean 'ghost'?" in str(ModelNotFound("Ghost", ["ghost"]))
