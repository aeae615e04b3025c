#!/usr/bin/env bash
# Reproduces every figure in results/, one stage after the other (run it on
# an otherwise quiet machine: 30-40 minutes on 2 cores):
#   results/synthesis.json            scripts/synthesize.sh (all seven specs)
#   results/extraction.json + .svg    scripts/extraction-bench.sh
#   results/map-shapes.json           (same script)
#   results/runtime.json              scripts/runtime-bench.sh
#   results/bench.json + bench-*.svg  scripts/bench-all.sh
#   results/feedback-causal.json      scripts/feedback.sh
#   results/demo-read-your-writes.json  bench demo (what `make demo` writes)
# Each results file records its own command, revision and machine.
# Usage: scripts/reproduce-results.sh [stage ...]
#   stages: synthesis extraction runtime bench feedback demo (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(synthesis extraction runtime bench feedback demo)
for s in "${stages[@]}"; do
  case "$s" in
    synthesis|extraction|runtime|bench|feedback|demo) ;;
    *) echo "unknown stage '$s' (stages: synthesis extraction runtime bench feedback demo)" >&2; exit 2 ;;
  esac
done
make -s specs
cargo build --release --workspace --bins
for s in "${stages[@]}"; do
  echo "== $s ($(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))"
  case "$s" in
    synthesis)
      bash scripts/synthesize.sh
      # The stores were regenerated from the new developments: rebuild.
      cargo build --release --workspace --bins ;;
    extraction) bash scripts/extraction-bench.sh ;;
    runtime) bash scripts/runtime-bench.sh ;;
    bench) bash scripts/bench-all.sh --quiet ;;
    feedback) bash scripts/feedback.sh ;;
    demo) ./target/release/bench demo --store read-your-writes --out results/demo-read-your-writes.json ;;
  esac
done
git status --short results/
