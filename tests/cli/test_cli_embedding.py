"""The seed's embedding model on the command line: declared with its dimension, locked, then
``lock --upgrade`` refuses to move it (exit 4, the command that records a plan, nothing
written) until ``steward model reembed`` records the re-embedding plan; ``steward deprecate``
takes the plan as ``--reembed-*`` or a located-checked file."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Steward
from tests.cli.test_cli_audit import _weights, gate

NAME = "text-embedding-3-small"
MANIFEST = f'[application]\nname = "rag"\nteam = "search"\n\n[models]\n{NAME} = "^1.0"\n'


def _register(steward: Steward, tmp_path: Path, db_url: str, version: str) -> None:
    steward("version", "register", NAME, version, "--force", "--reason", "embedder versions",
            "--path", str(_weights(tmp_path, f"emb-{version}", version.encode())))
    gate(db_url, f"{NAME}@{version}")


def test_an_embedding_pin_moves_only_with_a_recorded_reembedding_plan(
        steward: Steward, tmp_path: Path, db_url: str) -> None:
    steward("model", "create", NAME, "--owner-team", "search", "--embedding-dimension", "1536",
            "--embedding-distance", "cosine", "--embedding-normalized")
    shown = steward("model", "show", NAME, "--json").json_object()
    assert shown["extra"]["embedding"] == {"dimension": 1536, "distance": "cosine",
                                           "normalized": True}
    _register(steward, tmp_path, db_url, "1.0.0")
    (tmp_path / "models.toml").write_text(MANIFEST)
    steward("lock")
    locked = (tmp_path / "models.lock").read_text()
    _register(steward, tmp_path, db_url, "1.1.0")

    refused = steward("lock", "--upgrade", expect=4)
    assert f"`steward model reembed {NAME}@1.0.0 --to {NAME}@1.1.0" in refused.stderr
    assert (tmp_path / "models.lock").read_text() == locked

    bad = tmp_path / "plan.yaml"
    bad.write_text("documents: 2M\nhours: -4\n")
    problems = steward("model", "reembed", f"{NAME}@1.0.0", "--file", str(bad), expect=2)
    assert "documents" in problems.stderr and "hours" in problems.stderr
    recorded = steward("model", "reembed", f"{NAME}@1.0.0", "--to", f"{NAME}@^1.1",
                       "--documents", "2000000", "--cost", "500", "--hours", "4",
                       "--index", "docs-v2")
    assert "re-embed ~2M documents (~$500, ~4h), rebuilding the index docs-v2" in \
        recorded.stdout
    steward("lock", "--upgrade")
    assert 'version = "1.1.0"' in (tmp_path / "models.lock").read_text()


def test_deprecate_carries_the_reembedding_plan(steward: Steward, tmp_path: Path,
                                                db_url: str) -> None:
    steward("model", "create", NAME, "--embedding-dimension", "1536")
    _register(steward, tmp_path, db_url, "1.0.0")
    _register(steward, tmp_path, db_url, "2.0.0")
    made = steward("deprecate", f"{NAME}@1.0.0", "--reason", "replaced", "--replacement",
                   f"{NAME}@^2", "--soft-deadline", "2030-01-01", "--hard-deadline",
                   "2030-06-01", "--reembed-documents", "2000000", "--reembed-cost", "500",
                   "--reembed-hours", "4", "--reembed-index", "docs-v2")
    assert "Moving its consumers is a data migration: re-embed ~2M documents" in made.stdout
    both = steward("deprecate", f"{NAME}@2.0.0", "--reason", "replaced", "--soft-deadline",
                   "2030-01-01", "--hard-deadline", "2030-06-01", "--reembed-documents", "1",
                   "--reembed-file", "plan.yaml", expect=2)
    assert "either as --reembed-file" in both.stderr
