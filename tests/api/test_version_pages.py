"""``GET /models/{name}/versions`` reads its page as a keyset page of the store (by version, not
the whole model) and gives the pages the whole list gives: following the cursor, from a cursor
given by hand, with deleted versions in or out, and for a snapshot model (listed whole)."""

from __future__ import annotations

from modelsteward import Registry
from modelsteward.domain.model import Model, ModelKind, VersionScheme
from tests.api.conftest import MakeServer, Server
from tests.conftest import FixedClock

VERSIONS = ([f"1.{i}.0" for i in range(12)][::-1] + [f"1.4.0-rc.{n}" for n in range(1, 8)]
            + ["1.4.0+q4", "1.4.0+a", "2.0.0-beta", "0.9.0"])


def _walk(server: Server, path: str, limit: int, **extra: str) -> list[str]:
    client = server.client
    found: list[str] = []
    after = ""
    while True:
        body = client.get(path, params={"limit": limit, "after": after, **extra}).json()
        found.extend(v["version"] for v in body["items"])
        after = body.get("next") or ""
        if not after:
            return found


def test_version_pages_walk_the_whole_list(make_server: MakeServer, db_url: str) -> None:
    clock = FixedClock()
    server = make_server(clock=clock)
    with Registry.open(db_url, actor="seeder", clock=clock) as registry:
        registry.create_model(Model("paged", owner_team="team-a"))
        for version in VERSIONS:
            registry.register_version("paged", version, force=True, reason="test order")
        registry.deletions.delete("paged@1.4.0-rc.3", reason="bad build")
        registry.deletions.delete("paged@1.7.0", reason="bad build")
        live = [str(v.id) for v in registry.list_versions("paged")]
        every = [str(v.id) for v in registry.list_versions("paged", include_deleted=True)]
        registry.create_model(Model("hosted", kind=ModelKind.HOSTED, provider="acme",
                                    owner_team="team-a", versioning=VersionScheme.SNAPSHOT))
        for snapshot in ("acme-large-20250101", "acme-large-20240101", "acme-small-20250601"):
            registry.register_version("hosted", snapshot)
        snapshots = [str(v.id) for v in registry.list_versions("hosted")]
    assert len(live) == len(VERSIONS) - 2 and len(every) == len(VERSIONS)
    path = "/api/v1/models/paged/versions"
    for limit in (1, 3, 7, 100):
        assert _walk(server, path, limit) == live
        assert _walk(server, path, limit, include_deleted="true") == every
    assert _walk(server, "/api/v1/models/hosted/versions", 2) == snapshots
    client = server.client
    for after in ("1.4.0-rc.5", "1.4.0", "1.4.0+a", "0.9.0", "2.0.0-beta"):
        page = client.get(path, params={"after": after, "limit": 4}).json()["items"]
        assert [v["version"] for v in page] == live[live.index(after) + 1:][:4]
    # a cursor that is no listed version: the whole list's rule (it sorts as text)
    page = client.get(path, params={"after": "1.7.0", "limit": 50}).json()["items"]
    assert [v["version"] for v in page] == [v for v in live if v > "1.7.0"]
