#!/usr/bin/env bash
# vkubelet.sh builds tools/vkubelet (a Kubernetes node whose pods run as
# local processes, for tests against a real API server) and prints the path
# of the binary.
#
# The binary is cached under
# ${STREAMPLANE_VKUBELET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/streamplane/vkubelet}
# in a directory named by a hash of what decides it (the module's go.mod,
# go.sum and Go files, the main module's go.mod and go.sum, this script, the
# Go version); a cached binary is reused as is. A cold build takes 2 to 4
# minutes on 2 cores. Only the path goes to stdout; the build's output goes
# to stderr.
set -euo pipefail

self=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
root=$(dirname "$(dirname "$self")")
mod=$root/tools/vkubelet

hash=$(cd "$mod" && {
	# Every Go file of the module, tests left out, in a stable order.
	find . -name '*.go' ! -name '*_test.go' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
	sha256sum go.mod go.sum ../../go.mod ../../go.sum "$self"
	go version
} | sha256sum | cut -c1-16)
base=${STREAMPLANE_VKUBELET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/streamplane/vkubelet}
out=$base/$hash/vkubelet

if [[ -x $out ]]; then
	echo "$out"
	exit 0
fi

mkdir -p "$base"
# Test packages run in parallel and may each ask for the binary: one
# builds, the others wait for it and then find it.
exec 9>"$base/.lock"
flock 9
if [[ -x $out ]]; then
	echo "$out"
	exit 0
fi

tmp=$(mktemp -d "$base/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "vkubelet: building $out" >&2
(
	cd "$mod"
	# The module's tests import the main module (package kubetest, through
	# a replace), whose requirements join this module's. When the main
	# module raises one of them, this go.mod lags until `go mod tidy` here:
	# build from a copy of go.mod and go.sum that the go command may bring
	# up to date, so the checkout never changes and the build never fails
	# for it.
	cp go.mod go.sum "$tmp/"
	export GOFLAGS="-mod=mod -modfile=$tmp/go.mod -buildvcs=false" CGO_ENABLED=0
	go build -trimpath -ldflags="-s -w" -o "$tmp/vkubelet" .
) >&2
mkdir -p "$(dirname "$out")"
mv "$tmp/vkubelet" "$out"
echo "$out"
