"""Signed checkpoints of the event chain's head, to be kept outside the database.

A checkpoint says "event ``seq`` had hash ``hash`` at ``time``", signed with an Ed25519 key. As
in transparency logs, a later history must *extend* it: the event at ``seq`` still has that hash
and the chain from there to today verifies. Whoever rewrites the history — even recomputing
every hash after an edited event, which the chain alone cannot reveal — changes the hash at
``seq`` and fails against every checkpoint taken before the edit.

The document (JSON, UTF-8)::

    {"format": "modelsteward-checkpoint/1", "seq": 42, "hash": "<64 hex digits>",
     "time": "2026-12-06T07:00:00.000000Z", "key": "ed25519:<base64 public key>",
     "signature": "<base64 Ed25519 signature>"}

The signature is over the canonical JSON (sorted keys, no whitespace) of every field but
``signature``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from modelsteward.domain.events import canonical_json
from modelsteward.errors import InvalidInput

FORMAT = "modelsteward-checkpoint/1"
KEY_PREFIX = "ed25519:"
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    time: str
    key: str  # "ed25519:" + base64 of the raw public key
    signature: str = ""  # base64

    def signed_bytes(self) -> bytes:
        """What the signature covers."""
        return canonical_json({"format": FORMAT, "seq": self.seq, "hash": self.hash,
                               "time": self.time, "key": self.key}).encode("utf-8")

    def to_json(self) -> dict[str, object]:
        return {"format": FORMAT, "seq": self.seq, "hash": self.hash, "time": self.time,
                "key": self.key, "signature": self.signature}

    def render(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n"


def parse_checkpoint(text: str, source: str) -> Checkpoint:
    """The checkpoint in ``text`` (read from ``source``); raises :class:`InvalidInput` naming
    every problem."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"{source} is not a checkpoint: it is not JSON ({exc}). Use the "
                           "file `steward log checkpoint` wrote.") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{source} is not a checkpoint: it is not a JSON object. Use the "
                           "file `steward log checkpoint` wrote.")
    problems = []
    if data.get("format") != FORMAT:
        problems.append(f"format must be {FORMAT!r}")
    seq = data.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        problems.append("seq must be a positive whole number")
    digest = data.get("hash")
    if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
        problems.append("hash must be 64 lowercase hexadecimal digits")
    problems.extend(f"{name} must be a non-empty string" for name in ("time", "key", "signature")
                    if not isinstance(data.get(name), str) or not data[name])
    if isinstance(data.get("key"), str) and not data["key"].startswith(KEY_PREFIX):
        problems.append(f"key must start with {KEY_PREFIX!r}")
    if problems:
        raise InvalidInput(f"{source} is not a valid checkpoint: " + "; ".join(problems)
                           + ". Use the file `steward log checkpoint` wrote.")
    return Checkpoint(seq, digest, data["time"], data["key"],  # type: ignore[arg-type]
                      data["signature"])
