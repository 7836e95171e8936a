"""The reader of a Hugging Face model card (a README.md with YAML front matter) for
``steward import card``: what the card says about a model, or every problem, located.

The front matter is read twice: first by modelsteward's own document reader (located syntax
errors with the file's line numbers, keys written twice, nesting and size limits), then by
``huggingface_hub``'s :class:`~huggingface_hub.ModelCard`, which parses ``model-index`` the
way the Hub does. Fields are checked one by one and all problems reported together.
"""

from __future__ import annotations

from dataclasses import dataclass

from modelsteward.document_reader import Format, load_document
from modelsteward.domain.lineage import Relation, validate_purl
from modelsteward.domain.names import validate_model_name
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem

__all__ = ["HUB_RELATIONS", "CardImport", "parse_base_model", "read_card"]

HUB_RELATIONS = {"finetune": Relation.FINETUNE, "adapter": Relation.ADAPTER,
                 "quantized": Relation.QUANTIZED, "merge": Relation.MERGE}


@dataclass(frozen=True)
class CardImport:
    """What a card says: the model's name (``model_name``, else the name of ``model-index``'s
    first entry; ``""`` when it names none), licence, tags, the base models as lineage parents
    and the relation to them (``None`` when the card states none)."""

    model_name: str = ""
    license: str = ""
    tags: tuple[str, ...] = ()
    base_models: tuple[str, ...] = ()
    relation: Relation | None = None


def parse_base_model(text: str) -> str:
    """A ``base_model`` entry as a lineage parent: a package URL as itself (canonical), a
    registry ``model@version`` as itself, a Hub id ``ORG/NAME`` as
    ``pkg:huggingface/ORG/NAME``, and a bare ``NAME`` unchanged (the caller decides whether it
    is a registry model). Raises :class:`InvalidInput` for anything else."""
    text = text.strip()
    if text.startswith("pkg:"):
        return validate_purl(text)
    if "@" in text:
        model, _, version = text.partition("@")
        validate_model_name(model)
        if not version:
            raise InvalidInput(f"{text!r} names no version after '@'.")
        return text
    if text.count("/") == 1:
        return validate_purl(f"pkg:huggingface/{text}")
    validate_model_name(text)
    return text


def _strings(value: object, where: str, problems: list[Problem]) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    found: list[str] = []
    for index, item in enumerate(items):
        if isinstance(item, str) and item.strip():
            found.append(item.strip())
        else:
            at = f"{where}[{index}]" if isinstance(value, list) else where
            problems.append(Problem(at, f"must be a non-empty string, not {item!r}"))
    return tuple(found)


def _front_matter(text: str, source: str) -> dict[str, object]:
    from huggingface_hub.repocard import REGEX_YAML_BLOCK

    match = REGEX_YAML_BLOCK.search(text)
    if match is None or match.start() != 0:
        raise DocumentInvalid(source, [Problem("$", "has no YAML front matter: a model card "
                                                    "starts with '---', its metadata, '---'")])
    # padded so that the reader's line numbers are the file's
    padding = "\n" * match.group(1).count("\n")
    tree = load_document(padding + match.group(2), Format.YAML, source)
    if not isinstance(tree, dict):
        raise DocumentInvalid(source, [Problem("$", "the front matter must be a mapping")])
    return tree


def read_card(text: str, source: str) -> CardImport:
    """What the card ``text`` (read from ``source``) says; raises :class:`DocumentInvalid`
    naming ``source`` with every problem located (``base_model[1]``, ``line 3, column 5``)."""
    tree = _front_matter(text, source)
    problems: list[Problem] = []
    name = ""
    # huggingface_hub writes the model's name only as model-index's name: read it from there
    # when the card has no model_name
    index = tree.get("model-index")
    named = ("model_name", tree["model_name"]) if "model_name" in tree else (
        ("model-index[0].name", index[0]["name"])
        if isinstance(index, list) and index and isinstance(index[0], dict)
        and isinstance(index[0].get("name"), str) else None)
    if named is not None:
        where, value = named
        names = _strings(value, where, problems)
        if names:
            try:
                name = validate_model_name(names[0])
            except InvalidInput as exc:
                problems.append(Problem(where, str(exc)))
    licence = ""
    if tree.get("license") is not None:
        licences = _strings(tree["license"], "license", problems)
        licence = licences[0] if licences else ""
    tags = _strings(tree["tags"], "tags", problems) if tree.get("tags") is not None else ()
    bases: list[str] = []
    if tree.get("base_model") is not None:
        raw = tree["base_model"]
        for index, base in enumerate(_strings(raw, "base_model", problems)):
            try:
                bases.append(parse_base_model(base))
            except InvalidInput as exc:
                at = f"base_model[{index}]" if isinstance(raw, list) else "base_model"
                problems.append(Problem(at, str(exc)))
    relation = None
    if tree.get("base_model_relation") is not None:
        value = tree["base_model_relation"]
        relation = HUB_RELATIONS.get(value) if isinstance(value, str) else None
        if relation is None:
            problems.append(Problem("base_model_relation", (
                f"{value!r} is not a relation the Hub knows: use one of "
                f"{', '.join(HUB_RELATIONS)}")))
        elif not bases:
            problems.append(Problem("base_model_relation", "is given without base_model"))
    if "model-index" in tree:
        from huggingface_hub import ModelCard

        try:
            ModelCard(text, ignore_metadata_errors=False)
        # the Hub's parser meets whatever shape the file has: any of these is its refusal
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            problems.append(Problem("model-index", f"huggingface_hub cannot read it: {exc}"))
    if problems:
        raise DocumentInvalid(source, problems)
    return CardImport(name, licence, tags, tuple(bases), relation)
