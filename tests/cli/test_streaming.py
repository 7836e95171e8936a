"""Lists written a batch at a time come out byte for byte as the whole list would: the JSON
array of ``emit_json`` and one Rich table of every row, whatever the batch size and the width
(columns squeezed, cells wrapped over several lines, wide and escaped characters)."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from rich.table import Table

from modelsteward.cli.context import emit_json
from modelsteward.cli.render import SafeConsole
from modelsteward.cli.streaming import emit_json_items, print_table
from modelsteward.service import batches

from .conftest import Steward

HEADERS = ("model", "kind", "owner", "risk", "provider", "purpose")
ROWS = [
    ("alpha", "self-hosted", "platform", "low", "", "Summaries of support tickets."),
    ("bravo-with-a-rather-long-name", "hosted", "search", "high", "acme/large-2024",
     "Answers questions about the product catalogue, " * 4),
    ("charlie", "fine-tuned", "team-ü", "medium", "", "multi\nline\npurpose"),
    ("delta", "hosted", "ml", "low", "anthropic/claude", "日本語の要約モデル、幅の広い文字"),
    ("echo", "self-hosted", "ml", "low", "", "escape \x1b[31m and bidi \u202e kept out"),
    ("foxtrot", "self-hosted", "x" * 70, "low", "", "averyveryverylongunbreakableword" * 3),
    ("golf", "self-hosted", "ml", "low", "", ""),
]


def _console(width: int) -> SafeConsole:
    return SafeConsole(file=io.StringIO(), width=width, soft_wrap=True, markup=False,
                       emoji=False, color_system=None)


def _whole(rows: Sequence[Sequence[str]], width: int) -> str:
    console = _console(width)
    table = Table(*HEADERS)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    written = console.file
    assert isinstance(written, io.StringIO)
    return written.getvalue()


def _streamed(rows: Sequence[Sequence[str]], width: int, size: int) -> str:
    console = _console(width)

    def pages() -> Iterator[list[Sequence[str]]]:
        for start in range(0, len(rows), size):
            yield list(rows[start:start + size])
        yield []  # an empty batch, as a keyset walk may end with

    assert print_table(console, HEADERS, pages) == bool(rows)
    written = console.file
    assert isinstance(written, io.StringIO)
    return written.getvalue()


@pytest.mark.parametrize("width", [160, 100, 60, 30])
@pytest.mark.parametrize("size", [1, 2, 3, 500])
def test_a_table_printed_in_batches_is_the_table_of_every_row(width: int, size: int) -> None:
    expected = _whole(ROWS, width)
    assert _streamed(ROWS, width, size) == expected
    assert _streamed(ROWS[:1], width, size) == _whole(ROWS[:1], width)


def test_no_rows_print_nothing() -> None:
    assert _streamed([], 160, 2) == ""


def test_a_json_list_written_an_item_at_a_time_is_emit_json_of_the_list(
        capsys: pytest.CaptureFixture[str]) -> None:
    items: list[object] = [{"b": [1, {"c": "multi\nline \u202e"}], "a": None}, {}, [], "x",
                           {"nested": {"deeper": [1, 2]}}]
    for count in (0, 1, 2, len(items)):
        emit_json(items[:count])
        expected = capsys.readouterr().out
        emit_json_items(iter(items[:count]))
        assert capsys.readouterr().out == expected


def test_model_list_reads_keyset_batches_and_prints_as_before(
        steward: Steward, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, purpose in (("delta", "d"), ("alpha", "Answers questions " * 12), ("charlie", ""),
                          ("bravo", "b"), ("echo", "e")):
        steward("model", "create", name, "--purpose", purpose, "--owner-team", "ml")
    whole = steward("model", "list").stdout
    whole_json = steward("model", "list", "--json").stdout
    assert [m["name"] for m in steward("model", "list", "--json").json_records()] == [
        "alpha", "bravo", "charlie", "delta", "echo"]
    read: list[int] = []
    from modelsteward.service.catalog import Catalog

    pages = Catalog.model_pages

    def counted(self: Catalog) -> Iterator[list[object]]:
        for page in pages(self):
            read.append(len(page))
            yield list(page)

    monkeypatch.setattr(Catalog, "model_pages", counted)
    for size in (1, 2, 3):
        monkeypatch.setattr(batches, "BATCH", size)
        read.clear()
        assert steward("model", "list").stdout == whole
        assert max(read) == size  # no read of more than a batch
        assert steward("model", "list", "--json").stdout == whole_json
    # and the table is the one Rich draws of every row at once
    from modelsteward.cli.context import out

    listed = [(m["name"], m["kind"], m["owner"]["team"], m["risk_tier"], "", m["purpose"])
              for m in steward("model", "list", "--json").json_records()]
    assert whole == _whole(listed, out.width)


LONG = "A sentence long enough to be folded over several lines by the emitter, " * 3
YAML_ITEMS: list[tuple[str, object]] = [
    ("alpha", {"provider": "openai", "model_id": "gpt-4o", "tags": ["a", "b"],
               "eval_scores": {"accuracy": 0.93, "cost": 12.5}}),
    ("bravo", {"description": LONG, "purpose": "日本語の説明 — ünïcode", "notes": "x: y # z",
               "owner": {"team": "ml", "contact": "ml@example.com"}, "empty": {}, "none": []}),
    ("charlie", {"multi": "line one\nline two\n", "quoted": "'yes'", "number": "007",
                 "bool": "true", "nested": {"deeper": {"list": [1, {"k": LONG}]}}}),
    ("delta", {}),
]


@pytest.mark.parametrize("count", [0, 1, 2, len(YAML_ITEMS)])
def test_a_yaml_mapping_written_an_item_at_a_time_is_safe_dump_of_it(count: int) -> None:
    import yaml

    from modelsteward.cli.streaming import dump_yaml_mapping

    items = YAML_ITEMS[:count]
    expected = yaml.safe_dump({"models": dict(items)}, sort_keys=False, allow_unicode=True,
                              width=100)
    written = io.StringIO()
    assert dump_yaml_mapping("models", iter(items), written) == count
    assert written.getvalue() == expected


def test_a_shared_object_within_an_item_is_written_as_safe_dump_writes_it() -> None:
    import yaml

    from modelsteward.cli.streaming import dump_yaml_mapping

    shared = ["x", "y"]
    items: list[tuple[str, object]] = [("m", {"a": shared, "b": shared})]
    written = io.StringIO()
    dump_yaml_mapping("models", items, written)
    assert written.getvalue() == yaml.safe_dump({"models": dict(items)}, sort_keys=False,
                                                allow_unicode=True, width=100)


def test_the_registry_export_reads_keyset_batches_and_writes_as_before(
        steward: Steward, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str) -> None:
    import yaml

    from modelsteward import Registry
    from modelsteward.config import Settings
    from modelsteward.domain.registry_file import render_registry_file
    from tests.domain.test_registry_file import SEED

    source = tmp_path / "model-registry.yaml"
    source.write_text(SEED)
    steward("import", "registry", str(source))
    # a model with pre-releases alone (its newest version is looked for page by page), and
    # one without versions
    steward("model", "create", "pre", "--purpose", LONG)
    for version in ("1.0.0-rc.1", "1.0.0-rc.3", "1.0.0-rc.2", "0.9.0-beta"):
        steward("version", "register", "pre", version, "--change", "retrain", "--force",
                "--reason", "test")
    steward("model", "create", "bare")
    whole = steward("export", "registry").stdout
    # the file is what rendering every entry at once gives
    with Registry.open(db_url, settings=Settings(db_url, "alice@example.com")) as registry:
        assert whole == yaml.safe_dump(render_registry_file(
            registry.registry_files.export_registry()), sort_keys=False, allow_unicode=True,
            width=100)
    for size in (1, 2, 500):
        monkeypatch.setattr(batches, "BATCH", size)
        assert steward("export", "registry").stdout == whole
        written = tmp_path / f"exported-{size}.yaml"
        run = steward("export", "registry", "-o", str(written))
        assert written.read_text() == whole
        assert run.stdout.startswith("Wrote 6 models to ")
    assert yaml.safe_load(whole)["models"]["pre"]["version"] == "1.0.0-rc.3"
    assert "version" not in yaml.safe_load(whole)["models"]["bare"]


def test_the_models_without_a_plan_are_listed_a_page_at_a_time_as_before(
        steward: Steward, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("delta", "alpha", "charlie", "bravo", "echo"):
        steward("model", "create", name)
    steward("model", "create", "supported", "--support-months", "12")
    whole, whole_json = (steward("plans", "--missing").stdout,
                         steward("plans", "--missing", "--json").stdout)
    assert whole == "alpha\nbravo\ncharlie\ndelta\necho\n"
    for size in (1, 2, 500):
        monkeypatch.setattr("modelsteward.service.batches.BATCH", size)
        assert steward("plans", "--missing").stdout == whole
        assert steward("plans", "--missing", "--json").stdout == whole_json
