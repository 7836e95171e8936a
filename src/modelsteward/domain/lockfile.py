"""``models.lock``: the exact model versions an application resolved, shaped like PEP 751's
``pylock.toml``.

::

    lock-version = "1.0"
    created-by = "modelsteward"
    application = "support-portal"

    [[models]]
    name = "support-bot"
    version = "2.1.3"
    pin = "^2.1"
    candidates = true              # only when resolved with --candidates (lock-version 1.1)
    purl = "pkg:generic/modelsteward/support-bot@2.1.3"
    registry = "sqlite:///steward.db"
    hashes = { sha256 = "<root digest>" }
    ...
    requirements = { framework = "transformers", framework-version = ">=4.40,<4.47" }

    [[models.files]]
    path = "model.safetensors"
    size = 1234
    hashes = { sha256 = "<file digest>" }

Compatibility (as in PEP 751): ``lock-version`` is ``MAJOR.MINOR``. A lock with a higher major
version than :data:`LOCK_VERSION`'s is refused — its format may mean something else. A lock with
the same major and a higher minor is read: keys this version does not know are ignored and
:func:`lock_warnings` says so. With a known minor, unknown keys are problems (typos).

:func:`render_lock` is deterministic and :func:`parse_lock` reads what it writes:
``parse_lock(render_lock(lock)) == lock`` for every lock that :func:`parse_lock` accepts.
The root digest is not checked against the files here: that needs the hashing code.

``candidates`` (lock-version 1.1) records that the entry was resolved with versions below the
policy's ``eligibility.minimum_stage`` admitted, so that re-locking, ``outdated`` and the audit
keep that choice.

``requirements`` (lock-version 1.2) is what the registry recorded the locked version was tested
with (``steward version requirements``, or ``--requirements`` at registration): ``framework``
and ``framework-version`` (a range), and ``tokenizer``, ``hardware`` and
``serving-config-digest`` when recorded — only the keys that were recorded. It describes the
version; the digests alone say what the artefact is, so it takes no part in checking them.

A lock is written with the lowest lock-version that can say what it holds: ``1.0`` unless an
entry records ``candidates`` (``1.1``) or ``requirements`` (``1.2``), so that an older
modelsteward still reads every lock that does not use them (and one that does, with a
warning, ignoring the keys it does not know).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

import tomli_w
from packageurl import PackageURL

from modelsteward.domain.app_manifest import check_pin
from modelsteward.domain.documents import describe
from modelsteward.domain.names import validate_model_name
from modelsteward.domain.requirements import Requirements, valid_range
from modelsteward.domain.toml_document import TomlTable, load_toml, one_of
from modelsteward.domain.versioning import ModelVersion, Snapshot
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem

__all__ = ["CREATED_BY", "LOCK_VERSION", "Lock", "LockedFile", "LockedModel", "entry_line",
           "lock_warnings", "parse_lock", "render_lock"]

LOCK_VERSION: Final = "1.2"  # the newest this modelsteward reads and writes
_BASE_VERSION: Final = "1.0"  # what a lock without 1.1 or 1.2 keys is written as
_CANDIDATES_VERSION: Final = "1.1"  # the first that can say ``candidates``
CREATED_BY: Final = "modelsteward"

_LOCK_VERSION_FORM: Final = re.compile(r"^(\d{1,9})\.(\d{1,9})$")
_HEX: Final = re.compile(r"^[0-9a-f]{64}$")
_PREFIXED: Final = re.compile(r"^sha256:[0-9a-f]{64}$")
_MAX_SIZE: Final = 2**63 - 1  # TOML integers are 64-bit
_TOP: Final = ("lock-version", "created-by", "application", "models")
_MODEL: Final = ("name", "version", "pin", "candidates", "purl", "registry", "hashes", "tokenizer",
                 "framework", "config-digest", "prompt-template-digest", "derived-from",
                 "attestation", "requirements", "files")
_FILE: Final = ("path", "size", "hashes")
# the lock's (kebab-case) key of each Requirements field, in the order they are written
_REQUIREMENTS: Final = (("framework", "framework"), ("framework-version", "framework_version"),
                        ("tokenizer", "tokenizer"), ("hardware", "hardware"),
                        ("serving-config-digest", "serving_config_digest"))
_ATTESTATION: Final = ("builder", "identity")
_HASHES: Final = ("sha256",)


@dataclass(frozen=True)
class LockedFile:
    """One file of a locked model: its POSIX path inside the model folder, hex SHA-256, size."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class LockedModel:
    """One resolved model: ``name@version`` chosen by ``pin`` from ``registry``.

    ``variant`` is derived from ``version`` (the part after ``+``) and never stored on its own:
    a value passed for it is replaced by the derived one. ``root_digest`` is the hex root
    digest of ``files`` (``""`` for a hosted model without files). ``files`` is kept sorted by
    path. ``derived_from`` lists ancestors nearest first (``name@version`` or package URLs).
    """

    name: str
    version: str
    pin: str
    purl: str
    registry: str = ""
    variant: str = ""
    root_digest: str = ""
    files: tuple[LockedFile, ...] = ()
    tokenizer: str = ""
    framework: str = ""
    config_digest: str = ""
    prompt_template_digest: str = ""
    derived_from: tuple[str, ...] = ()
    attestation_builder: str = ""
    attestation_identity: str = ""
    candidates: bool = False  # resolved with versions below the minimum stage admitted
    requirements: Requirements | None = None  # what the registry says it was tested with

    def __post_init__(self) -> None:
        # always derived, so that dataclasses.replace(model, version=…) keeps it consistent
        object.__setattr__(self, "variant", self.version.partition("+")[2])
        object.__setattr__(self, "files", tuple(sorted(self.files, key=lambda f: f.path)))
        object.__setattr__(self, "derived_from", tuple(self.derived_from))

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class Lock:
    """A parsed ``models.lock``: the models of ``application``, kept sorted by name.
    ``lock_version`` defaults to the lowest that can say what the models hold."""

    application: str
    models: tuple[LockedModel, ...]
    lock_version: str = ""
    created_by: str = CREATED_BY

    def __post_init__(self) -> None:
        object.__setattr__(self, "models", tuple(sorted(self.models, key=lambda m: m.name)))
        if not self.lock_version:
            object.__setattr__(self, "lock_version", _lowest_version(self.models))

    def get(self, name: str) -> LockedModel | None:
        """The locked model called ``name``, or ``None``."""
        return next((m for m in self.models if m.name == name), None)

    def replace(self, model: LockedModel) -> Lock:
        """This lock with ``model`` added, or replacing the locked model of the same name."""
        others = tuple(m for m in self.models if m.name != model.name)
        return Lock(self.application, (*others, model), created_by=self.created_by)


