#!/usr/bin/env bash
# Per-operation cost of every extracted store vs the hand-written HandwrittenVc
# and the Chapar-style function store (a few minutes). Writes
# results/extraction.json and results/extraction-latency.svg; extra arguments
# go to extraction-bench (see `extraction-bench --help`).
# The criterion benches (longer): cargo bench -p extraction-bench
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p extraction-bench
exec ./target/release/extraction-bench "$@"
