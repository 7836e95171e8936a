"""The one exception root of modelsteward and the failures a user can act on.

Every error raised on purpose by the library derives from :class:`StewardError`. Messages are
whole sentences that name the object and the next step. Only the CLI maps these classes to exit
codes (``cli/exits.py``) and only the API will map them to HTTP problems.

::

    StewardError
    ├── InvalidInput                 bad argument, name, version, pin or file
    │   ├── InvalidName
    │   ├── InvalidVersion
    │   ├── InvalidPin
    │   ├── DocumentInvalid          a file with one or more located problems
    │   ├── IdempotencyKeyReused     an Idempotency-Key sent again with another request
    │   ├── ApprovalRefused          an approval the policy does not allow
    │   └── ArchiveProtocolUnavailable  an archive URL whose fsspec package is not installed
    ├── NotFound
    │   ├── ModelNotFound
    │   ├── VersionNotFound
    │   ├── TokenNotFound
    │   ├── ConsumerNotFound
    │   ├── NoMatchingVersion        a pin that resolves to nothing
    │   │   └── PinNoLongerResolves  …because what it matched was retired, deleted,
    │   │                            rejected or is not eligible (says which, when, why, and
    │   │                            what replaces it)
    │   ├── AdvisoryNotFound
    │   ├── SubscriptionNotFound
    │   ├── DeliveryNotFound
    │   ├── ExperimentNotFound
    │   ├── PipelineNotFound         a model without an imported fine-tuning pipeline
    │   └── RunNotFound              no pipeline run with that id
    ├── Conflict
    │   ├── IllegalTransition        a stage change the lifecycle does not allow
    │   ├── GateRefused              one or more gate requirements unmet (all listed)
    │   ├── NoRollbackTarget         no earlier eligible version to roll back to
    │   ├── StepRefused              a pipeline run's step out of order, repeated, or late
    │   ├── ModelExists
    │   ├── VersionExists
    │   ├── BumpRuleViolation        explicit version contradicts the declared change
    │   ├── AttestationMismatch      attestation subject digest differs from the version's
    │   ├── IdempotentRequestRunning the first request with an Idempotency-Key has not finished
    │   ├── IdempotentSecretNotKept  a retried request whose answer held a secret (a token)
    │   ├── ExperimentExists
    │   ├── ReembeddingRequired      an embedding pin moved without a recorded re-embedding plan
    │   └── ArchiveMismatch          an archived copy that differs from the registered digests
    ├── ArtifactError                a model folder that cannot be hashed safely
    │   ├── PathUnreadable
    │   ├── SymlinkEscapes
    │   ├── FileNameUnusable         a file name a manifest or lock file cannot record
    │   ├── ArchiveUnwritable        an archive location that cannot be written
    │   │   └── DestinationUnwritable  a restore's destination that cannot take the files
    │   ├── ArchiveUnreadable
    │   └── ArchiveEscapes           an archive path that would lead outside the archive
    ├── DeliveryFailed               a receiver did not take a notification (it is retried)
    ├── NotAuthorised                the actor may not do this (e.g. override a gate)
    │   └── NotAuthenticated         no valid token: the caller is not known
    └── StorageError                 the database cannot be reached or migrated
        └── ServerUnreachable        a remote server (STEWARD_URL) cannot be reached or failed
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from modelsteward.domain.name_pattern import MODEL_NAME_PATTERN


class StewardError(Exception):
    """Root of every deliberate modelsteward failure."""


class InvalidInput(StewardError):
    """An argument or value is malformed; the message says what form is expected."""


class InvalidName(InvalidInput):
    pass


class IdempotencyKeyReused(InvalidInput):
    """An ``Idempotency-Key`` already used by the same caller for another request."""

    def __init__(self, key: str, first: str) -> None:
        self.key = key
        super().__init__(f"The Idempotency-Key {key!r} was already used for another request "
                         f"({first}) within the last 24 hours: a key names one request. Send a "
                         "new key with a new request, and the same key only to retry the same "
                         "request with the same body.")


class InvalidVersion(InvalidInput):
    pass


class InvalidPin(InvalidInput):
    pass


@dataclass(frozen=True)
class Problem:
    """One located problem in a document: ``location`` is a path such as
    ``models.foo.eval_scores``."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class DocumentInvalid(InvalidInput):
    """A document (YAML, JSON attestation, …) has problems; all of them are listed, with
    locations."""

    def __init__(self, source: str, problems: Sequence[Problem], *,
                 consequence: str = "nothing was written") -> None:
        self.source = source
        self.problems = tuple(problems)
        # one line per problem, whatever keys or values a location or message quotes
        lines = "\n".join("  - " + str(p).replace("\r", "\\r").replace("\n", "\\n")
                          for p in self.problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(
            f"{source} has {count} {noun}; {consequence}. Fix them and try again:\n{lines}"
        )


class ApprovalRefused(InvalidInput):
    """An approval that the policy does not allow (wrong role, self-approval, bad dates)."""


class NotAuthorised(StewardError):
    """The actor may not do this, e.g. override a gate without being an administrator."""


class NotAuthenticated(NotAuthorised):
    """No token, an unknown, revoked or expired one: the caller is not known."""


class NotFound(StewardError):
    pass


class ModelNotFound(NotFound):
    """``suggestions``: the registry's names nearest to ``name``, offered instead of creating
    it; ``None`` until they were looked for (the store does it as the error leaves a
    transaction)."""

    def __init__(self, name: str, suggestions: Sequence[str] | None = None) -> None:
        self.name = name
        self.suggestions = tuple(suggestions) if suggestions is not None else None
        if self.suggestions:
            meant = " or ".join(repr(s) for s in self.suggestions)
            super().__init__(f"Model {name!r} is not in the registry. Did you mean {meant}? "
                             "List models with `steward model list`.")
            return
        # only a name that could be created is offered for creation
        create = (f" or create it with `steward model create {name}`"
                  if re.fullmatch(MODEL_NAME_PATTERN, name) else "")
        super().__init__(
            f"Model {name!r} is not in the registry. List models with `steward model list`"
            f"{create}."
        )


class VersionNotFound(NotFound):
    def __init__(self, model: str, version: str) -> None:
        self.model = model
        self.version = version
        super().__init__(
            f"Model {model!r} has no version {version!r}. "
            f"List its versions with `steward version list {model}`."
        )


class AdvisoryNotFound(NotFound):
    def __init__(self, advisory_id: str) -> None:
        self.advisory_id = advisory_id
        super().__init__(f"There is no advisory {advisory_id!r}. List them with "
                         "`steward advisory list`.")


class SubscriptionNotFound(NotFound):
    def __init__(self, subscription_id: str) -> None:
        self.subscription_id = subscription_id
        super().__init__(f"There is no subscription {subscription_id!r}. List them with "
                         "`steward subscriptions --all`.")


class DeliveryNotFound(NotFound):
    def __init__(self, delivery_id: str) -> None:
        self.delivery_id = delivery_id
        super().__init__(f"There is no delivery {delivery_id!r}. List the dead ones with "
                         "`steward dead-letters`.")


class ExperimentNotFound(NotFound):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"There is no experiment {name!r}. List them with "
                         "`steward experiment list`.")