def _lowest_version(models: tuple[LockedModel, ...]) -> str:
    """The lowest lock-version that can say what ``models`` hold."""
    if any(m.requirements is not None for m in models):
        return LOCK_VERSION
    if any(m.candidates for m in models):
        return _CANDIDATES_VERSION
    return _BASE_VERSION


def lock_warnings(lock: Lock) -> list[str]:
    """Warnings to show when reading ``lock``: one when a newer modelsteward wrote it with a
    higher minor ``lock-version`` (PEP 751: tools warn), else none."""
    ours = _version_parts(LOCK_VERSION)
    theirs = _version_parts(lock.lock_version)
    assert ours is not None
    if theirs is None or theirs[0] != ours[0] or theirs[1] <= ours[1]:
        return []
    return [f"The lock was written by a newer modelsteward (lock-version {lock.lock_version}); "
            f"this one reads lock-version {LOCK_VERSION}, ignores the keys it does not know and "
            f"drops them if it rewrites the lock. Upgrade modelsteward to keep them."]


def _version_parts(text: str) -> tuple[int, int] | None:
    match = _LOCK_VERSION_FORM.fullmatch(text)
    return (int(match[1]), int(match[2])) if match else None


# --- parsing -----------------------------------------------------------------------------------


def parse_lock(text: str, source: str = "models.lock") -> Lock:
    """Read the text of ``models.lock``.

    Raises :class:`DocumentInvalid` naming ``source`` with *every* problem, each located
    (``models[2].files[0].hashes.sha256``): TOML syntax; missing or wrong-typed keys; unknown
    keys (ignored instead when the lock has a newer minor ``lock-version``); digests that are
    not 64 lowercase hex digits; duplicate model names or file paths; invalid names, versions,
    pins and package URLs. A ``lock-version`` with a higher major than 1 is the only problem
    reported: such a lock cannot be read at all. The root digest is not checked against files.
    """
    doc = load_toml(text, source)
    problems: list[Problem] = []
    top = TomlTable(doc, "", problems)
    lock_version = top.text("lock-version", required=f'write lock-version = "{_BASE_VERSION}"')
    strict = True
    if lock_version:
        parts = _version_parts(lock_version)
        ours = _version_parts(LOCK_VERSION)
        assert ours is not None
        if parts is None:
            top.problem("lock-version", f"{lock_version!r} is not a lock-version: write "
                                        f"MAJOR.MINOR, e.g. \"{_BASE_VERSION}\"")
        elif parts[0] > ours[0]:
            raise DocumentInvalid(source, [Problem(
                "lock-version", f"written by a newer modelsteward (lock-version {lock_version}); "
                                f"upgrade modelsteward to read it")])
        elif parts[0] < ours[0]:
            top.problem("lock-version", f"{lock_version!r} is older than any lock modelsteward "
                                        f"wrote; regenerate the lock")
        else:
            strict = parts[1] <= ours[1]
    if strict:
        top.check_keys(_TOP)
    created_by = top.text("created-by", required=f'write created-by = "{CREATED_BY}"')
    application = top.text("application", required='name the application, e.g. application = '
                                                    '"support-portal"')
    if application:
        try:
            validate_model_name(application)
        except InvalidInput:
            top.problem("application", f"{application!r} is not an application name: use 1–64 "
                                       f"lowercase letters, digits, '.', '_' or '-', starting "
                                       f"and ending with a letter or digit")
    models: list[LockedModel] = []
    first: dict[str, int] = {}
    for i, entry in enumerate(top.tables("models", "[[models]]")):
        model = _model(entry, strict)
        name = entry.raw.get("name")
        if isinstance(name, str) and name in first:
            entry.problem("name", f"repeats {name!r} (already at models[{first[name]}]); lock "
                                  f"each model once")
        elif isinstance(name, str):
            first[name] = i
        if model is not None:
            models.append(model)
    if problems:
        raise DocumentInvalid(source, problems)
    return Lock(application, tuple(models), lock_version, created_by)


