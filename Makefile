# Parley: the two set-up commands are `make serve` and `make test`.
GO ?= go
STATICCHECK ?= $(shell command -v staticcheck || echo $(HOME)/go/bin/staticcheck)

.PHONY: build serve test lint bench clean

build: ## build bin/parley
	$(GO) build -o bin/parley ./cmd/parley

serve: ## run Parley on its embedded store in ./data (REST on 127.0.0.1:8080)
	$(GO) run ./cmd/parley serve

test: ## vet, then the whole test suite with the race detector
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

lint: ## gofmt, vet and staticcheck
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	$(STATICCHECK) ./...

bench: ## the benchmarks recorded in docs/benchmarks.md
	$(GO) test -run '^$$' -bench . -benchtime 2s ./store/embedded ./core

clean:
	rm -rf bin