class PipelineNotFound(NotFound):
    def __init__(self, model: str) -> None:
        self.model = model
        super().__init__(f"Model {model!r} has no fine-tuning pipeline. Import one with "
                         f"`steward pipeline import {model} FILE`.")


class RunNotFound(NotFound):
    def __init__(self, run: str) -> None:
        self.run = run
        super().__init__(f"There is no pipeline run {run!r}. List them with "
                         "`steward pipeline list`.")


class NoMatchingVersion(NotFound):
    def __init__(self, model: str, pin: str) -> None:
        self.model = model
        self.pin = pin
        super().__init__(
            f"No version of {model!r} matches the pin {pin!r}. "
            f"List its versions with `steward version list {model}` or loosen the pin."
        )


@dataclass(frozen=True)
class Unresolvable:
    """Why the best version a pin matches cannot be given: ``state`` is ``retired``,
    ``deleted``, ``rejected`` or ``ineligible``; ``since`` the date it happened (ISO, or "")."""

    version: str  # model@version
    state: str
    since: str
    reason: str
    replacement: str = ""  # MODEL@PIN, or ""

    def as_dict(self) -> dict[str, str | None]:
        return {"version": self.version, "state": self.state, "since": self.since or None,
                "reason": self.reason, "replacement": self.replacement or None}


