#!/usr/bin/env bash
# Installs schemathesis, the OpenAPI fuzzer that `make fuzz-api` runs, from
# PyPI into a virtualenv of its own under the user's cache directory, pinned
# so every machine fuzzes with the same checks. Prints the path of the
# `st` command. A second run reuses the virtualenv.
set -euo pipefail

version=4.32.5
venv="${XDG_CACHE_HOME:-$HOME/.cache}/streamplane/schemathesis-$version"

if [ ! -x "$venv/bin/st" ]; then
  python=$(command -v python3 || true)
  if [ -z "$python" ]; then
    echo "schemathesis needs Python 3.9 or later (Debian: apt-get install python3 python3-venv)" >&2
    exit 1
  fi
  rm -rf "$venv"
  "$python" -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version" >&2
fi
echo "$venv/bin/st"
