# slowroutes — every entry point a person or CI needs.
GO        ?= go
BIN       ?= bin
FUZZTIME  ?= 10s
CAPTURES  := testdata/captures

.PHONY: demo demo-html test e2e bench bench-peers fuzz cli vet build lint

## demo: rank the worst routes of the bundled real-server captures
demo:
	$(GO) run ./cmd/slowroutes report $(CAPTURES)/uwsgi.log $(CAPTURES)/nginx-access.log $(CAPTURES)/nginx-error.log $(CAPTURES)/gunicorn-error.log $(CAPTURES)/gunicorn-access.log

## demo-html: the same report as one self-contained HTML page, with the route owners of the captures: bin/demo.html
demo-html:
	@mkdir -p $(BIN)
	$(GO) run ./cmd/slowroutes report --format html --owners testdata/owners/owners.txt $(CAPTURES)/uwsgi.log $(CAPTURES)/nginx-access.log $(CAPTURES)/nginx-error.log $(CAPTURES)/gunicorn-error.log $(CAPTURES)/gunicorn-access.log > $(BIN)/demo.html
	@echo "wrote $(BIN)/demo.html"

## test: unit, golden and integration tests (tools they need are checked for; CI=true makes a missing tool fatal)
test:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

cli:
	$(GO) build -trimpath -o $(BIN)/slowroutes ./cmd/slowroutes

## e2e: re-capture logs from real nginx/uwsgi/gunicorn/apache (the default setup, the incident setups, the user formats) and check the freshly built CLI, the capture readers, the counts against the client's record, the split property, the filter pattern and the format parsers on them
e2e: cli
	@dir=$$(mktemp -d /tmp/slowroutes-e2e.XXXXXX) && \
	  testdata/capture/capture.sh "$$dir" && \
	  SLOWROUTES_CAPTURE_DIR="$$dir" $(GO) test -count=1 ./internal/capture/ && \
	  SLOWROUTES_E2E_DIR="$$dir" SLOWROUTES_E2E_BIN="$(CURDIR)/$(BIN)/slowroutes" \
	    $(GO) test -count=1 -v -run 'TestE2E' ./cmd/slowroutes/ && \
	  testdata/capture/incidents/capture.sh "$$dir/incidents" && \
	  SLOWROUTES_INCIDENTS_DIR="$$dir/incidents" $(GO) test -count=1 -run 'Incident' ./internal/capture/ && \
	  SLOWROUTES_CAPTURE_DIR="$$dir" SLOWROUTES_INCIDENTS_DIR="$$dir/incidents" \
	    $(GO) test -count=1 -run 'Incident|Split' ./pipeline/ && \
	  SLOWROUTES_CAPTURE_DIR="$$dir" SLOWROUTES_INCIDENTS_DIR="$$dir/incidents" \
	    $(GO) test -count=1 -run 'DefaultPatternKeepsTimeouts' ./internal/awslogs/ && \
	  testdata/capture/formats/capture.sh "$$dir/formats" && \
	  SLOWROUTES_FORMATS_DIR="$$dir/formats" $(GO) test -count=1 ./parse/ && \
	  SLOWROUTES_FORMATS_DIR="$$dir/formats" $(GO) test -count=1 -run 'TestReportCustomFormatMatchesJSON' ./cmd/slowroutes/ && \
	  rm -rf "$$dir"

## bench: every Go benchmark, 5 runs each (compare two runs with benchstat)
BENCH_PKGS = $(shell grep -l '^func Benchmark' $$(git ls-files '*_test.go') | xargs -n1 dirname | sort -u | sed 's|^|./|')
bench:
	@mkdir -p $(BIN)
	$(GO) test -run '^$$' -bench . -benchmem -count 5 $(BENCH_PKGS) | tee $(BIN)/bench.txt

## fuzz: run every fuzz target briefly
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; done

## build: cross-compile the Lambda functions (linux/arm64, static) into bin/harakiri/bootstrap, bin/slowlog/bootstrap and bin/albaccess/bootstrap
LAMBDA_GOFLAGS := -tags lambda.norpc -trimpath -ldflags '-s -w'
LAMBDA_ENV     := CGO_ENABLED=0 GOOS=linux GOARCH=arm64

build:
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_GOFLAGS) -o $(BIN)/harakiri/bootstrap ./functions/harakiri
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_GOFLAGS) -o $(BIN)/slowlog/bootstrap ./functions/slowlog
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_GOFLAGS) -o $(BIN)/albaccess/bootstrap ./functions/albaccess

# sam build (BuildMethod: makefile) calls these with ARTIFACTS_DIR set.
build-HarakiriFunction:
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_GOFLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/harakiri

build-SlowlogFunction:
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_GOFLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/slowlog

build-AlbaccessFunction:
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_GOFLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/albaccess

## lint: gofmt, go vet, staticcheck, a tidy go.mod and cfn-lint on template.yaml
STATICCHECK_VERSION ?= v0.8.2
lint: cfn-lint
	@test -z "$$(gofmt -l .)" || { echo "gofmt would change:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }
	GOBIN=$(CURDIR)/$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(BIN)/staticcheck ./...

cfn-lint:
	cfn-lint template.yaml

.PHONY: build-HarakiriFunction build-SlowlogFunction build-AlbaccessFunction lint cfn-lint

## bench-peers: this project beside mtail, a Python Lambda handler and the decode floors, on one generated corpus (../shared/bench)
BENCH_LINES ?= 2000000
# shared/ sits beside the repository (../shared), or beside the folder of worktrees (../../shared).
SHARED ?= $(firstword $(wildcard ../shared ../../shared) ../shared)
bench-peers: cli
	PROJECT_CMD='$(CURDIR)/$(BIN)/slowroutes report --format json "$$BENCH_PLAIN" > "$$BENCH_RESULT"' \
	PROJECT_EVENTS_CMD='$(CURDIR)/$(BIN)/slowroutes emit --dry-run "$$BENCH_EVENTS_DIR"/*.json > /dev/null' \
	  $(SHARED)/bench/run.sh -n $(BENCH_LINES) $(BENCH_FLAGS)