def _model(entry: TomlTable, strict: bool) -> LockedModel | None:
    count = len(entry.problems)
    if strict:
        entry.check_keys(_MODEL)
    name = entry.text("name", required="name the model")
    if name:
        _check(entry, "name", validate_model_name, name)
    version = entry.text("version", required="give the locked version, e.g. version = \"2.1.3\"")
    if version:
        _check_version(entry, "version", version)
    pin = entry.text("pin", required="give the pin the version was resolved from")
    if pin:
        message = check_pin(pin)
        if message:
            entry.problem("pin", message)
    purl = entry.text("purl", required=f"give the package URL, e.g. "
                                       f"\"pkg:generic/modelsteward/{name or 'NAME'}@VERSION\"")
    if purl:
        _check_purl(entry, "purl", purl)
    registry = entry.text("registry")
    root = _hashes(entry, strict)
    files = _files(entry, strict)
    if files and not root and "hashes" not in entry.raw:
        entry.problem("hashes", "missing; a model with files records their root digest as "
                                "hashes = { sha256 = \"…\" }; regenerate the lock")
    tokenizer = entry.text("tokenizer")
    framework = entry.text("framework")
    config_digest = _prefixed(entry, "config-digest")
    template_digest = _prefixed(entry, "prompt-template-digest")
    derived_from = _derived_from(entry)
    candidates = entry.flag("candidates")
    builder, identity = _attestation(entry, strict)
    requirements = _requirements(entry, strict)
    if len(entry.problems) > count:
        return None
    return LockedModel(name, version, pin, purl, registry, root_digest=root, files=files,
                       tokenizer=tokenizer, framework=framework, config_digest=config_digest,
                       prompt_template_digest=template_digest, derived_from=derived_from,
                       attestation_builder=builder, attestation_identity=identity,
                       candidates=candidates, requirements=requirements)


