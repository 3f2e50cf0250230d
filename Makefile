# Streamplane: `make run` starts the server on its embedded defaults (SQLite
# store, local brokers); `make test` runs every test, end-to-end ones against
# real Kafka brokers; `make bench` prints the performance table.
GO      ?= go
BIN     := bin/streamplane
PKGS    := ./...

# go.mod names the toolchain (a Go patch release with the standard
# library's security fixes); "auto" lets an older local Go fetch it from the
# module proxy once, as the go command does by default.
export GOTOOLCHAIN ?= auto

.PHONY: build run test unit e2e bench deps fmt vet lint fuzz clean kube-tools test-k8s

build:
	$(GO) build -o $(BIN) ./cmd/streamplane

# Starts the server in the foreground; it installs the recommended Kafka
# runtime from Maven Central on first start. Extra flags: make run ARGS="--listen :9090".
run: build
	./$(BIN) server $(ARGS)

# What the tests need from the machine: a Java 17+ JDK, Maven, kcat, Prometheus, Chromium.
deps:
	@scripts/install-deps.sh

vet:
	$(GO) vet $(PKGS)

test: deps lint fuzz build kube-tools
	$(GO) test -count=1 -timeout 60m $(PKGS)
	cd tools/vkubelet && $(GO) vet ./... && STREAMPLANE_KUBE_BIN=$$(../../scripts/kube-bins.sh) $(GO) test -count=1 -timeout 20m ./...

# The Kubernetes provisioner's tests run against a real control plane built
# from the Go module proxy (tools/kube: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler; about 12 minutes cold on 2 cores,
# then cached in ~/.cache/streamplane/kube-bin) and virtual nodes that run
# pods as local processes (tools/vkubelet). Built here, before go test, so
# that a cold build does not count against its timeout.
kube-tools:
	@scripts/kube-bins.sh >/dev/null
	@scripts/vkubelet.sh >/dev/null

# Only the Kubernetes parts: the harness, the virtual node, the provisioner,
# the deploy manifests and the end-to-end tests on Kubernetes.
test-k8s: deps build kube-tools
	$(GO) test -count=1 -timeout 40m ./kubetest ./provision/kubernetes ./deploy/...
	$(GO) test -count=1 -timeout 40m -run 'TestKube' ./e2e
	cd tools/vkubelet && $(GO) vet ./... && STREAMPLANE_KUBE_BIN=$$(../../scripts/kube-bins.sh) $(GO) test -count=1 -timeout 20m ./...

# Fast tests only: no Kafka brokers. Prints each package's coverage.
unit:
	$(GO) test -count=1 -short -cover $(PKGS)

# Hygiene: go.mod tidy, go vet, staticcheck and govulncheck at pinned
# versions (fetched once through the Go module proxy, then cached; bump them
# together with the Go version). FUZZTIME is how much each fuzz target runs
# on top of its seed corpus: a count of inputs (20000x) by default, because a
# duration races Go's fuzz coordinator at its deadline and fails with a bare
# "context deadline exceeded" on a loaded machine (go.dev/issue/75804, fixed
# only in Go 1.27). make fuzz FUZZTIME=5m for a real search.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.9.0
VULNDB      := v0.0.0-20261105234957-e22db6528018
FUZZTIME    ?= 20000x

lint: vet
	$(GO) mod tidy -diff
	$(GO) run $(STATICCHECK) $(PKGS)
	GO=$(GO) GOVULNCHECK=$(GOVULNCHECK) VULNDB=$(VULNDB) scripts/vulncheck.sh $(PKGS)

fuzz:
	GO=$(GO) scripts/fuzz.sh $(FUZZTIME)

e2e: deps build
	$(GO) test -count=1 -timeout 60m -v ./e2e

bench: deps build
	$(GO) run ./bench

fmt:
	gofmt -w .

clean:
	rm -rf bin

# The REST API against its own OpenAPI document: schemathesis (pinned, from
# PyPI, in a virtualenv under ~/.cache) with every check, against a server
# with no instances and one with a running 1-broker instance. `make test`
# runs it.
.PHONY: fuzz-api
fuzz-api: build
	scripts/fuzz-api.sh

test: fuzz-api
