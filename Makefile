# Orchestera: `make demo` runs it, `make test` tests it. Every tool a target
# needs is installed by that target, at a pinned version.
SHELL   := /bin/bash
GO      ?= go
BIN     := build/bin
MODULE  := github.com/orchestera/orchestera
# The release version: the git tag the tree is at (v1.2.3 -> 1.2.3), else
# internal/version/VERSION; a build from a changed tree says so.
VERSION := $(shell git describe --tags --exact-match 2>/dev/null | sed 's/^v//' | grep . || cat internal/version/VERSION)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)
COMMIT  := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X $(MODULE)/internal/version.Version=$(VERSION) -X $(MODULE)/internal/version.Commit=$(COMMIT)
# Helm's SDK links kustomize, whose Go-plugin loader imports "plugin", and
# that makes the linker export every symbol: a third larger binary and 40 MB
# more resident. Every go command made here (and the tests' own builds,
# through the environment) leaves the loader out; nothing uses it.
export GOFLAGS := -tags=kustomize_disable_go_plugin_support

# Pinned tool versions (Python packages: python/requirements.txt).
GO_MIN      := 1.26
HEY_VERSION := v0.1.4
JAVA_PKG    := openjdk-17-jre-headless
CHROMIUM_PKG := chromium fonts-dejavu-core

VENV   := build/venv
PYTHON := $(VENV)/bin/python
RUNTIME_SOURCES := $(shell find python/orchestera -name '*.py') python/pyproject.toml

.PHONY: all build demo test lint bench screenshots go-check java-check browser-check python-env kube-env clean

all: build

go-check:
	@command -v $(GO) >/dev/null || { echo "Go $(GO_MIN) or newer is required: https://go.dev/doc/install" >&2; exit 1; }
	@$(GO) version | grep -Eq 'go1\.(2[6-9]|[3-9][0-9])' || { echo "Go $(GO_MIN) or newer is required, found: $$($(GO) version)" >&2; exit 1; }

build: go-check
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/orchestera ./cmd/orchestera