def _check(table: TomlTable, key: str, validate: Callable[[str], object], value: str) -> None:
    try:
        validate(value)
    except InvalidInput as exc:
        table.problem(key, str(exc))


def _check_version(table: TomlTable, key: str, version: str) -> None:
    if version != version.strip():
        table.problem(key, f"{version!r} has spaces around it; remove them")
        return
    try:
        ModelVersion.parse(version)
        return
    except InvalidInput as exc:
        semantic = str(exc)
    try:
        Snapshot.parse(version)
    except InvalidInput as exc:
        # "+" or a leading digit: meant as a semantic version
        table.problem(key, semantic if "+" in version or version[:1].isdigit() else str(exc))


def _check_purl(table: TomlTable, key: str, purl: str) -> None:
    try:
        PackageURL.from_string(purl)
    except ValueError as exc:
        table.problem(key, f"{purl!r} is not a package URL ({exc}); write it like "
                           f"'pkg:generic/modelsteward/support-bot@2.1.3'")


def _hashes(table: TomlTable, strict: bool, required: bool = False) -> str:
    """The hex SHA-256 of ``hashes = { sha256 = "…" }``; ``""`` when absent or wrong."""
    if "hashes" not in table.raw:
        if required:
            table.problem("hashes", 'missing; write hashes = { sha256 = "<64 hex digits>" }')
        return ""
    hashes = table.table("hashes", '{ sha256 = "<64 hex digits>" }')
    if hashes is None:
        return ""
    if strict:
        hashes.check_keys(_HASHES)
    digest = hashes.text("sha256", required="give the SHA-256 digest as 64 hex digits")
    if digest and not _HEX.fullmatch(digest):
        hashes.problem("sha256", f"{digest!r} is not a SHA-256 digest: write 64 lowercase hex "
                                 f"digits (0-9, a-f), without a 'sha256:' prefix")
        return ""
    return digest


def _prefixed(table: TomlTable, key: str) -> str:
    digest = table.text(key)
    if digest and not _PREFIXED.fullmatch(digest):
        table.problem(key, f"{digest!r} is not a digest: write 'sha256:' followed by 64 "
                           f"lowercase hex digits")
        return ""
    return digest


def _files(entry: TomlTable, strict: bool) -> tuple[LockedFile, ...]:
    files: list[LockedFile] = []
    first: dict[str, int] = {}
    for i, table in enumerate(entry.tables("files", "[[models.files]]")):
        count = len(table.problems)
        if strict:
            table.check_keys(_FILE)
        # not text(required=…): a file name may be blank, " " is a name like any other
        path = table.text("path")
        if "path" not in table.raw:
            table.problem("path", "missing; give the file's path inside the model folder")
        elif isinstance(table.raw["path"], str):
            _check_path(table, path)
        size = _size(table)
        digest = _hashes(table, strict, required=True)
        if path in first:
            table.problem("path", f"repeats {path!r} (already at files[{first[path]}]); list "
                                  f"each file once")
        elif path:
            first[path] = i
        if len(table.problems) == count:
            files.append(LockedFile(path, digest, size))
    return tuple(files)


