#!/usr/bin/env bash
# Runs govulncheck ($GOVULNCHECK, a pinned module version) on the packages
# given, against a pinned snapshot of the Go vulnerability database
# ($VULNDB, a version of the golang.org/x/vulndb module). The database's
# own site is not reachable from every build machine, but the module proxy
# is: the snapshot's OSV files come from there, and vulndb's own indexdb
# command turns them into the database govulncheck reads. It is built once
# per version and cached. Bump VULNDB to check against newer reports.
set -euo pipefail
go=${GO:-go}
db_version=${VULNDB:?}
cache=${STREAMPLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/streamplane}/vulndb/$db_version

if [ ! -f "$cache/index/db.json" ]; then
  src=$("$go" mod download -json "golang.org/x/vulndb@$db_version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$src/data/osv" ] || { echo "vulncheck: golang.org/x/vulndb@$db_version has no data/osv" >&2; exit 1; }
  rm -rf "$cache.tmp" && mkdir -p "$(dirname "$cache")"
  echo "vulncheck: building the vulnerability database $db_version (once)" >&2
  (cd "$(dirname "$cache")" && "$go" run "golang.org/x/vulndb/cmd/indexdb@$db_version" -vulns "$src/data/osv" -out "$cache.tmp")
  rm -rf "$cache" && mv "$cache.tmp" "$cache"
fi
exec "$go" run "${GOVULNCHECK:?}" -db "file://$cache" "$@"
