"""A model version in the standards' own formats: a Hugging Face model card, a CycloneDX 1.6
ML-BOM and an SPDX 3.0.1 AI document, each rendered from one
:class:`~modelsteward.exports.facts.CardFacts` value (``docs/exports.md``); and the reader of
a Hugging Face card for ``steward import card``.

Each format's module is imported when it renders, so importing this package loads neither
``huggingface_hub`` nor ``cyclonedx``.
"""

from __future__ import annotations

import enum

from modelsteward.exports.facts import CardFacts

__all__ = ["CardFacts", "ExportFormat", "render"]


class ExportFormat(enum.StrEnum):
    HF = "hf"
    CYCLONEDX = "cyclonedx"
    SPDX = "spdx"

    @property
    def media_type(self) -> str:
        """The HTTP content type of an export in this format."""
        return {ExportFormat.HF: "text/markdown; charset=utf-8",
                ExportFormat.CYCLONEDX: "application/vnd.cyclonedx+json",
                ExportFormat.SPDX: "application/spdx+json"}[self]

    @property
    def file_name(self) -> str:
        """The conventional file name of an export in this format."""
        return {ExportFormat.HF: "README.md", ExportFormat.CYCLONEDX: "bom.cdx.json",
                ExportFormat.SPDX: "model.spdx.json"}[self]


def render(facts: CardFacts, fmt: ExportFormat) -> str:
    """``facts`` as text in ``fmt``; the same facts give the same text."""
    fmt = ExportFormat(fmt)  # a plain "hf" from a caller works too
    if fmt is ExportFormat.HF:
        from modelsteward.exports import huggingface

        return huggingface.render(facts)
    if fmt is ExportFormat.CYCLONEDX:
        from modelsteward.exports import mlbom

        return mlbom.render(facts)
    from modelsteward.exports import spdx

    return spdx.render(facts)