def path_problem(path: str) -> str:
    """What keeps ``path`` from being a file's path in a lock file, or ``""``: a path inside
    the model folder, relative, with '/' as the only separator (as PEP 751 writes paths; a
    backslash separates folders on Windows), no '.', '..' or empty parts, no NUL, UTF-8."""
    parts = path.split("/")
    if path.startswith("/") or "\\" in path or "\x00" in path or any(
            part in ("", ".", "..") for part in parts):
        return (f"{path!r} is not a path inside the model folder: write it relative to the "
                "folder, with '/' between names and no '.', '..' or empty parts (and no "
                "backslash)")
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return f"{path!r} is not UTF-8 text"
    return ""


def _check_path(table: TomlTable, path: str) -> None:
    problem = path_problem(path)
    if problem:
        table.problem("path", problem)


def _size(table: TomlTable) -> int:
    if "size" not in table.raw:
        table.problem("size", "missing; give the file's size in bytes")
        return 0
    size = table.raw["size"]
    if isinstance(size, int) and not isinstance(size, bool) and 0 <= size <= _MAX_SIZE:
        return size
    table.problem("size", f"must be the file's size in bytes, a whole number 0 or more, "
                          f"found {describe(size)}")
    return 0


def _derived_from(entry: TomlTable) -> tuple[str, ...]:
    if "derived-from" not in entry.raw:
        return ()
    value = entry.raw["derived-from"]
    form = "'name@version' or a package URL"
    if not isinstance(value, list):
        entry.problem("derived-from", f"must be a list of ancestors ({form}), nearest first, "
                                      f"found {describe(value)}")
        return ()
    ancestors: list[str] = []
    for i, item in enumerate(value):
        key = f"derived-from[{i}]"
        if not isinstance(item, str) or not item:
            entry.problem(key, f"must be an ancestor ({form}), found {describe(item)}")
        elif item.startswith("pkg:"):
            _check_purl(entry, key, item)
        else:
            name, at, version = item.partition("@")
            if not at:
                entry.problem(key, f"{item!r} is not an ancestor: write {form}, e.g. "
                                   f"'base-llm@1.0.0'")
                continue
            _check(entry, key, validate_model_name, name)
            _check_version(entry, key, version)
        if isinstance(item, str):
            ancestors.append(item)
    return tuple(ancestors)


def _attestation(entry: TomlTable, strict: bool) -> tuple[str, str]:
    attestation = entry.table("attestation", f"({one_of(_ATTESTATION)})")
    if attestation is None:
        return "", ""
    if strict:
        attestation.check_keys(_ATTESTATION)
    builder = attestation.text("builder")
    identity = attestation.text("identity")
    if not builder and not identity and not any(k in attestation.raw for k in _ATTESTATION):
        entry.problem("attestation", "is empty; give builder and identity or remove it")
    return builder, identity


def _requirements(entry: TomlTable, strict: bool) -> Requirements | None:
    """``requirements = { framework = "…", framework-version = "…", … }``, checked as the
    registry checks a requirements document; ``None`` when absent or wrong."""
    table = entry.table("requirements", f"({one_of(tuple(k for k, _ in _REQUIREMENTS))})")
    if table is None:
        return None
    count = len(table.problems)
    if strict:
        table.check_keys(tuple(k for k, _ in _REQUIREMENTS))
    framework = table.text("framework", required="name the framework, e.g. \"transformers\"")
    versions = table.text("framework-version",
                          required="give the version range, e.g. \">=4.40,<4.47\"")
    if versions and not valid_range(versions):
        table.problem("framework-version", f"{versions!r} is not a version range: write "
                                           f"clauses such as \">=4.40,<4.47\" or \"==2.3.*\"")
    tokenizer = table.text("tokenizer")
    hardware = table.text("hardware")
    digest = _prefixed(table, "serving-config-digest")
    if len(table.problems) > count:
        return None
    return Requirements(framework, versions, tokenizer, hardware, digest)


