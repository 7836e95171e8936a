"""Without Debian's Chromium the browser tests skip with the reason, except under CI=true,
where they fail; ``make test`` installs it first (scripts/ensure-chromium.sh)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web import conftest

ROOT = Path(__file__).resolve().parents[2]


def test_a_missing_chromium_skips_the_browser_tests_but_fails_them_in_ci(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(conftest, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        conftest.chromium_or_skip()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="is missing"):
        conftest.chromium_or_skip()


def test_make_test_ensures_chromium_first() -> None:
    makefile = (ROOT / "Makefile").read_text()
    target = makefile[makefile.index("\ntest:"):makefile.index("\n## bench")]
    assert "scripts/ensure-chromium.sh" in target
    assert target.index("ensure-chromium.sh") < target.index("pytest")
    script = (ROOT / "scripts" / "ensure-chromium.sh").read_text()
    assert "apt-get install -y -q chromium" in script and "/usr/bin/chromium" in script
