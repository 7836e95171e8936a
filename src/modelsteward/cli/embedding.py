"""Re-embedding plans on the command line: the ``--reembed-*`` options of ``steward deprecate``
and ``steward model reembed``, which records one for a consumer's move."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from modelsteward.cli.context import State, emit_json, json_option, out, pass_state
from modelsteward.document_reader import read_document
from modelsteward.domain.embedding import ReembeddingPlan, parse_reembedding
from modelsteward.errors import InvalidInput

F = TypeVar("F", bound=Callable[..., object])


def reembed_options(prefix: str) -> Callable[[F], F]:
    """The options describing a re-embedding plan, named ``--{prefix}documents`` and so on
    (``--reembed-documents`` for ``deprecate``, ``--documents`` for ``model reembed``); the
    command receives ``documents``, ``cost``, ``hours``, ``index`` and ``plan_file``."""
    def decorate(command: F) -> F:
        for option in reversed((
            click.option(f"--{prefix}documents", "documents", type=click.IntRange(min=1),
                         default=None, metavar="N",
                         help="Re-embedding: documents to embed again (e.g. 2000000)."),
            click.option(f"--{prefix}cost", "cost", type=click.FloatRange(min=0),
                         default=None, metavar="USD", help="Re-embedding: estimated cost."),
            click.option(f"--{prefix}hours", "hours", type=click.FloatRange(min=0),
                         default=None, metavar="H", help="Re-embedding: estimated duration."),
            click.option(f"--{prefix}index", "index", default="", metavar="NAME",
                         help="Re-embedding: the index to rebuild."),
            click.option(f"--{prefix}file", "plan_file", default=None, metavar="FILE",
                         help="Re-embedding plan as YAML/JSON: documents, cost, hours, index."),
        )):
            command = option(command)
        return command
    return decorate


def reembedding_of(documents: int | None, cost: float | None, hours: float | None,
                   index: str, plan_file: str | None, prefix: str) -> ReembeddingPlan | None:
    """The plan the options give (``None`` for none); a file and options together are
    refused, and a file's problems are reported with their locations."""
    given = ReembeddingPlan.given(documents, cost, hours, index)
    if plan_file is None:
        return given
    if given is not None:
        raise InvalidInput(f"Give the re-embedding plan either as --{prefix}file or as "
                           f"--{prefix}documents and the other options, not both.")
    return parse_reembedding(read_document(Path(plan_file), what="re-embedding plan"),
                             plan_file)


@click.command("reembed")
@click.argument("source", metavar="MODEL[@VERSION|@PIN]")
@click.option("--to", "target", default="", metavar="MODEL@PIN",
              help="Where consumers move (default: anywhere).")
@click.option("--consumer", default="", help="Only this consumer's move (default: all).")
@reembed_options("")
@json_option
@pass_state
def model_reembed(state: State, source: str, target: str, consumer: str, documents: int | None,
                  cost: float | None, hours: float | None, index: str, plan_file: str | None,
                  as_json: bool) -> None:
    """Record the re-embedding an embedding model's consumers need to move.

    `lock --upgrade` and `audit --fix` refuse to move an embedding pin until a plan covers the
    move: from SOURCE (a version or pin; the whole model when none) to --to, for every consumer
    or only --consumer."""
    plan = reembedding_of(documents, cost, hours, index, plan_file, "")
    if plan is None:
        raise InvalidInput("Say what re-embedding takes: --documents N (with --cost, --hours "
                           "and --index), or --file PLAN.yaml.")
    record = state.registry.deprecations.record_reembedding(source, plan, target=target,
                                                            consumer=consumer)
    if as_json:
        emit_json({"model": record.model, "source": record.source or None,
                   "target": record.target or None, "consumer": record.consumer or None,
                   "plan": record.plan.as_payload(), "description": record.plan.describe(),
                   "seq": record.seq})
    else:
        moving = f"{source} → {target or 'any version or model'}"
        who = f" for {consumer}" if consumer else ""
        out.print(f"Recorded the re-embedding plan{who} ({moving}): {record.plan.describe()}.",
                  highlight=False)
