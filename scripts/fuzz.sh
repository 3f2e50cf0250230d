#!/usr/bin/env bash
# Runs every fuzz target (func FuzzX in a _test.go file) for a short time
# each, on top of its seed corpus (f.Add seeds and testdata/fuzz). A failing
# input is written to the package's testdata/fuzz and the script stops.
# Usage: scripts/fuzz.sh [fuzztime: a count like 20000x, or a duration like 5m]
# A count is the default: a duration can fail at its end with a bare "context
# deadline exceeded" from Go's fuzz coordinator (go.dev/issue/75804) on a
# busy machine; -timeout still stops a target that hangs.
set -euo pipefail
fuzztime=${1:-20000x}
go=${GO:-go}
cd "$(dirname "$0")/.."

started=$SECONDS
count=0
while IFS= read -r file; do
  dir=$(dirname "$file")
  for target in $(grep -oE '^func Fuzz[A-Za-z0-9_]+' "$file" | sed 's/^func //'); do
    echo "fuzz: $dir $target ($fuzztime)"
    "$go" test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -timeout 10m "$dir" >/tmp/streamplane-fuzz.$$ 2>&1 || {
      cat /tmp/streamplane-fuzz.$$; rm -f /tmp/streamplane-fuzz.$$; exit 1; }
    count=$((count + 1))
  done
done < <(grep -rlE --include='*_test.go' --exclude-dir=e2e '^func Fuzz' . | sort)
rm -f /tmp/streamplane-fuzz.$$
echo "fuzz: $count targets passed in $((SECONDS - started))s"
