#!/usr/bin/env bash
# Reproduces every figure of results/bench*.json and the plots
# (results/bench-throughput.svg, bench-latency.svg, bench-history.svg):
# every registered store (plus causal and causal-function-store, reported as
# skipped while they are not registered) on its own 3-replica loopback
# cluster, the same three YCSB-style workloads, 5 repetitions each; history
# scaling after 50, 1,000 and 100,000 puts (causal, Chapar-style, handwritten-vc,
# read-your-writes); headline ratios from 7 interleaved rounds of causal,
# handwritten-vc and causal-function-store in this same run (median of the
# per-round ratios; see bench-harness/README.md, "Paired phase").
# About 3-8 minutes on a 2-core machine. Extra arguments go to `bench compare`.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p kvstore-runtime -p bench-harness --bins
exec target/release/bench compare --out results/bench.json --plots-dir results \
    --repetitions 5 --history-stores causal,causal-function-store,handwritten-vc,read-your-writes "$@"