# --- rendering ---------------------------------------------------------------------------------


def render_lock(lock: Lock) -> str:
    """``lock`` as the text of ``models.lock``.

    Deterministic: the same lock gives the same text whatever the order of its models and
    files; keys in the order of the module example, models sorted by name, files by path;
    optional keys and tables omitted when empty; one newline at the end.
    ``parse_lock(render_lock(lock)) == lock`` for every lock :func:`parse_lock` accepts. A lock
    built in code with invalid values is written as it is, and parsing reports them.
    """
    lines = [_pair("lock-version", lock.lock_version), _pair("created-by", lock.created_by),
             _pair("application", lock.application)]
    for model in sorted(lock.models, key=lambda m: m.name):
        lines += ["", "[[models]]"]
        lines += [_pair("name", model.name), _pair("version", model.version),
                  _pair("pin", model.pin)]
        if model.candidates:
            lines.append("candidates = true")
        lines.append(_pair("purl", model.purl))
        optional = [("registry", model.registry)]
        lines += [_pair(k, v) for k, v in optional if v]
        if model.root_digest:
            lines.append(f"hashes = {_inline({'sha256': model.root_digest})}")
        optional = [("tokenizer", model.tokenizer), ("framework", model.framework),
                    ("config-digest", model.config_digest),
                    ("prompt-template-digest", model.prompt_template_digest)]
        lines += [_pair(k, v) for k, v in optional if v]
        if model.derived_from:
            lines.append(f"derived-from = [{', '.join(map(_string, model.derived_from))}]")
        attestation = {k: v for k, v in (("builder", model.attestation_builder),
                                         ("identity", model.attestation_identity)) if v}
        if attestation:
            lines.append(f"attestation = {_inline(attestation)}")
        if model.requirements is not None:
            recorded = model.requirements.recorded()
            tested = {key: recorded[field] for key, field in _REQUIREMENTS if field in recorded}
            lines.append(f"requirements = {_inline(tested)}")
        for file in sorted(model.files, key=lambda f: f.path):
            lines += ["", "[[models.files]]", _pair("path", file.path), f"size = {file.size}",
                      f"hashes = {_inline({'sha256': file.sha256})}"]
    return "\n".join(lines) + "\n"


def _string(value: str) -> str:
    """``value`` as a TOML basic string, escaped by tomli_w."""
    return tomli_w.dumps({"v": value})[len("v = "):-1]


def _pair(key: str, value: str) -> str:
    return f"{key} = {_string(value)}"


def _inline(table: Mapping[str, str]) -> str:
    return "{ " + ", ".join(_pair(k, v) for k, v in table.items()) + " }"


# --- locating entries --------------------------------------------------------------------------

_HEADER: Final = re.compile(r"^\s*\[")
_MODELS_HEADER: Final = re.compile(r"^\s*\[\[\s*models\s*\]\]\s*(#.*)?$")
_NAME_LINE: Final = re.compile(r"""^\s*(?:name|"name"|'name')\s*=""")


def entry_line(text: str, name: str) -> int:
    """The 1-based line of ``name = "<name>"`` inside a ``[[models]]`` entry of ``text``, or 0
    when no entry names ``name`` (for pointing diagnostics at the entry). Lines inside
    multi-line strings or arrays that look like table headers may mislead it."""
    inside = False
    for number, line in enumerate(text.splitlines(), start=1):
        if _MODELS_HEADER.match(line):
            inside = True
        elif _HEADER.match(line):
            inside = False
        elif inside and _NAME_LINE.match(line):
            try:
                if tomllib.loads(line.strip()).get("name") == name:
                    return number
            except tomllib.TOMLDecodeError:
                continue
    return 0
