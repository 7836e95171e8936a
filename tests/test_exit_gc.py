"""A test process leaves its objects out of the interpreter's collections at exit
(``pytest_unconfigure`` in tests/conftest.py): the last collection over a whole session's heap
outlasted pytest-xdist's wait for its workers to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import gc
from tests import conftest

held = [[n] for n in range(100_000)]
for pair in zip(held, held[1:]):
    pair[0].append(pair[1])  # a chain of lists: containers the collector tracks
gc.collect()
assert len(gc.get_objects(generation=2)) > 100_000
conftest.pytest_unconfigure(None)
print(len(gc.get_objects(generation=2)), gc.get_freeze_count() > 100_000)
"""


def test_the_objects_a_test_process_holds_at_its_end_are_frozen() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "True"]
