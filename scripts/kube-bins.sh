#!/usr/bin/env bash
# kube-bins.sh builds the Kubernetes control plane that kubetest starts
# (kube-apiserver, kube-controller-manager, kube-scheduler, etcd) from the
# module in tools/kube, and prints the directory that holds them.
#
# A cold build takes 8 to 12 minutes on 2 cores (and leaves about 4 GB in
# Go's build cache), so its result is cached under
# ${STREAMPLANE_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/streamplane/kube-bin}
# in a directory named by a hash of what decides the binaries (the module's
# files, this script, the Go version); a complete directory is reused as is.
# Only the directory goes to stdout; the build's log goes to stderr.
set -euo pipefail

# All of it is in main so that bash reads the whole script before running
# any: editing it while a build runs then changes nothing under way.
main() {
	self=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
	root=$(dirname "$(dirname "$self")")
	mod=$root/tools/kube
	bins=(kube-apiserver kube-controller-manager kube-scheduler etcd)
	# The packages of bins, in the same order.
	pkgs=(
		k8s.io/kubernetes/cmd/kube-apiserver
		k8s.io/kubernetes/cmd/kube-controller-manager
		k8s.io/kubernetes/cmd/kube-scheduler
		github.com/streamplane/streamplane/tools/kube/etcd
	)
	# The release tools/kube/go.mod pins; the build stamps it where `make`
	# in the kubernetes tree would, so /version and the components' version
	# checks see v1.37.2 rather than an unset v0.0.0.
	k8s_version=v1.37.2

	hash=$(cd "$mod" && {
		cat go.mod go.sum etcd/main.go "$self"
		go version
	} | sha256sum | cut -c1-16)
	base=${STREAMPLANE_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/streamplane/kube-bin}
	out=$base/$hash

	complete() {
		local b
		for b in "${bins[@]}"; do
			[[ -x $1/$b ]] || return 1
		done
	}

	if complete "$out"; then
		echo "$out"
		return 0
	fi

	mkdir -p "$base"
	# Test packages run in parallel and may each ask for the binaries: one
	# builds, the others wait for it and then find the directory complete.
	exec 9>"$base/.lock"
	flock 9
	if complete "$out"; then
		echo "$out"
		return 0
	fi

	tmp=$(mktemp -d "$base/.build.XXXXXX")
	chmod 755 "$tmp"
	trap 'rm -rf "$tmp"' EXIT
	echo "kube-bins: building ${bins[*]} into $out (8 to 12 min on 2 cores)" >&2
	start=$SECONDS
	minor=${k8s_version#v1.}
	minor=${minor%%.*}
	ldflags="-s -w"
	for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
		ldflags+=" -X $pkg.gitTreeState=clean"
	done
	(
		cd "$mod"
		# go.sum is complete (go mod tidy): a build that would need to
		# change it fails rather than leave the checkout changed.
		export GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0
		go build -trimpath -ldflags="$ldflags" -o "$tmp/" "${pkgs[@]}"
	) >&2
	complete "$tmp"
	rm -rf "$out"
	mv "$tmp" "$out"
	trap - EXIT
	echo "kube-bins: built in $((SECONDS - start)) s" >&2
	echo "$out"
}

main "$@"
