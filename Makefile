# The two commands of the project (see README.md):
#   make demo   - spec -> synthesized, audited development -> Rust crate ->
#                 3 gRPC replicas on loopback -> benchmark in results/
#   make test   - every Rust and Rocq test
SHELL := /bin/bash
STORE ?= read-your-writes
CARGO ?= cargo

.PHONY: deps specs build demo synth extract test check-generated audit-specs results

deps:
	@bash scripts/install-deps.sh

specs: deps
	$(MAKE) -C specs

build: specs
	$(CARGO) build --release --workspace --bins

# Synthesize the default spec and regenerate its Rust crate.
synth: build
	./target/release/synth run --spec $(STORE)
	./target/release/miniml2rust gen --json extracted/stores/$(STORE)/rocq/store.json \
	  --name $(STORE) --out extracted/stores/$(STORE)

demo: synth
	$(CARGO) build --release --workspace --bins
	./target/release/bench demo --store $(STORE) --out results/demo-$(STORE).json

# No hole, axiom or undeclared parameter in specs/ or in shipped developments.
audit-specs:
	@bash scripts/check-closed.sh

test: specs audit-specs
	$(CARGO) test --workspace --no-fail-fast
	@bash scripts/check-generated.sh

# Every figure in results/, one stage after the other (30-40 min; quiet machine).
results: deps
	@bash scripts/reproduce-results.sh
