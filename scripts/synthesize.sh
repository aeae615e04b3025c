#!/usr/bin/env bash
# Synthesizes, audits and extracts the given specs (default: every built-in
# spec), then regenerates their Rust crates. Records results/synthesis.json.
# Usage: scripts/synthesize.sh [spec ...]
set -uo pipefail
cd "$(dirname "$0")/.."
specs=("$@")
[ ${#specs[@]} -gt 0 ] || specs=(read-your-writes monotonic-reads monotonic-writes writes-follow-reads pram causal causal-plus causal-function-store)
status=0
for s in "${specs[@]}"; do
  args=(--spec "$s")
  [ "$s" = causal-function-store ] && args=(--spec causal --representation function-store --name causal-function-store)
  echo "== synth run ${args[*]}"
  if ./target/release/synth run "${args[@]}" > "/tmp/synth-$s.log" 2>&1; then
    ./target/release/miniml2rust gen --json "extracted/stores/$s/rocq/store.json" --name "$s" --out "extracted/stores/$s" | head -1
  else
    echo "   not closed: $(tail -1 /tmp/synth-$s.log)"; status=1
  fi
done
exit $status
