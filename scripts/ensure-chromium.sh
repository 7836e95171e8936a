#!/usr/bin/env bash
# Make sure Debian's Chromium is there for the web pages' browser tests (Playwright drives
# /usr/bin/chromium; it downloads no browser of its own). As root on Debian it is installed with
# apt-get; otherwise this only says so: the browser tests then skip, except under CI=true, where
# they fail.
set -u
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the web pages' browser tests…" >&2
  if apt-get install -y -q chromium >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }; then
    exit 0
  fi
  echo "apt-get could not install chromium." >&2
fi
echo "/usr/bin/chromium is missing; the browser tests will skip (or fail under CI=true)." \
     "Install it with: apt-get install chromium" >&2
exit 0
