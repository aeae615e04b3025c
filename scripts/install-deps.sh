#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine that has Rust:
# Debian's Rocq (coq) with CoqHammer, protoc (for tonic), OCaml (for the
# reference extraction), iproute2/iptables (network-namespace clusters).
# Skips what is already there. Needs root (or sudo) only when something is missing.
set -euo pipefail
need=()
command -v coqc >/dev/null 2>&1 || need+=(coq)
command -v protoc >/dev/null 2>&1 || need+=(protobuf-compiler)
command -v ocamlfind >/dev/null 2>&1 || need+=(ocaml-nox ocaml-findlib)
[ -d /usr/lib/ocaml/coq-hammer ] || need+=(libcoq-hammer)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
coqc --version | head -1
