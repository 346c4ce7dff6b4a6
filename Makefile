# Orchestera: `make demo` runs it, `make test` tests it. Every tool a target
# needs is installed by that target, at a pinned version.
SHELL   := /bin/bash
GO      ?= go
BIN     := build/bin
MODULE  := github.com/orchestera/orchestera
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X $(MODULE)/internal/version.Version=$(VERSION) -X $(MODULE)/internal/version.Commit=$(COMMIT)

# Pinned tool versions.
GO_MIN      := 1.26
HEY_VERSION := v0.1.4

.PHONY: all build demo test test-go lint bench go-check clean

all: build

go-check:
	@command -v $(GO) >/dev/null || { echo "Go $(GO_MIN) or newer is required: https://go.dev/doc/install" >&2; exit 1; }
	@$(GO) version | grep -Eq 'go1\.(2[6-9]|[3-9][0-9])' || { echo "Go $(GO_MIN) or newer is required, found: $$($(GO) version)" >&2; exit 1; }

build: go-check
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/orchestera ./cmd/orchestera

## demo: start a local-mode server, use it from the CLI, stop it.
demo: build
	scripts/demo.sh $(BIN)/orchestera

## test: start PostgreSQL (installing it if needed), run every test, stop it.
test: go-check lint
	@scripts/test-postgres.sh start >/dev/null
	@status=0; ORCHESTERA_TEST_POSTGRES_URL="$$(cat build/pg/url)" $(GO) test -count=1 ./... || status=$$?; \
	  scripts/test-postgres.sh stop; exit $$status

lint: go-check
	@unformatted="$$(gofmt -l $$(git ls-files '*.go'))"; \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted" >&2; exit 1; fi
	$(GO) vet ./...

$(BIN)/hey: | go-check
	GOBIN=$(CURDIR)/$(BIN) $(GO) install github.com/rakyll/hey@$(HEY_VERSION)

## bench: API read throughput and latency against a bare net/http handler.
bench: build $(BIN)/hey
	$(GO) run ./bench/api -bin $(BIN)/orchestera -hey $(BIN)/hey

clean:
	-scripts/test-postgres.sh stop
	rm -rf build
