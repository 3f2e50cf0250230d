# Streamplane: `make run` starts the server on its embedded defaults (SQLite
# store, local brokers); `make test` runs every test, end-to-end ones against
# real Kafka brokers; `make bench` prints the performance table.
GO      ?= go
BIN     := bin/streamplane
PKGS    := ./...

.PHONY: build run test unit e2e bench deps fmt vet clean

build:
	$(GO) build -o $(BIN) ./cmd/streamplane

# Starts the server in the foreground; it installs the recommended Kafka
# runtime from Maven Central on first start. Extra flags: make run ARGS="--listen :9090".
run: build
	./$(BIN) server $(ARGS)

# What the tests need from the machine: a Java 17+ JDK, Maven, kcat.
deps:
	@scripts/install-deps.sh

vet:
	$(GO) vet $(PKGS)

test: deps vet build
	$(GO) test -count=1 -timeout 60m $(PKGS)

# Fast tests only: no Kafka brokers.
unit:
	$(GO) test -count=1 -short $(PKGS)

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
