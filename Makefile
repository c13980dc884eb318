# Kontext — run `make help` for the targets.
SHELL := /bin/bash
GO ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BIN := bin/kontext
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.DEFAULT_GOAL := help
.PHONY: help db build migrate demo run test test-faults test-replica fuzz-short lint bench eval

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

db: ## install and start PostgreSQL with pgvector and create the kontext database (idempotent)
	@bash scripts/db.sh

build: ## build the kontext binary into bin/
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/kontext

migrate: db build ## apply database migrations
	$(BIN) migrate

demo: db build ## load the demo corpus in examples/ into the tenant acme (idempotent)
	@bash scripts/demo.sh $(BIN)

run: demo ## set up the database, load the demo corpus and serve the API on :8080 with the offline provider
	KONTEXT_BRANDS=$${KONTEXT_BRANDS:-examples/acme/brand.yaml} $(BIN) serve

test: db ## set up the database and chromium (browser tests), then go vet and go test -race over every package
	@bash scripts/chromium.sh
	$(GO) vet ./...
	$(GO) test -race ./...

test-faults: db ## the fault suite: real serve and worker processes, an own PostgreSQL cluster, a fake provider (docs/operations.md#faults)
	$(GO) test -tags faults -count=1 -timeout 5m ./internal/faults

test-replica: db ## the read pool against a streaming replica made with pg_basebackup, both clusters its own (docs/search.md#read-replicas)
	$(GO) test -tags replica -count=1 -timeout 3m -run TestReplica ./internal/readpool

# A count, not a duration: with a duration, Go 1.26's fuzz coordinator can
# fail a target with "context deadline exceeded" when the time runs out while
# a worker is busy (golang/go#75804, fixed in Go 1.27); a count has no deadline.
FUZZTIME ?= 3000x
fuzz-short: ## run every fuzz target FUZZTIME (3000x) times on top of its corpus, one target per go test
	@set -e; for pkg in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for target in $$(grep -h '^func Fuzz' $$pkg/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
			echo "fuzz $$pkg $$target"; \
			$(GO) test $$pkg -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME); \
		done; \
	done

lint: ## go vet, gofmt check and staticcheck
	$(GO) vet ./...
	@unformatted="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [[ -n "$$unformatted" ]]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) run $(STATICCHECK) ./...

eval: db build ## run the eval suites and write evals/out/junit.xml
	$(BIN) migrate && $(BIN) eval --baseline evals/baseline.json --junit evals/out/junit.xml --json evals/out/report.json

bench: db ## run the Go benchmarks
	$(GO) test -run '^$$' -bench . -benchmem ./...
