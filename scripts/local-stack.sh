#!/usr/bin/env bash
# Deploys the whole treasury stack to a local chain in one command.
#
#   bash scripts/local-stack.sh          start `hardhat node` on 127.0.0.1:8545 unless one already answers there,
#                                        then deploy governance, mock asset and strategies, and the treasury with
#                                        Ignition (deploy/parameters/local.json); addresses go to
#                                        deploy/addresses/31337.json. Running it again sends nothing.
#   bash scripts/local-stack.sh stop     stop the node this script started.
#
# Extra arguments go to `treasury deploy` (e.g. --strategies 5).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh

STATE_DIR=".local-chain"
PID_FILE="$STATE_DIR/node.pid"
LOG_FILE="$STATE_DIR/node.log"
RPC_URL="http://127.0.0.1:8545"

rpc_up() {
  curl -sf -m 2 -X POST -H 'content-type: application/json' \
    --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$RPC_URL" >/dev/null 2>&1
}

if [ "${1:-}" = "stop" ]; then
  if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
    kill "$(cat "$PID_FILE")" && rm -f "$PID_FILE"
    echo "[local-stack] stopped the local chain"
  else
    echo "[local-stack] no local chain started by this script is running"
  fi
  exit 0
fi

echo "[local-stack] building contracts and types" >&2
pnpm exec hardhat build --no-tests --quiet >&2

if rpc_up; then
  echo "[local-stack] a chain already answers on $RPC_URL: deploying to it (Ignition's journal makes this a no-op when deployed)"
else
  mkdir -p "$STATE_DIR"
  # A new chain starts empty: the journal and addresses of a previous node's deployment no longer apply.
  rm -rf deploy/deployments/chain-31337 deploy/addresses/31337.json
  nohup node_modules/.bin/hardhat node --hostname 127.0.0.1 --port 8545 >"$LOG_FILE" 2>&1 &
  echo $! >"$PID_FILE"
  for _ in $(seq 1 60); do
    rpc_up && break
    sleep 0.5
  done
  rpc_up || { echo "[local-stack] the node did not start; see $LOG_FILE" >&2; exit 1; }
  echo "[local-stack] started a local chain on $RPC_URL (pid $(cat "$PID_FILE"), log $LOG_FILE; stop: bash scripts/local-stack.sh stop)"
fi

node --import tsx scripts/treasury.ts deploy --network localhost "$@"
