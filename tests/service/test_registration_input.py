"""What registration refuses before writing, from the library (both databases): version ids
that could name another folder, and metadata the readers could not serialise again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelsteward import Registry
from modelsteward.domain.model import Model, ModelKind
from modelsteward.errors import InvalidInput
from tests.conftest import FixedClock
from tests.service.test_retirement import weights


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    with Registry.open(db_url, actor="alice", clock=clock) as reg:
        reg.create_model(Model("support-bot"))
        reg.create_model(Model("embedder"))
        reg.register_version("embedder", "1.0.0")
        yield reg


@pytest.mark.parametrize("version_id", ["x/../../../escaped", "a..b", "a\\b", "a\x00b",
                                        "a\nb", "a\x1bb"])
def test_version_ids_that_could_name_another_folder_are_refused(registry: Registry,
                                                                version_id: str) -> None:
    registry.create_model(Model("ft-bot", kind=ModelKind.FINE_TUNED, provider="openai"))
    events = len(registry.log())
    with pytest.raises(InvalidInput, match=r"cannot name a version|not a provider snapshot"):
        registry.register_version("ft-bot", version_id)
    with pytest.raises(InvalidInput, match="cannot name a version"):
        registry.register_version("support-bot", "4.0.0+a..b", change=None, force=True,
                                  reason="x")
    assert registry.list_versions("ft-bot") == [] and len(registry.log()) == events


def test_the_library_refuses_deep_metadata_before_writing(registry: Registry,
                                                          tmp_path: Path) -> None:
    deep: dict[str, object] = {}
    for _ in range(300):
        deep = {"a": deep}
    events = len(registry.log())
    with pytest.raises(InvalidInput, match="at most 32 levels"):
        registry.register_version("support-bot", "4.0.0", force=True, reason="x",
                                  metadata=deep, path=weights(tmp_path / "deep"))
    with pytest.raises(InvalidInput, match="finite numbers"):
        registry.register_version("embedder", "1.1.0", metadata={"loss": float("nan")})
    assert len(registry.log()) == events
    assert [str(v.id) for v in registry.list_versions("embedder")] == ["1.0.0"]
