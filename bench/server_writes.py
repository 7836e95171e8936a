"""The write paths of ``bench_server.py`` under ``wrk``: one Lua script per request shape, made
from a path and a JSON body with placeholders, so that requests that must differ (a new model
needs a new name) do, while both servers get the same request.

Placeholders, replaced per request by the script (``n`` counts the requests of one wrk thread):

- ``{u}`` a text unique in the whole benchmark (``<run>-<thread>-<n>``), for new names;
- ``{v}`` the same as a version number (``<run>.<thread>.<n>``), for modelsteward's native API
  (with ``force`` and a reason: a number chosen by the client does not follow the model's
  versioning rules, which would need the previous version's number);
- ``{n}`` the counter itself, for values that change on every request;
- ``{m}`` ``n`` modulo ``READ_SET``: the models made by part 1 (``bench-0`` …), in turn;
- ``{k}`` 1 or 2 in turn, for an alias that moves between two versions on every request.

Every answer that is not 2xx is counted by the script, which prints the count and the first
such answer when wrk ends; :func:`server_harness.wrk` reads them, and a run with any is not
valid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from server_workload import FILES, MLFLOW, READ_SET

LUA = """-- made by bench/server_writes.py: {label}
local threads = {{}}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

counter = 0
refused = 0
first_refusal = ""
local run = "{run}"
local path = [[{path}]]
local body = [[{body}]]

local function fill(text)
  local n = tostring(counter)
  return (text:gsub("{{u}}", run .. "-" .. id .. "-" .. n)
              :gsub("{{v}}", run .. "." .. id .. "." .. n)
              :gsub("{{n}}", n)
              :gsub("{{m}}", tostring(counter % {models}))
              :gsub("{{k}}", tostring(counter % 2 + 1)))
end

request = function()
  counter = counter + 1
  return wrk.format("{method}", fill(path), nil, fill(body))
end

response = function(status, headers, text)
  if status < 200 or status > 299 then
    refused = refused + 1
    if first_refusal == "" then
      first_refusal = status .. " " .. string.sub(text, 1, 300)
    end
  end
end

done = function(summary, latency, requests)
  local total, first = 0, ""
  for _, thread in ipairs(threads) do
    total = total + thread:get("refused")
    if first == "" then first = thread:get("first_refusal") end
  end
  io.write("refused: " .. total .. "\\n")
  if first ~= "" then io.write("first refusal: " .. first:gsub("%s+", " ") .. "\\n") end
end
"""


@dataclass(frozen=True)
class Write:
    """One request shape: ``side`` is ``mlflow`` or ``steward``; ``case`` groups the shapes
    compared with each other (the MLflow one is the baseline of its case)."""

    case: str
    side: str
    label: str
    path: str
    body: dict[str, object]
    method: str = "POST"

    def script(self, folder: Path, run: int) -> Path:
        """Write the Lua script of this shape for run number ``run`` (unique per wrk run, so
        that new names never repeat) into ``folder``."""
        text = LUA.format(label=self.label, run=run, path=self.path, method=self.method,
                          body=json.dumps(self.body, separators=(",", ":")), models=READ_SET)
        target = folder / f"write-{run}.lua"
        target.write_text(text)
        return target


def _both(case: str, path: str, body: dict[str, object]) -> list[Write]:
    """The same MLflow-API request on both servers."""
    return [Write(case, "mlflow", f"mlflow {case}", path, body),
            Write(case, "steward", f"steward {case} (MLflow API)", path, body)]


SOURCE = "s3://bench/bench-{m}/{n}"

# Create version comes before set alias: the alias moves between versions 1 and 2 of bench-1,
# and version 2 is made here (both servers number the versions of a model 1, 2, …).
WRITES: list[Write] = [
    *_both("set tag, same value", f"{MLFLOW}/registered-models/set-tag",
           {"name": "bench-1", "key": "team", "value": "team-a"}),
    *_both("set tag, new value", f"{MLFLOW}/registered-models/set-tag",
           {"name": "bench-1", "key": "team", "value": "team-{n}"}),
    *_both("create version", f"{MLFLOW}/model-versions/create",
           {"name": "bench-{m}", "source": SOURCE}),
    Write("create version", "steward", "steward create version (native)",
          "/api/v1/models/bench-{m}/versions",
          {"version": "{v}", "files": FILES, "force": True, "reason": "bench"}),
    *_both("set alias, moved", f"{MLFLOW}/registered-models/alias",
           {"name": "bench-1", "alias": "champion", "version": "{k}"}),
    *_both("create model", f"{MLFLOW}/registered-models/create", {"name": "wrk-{u}"}),
    Write("create model", "steward", "steward create model (native)", "/api/v1/models",
          {"name": "wrk-native-{u}"}),
]
