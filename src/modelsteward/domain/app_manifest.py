"""``models.toml``: the AI models an application declares, each with a pin.

::

    [application]
    name = "support-portal"        # required: the consumer name recorded in the registry
    team = "support"               # required: notices go to this team
    environment = "production"     # optional
    registry = "https://steward.example.com"   # optional default registry (URL or database URL)
    candidates = false             # optional: true admits, for every model, versions that have
                                   # not reached the policy's eligibility.minimum_stage (staging)

    [models]
    support-bot = "^2.1"                                    # short form: the pin
    embedder = { pin = "~1.2", variant = "q4" }             # table form
    gpt-4o = { pin = "gpt-4o-2024-08-06", registry = "sqlite:///other.db" }
    reranker = { pin = "^0.4", candidates = true }          # this model only

:func:`parse_manifest` reads the text and reports every problem with its location;
:func:`update_manifest` edits the text (through ``tomlkit``) keeping the user's comments and
layout. Nothing here reads or writes files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, cast

import tomlkit
import tomlkit.exceptions
from tomlkit.items import Item, Table

from modelsteward.domain.documents import describe
from modelsteward.domain.names import validate_model_name
from modelsteward.domain.pins import parse_snapshot_pin, parse_version_pin
from modelsteward.domain.toml_document import TomlTable, join, load_toml, one_of
from modelsteward.domain.versioning import validate_variant
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem

__all__ = ["AppManifest", "Requirement", "check_pin", "parse_manifest", "update_manifest"]

_TOP: Final = ("application", "models")
_APPLICATION: Final = ("name", "team", "environment", "registry", "candidates")
_REQUIREMENT: Final = ("pin", "variant", "registry", "candidates")
_VERSION_PIN_START: Final = frozenset("0123456789^~<>=!*")


@dataclass(frozen=True)
class Requirement:
    """One model the application uses: ``model`` resolved through ``pin`` (a version range or a
    snapshot pin), optionally a ``variant`` and a ``registry`` other than the manifest's;
    ``candidates``: versions below the policy's eligibility.minimum_stage are admitted too."""

    model: str
    pin: str
    variant: str = ""
    registry: str = ""
    candidates: bool = False

    @property
    def short(self) -> bool:
        """True when the requirement is written in the short form ``name = "pin"``."""
        return not self.variant and not self.registry and not self.candidates


@dataclass(frozen=True)
class AppManifest:
    """A parsed ``models.toml``. ``requirements`` is kept sorted by model name;
    ``candidates`` (``[application] candidates = true``) admits candidates for every model."""

    application: str
    team: str
    requirements: tuple[Requirement, ...]
    environment: str = ""
    registry: str = ""
    candidates: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "requirements",
                           tuple(sorted(self.requirements, key=lambda r: r.model)))

    def get(self, model: str) -> Requirement | None:
        """The requirement of ``model``, or ``None`` when the manifest does not declare it."""
        return next((r for r in self.requirements if r.model == model), None)


def check_pin(pin: str) -> str:
    """``""`` when ``pin`` is a valid pin (a version range or a snapshot pin), else the message
    saying why not and which forms are accepted."""
    errors: list[str] = []
    for parser in (parse_version_pin, parse_snapshot_pin):
        try:
            parser(pin)
            return ""
        except InvalidInput as exc:
            errors.append(str(exc))
        except ValueError:  # a number with thousands of digits overflows int()
            errors.append(f"{pin[:40]!r}… has a number too large to be a version; "
                          "use a version range such as '^2.1'.")
    # a pin that starts like a version range gets the version range's explanation
    return errors[0] if pin.strip()[:1] in _VERSION_PIN_START else errors[1]