class PinNoLongerResolves(NoMatchingVersion):
    """A pin that matches versions of the model, none of which can be given any more: the
    message (and :attr:`why`) names the version, what happened to it and when, why, and what
    replaces it."""

    def __init__(self, model: str, pin: str, why: Unresolvable) -> None:
        self.model = model
        self.pin = pin
        self.why = why
        when = f" on {why.since}" if why.since else ""
        if why.state == "ineligible":
            what = (f"No eligible version of {model!r} matches the pin {pin!r}: the best match, "
                    f"{why.version}, is not eligible for applications because {why.reason}.")
        else:
            what = (f"The pin {pin!r} of {model!r} no longer resolves: {why.version} was "
                    f"{why.state}{when} ({why.reason}).")
        if why.replacement:
            fix = (f" Its replacement is {why.replacement}: pin that instead "
                   f"(`steward resolve {why.replacement.replace('@', ' ', 1)}`).")
        elif why.state == "ineligible":
            fix = (" Move a version through the gates (`steward promote`), pin a version exactly, "
                   "or, for a staging environment, resolve with --candidates.")
        else:
            fix = f" Nothing replaces it: choose another version (`steward version list {model}`)."
        StewardError.__init__(self, what + fix)


class Conflict(StewardError):
    pass


class ReembeddingRequired(Conflict):
    """Moving consumers of an embedding model to another version or model is a data migration
    (every document embedded again, the index rebuilt) and no re-embedding plan covers it."""

    def __init__(self, source: str, target: str, spec: str) -> None:
        self.source = source
        self.target = target
        model = source.partition("@")[0]
        super().__init__(
            f"Moving {source} to {target} needs a re-embedding plan: {model} is an embedding "
            f"model ({spec}), so every document must be embedded again and its index rebuilt, "
            "and no plan for that migration is recorded; nothing was written. Record one with "
            f"`steward model reembed {source} --to {target} --documents N --cost USD "
            "--hours H --index NAME` (or give a deprecation plan --reembed-documents …), then "
            "run this again."
        )


class IllegalTransition(Conflict):
    def __init__(self, ref: str, current: str, target: str, allowed: Sequence[str]) -> None:
        self.ref = ref
        self.current = current
        self.target = target
        self.allowed = tuple(allowed)
        nexts = ", ".join(allowed) if allowed else "none (it is final)"
        super().__init__(
            f"{ref} cannot move from {current} to {target}. From {current} the allowed next "
            f"stages are: {nexts}."
        )


class GateRefused(Conflict):
    """A promotion whose gates are not all passed; ``unmet`` lists every requirement."""

    def __init__(self, ref: str, target: str, unmet: Sequence[str]) -> None:
        self.ref = ref
        self.target = target
        self.unmet = tuple(unmet)
        lines = "\n".join(f"  - {item}" for item in self.unmet)
        super().__init__(
            f"{ref} cannot be promoted to {target}; {len(self.unmet)} requirement"
            f"{'s are' if len(self.unmet) != 1 else ' is'} unmet:\n{lines}"
        )


class NoRollbackTarget(Conflict):
    pass


class StepRefused(Conflict):
    """A step that a fine-tuning pipeline's run cannot record now: not the step it waits for,
    already recorded, or recorded after the run ended. ``reason`` is the whole sentence."""

    def __init__(self, run: str, step: str, reason: str) -> None:
        self.run = run
        self.step = step
        super().__init__(reason)


class ModelExists(Conflict):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"Model {name!r} already exists. Show it with `steward model show {name}`."
        )


class ExperimentExists(Conflict):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"Experiment {name!r} exists already; experiments are not replaced. "
                         "Choose another name, or see it with `steward experiment show "
                         f"{name}`.")


class VersionExists(Conflict):
    def __init__(self, model: str, version: str) -> None:
        self.model = model
        self.version = version
        super().__init__(
            f"{model}@{version} is already registered and registered versions are immutable. "
            "Register the change as a new version (see `--change`)."
        )


class BumpRuleViolation(Conflict):
    """An explicit version contradicts the bump rule of the declared change."""

    def __init__(self, model: str, version: str, explanation: str) -> None:
        self.model = model
        self.version = version
        super().__init__(
            f"{model}@{version} contradicts the versioning rules: {explanation} "
            "Use the suggested version, or pass --force with --reason to record an exception."
        )


class AttestationMismatch(Conflict):
    def __init__(self, model: str, version: str, expected: str, found: str) -> None:
        self.expected = expected
        self.found = found
        super().__init__(
            f"The attestation's subject digest does not match {model}@{version}: "
            f"the version's root digest is sha256:{expected}, "
            f"the attestation names sha256:{found}. "
            "Attach the attestation produced for this exact artefact."
        )


