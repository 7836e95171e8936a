"""Long lists written as they are read, a batch at a time, so that a command's memory holds a
batch and not the whole list — and written byte for byte as the whole list would have been:
:func:`emit_json_items` as :func:`~modelsteward.cli.context.emit_json` of the list,
:func:`print_table` as one Rich table of every row, and :func:`dump_yaml_mapping` as
``yaml.safe_dump`` of a document holding one mapping.

A table's column widths depend on every row, so :func:`print_table` reads its rows twice: the
first pass keeps, for each column, the cell that needs the most room and the one with the
longest unbreakable word (all Rich's width calculation looks at), the second prints the rows
a batch at a time as slices of one table with those widths."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TextIO

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from modelsteward.cli.render import json_safe

Row = Sequence[str]


def emit_json_items(items: Iterable[object]) -> None:
    """Write what ``emit_json(list(items))`` writes (indented, keys sorted), an item at a
    time."""
    opened = False
    for item in items:
        text = json.dumps(item, indent=2, sort_keys=True, ensure_ascii=False)
        # an item of the list is indented one level deeper than alone; JSON strings hold no
        # raw newline, so every newline starts a line of the item
        sys.stdout.write(json_safe(("[\n  " if not opened else ",\n  ")
                                   + text.replace("\n", "\n  ")))
        opened = True
    sys.stdout.write("\n]\n" if opened else "[]\n")


def print_table(console: Console, headers: Sequence[str],
                batches: Callable[[], Iterable[Sequence[Row]]]) -> bool:
    """Print the rows of ``batches()`` (called twice: it must give the same rows each time)
    under ``headers`` as ``console.print(Table(*headers))`` with every row added would; False,
    printing nothing, when there is no row."""
    widths = _column_widths(console, headers, batches)
    if widths is None:
        return False
    bottom = ""
    for batch in batches():
        if not batch:
            continue
        table = Table(*headers, show_header=not bottom)
        for index, column in enumerate(table.columns):
            column.width = widths[index] - table._get_padding_width(index)
        for row in batch:
            table.add_row(*row)
        with console.capture() as captured:
            console.print(table)
        lines = captured.get().splitlines(keepends=True)
        # each slice is drawn whole: keep the top edge (and header) of the first only, and
        # the bottom edge once, at the end
        console.file.write("".join(lines[:-1] if not bottom else lines[1:-1]))
        bottom = lines[-1]
    console.file.write(bottom)
    console.file.flush()
    return True


def _column_widths(console: Console, headers: Sequence[str],
                   batches: Callable[[], Iterable[Sequence[Row]]]) -> list[int] | None:
    """The widths (padding included) Rich gives the columns of the table of every row; None
    when there is no row. A column's width follows from the largest minimum and maximum
    widths of its cells, so a table of the header and, per column, the two cells holding them
    has the same widths."""
    options = console.options
    widest: list[tuple[int, str]] = [(-1, "")] * len(headers)
    longest_word: list[tuple[int, str]] = [(-1, "")] * len(headers)
    rows = 0
    for batch in batches():
        for row in batch:
            rows += 1
            for index, cell in enumerate(row):
                least, most = Measurement.get(console, options, cell)
                if most > widest[index][0]:
                    widest[index] = (most, cell)
                if least > longest_word[index][0]:
                    longest_word[index] = (least, cell)
    if not rows:
        return None
    sample = Table(*headers)
    for index in range(len(headers)):
        for _, cell in (widest[index], longest_word[index]):
            sample.add_row(*(cell if i == index else "" for i in range(len(headers))))
    # Table's own calculation (as its rendering calls it), on the sample
    return sample._calculate_column_widths(
        console, options.update_width(options.max_width - sample._extra_width))


_MAP = "tag:yaml.org,2002:map"


def dump_yaml_mapping(key: str, items: Iterable[tuple[str, object]], stream: TextIO) -> int:
    """Write ``yaml.safe_dump({key: dict(items)}, sort_keys=False, allow_unicode=True,
    width=100)`` to ``stream`` an item at a time (the items' keys distinct); how many items.

    The document's events go to PyYAML's emitter as the dumper would send them: the two
    mappings' starts, each item's key and value represented and serialised on their own (so
    an object shared by two items is written twice, not as an alias), the ends. The emitter
    writes as it goes, looking a few events ahead."""
    import yaml  # here: the other commands of the module do without it
    from yaml.events import (
        DocumentEndEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
    )

    dumper = yaml.SafeDumper(stream, default_flow_style=False, sort_keys=False,
                             allow_unicode=True, width=100)
    count = 0
    try:
        dumper.open()
        dumper.emit(DocumentStartEvent(explicit=dumper.use_explicit_start,
                                       version=dumper.use_version, tags=dumper.use_tags))
        dumper.emit(MappingStartEvent(None, _MAP, True, flow_style=False))
        top = dumper.represent_data(key)
        dumper.anchor_node(top)
        dumper.serialize_node(top, None, None)
        dumper.emit(MappingStartEvent(None, _MAP, True, flow_style=False))
        for name, value in items:
            pair = dumper.represent_data({name: value})
            dumper.anchor_node(pair)
            for item_key, item_value in pair.value:
                dumper.serialize_node(item_key, pair, None)
                dumper.serialize_node(item_value, pair, item_key)
            # what represent() and serialize() forget between documents, forgotten between
            # items: each item is represented on its own
            dumper.represented_objects, dumper.object_keeper, dumper.alias_key = {}, [], None
            dumper.serialized_nodes, dumper.anchors = {}, {}
            count += 1
        dumper.emit(MappingEndEvent())
        dumper.emit(MappingEndEvent())
        dumper.emit(DocumentEndEvent(explicit=dumper.use_explicit_end))
        dumper.close()
    finally:
        dumper.dispose()
    return count
