# App Integration — every task a developer or CI runs.
GO      ?= go
BIN     := bin/appintegration
PKGS    := ./...
# Fuzz targets run for FUZZTIME each by `make test` (bounded) and longer by `make fuzz`.
FUZZTIME ?= 10s

.PHONY: run build test check generate verify-generated unit fuzz bench clean

run: ## Start the server on an embedded SQLite file under ./data.
	$(GO) run ./cmd/appintegration serve

build: ## Build bin/appintegration.
	$(GO) build -trimpath -o $(BIN) ./cmd/appintegration

test: check unit ## Every test: static checks, unit, integration and browser tests.

check: verify-generated ## gofmt, go vet, and generated templ code up to date.
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)

generate: ## Regenerate templ components.
	$(GO) tool templ generate

verify-generated: ## Fail when committed *_templ.go files are stale.
	@$(GO) tool templ generate >/dev/null 2>&1
	@if [ -d .git ] && [ -n "$$(git status --porcelain -- '*_templ.go')" ]; then \
	  echo "templ output is stale; run 'make generate' and commit:"; git status --porcelain -- '*_templ.go'; exit 1; fi

unit:
	$(GO) test -count=1 -timeout 20m $(PKGS)

fuzz: ## Run every fuzz target for FUZZTIME (default 10s; try FUZZTIME=5m).
	@set -e; for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; done

bench: ## Go benchmarks with allocations.
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

clean:
	rm -rf bin