def parse_manifest(text: str, source: str = "models.toml") -> AppManifest:
    """Read the text of ``models.toml``.

    Raises :class:`DocumentInvalid` naming ``source`` with *every* problem, each located
    (``application.name``, ``models.embedder.pin``, ``models.embedder.colour``): TOML syntax
    (one problem, by line and column), unknown keys, missing or wrong-typed values, invalid
    application or model names, pins and variants, a variant that contradicts the pin, and no
    model declared.
    """
    doc = load_toml(text, source)
    problems: list[Problem] = []
    top = TomlTable(doc, "", problems)
    top.check_keys(_TOP)

    name = team = environment = registry = ""
    candidates = False
    application = top.table("application", f"({one_of(_APPLICATION)})")
    if application is None:
        if "application" not in doc:
            top.problem("application", 'missing; add [application] with name = "…" (the '
                                       'consumer name) and team = "…" (who receives notices)')
    else:
        application.check_keys(_APPLICATION)
        name = application.text("name", required='give the application\'s name, e.g. name = '
                                                 '"support-portal"')
        if name:
            name = _application_name(application, name)
        team = application.text("team", required='give the team that receives notices, e.g. '
                                                 'team = "support"', strip=True)
        environment = application.text("environment", strip=True)
        registry = application.text("registry", strip=True)
        candidates = application.flag("candidates")

    requirements = _requirements(top, doc)
    if problems:
        raise DocumentInvalid(source, problems)
    return AppManifest(name, team, tuple(requirements), environment, registry, candidates)


def _application_name(table: TomlTable, name: str) -> str:
    try:
        return validate_model_name(name)
    except InvalidInput:
        table.problem("name", f"{name!r} is not an application name: use 1–64 lowercase "
                              f"letters, digits, '.', '_' or '-', starting and ending with a "
                              f"letter or digit (e.g. 'support-portal')")
        return ""


def _requirements(top: TomlTable, doc: Mapping[str, object]) -> list[Requirement]:
    declare = 'declare at least one model, e.g. support-bot = "^2.1"'
    models = top.table("models", '(model names to pins, e.g. support-bot = "^2.1")')
    if models is None:
        if "models" not in doc:
            top.problem("models", f"missing; add a [models] table and {declare}")
        return []
    if not models.raw:
        top.problem("models", f"is empty; {declare}")
        return []
    found: list[Requirement] = []
    for model, value in models.raw.items():
        try:
            validate_model_name(model)
        except InvalidInput as exc:
            models.problem(model, str(exc))
        requirement = _requirement(models, model, value)
        if requirement is not None:
            found.append(requirement)
    return found


def _requirement(models: TomlTable, model: str, value: object) -> Requirement | None:
    if isinstance(value, str):
        message = check_pin(value)
        if message:
            models.problem(model, message)
            return None
        return Requirement(model, value)
    entry = models.table(model, f"({one_of(_REQUIREMENT)}) or a pin such as \"^2.1\"")
    if entry is None:
        return None
    entry.check_keys(_REQUIREMENT)
    count = len(entry.problems)
    pin = entry.text("pin", required='give the pin, e.g. pin = "^2.1"')
    if pin:
        message = check_pin(pin)
        if message:
            entry.problem("pin", message)
    variant = entry.text("variant")
    if variant:
        _check_variant(entry, pin, variant)
    registry = entry.text("registry", strip=True)
    candidates = entry.flag("candidates")
    if len(entry.problems) > count:
        return None
    return Requirement(model, pin, variant, registry, candidates)


def _check_variant(entry: TomlTable, pin: str, variant: str) -> None:
    try:
        validate_variant(variant)
    except InvalidInput as exc:
        entry.problem("variant", str(exc))
        return
    if not pin or check_pin(pin):
        return
    try:
        pinned = parse_version_pin(pin).variant
    except (InvalidInput, ValueError):
        entry.problem("variant", f"the pin {pin!r} names a provider snapshot, and snapshots "
                                 f"have no variants; remove the variant")
        return
    if pinned and pinned != variant:
        entry.problem("variant", f"the pin {pin!r} already asks for the variant {pinned!r}; "
                                 f"remove one of them or make them agree")


