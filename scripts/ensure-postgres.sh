#!/usr/bin/env bash
# Make sure the PostgreSQL server the tests use is up. Tests find it through
# STEWARD_TEST_DATABASE_URL (default: postgresql+psycopg://postgres@127.0.0.1:5432/test).
# On a machine without PostgreSQL this only says so: the PostgreSQL tests then skip, except
# under CI=true, where they fail.
set -u
url="${STEWARD_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
case "$url" in
  *127.0.0.1*|*localhost*) ;;
  *) exit 0 ;;  # a remote server is the caller's business
esac
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
  exit 0
fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  echo "Starting the local PostgreSQL server for the tests…" >&2
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  done
  for _ in $(seq 1 20); do
    pg_isready -q -h 127.0.0.1 -p 5432 && exit 0
    sleep 0.5
  done
fi
echo "PostgreSQL is not reachable at 127.0.0.1:5432; its tests will skip (or fail under CI=true)." >&2
exit 0
