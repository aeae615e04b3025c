#!/usr/bin/env bash
# Regenerates every committed store crate from its committed extraction and
# fails on any difference (generated code must match its generator).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p miniml2rust
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0
for d in extracted/stores/*/; do
  name=$(basename "$d")
  [ -f "$d/rocq/store.json" ] || continue
  ./target/release/miniml2rust gen --json "$d/rocq/store.json" --name "$name" --out "$tmp/$name" >/dev/null
  for f in Cargo.toml src; do
    diff -r "$tmp/$name/$f" "$d/$f" || { echo "extracted/stores/$name/$f differs from its regeneration"; exit 1; }
  done
  n=$((n+1))
done
echo "generated code up to date: $n store crate(s)"