# Spark needs Java: install Debian's when none is found (as root), else say
# exactly what to install.
java-check:
	@if ! command -v java >/dev/null && [ ! -x "$$JAVA_HOME/bin/java" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing $(JAVA_PKG) for Spark"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(JAVA_PKG) >/dev/null; \
	  else echo "Spark needs Java 17: install $(JAVA_PKG) (or any JDK 17) or set JAVA_HOME" >&2; exit 1; fi; \
	fi

# The console's browser tests drive Debian's headless Chromium (chromedp,
# nothing downloaded at test time): install it when none is found (as
# root), else say exactly what to install.
browser-check:
	@if ! command -v chromium >/dev/null && [ ! -x "$$ORCHESTERA_TEST_CHROMIUM" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the console's browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(CHROMIUM_PKG) >/dev/null; \
	  else echo "the console's browser tests need Chromium: apt-get install $(CHROMIUM_PKG), or set ORCHESTERA_TEST_CHROMIUM" >&2; exit 1; fi; \
	fi

# The Python runtime and pinned pyspark, in the project's own environment.
python-env: $(VENV)/.installed
$(VENV)/.installed: python/requirements.txt $(RUNTIME_SOURCES)
	@command -v python3 >/dev/null || { echo "Python 3.9+ is required (Debian: apt-get install python3 python3-venv)" >&2; exit 1; }
	@python3 -c 'import ensurepip, venv' 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
	  else echo "Python's venv module is missing (Debian: apt-get install python3-venv)" >&2; exit 1; fi; }
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --disable-pip-version-check -r python/requirements.txt
	$(PYTHON) -m pip install -q --disable-pip-version-check --no-deps ./python
	touch $@

## demo: start a local-mode server, run the hello-world pipeline on the
## local stack through it, show the outputs, stop the server.
demo: build java-check python-env
	scripts/demo.sh $(BIN)/orchestera $(PYTHON)

## kube-env: build the loopback Kubernetes test cluster (control plane,
## node, images) without starting it; cached by version under build/kube.
kube-env: go-check
	@scripts/test-kube.sh build --node

## test: start PostgreSQL and a loopback Kubernetes cluster with a node
## (installing and building what they need), run every test (Go and
## Python, with real Spark), stop both, also when a test fails.
test: go-check lint java-check browser-check python-env kube-env
	@scripts/test-postgres.sh start >/dev/null
	@status=0; \
	  trap 'scripts/test-kube.sh stop; scripts/test-postgres.sh stop' EXIT; trap 'exit 130' INT TERM; \
	  scripts/test-kube.sh start --node >/dev/null && \
	  ORCHESTERA_TEST_POSTGRES_URL="$$(cat build/pg/url)" ORCHESTERA_TEST_PYTHON="$(CURDIR)/$(PYTHON)" \
	    ORCHESTERA_TEST_MOTO="$(CURDIR)/$(VENV)/bin/moto_server" \
	    ORCHESTERA_TEST_KUBECONFIG="$(CURDIR)/build/kube/kubeconfig" ORCHESTERA_TEST_KUBE_NODE=1 \
	    $(GO) test -race -count=1 -timeout 30m ./... || status=$$?; \
	  scripts/test-kube.sh stop; scripts/test-postgres.sh stop; trap - EXIT; \
	  [ $$status = 0 ] || exit $$status; \
	  cd python && ../$(PYTHON) -m pytest -q

lint: go-check
	@unformatted="$$(gofmt -l $$(git ls-files '*.go'))"; \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted" >&2; exit 1; fi
	$(GO) vet ./...

$(BIN)/hey: | go-check
	GOBIN=$(CURDIR)/$(BIN) $(GO) install github.com/rakyll/hey@$(HEY_VERSION)

## screenshots: run the console's browser tests, saving their screenshots
## into docs/console (the README shows them). The cluster pages need the
## loopback Kubernetes test cluster running (scripts/test-kube.sh start);
## TEST_KUBECONFIG names another one's kubeconfig.
TEST_KUBECONFIG ?= $(CURDIR)/build/kube/kubeconfig
screenshots: go-check browser-check python-env
	ORCHESTERA_TEST_SCREENSHOTS="$(CURDIR)/docs/console" ORCHESTERA_TEST_PYTHON="$(CURDIR)/$(PYTHON)" \
	  ORCHESTERA_TEST_MOTO="$(CURDIR)/$(VENV)/bin/moto_server" ORCHESTERA_TEST_KUBECONFIG="$(TEST_KUBECONFIG)" \
	  $(GO) test -count=1 -run 'TestConsole' ./cmd/orchestera

## bench: API reads and console pages against a bare net/http handler;
## local runs against running the same pipeline directly; submissions to
## a Kubernetes stack against raw client-go, and a run on the test node
## against the same driver pod created directly.
bench: build $(BIN)/hey java-check python-env kube-env
	$(GO) run ./bench/api -bin $(BIN)/orchestera -hey $(BIN)/hey
	$(GO) run ./bench/console -bin $(BIN)/orchestera -hey $(BIN)/hey
	$(GO) run ./bench/local-run -bin $(BIN)/orchestera -python $(PYTHON)
	@status=0; trap 'scripts/test-kube.sh stop' EXIT; \
	  scripts/test-kube.sh start --node >/dev/null && \
	  $(GO) run ./bench/submit -bin $(BIN)/orchestera -kubeconfig build/kube/kubeconfig && \
	  $(GO) run ./bench/noderun -bin $(BIN)/orchestera -kubeconfig build/kube/kubeconfig || status=$$?; \
	  scripts/test-kube.sh stop; trap - EXIT; exit $$status

clean:
	-scripts/test-kube.sh stop
	-scripts/test-postgres.sh stop
	rm -rf build
