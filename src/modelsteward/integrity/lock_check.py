"""A lock's digests must add up: each model's root digest is the model-signing root of the files
it lists. A lock edited by hand (a file digest changed, a file dropped) fails this check."""

from __future__ import annotations

from modelsteward.domain.lockfile import Lock, parse_lock
from modelsteward.domain.model import FileDigest
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem
from modelsteward.integrity.manifest import root_digest


def lock_files(files: tuple[object, ...]) -> tuple[FileDigest, ...]:
    return tuple(FileDigest(f.path, f.sha256, f.size) for f in files)  # type: ignore[attr-defined]


def lock_problems(lock: Lock) -> list[Problem]:
    """Every model whose listed files do not produce its root digest, located in the lock."""
    problems: list[Problem] = []
    for i, model in enumerate(lock.models):
        if not model.files and not model.root_digest:
            continue  # a hosted model: nothing to hash
        if not model.files or not model.root_digest:
            lists = "files but no root digest" if model.files else "a root digest but no files"
            problems.append(Problem(f"models[{i}]", f"{model.ref} lists {lists}; "
                                    "run `steward lock` to rewrite the lock"))
            continue
        try:
            computed = root_digest(lock_files(model.files))
        except InvalidInput as exc:
            problems.append(Problem(f"models[{i}].files", str(exc)))
            continue
        if computed != model.root_digest:
            problems.append(Problem(
                f"models[{i}].hashes.sha256",
                f"{model.ref}'s root digest does not match the files it lists (they give "
                f"{computed[:12]}…): the lock was edited. Rewrite it with `steward lock`, or "
                "restore it from version control"))
    return problems


def read_lock(text: str, source: str = "models.lock") -> Lock:
    """Parse a lock and check that its digests add up; raise :class:`DocumentInvalid` with
    every problem otherwise."""
    lock = parse_lock(text, source)
    problems = lock_problems(lock)
    if problems:
        raise DocumentInvalid(source, problems, consequence="it was not used")
    return lock
