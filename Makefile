# kubelet-audit — see README.md. `make demo` and `make test` are the two entry points.
GO        ?= go
BIN       := bin/kubelet-audit
PKGS      := ./...
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X github.com/kubelet-audit/kubelet-audit/cmd/kubelet-audit/internal/cli.version=$(VERSION)

.PHONY: all build demo test vet fmt-check unit e2e bench generate lab clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/kubelet-audit

# Scan the bundled demo cluster manifests; exit 1 means "findings at or above
# --fail-on", which is the point of the demo, so it does not fail make.
demo: build
	@./$(BIN) scan testdata/demo --format table; code=$$?; \
	  if [ $$code -gt 1 ]; then exit $$code; fi; \
	  echo "(exit code $$code: 1 = findings at or above --fail-on high)"

# The README's test command: everything CI runs.
test: vet fmt-check unit e2e

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

unit:
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

# Regenerate docs/rules.md and docs/endpoints.md from the code (CI checks them).
generate:
	UPDATE_DOCS=1 $(GO) test -count=1 -run TestGeneratedDocs ./cmd/kubelet-audit/internal/cli/

# Scale benchmarks (docs/benchmarks.md): generated corpora S, M, L (and XL
# with BENCH_XL=1) cached in .cache/bench, full scans timed with peak RSS and
# checked against the generator's answer, Go benchmarks, 1,000-kubelet probe.
bench: build
	$(GO) run ./hack/bench -bin $(BIN) $(BENCH_FLAGS)

# End-to-end tests against a real in-process control plane and real kubelet
# servers (test/e2e, a nested module). The first build takes ~13 min on 2
# cores; with the Go build cache reruns take ~30 s.
e2e:
	cd test/e2e && $(GO) vet ./... && $(GO) test -count=1 -timeout 45m ./...

# Start the test bed with a seeded insecure cluster and print how to scan it;
# Ctrl-C stops it. LAB_DIR keeps the kubeconfigs in a directory of your choice.
lab:
	cd test/e2e && $(GO) run ./cmd/lab $(if $(LAB_DIR),-dir $(abspath $(LAB_DIR)))

clean:
	rm -rf bin