class IdempotentRequestRunning(Conflict):
    """The first request with an ``Idempotency-Key`` is still running (or stopped before it
    answered) while the same request is sent again."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"A request with the Idempotency-Key {key!r} is still being processed. "
                         "Retry it with the same key in a few seconds to get its answer; if it "
                         "stays unanswered, the server stopped while running it: check whether "
                         "it took effect before sending it again with a new key.")


class IdempotentSecretNotKept(Conflict):
    """A retry of a request that succeeded, whose answer held a secret: secrets are shown once
    and never stored, so the answer cannot be sent again."""

    def __init__(self, key: str, status: int) -> None:
        self.key = key
        super().__init__(f"The request with the Idempotency-Key {key!r} already succeeded (HTTP "
                         f"{status}), but its answer held a secret, which is shown only once and "
                         "not kept. If that answer was lost, list the tokens (`steward token "
                         "list`), revoke the one it made and create another with a new key.")


class ArtifactError(StewardError):
    pass


class PathUnreadable(ArtifactError):
    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        super().__init__(f"Cannot read {path}: {reason}. Check the path and its permissions.")


class SymlinkEscapes(ArtifactError):
    def __init__(self, link: str, target: str) -> None:
        self.link = link
        self.target = target
        super().__init__(
            f"The symlink {link} points to {target}, outside the model folder. "
            "Copy the file into the folder or remove the link; links may only point inside it. "
            "(A Hugging Face cache snapshot links to its blobs: download with `local_dir` "
            "instead.)"
        )


class FileNameUnusable(ArtifactError):
    """A file of a model whose name cannot be recorded in its manifest and lock file: not
    UTF-8, or holding a backslash. ``path`` shows undecodable bytes escaped (``caf\\xe9``)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        super().__init__(f"The file {path} cannot be registered: its name {reason}. Rename the "
                         "file and try again.")


class DeliveryFailed(StewardError):
    """A receiver did not take a notification (refused, unreachable, not allowed); the outbox
    records the reason and tries again later. Raised by senders, caught by the dispatcher."""


class StorageError(StewardError):
    """The database cannot be opened, reached or migrated."""


class ServerUnreachable(StorageError):
    """The remote server named by ``STEWARD_URL`` cannot be reached, or answered with
    something other than its API; the message names the URL and what to check."""


# --- archives, tokens, consumers: raised by integrity/ and service/ -----------------------


class ArchiveUnwritable(ArtifactError):
    def __init__(self, uri: str, reason: str) -> None:
        self.uri = uri
        super().__init__(f"Cannot write the archive at {uri}: {reason}. Choose a location you "
                         "can write to (--archive PATH or URL, or STEWARD_ARCHIVE).")


class DestinationUnwritable(ArchiveUnwritable):
    """A restore's destination cannot take the restored files."""

    def __init__(self, path: str, reason: str) -> None:
        self.uri = path
        ArtifactError.__init__(self, f"Cannot restore into {path}: {reason}; restore into a "
                                     "new or empty folder (--to PATH).")


class ArchiveUnreadable(ArtifactError):
    def __init__(self, uri: str, reason: str) -> None:
        self.uri = uri
        super().__init__(f"Cannot read the archive at {uri}: {reason}. Check the location.")


class ArchiveProtocolUnavailable(InvalidInput):
    """The archive's URL names an fsspec protocol whose package is not installed."""

    def __init__(self, uri: str, protocol: str, reason: str, extra: str = "") -> None:
        """``extra``: the modelsteward extra that installs the protocol's package, if any."""
        self.uri = uri
        self.protocol = protocol
        fix = (f"install it with `pip install 'modelsteward[{extra}]'`" if extra
               else f"install the package fsspec names ({reason.rstrip('.')})")
        super().__init__(f"Cannot use the archive at {uri}: {protocol}:// needs a package that "
                         f"is not installed; {fix}, or choose another location (--archive "
                         "PATH or URL, or STEWARD_ARCHIVE).")


class ArchiveEscapes(ArtifactError):
    def __init__(self, root: str, relative: str) -> None:
        self.root = root
        self.relative = relative
        super().__init__(
            f"Refusing to write {relative!r} under the archive {root}: it would lead outside "
            "the archive ('..', an empty or '.' segment, a backslash or a control character). "
            "Such a version id or file path is no longer accepted when a version is "
            "registered; retire this version without archiving its weights "
            "(`steward retire`).")


class TokenNotFound(NotFound):
    def __init__(self, token_id: str) -> None:
        self.token_id = token_id
        super().__init__(f"There is no token {token_id!r}. List them with `steward token list`.")


class ConsumerNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"No consumer is named {name!r}. List them with `steward consumer list`.")


class ArchiveMismatch(Conflict):
    def __init__(self, ref: str, uri: str, detail: str) -> None:
        super().__init__(f"The archived copy of {ref} at {uri} does not match the registered "
                         f"digests ({detail}); the version stays as it was. Check the archive "
                         "storage and retry.")
