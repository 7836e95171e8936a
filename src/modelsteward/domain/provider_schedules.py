"""Hosted providers' deprecation schedules: which provider shuts which model down, and when.

A :class:`Shutdown` says that ``provider`` stops serving ``model`` (the provider's own model or
snapshot id, e.g. ``claude-3-opus-20240229``) on ``shutdown``. Two documents produce them; the
caller loads the JSON or YAML and passes the Python value, nothing here reads files:

* LiteLLM's ``model_prices_and_context_window.json`` (:func:`parse_litellm`): an object keyed by
  LiteLLM model name whose entries may carry ``deprecation_date: "YYYY-MM-DD"``;
* modelsteward's own shutdown table (:func:`parse_shutdown_table`)::

      shutdowns:
        - provider: anthropic
          model: claude-3-opus-20240229
          shutdown: 2026-01-05
          announced: 2025-06-30        # optional, before shutdown
          replacement: claude-opus-4-1-20250805   # optional
          source: https://docs.anthropic.com/en/docs/about-claude/model-deprecations  # required

:func:`parse_provider_schedule` takes either and tells them apart by the ``shutdowns`` key.

Provider names are normalised (:func:`normalise_provider`) so that one provider has one name
whatever LiteLLM calls its route: ``vertex_ai``, every ``vertex_ai-…`` group, ``gemini`` and
``palm`` → ``google``; ``text-completion-openai`` → ``openai``; ``azure_text`` and ``azure_ai``
→ ``azure``; ``bedrock_converse`` → ``bedrock``; ``codestral`` and ``text-completion-codestral``
→ ``mistral``; ``cohere_chat`` → ``cohere``; any other name is kept, lower-cased.

LiteLLM keys carry routing and pricing segments that are not part of the provider's id
(:func:`litellm_model_id`): the first ``/`` segment is dropped when it is a routing prefix — the
entry's own ``litellm_provider`` or one of ``openai``, ``azure``, ``azure_ai``, ``anthropic``,
``vertex_ai``, ``gemini``, ``palm``, ``bedrock``, ``mistral``, ``cohere`` — and only once, so a
reseller's id keeps its publisher (``openrouter/google/gemini-2.0-flash-001`` →
``google/gemini-2.0-flash-001``). For OpenAI, Anthropic, Azure and Bedrock, whose ids never
contain ``/``, the id is then the last segment: what precedes it are regions, deployment types,
commitment terms or image sizes that LiteLLM prices separately (``azure/eu/gpt-4o-2024-08-06``,
``bedrock/us-east-1/anthropic.claude-v2``). Vertex AI ids keep their publisher
(``vertex_ai/meta/llama3-70b-instruct-maas`` → ``meta/llama3-70b-instruct-maas``).

This module is pure: no I/O, no YAML, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast

from modelsteward.domain.documents import describe, located
from modelsteward.domain.versioning import Snapshot
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem

LITELLM_SOURCE = "model_prices_and_context_window.json"
# LiteLLM's documentation entry: it describes the fields, it is not a model.
_LITELLM_SPEC_KEY = "sample_spec"

_PROVIDER_ALIASES: dict[str, str] = {
    "text-completion-openai": "openai",
    "gemini": "google",
    "palm": "google",
    "azure_text": "azure",
    "azure_ai": "azure",
    "bedrock_converse": "bedrock",
    "codestral": "mistral",
    "text-completion-codestral": "mistral",
    "cohere_chat": "cohere",
}
_ROUTING_PREFIXES = frozenset({
    "openai", "azure", "azure_ai", "anthropic", "vertex_ai", "gemini", "palm", "bedrock",
    "mistral", "cohere",
})
# Providers whose model ids never contain "/": everything before the last segment of a LiteLLM
# key is a pricing dimension (region, deployment type, commitment term, image size).
_FLAT_ID_PROVIDERS = frozenset({"openai", "anthropic", "azure", "bedrock"})

_TABLE_FIELDS = ("provider", "model", "shutdown", "announced", "replacement", "source")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_URL = re.compile(r"https?://[^\s/?#]+[^\s]*")
_PROVIDER_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")


@dataclass(frozen=True)
class Shutdown:
    """``provider`` stops serving ``model`` on ``shutdown`` (the provider's hard deadline).

    ``provider`` is a normalised provider name (``openai``, ``anthropic``, ``google``, ``azure``,
    ``bedrock``, …) and ``model`` the provider's model or snapshot id without any LiteLLM
    routing prefix. ``replacement`` is the provider's recommended replacement, or ``""`` when
    unknown; ``announced`` the day the deprecation was announced, if known; ``source`` where the
    fact comes from (a URL for the curated table, ``FILE#KEY`` for LiteLLM).

    ``file`` and ``row`` say where it was read, so that an import can point at the row it could
    not apply: ``file`` is the name the parser was given (its ``source`` argument) and ``row``
    the 1-based number of the entry in that document — the N-th row of a shutdown table's
    ``shutdowns`` list (``shutdowns[N-1]``), or the N-th key of LiteLLM's object, every key
    counted (``sample_spec`` and entries without a date too). ``row`` is 0 when not known.
    They are provenance, not part of the fact: two shutdowns that differ only there are equal.
    """

    provider: str
    model: str
    shutdown: date
    replacement: str = ""
    announced: date | None = None
    source: str = ""
    file: str = field(default="", compare=False)
    row: int = field(default=0, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        """``(provider, model)``: what a hosted model of the registry is matched on."""
        return (self.provider, self.model)


def normalise_provider(name: str) -> str:
    """The provider name modelsteward uses for LiteLLM's ``litellm_provider`` value ``name``.

    See the module docstring for the table; unknown names are returned stripped and lower-cased.
    """
    key = name.strip().lower()
    if key == "vertex_ai" or key.startswith(("vertex_ai-", "vertex_ai_")):
        return "google"
    return _PROVIDER_ALIASES.get(key, key)


def litellm_model_id(key: str, litellm_provider: str) -> str:
    """The provider's model id for the LiteLLM key ``key`` of an entry of ``litellm_provider``.

    Drops one routing prefix and, for providers whose ids never contain ``/``, the pricing
    segments before the id (module docstring). The result is not validated; it may be ``""``.
    """
    head, slash, rest = key.partition("/")
    model = key
    if slash and (head == litellm_provider.strip().lower() or head in _ROUTING_PREFIXES):
        model = rest
    if normalise_provider(litellm_provider) in _FLAT_ID_PROVIDERS:
        model = model.rsplit("/", 1)[-1]
    return model


def parse_provider_schedule(doc: object, source: str = "") -> list[Shutdown]:
    """Parse either format: a mapping with a ``shutdowns`` key is a shutdown table, anything
    else is read as LiteLLM's file. Raises :class:`DocumentInvalid` like the parser chosen."""
    if isinstance(doc, Mapping) and "shutdowns" in doc:
        return parse_shutdown_table(doc, source or "shutdowns")
    return parse_litellm(doc, source or LITELLM_SOURCE)


# --- LiteLLM -----------------------------------------------------------------------------------


def parse_litellm(doc: object, source: str = LITELLM_SOURCE) -> list[Shutdown]:
    """The shutdowns announced in an already-loaded LiteLLM ``model_prices_and_context_window``.

    Entries with a ``deprecation_date`` become :class:`Shutdown` values; entries without one are
    skipped (most models have none) and so is ``sample_spec``. Each shutdown's ``source`` is
    ``"<source>#<key>"``. Several keys can name the same provider model (regional Azure prices,
    the same Gemini model through Vertex AI and the Gemini API): they give one shutdown, with the
    earliest date — the deadline nobody can miss — and the first key that gave that date.
    Shutdowns come in the order their first key appears; each carries ``file`` = ``source`` and
    the 1-based ``row`` of the key it was taken from.

    Raises :class:`DocumentInvalid` naming ``source`` with *every* problem, located by key
    (``gpt-4-0314.deprecation_date``; ``$`` is the document): a document that is not an object,
    entries that are not objects, dates that are not ``YYYY-MM-DD``, a missing or non-string
    ``litellm_provider``, and keys that leave no valid model id once prefixes are removed.
    """
    if not isinstance(doc, Mapping):
        raise DocumentInvalid(source, [Problem("$", (
            "must be a JSON object mapping LiteLLM model names to their entries, as "
            f"{LITELLM_SOURCE} is, found {describe(doc)}"))])
    problems: list[Problem] = []
    found: dict[tuple[str, str], Shutdown] = {}
    for row, (key, entry) in enumerate(cast(Mapping[object, object], doc).items(), 1):
        if key == _LITELLM_SPEC_KEY:
            continue
        shutdown = _litellm_entry(key, entry, source, row, problems)
        if shutdown is None:
            continue
        earlier = found.get(shutdown.key)
        if earlier is None or shutdown.shutdown < earlier.shutdown:
            found[shutdown.key] = shutdown
    if problems:
        raise DocumentInvalid(source, problems)
    return list(found.values())


def _litellm_entry(key: object, entry: object, source: str, row: int,
                   problems: list[Problem]) -> Shutdown | None:
    where = located("$", key)
    if not isinstance(key, str):
        problems.append(Problem(where, f"model names must be strings, found {describe(key)}"))
        return None
    if not isinstance(entry, Mapping):
        problems.append(Problem(where, (
            "must be an object describing the model (litellm_provider, mode, max_tokens, "
            f"deprecation_date, …), found {describe(entry)}")))
        return None
    fields = cast(Mapping[object, object], entry)
    if "deprecation_date" not in fields:
        return None
    shutdown = _date(fields["deprecation_date"], f"{where}.deprecation_date", problems)
    provider_raw = fields.get("litellm_provider")
    if not isinstance(provider_raw, str) or not provider_raw.strip():
        found = "nothing" if "litellm_provider" not in fields else describe(provider_raw)
        problems.append(Problem(f"{where}.litellm_provider", (
            "must be the provider's name (e.g. \"openai\", \"vertex_ai-language-models\") so "
            f"that the deprecation can be attributed, found {found}")))
        return None
    model = litellm_model_id(key, provider_raw)
    try:
        Snapshot.parse(model)
    except InvalidInput as exc:
        problems.append(Problem(where, f"leaves no valid model id once the routing prefix is "
                                       f"removed ({model!r}): {exc}"))
        return None
    if shutdown is None:
        return None
    return Shutdown(normalise_provider(provider_raw), model, shutdown, source=f"{source}#{key}",
                    file=source, row=row)


# --- the shutdown table ------------------------------------------------------------------------


def parse_shutdown_table(doc: object, source: str = "shutdowns") -> list[Shutdown]:
    """Read an already-loaded shutdown table (module docstring) into shutdowns, in row order,
    each with ``file`` = ``source`` and its 1-based ``row``.

    Dates are ``YYYY-MM-DD`` strings or YAML dates. ``provider``, ``model``, ``shutdown`` and
    ``source`` (an ``http(s)://`` URL saying where the fact was published) are required;
    ``announced`` must be before ``shutdown``; ``replacement`` must differ from ``model``;
    ``provider`` must be a normalised name (``google``, not ``vertex_ai``); one row per
    ``(provider, model)``. ``shutdowns: null`` is an empty table.

    Raises :class:`DocumentInvalid` naming ``source`` with *every* problem, located like
    ``shutdowns[2].shutdown`` (``$`` is the document), unknown keys included.
    """
    problems: list[Problem] = []
    if not isinstance(doc, Mapping):
        raise DocumentInvalid(source, [Problem("$", (
            f"a shutdown table must be a mapping with a 'shutdowns' list, found {describe(doc)}"
        ))])
    top = cast(Mapping[object, object], doc)
    problems.extend(Problem(str(key), "is not part of a shutdown table: only "
                                      "'shutdowns' is read; remove it")
                    for key in top if key != "shutdowns")
    rows: object = top.get("shutdowns")
    if "shutdowns" not in top:
        problems.append(Problem("shutdowns", "is required: a list of rows {provider, model, "
                                             "shutdown, source, announced?, replacement?}"))
        rows = []
    elif rows is None:
        rows = []
    shutdowns: list[Shutdown] = []
    if not isinstance(rows, list):
        problems.append(Problem("shutdowns", f"must be a list of rows, found {describe(rows)}"))
    else:
        first_row: dict[tuple[str, str], int] = {}
        for i, row in enumerate(cast(list[object], rows)):
            shutdown = _table_row(row, f"shutdowns[{i}]", problems, source, i + 1)
            if shutdown is None:
                continue
            if shutdown.key in first_row:
                problems.append(Problem(f"shutdowns[{i}]", (
                    f"repeats {shutdown.provider} {shutdown.model} from "
                    f"shutdowns[{first_row[shutdown.key]}]: keep one row per provider and "
                    "model (merge them, keeping the date the provider publishes now)")))
                continue
            first_row[shutdown.key] = i
            shutdowns.append(shutdown)
    if problems:
        raise DocumentInvalid(source, problems)
    return shutdowns


def render_shutdown_table(shutdowns: Sequence[Shutdown]) -> dict[str, object]:
    """The shutdown table holding ``shutdowns``: ``{"shutdowns": [row, …]}``, JSON-ready.

    Keys come in the documented order, dates as ``YYYY-MM-DD`` strings; ``announced`` and
    ``replacement`` only when set. For shutdowns produced by :func:`parse_shutdown_table`,
    ``parse_shutdown_table(render_shutdown_table(s)) == s``.
    """
    rows: list[object] = []
    for item in shutdowns:
        row: dict[str, object] = {"provider": item.provider, "model": item.model,
                                  "shutdown": item.shutdown.isoformat()}
        if item.announced is not None:
            row["announced"] = item.announced.isoformat()
        if item.replacement:
            row["replacement"] = item.replacement
        row["source"] = item.source
        rows.append(row)
    return {"shutdowns": rows}


def _table_row(row: object, where: str, problems: list[Problem], file: str,
               number: int) -> Shutdown | None:
    """Check one row, appending its problems; the shutdown when the row has none."""
    if not isinstance(row, Mapping):
        problems.append(Problem(where, f"must be a mapping {{provider, model, shutdown, source, "
                                       f"announced?, replacement?}}, found {describe(row)}"))
        return None
    fields = cast(Mapping[object, object], row)
    before = len(problems)
    problems.extend(Problem(f"{where}.{key}", "is not a shutdown field: use "
                                              + ", ".join(_TABLE_FIELDS))
                    for key in fields if key not in _TABLE_FIELDS)
    problems.extend(Problem(f"{where}.{key}", "is required")
                    for key in ("provider", "model", "shutdown", "source") if key not in fields)

    provider = _provider(fields, where, problems)
    model = _snapshot(fields, "model", where, problems)
    shutdown = _date(fields["shutdown"], f"{where}.shutdown", problems) if (
        "shutdown" in fields) else None
    announced = _date(fields["announced"], f"{where}.announced", problems) if (
        "announced" in fields) else None
    replacement = _snapshot(fields, "replacement", where, problems)
    source = fields.get("source")
    if "source" in fields and not (isinstance(source, str) and _URL.fullmatch(source)):
        problems.append(Problem(f"{where}.source", (
            "must be the http(s) URL of the page where the provider published the date "
            f"(e.g. https://platform.openai.com/docs/deprecations), found {describe(source)}")))
    if shutdown is not None and announced is not None and announced >= shutdown:
        problems.append(Problem(f"{where}.announced", (
            f"must be before the shutdown date {shutdown.isoformat()}, found "
            f"{announced.isoformat()}")))
    if replacement and replacement == model:
        problems.append(Problem(f"{where}.replacement", "must differ from the model it replaces "
                                                        "(leave it out when none is known)"))
    if len(problems) > before or shutdown is None or not isinstance(source, str):
        return None
    return Shutdown(provider, model, shutdown, replacement, announced, source, file, number)


def _provider(fields: Mapping[object, object], where: str, problems: list[Problem]) -> str:
    if "provider" not in fields:
        return ""
    value = fields["provider"]
    if not isinstance(value, str) or not _PROVIDER_NAME.fullmatch(value):
        hint = f" (write {value.strip().lower()!r})" if isinstance(value, str) and (
            _PROVIDER_NAME.fullmatch(value.strip().lower())) else ""
        problems.append(Problem(f"{where}.provider", (
            "must be a lower-case provider name such as 'openai', 'anthropic' or 'google', "
            f"found {describe(value)}{hint}")))
        return ""
    normal = normalise_provider(value)
    if normal != value:
        problems.append(Problem(f"{where}.provider", (
            f"{value!r} is LiteLLM's name for a route of {normal!r}; the table uses normalised "
            f"provider names: write {normal!r}")))
        return ""
    return value


def _snapshot(fields: Mapping[object, object], key: str, where: str,
              problems: list[Problem]) -> str:
    if key not in fields:
        return ""
    value = fields[key]
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(f"{where}.{key}", (
            "must be the provider's model id as published (e.g. 'claude-3-opus-20240229'), "
            f"found {describe(value)}")))
        return ""
    try:
        Snapshot.parse(value)
    except InvalidInput as exc:
        problems.append(Problem(f"{where}.{key}", str(exc)))
        return ""
    return value


def _date(value: object, where: str, problems: list[Problem]) -> date | None:
    """A calendar date from a ``YYYY-MM-DD`` string or a (YAML) date; else a problem."""
    if isinstance(value, datetime):
        problems.append(Problem(where, f"must be a calendar date YYYY-MM-DD, not a timestamp, "
                                       f"found {describe(value)}"))
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            problems.append(Problem(where, f"{value!r} is not a day of the calendar"))
            return None
    problems.append(Problem(where, f"must be a date written YYYY-MM-DD (e.g. \"2025-07-21\"), "
                                   f"found {describe(value)}"))
    return None
