"""``huggingface_hub`` (and its network stack) and ``cyclonedx`` are loaded only when a card
is rendered or read: importing the package, the exports and their service, and the help of
the export and import commands, leave them unloaded."""

from __future__ import annotations

import os
import subprocess
import sys

HEAVY = ("huggingface_hub", "cyclonedx", "spdx_python_model")


def test_the_exports_load_their_libraries_only_when_rendering() -> None:
    script = (
        "import sys, contextlib, io\n"
        "import modelsteward, modelsteward.exports, modelsteward.service.exports\n"
        "import modelsteward.exports.card_reader, modelsteward.exports.huggingface\n"
        "from modelsteward.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    for argv in (['--help'], ['export', 'card', '--help'],\n"
        "                 ['import', 'card', '--help']):\n"
        "        try:\n"
        "            main(argv)\n"
        "        except SystemExit:\n"
        "            pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=120, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
