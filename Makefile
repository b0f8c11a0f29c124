# App Integration — every task a developer or CI runs.
GO      ?= go
BIN     := bin/appintegration
PKGS    := ./...
# Every fuzz target runs for FUZZTIME in `make fuzz` and FUZZTIME_SHORT in `make test`:
# a number of inputs, not a time, because a run that ends on a deadline fails with
# "context deadline exceeded" when an input is still being processed then.
FUZZTIME       ?= 2m
FUZZTIME_SHORT ?= 20000x

.PHONY: run build test check generate verify-generated unit fuzz fuzz-short fuzz-run bench bench-go bench-load bench-scim bench-scim-1m clean

run: ## Start the server on an embedded SQLite file under ./data.
	$(GO) run ./cmd/appintegration serve

build: ## Build bin/appintegration.
	$(GO) build -trimpath -o $(BIN) ./cmd/appintegration

test: check unit fuzz-short ## Every test: static checks, unit, integration, browser tests, short fuzzing.

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
	@[ -n "$$APPINT_TEST_POSTGRES_URL" ] || echo "PostgreSQL tests skipped: APPINT_TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL and sets it)"
	$(GO) test -count=1 -timeout 30m $(PKGS)

fuzz: ## Run every fuzz target for FUZZTIME (default 2m).
	@$(MAKE) --no-print-directory fuzz-run T=$(FUZZTIME) MIN=10s

# Short runs do not minimise new inputs, which would take longer than the run.
fuzz-short: ## Run every fuzz target for FUZZTIME_SHORT inputs (part of make test).
	@$(MAKE) --no-print-directory fuzz-run T=$(FUZZTIME_SHORT) MIN=0

fuzz-run:
	@set -e; for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f ($(T))"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(T) -fuzzminimizetime $(MIN) $$pkg; \
	  done; done

bench: bench-go bench-load bench-scim ## Every benchmark; see BENCHMARKS.md.

bench-go: ## Go benchmarks of each grant path and its pieces, with allocations.
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

bench-load: build ## Load benchmark over loopback HTTP: baselines, our endpoints, ratios.
	$(GO) run ./bench/loadbench -bin $(BIN)

# SCIM benchmarks run on PostgreSQL too when APPINT_TEST_POSTGRES_URL names a server
# (bash .ci/postgres.sh starts one and prints it).
comma := ,
SCIM_ENGINES ?= sqlite$(if $(APPINT_TEST_POSTGRES_URL),$(comma)postgres)

bench-scim: build ## SCIM API over loopback HTTP at 10,000 and 100,000 users (about 1.5 minutes).
	$(GO) run ./bench/scimbench -bin $(BIN) -engines $(SCIM_ENGINES) -sizes 10000,100000

bench-scim-1m: build ## The SCIM benchmark up to 1,000,000 users (about 7 minutes on 2 cores).
	$(GO) run ./bench/scimbench -bin $(BIN) -engines $(SCIM_ENGINES) -sizes 10000,100000,1000000

clean:
	rm -rf bin
