""".steward-ignore.toml: accepted findings, each with a reason and an expiry."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from modelsteward.domain.ignores import Ignore, parse_ignores
from modelsteward.errors import DocumentInvalid, Problem

EXAMPLE = """\
# .steward-ignore.toml
[[ignore]]
id = "MSA-2026-0001"            # an advisory id
reason = "Only used offline for batch summaries; no user input reaches it."
expires = 2027-01-31
model = "support-bot"

[[ignore]]
id = "deprecation:support-bot@2.1.3"   # a finding id
reason = "Migration to 3.x is planned for Q1."
expires = "2026-12-31"
"""

EXPIRY = "give an expiry date, e.g. expires = 2027-01-31, so the ignore is reviewed"


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(DocumentInvalid) as caught:
        parse_ignores(text)
    assert caught.value.source == ".steward-ignore.toml"
    return list(caught.value.problems)


def by_location(text: str) -> dict[str, str]:
    return {p.location: p.message for p in problems_of(text)}


def entry(lines: str) -> str:
    return f"[[ignore]]\n{lines}\n"


def test_example_parses() -> None:
    assert parse_ignores(EXAMPLE) == (
        Ignore("MSA-2026-0001",
               "Only used offline for batch summaries; no user input reaches it.",
               date(2027, 1, 31), "support-bot"),
        Ignore("deprecation:support-bot@2.1.3", "Migration to 3.x is planned for Q1.",
               date(2026, 12, 31)),
    )


def test_an_empty_file_ignores_nothing() -> None:
    assert parse_ignores("") == ()
    assert parse_ignores("# nothing ignored yet\n") == ()


def test_expired_is_after_the_expiry_day() -> None:
    ignore = Ignore("x", "why", date(2027, 1, 31))
    assert not ignore.expired(date(2027, 1, 30))
    assert not ignore.expired(date(2027, 1, 31))
    assert ignore.expired(date(2027, 2, 1))
    assert not Ignore("x", "given on the command line", None).expired(date(9999, 12, 31))


def test_missing_or_empty_reason() -> None:
    problems = by_location(entry('id = "a"\nexpires = 2027-01-31') +
                           entry('id = "b"\nreason = "  "\nexpires = 2027-01-31'))
    assert problems == {
        "ignore[0].reason": ('missing; say why it is safe to ignore, e.g. reason = "No user '
                             'input reaches the model."'),
        "ignore[1].reason": ('must not be empty; say why it is safe to ignore, e.g. reason = '
                             '"No user input reaches the model."'),
    }


def test_missing_expiry() -> None:
    assert by_location(entry('id = "a"\nreason = "r"')) == {
        "ignore[0].expires": f"missing; {EXPIRY}"}


@pytest.mark.parametrize(("value", "message"), [
    ('"2027-02-30"', f"'2027-02-30' is not a date of the calendar; give a real date, "
                     f"{EXPIRY[len('give an expiry date, '):]}"),
    ('"31/01/2027"', f"must be a date (YYYY-MM-DD), found '31/01/2027'; {EXPIRY}"),
    ("20270131", f"must be a date (YYYY-MM-DD), found the number 20270131; {EXPIRY}"),
    ("2027-01-31T10:00:00", "found the timestamp 2027-01-31T10:00:00; give a date without a "
                            f"time, {EXPIRY[len('give an expiry date, '):]}"),
    ("10:00:00", f"must be a date (YYYY-MM-DD), found a time of day; {EXPIRY}"),
])
def test_bad_dates(value: str, message: str) -> None:
    text = entry(f'id = "a"\nreason = "r"\nexpires = {value}')
    assert by_location(text) == {"ignore[0].expires": message}


def test_unknown_keys_and_bad_values_are_all_reported() -> None:
    text = "severity = 'low'\n" + entry(
        'id = 3\nreason = "r"\nexpires = 2027-01-31\nmodel = "Bad Model"\nuntil = 1')
    problems = by_location(text)
    assert set(problems) == {"severity", "ignore[0].id", "ignore[0].model", "ignore[0].until"}
    assert problems["severity"] == "unknown key; expected ignore"
    assert problems["ignore[0].id"] == "must be text, found the number 3; write it in quotes"
    assert problems["ignore[0].model"].startswith("'Bad Model' is not a valid model name")
    assert problems["ignore[0].until"] == "unknown key; expected id, reason, expires, model"


def test_missing_id() -> None:
    assert by_location(entry('reason = "r"\nexpires = 2027-01-31')) == {"ignore[0].id": (
        "missing; give the advisory id (e.g. 'MSA-2026-0001') or finding id (e.g. "
        "'deprecation:support-bot@2.1.3') to ignore")}


def test_duplicate_id_and_model() -> None:
    same = 'id = "MSA-1"\nreason = "r"\nexpires = 2027-01-31'
    text = (entry(same + '\nmodel = "m"') + entry(same) + entry(same + '\nmodel = "m"')
            + entry(same + '\nmodel = "other"') + entry(same))
    assert by_location(text) == {
        "ignore[2].id": "repeats the ignore of 'MSA-1' for 'm' at ignore[0]; keep one of them",
        "ignore[4].id": "repeats the ignore of 'MSA-1' at ignore[1]; keep one of them",
    }


def test_wrong_shapes() -> None:
    assert by_location("ignore = 3\n") == {
        "ignore": ("must be an array of tables ([[ignore]] with id, reason and expires), found "
                   "the number 3")}
    assert by_location('ignore = ["MSA-1"]\n') == {
        "ignore[0]": ("must be a table ([[ignore]] with id, reason and expires), found the text "
                      "'MSA-1'")}


def test_syntax_error_is_one_problem_with_line_and_column() -> None:
    [problem] = problems_of('[[ignore]]\nid = "a\n')
    assert problem.location == "line 2, column 8"
    assert problem.message.startswith("is not valid TOML")


def test_the_documented_example_parses() -> None:
    """docs/lock-files.md shows .steward-ignore.toml last; it must stay a valid file."""
    docs = Path(__file__).resolve().parents[2] / "docs" / "lock-files.md"
    example = docs.read_text(encoding="utf-8").split("```toml\n")[3].split("```")[0]
    assert parse_ignores(example) == parse_ignores(EXAMPLE)
