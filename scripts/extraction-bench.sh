#!/usr/bin/env bash
# Per-operation cost of every extracted store vs the hand-written HandwrittenVc
# and the Chapar-style function store (a few minutes). Writes
# results/extraction.json and results/extraction-latency.svg; extra arguments
# go to extraction-bench (see `extraction-bench --help`).
# Then the map alone by representation shape: results/map-shapes.json.
# The criterion benches (longer): cargo bench -p extraction-bench
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p extraction-bench
./target/release/extraction-bench "$@"
./target/release/map-shapes
