"""``steward retire --archive`` then ``steward restore --to``: a restore that does not verify
exits with its code and leaves nothing in ``--to``."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from tests.cli.conftest import Steward


def test_a_tampered_archive_is_refused_and_nothing_is_left_in_to(steward: Steward,
                                                                 tmp_path: Path) -> None:
    weights = tmp_path / "weights"
    weights.mkdir()
    (weights / "config.json").write_text('{"layers": 2}')
    (weights / "model.safetensors").write_bytes(b"\x07" * 5000)
    steward("model", "create", "bot")
    steward("version", "register", "bot", "1.0.0", "--path", str(weights))
    today = date.today()
    steward("deprecate", "bot@1.0.0", "--reason", "use-case-ended", "--soft-deadline",
            str(today + timedelta(days=1)), "--hard-deadline", str(today + timedelta(days=2)))
    steward("retire", "bot@1.0.0", "--reason", "ended", "--archive", str(tmp_path / "archive"))
    archived = tmp_path / "archive" / "bot" / "1.0.0" / "model.safetensors"
    archived.write_bytes(b"\x08" + archived.read_bytes()[1:])  # tampered in storage
    refused = steward("restore", "bot@1.0.0", "--to", str(tmp_path / "back"), expect=4)
    assert "does not match the registered digests" in refused.stderr
    assert "model.safetensors" in refused.stderr and refused.stdout == ""
    assert not (tmp_path / "back").exists()
    assert [p.name for p in tmp_path.iterdir() if "restoring" in p.name] == []
    archived.write_bytes(b"\x07" * 5000)
    steward("restore", "bot@1.0.0", "--to", str(tmp_path / "back"))
    assert (tmp_path / "back" / "model.safetensors").read_bytes() == b"\x07" * 5000
