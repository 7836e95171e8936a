"""``steward providers import|upcoming`` through the CLI."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Steward
from tests.service.test_providers import SAMPLE


def test_import_and_bad_files(steward: Steward, tmp_path: Path) -> None:
    steward("model", "create", "gpt", "--kind", "hosted", "--provider", "openai")
    steward("version", "register", "gpt", "gpt-4o-2024-08-06")
    run = steward("providers", "import", str(SAMPLE), "--json").json()
    assert run["planned"] == [] and run["unchanged"] == []  # openai's gpt-4o is not in it
    assert steward("providers", "upcoming", "--within", "400d", "--json").json() == []
    (tmp_path / "bad.json").write_text('{"gpt-4-0613": {"litellm_provider": 7, '
                                       '"deprecation_date": "soon"}}')
    run = steward("providers", "import", str(tmp_path / "bad.json"), expect=2)
    assert "gpt-4-0613.deprecation_date" in run.stderr and "gpt-4-0613.litellm_provider" in \
        run.stderr
    assert "Give either FILE or --curated" in steward("providers", "import", expect=2).stderr
    assert "90d" in steward("providers", "upcoming", "--within", "soon", expect=2).stderr