# --- editing -----------------------------------------------------------------------------------


def update_manifest(text: str, changes: Mapping[str, Requirement | None]) -> str:
    """``text`` (a ``models.toml``) with each model named in ``changes`` replaced by its
    requirement, added when absent, or removed when mapped to ``None``.

    Every other line — comments, order, spacing — is kept; an entry whose value is already equal
    to the requirement is left as written. A requirement with only a pin is written in the short
    form (``name = "^2.1"``), otherwise as an inline table. A ``[models]`` table is added when
    the text has none. A non-empty result ends with a newline. Removing the last model leaves
    an empty ``[models]`` table, which :func:`parse_manifest` then reports.

    Raises :class:`DocumentInvalid` (source ``models.toml``) when the text is not valid TOML or
    its ``models`` is not a table, or when a change is invalid: a bad model name or pin or
    variant, or a requirement whose ``model`` differs from its key. Nothing is edited then.
    """
    load_toml(text, "models.toml")  # syntax problems located by line and column
    problems: list[Problem] = []
    for name, requirement in changes.items():
        _check_change(name, requirement, problems)
    try:
        doc = tomlkit.parse(text)
    except tomlkit.exceptions.TOMLKitError as exc:  # tomllib accepted it: a tomlkit limitation
        raise DocumentInvalid("models.toml", [Problem("$", f"cannot be edited ({exc}); "
                                                           f"edit it by hand")]) from None
    models = doc.get("models")
    if models is None:
        models = tomlkit.table()
        doc.append("models", models)
    elif not isinstance(models, Mapping):
        problems.append(Problem("models", f"must be a table of model names to pins, "
                                          f"found {describe(models)}; fix it by hand first"))
    if problems:
        raise DocumentInvalid("models.toml", problems)
    table = cast(Table, models)
    for name, requirement in changes.items():
        if requirement is None:
            if name in table:
                del table[name]
        elif _written(table.get(name), name) != requirement:
            table[name] = _item(requirement)
    edited = tomlkit.dumps(doc)
    # removing the last line's entry can take its newline with it
    return edited if not edited or edited.endswith("\n") else edited + "\n"


def _check_change(name: str, requirement: Requirement | None, problems: list[Problem]) -> None:
    """Check a change by the rules :func:`parse_manifest` applies to the entry it writes."""
    where = join("models", name)
    try:
        validate_model_name(name)
    except InvalidInput as exc:
        problems.append(Problem(where, str(exc)))
    if requirement is None:
        return
    if requirement.model != name:
        problems.append(Problem(where, f"the change for {name!r} carries a requirement of "
                                       f"{requirement.model!r}; key each change by its model"))
    models = TomlTable({name: _plain(requirement)}, "models", problems)
    _requirement(models, name, _plain(requirement))


def _written(value: object, model: str) -> Requirement | None:
    """The requirement an existing entry says, when it says one without problems."""
    if value is None:
        return None
    plain = value.unwrap() if isinstance(value, Item) else value
    problems: list[Problem] = []
    return _requirement(TomlTable({model: plain}, "models", problems), model, plain)


def _plain(requirement: Requirement) -> str | dict[str, str | bool]:
    """The value of the requirement's entry: the pin alone, or the table of its fields."""
    if requirement.short:
        return requirement.pin
    entry: dict[str, str | bool] = {"pin": requirement.pin}
    if requirement.variant:
        entry["variant"] = requirement.variant
    if requirement.registry:
        entry["registry"] = requirement.registry
    if requirement.candidates:
        entry["candidates"] = True
    return entry


def _item(requirement: Requirement) -> Item:
    value = _plain(requirement)
    if isinstance(value, str):
        return tomlkit.item(value)
    # parsed from text so that the inline table is spaced like hand-written TOML: { pin = … }
    fields = ", ".join(tomlkit.dumps({k: v}).strip() for k, v in value.items())
    return cast(Item, tomlkit.parse(f"v = {{ {fields} }}")["v"])
