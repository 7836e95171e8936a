"""The hash chain of the history checked against a signed checkpoint of its head: the pure part
of verifying a history, shared by the local registry (which reads the events from its store)
and the remote client (which reads them over HTTP)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from modelsteward.domain.checkpoint import Checkpoint
from modelsteward.domain.events import ChainWalk, Event
from modelsteward.domain.state import Replay

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def check_events(events: Iterable[Event], *, checkpoint: Checkpoint | None = None,
                 trusted: Ed25519PublicKey | None = None,
                 replay: Replay | None = None) -> tuple[ChainWalk, str]:
    """Walk ``events`` (in sequence order, read lazily) through the chain check, feeding each
    good event to ``replay``; stop at the first break. Return the walk and why ``checkpoint``
    does not hold (``""`` when it holds or none is given): a bad signature, a different hash
    at its sequence number, or a history that ends before it."""
    walk = ChainWalk()
    problem = ""
    if checkpoint is not None:
        # imported here: only checkpoints need the cryptography package
        from modelsteward.integrity.checkpoint_keys import signature_problem

        problem = signature_problem(checkpoint, trusted)
    if problem:
        problem = f"the checkpoint is not trustworthy: {problem}"
    for event in events:
        if walk.add(event) is not None:
            break
        if replay is not None:
            replay.apply(event)
        if checkpoint is not None and event.seq == checkpoint.seq and not problem \
                and event.hash != checkpoint.hash:
            problem = (f"event {event.seq} has the hash {event.hash[:16]}… now, not the "
                       f"{checkpoint.hash[:16]}… the checkpoint of {checkpoint.time} signed: "
                       "the history up to it was rewritten")
    if checkpoint is not None and not problem and walk.broken is None \
            and walk.last_seq < checkpoint.seq:
        problem = (f"the history ends at event {walk.last_seq}, before the checkpoint's event "
                   f"{checkpoint.seq}: events were removed")
    return walk, problem
