"""A version's files are named so that its lock file can hold them: a manifest given whole
(by the API or a library caller) is checked by the same rule as the API's manifest entries
(``integrity.manifest.check_entries``), every problem located, and nothing is written."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from modelsteward import Registry
from modelsteward.domain.model import FileDigest, Model
from modelsteward.errors import DocumentInvalid
from modelsteward.integrity.manifest import Manifest
from tests.conftest import FixedClock

DIGEST = "ab" * 32


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    with Registry.open(db_url, actor="alice@example.com", clock=clock) as reg:
        reg.create_model(Model("bot"))
        yield reg


@pytest.mark.parametrize("path", ["back\\slash.bin", "../outside.bin", "/etc/passwd", "a//b",
                                  "./a", "", "caf\udce9.bin", "C:/x.bin", "a\x1b[2J.bin"])
def test_a_path_a_lock_file_cannot_hold_is_refused(registry: Registry, path: str) -> None:
    manifest = Manifest.of([FileDigest("ok.bin", DIGEST, 1), FileDigest(path, DIGEST, 2)])
    with pytest.raises(DocumentInvalid, match="The files of the new version of bot") as caught:
        registry.register_version("bot", "1.0.0", manifest=manifest)
    assert repr(path) in str(caught.value)
    assert [p.location for p in caught.value.problems] == ["files[0].path"]
    assert registry.list_versions("bot") == []


def test_paths_inside_the_folder_register_and_lock(registry: Registry) -> None:
    manifest = Manifest.of([FileDigest("weights/model.safetensors", DIGEST, 1),
                            FileDigest("config.json", DIGEST, 2)])
    version = registry.register_version("bot", "1.0.0", manifest=manifest)
    assert [f.path for f in version.files] == ["config.json", "weights/model.safetensors"]
