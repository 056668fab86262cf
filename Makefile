# fieldcheck — the two commands a newcomer runs are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
FUZZTIME ?= 5s

.PHONY: run build test deps gotest fuzz e2e e2e-update bench soak screenshots race vet fmt clean lighthouse province-bench

## run: start the server with demo data on :8080 (FIELDCHECK_ADDR, FIELDCHECK_DATA honoured) and print the logins
run:
	$(GO) run . serve --demo

## build: the fieldcheck binary
build:
	$(GO) build -o fieldcheck .

## test: every test — Go unit/integration, crash and fuzz smoke, then the browser tests
test: vet gotest fuzz e2e

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

gotest: deps
	$(GO) test -count=1 -timeout 15m ./...

## deps: what the Go tests need beyond Go (nginx, openssl), installed when missing
deps:
	bash scripts/deps.sh

## fuzz: each fuzz target for $(FUZZTIME) (longer: make fuzz FUZZTIME=5m)
fuzz:
	bash scripts/fuzz.sh $(FUZZTIME)

## e2e: browser tests (installs Debian chromium and the npm packages when missing)
e2e:
	bash e2e/run.sh

## lighthouse: Lighthouse (mobile) on the login page and each role's home, 3 runs each (not part of make test: slow)
lighthouse:
	bash e2e/run.sh lighthouse

## e2e-update: only the app-update browser test (part of make e2e)
e2e-update:
	bash e2e/run.sh tests/update.test.mjs

## screenshots: the browser tests, writing each role's screenshots to docs/screenshots
screenshots:
	FC_SHOTS_DIR=$(CURDIR)/docs/screenshots bash e2e/run.sh

## race: the Go tests under the race detector (slow on 2 cores)
race:
	$(GO) test -race -count=1 -timeout 30m ./...

## bench: load and speed figures reported in the README
bench:
	bash scripts/bench.sh

## soak: 200 simulated devices against a real server on 127.0.0.1 with SIGKILL restarts, then an exactly-once audit (SOAK=60s)
SOAK ?= 60s
soak:
	mkdir -p bin
	$(GO) build -o bin/fieldcheck .
	$(GO) build -o bin/fieldload ./tools/fieldload
	./bin/fieldload soak --bin ./bin/fieldcheck --duration $(SOAK)

## province-bench: a province's month of PROVINCE_JOBS finished jobs (default 1,000,000) written in bulk by fieldload province-gen into PROVINCE_DIR (kept: a second run reuses it, an interrupted one resumes), then every report, callbacks/summary, push, claim, RSS and start-up on the real server on 127.0.0.1
PROVINCE_JOBS ?= 1000000
PROVINCE_SMALL_JOBS ?= 10000
PROVINCE_DIR ?= /tmp/fieldcheck-province
province-bench:
	mkdir -p bin
	$(GO) build -o bin/fieldcheck .
	$(GO) build -o bin/fieldload ./tools/fieldload
	./bin/fieldload province-gen --data $(PROVINCE_DIR)/big --jobs $(PROVINCE_JOBS)
	./bin/fieldload province-gen --data $(PROVINCE_DIR)/small --jobs $(PROVINCE_SMALL_JOBS)
	./bin/fieldload province-bench --bin ./bin/fieldcheck --data $(PROVINCE_DIR)/big --jobs $(PROVINCE_JOBS) \
		--small $(PROVINCE_DIR)/small --small-jobs $(PROVINCE_SMALL_JOBS)

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf fieldcheck e2e/.bin e2e/artifacts
