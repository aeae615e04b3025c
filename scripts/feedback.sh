#!/usr/bin/env bash
# The synthesizer's feedback loop on the causal spec: `synth run` collects 4
# closed candidates (the same mechanism variant over avl-tree, assoc-list,
# function-store and per-key-records), builds a server binary for each (the kvstore CLI with
# the candidate registered under its own name), measures it through the
# benchmark harness (3-replica loopback cluster, the harness's short fixed
# workload, median of 5 interleaved repetitions) and ships the fastest. The ranking and
# its numbers go to results/feedback-causal.json (and, next to the
# development, to target/feedback/causal/synthesis/{summary,ranking}.json).
# --no-record and --out keep the shipped store under extracted/ untouched.
# Usage: scripts/feedback.sh [spec] [closed]
set -euo pipefail
cd "$(dirname "$0")/.."
spec=${1:-causal}
closed=${2:-4}
cargo build --release -p synth --bins
mkdir -p target/feedback
./target/release/synth run --spec "$spec" --closed "$closed" --measure \
  --out "target/feedback/$spec" --no-record > "target/feedback/$spec.log"
python3 - "$spec" <<'PY'
import json, sys
d = json.load(open(f"results/feedback-{sys.argv[1]}.json"))
for r in d["ranking"]:
    print(f'{r["rank"]}. {r["candidate"]}: {r["ops_per_s"]} ops/s {r["repetitions_ops_per_s"]}')
print("shipped:", d["shipped_candidate"])
PY
