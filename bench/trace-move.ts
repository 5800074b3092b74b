/**
 * Where the gas of the bench's 3-place move goes (1 withdrawal leg, 2 deposit legs, `rebalance` through a session):
 * replays it on a fresh chain, traces it (debug_traceTransaction) and prints every external call with its target,
 * selector and gas, every SSTORE and every LOG, per call depth. Not part of the checked figures.
 * Run: `pnpm exec hardhat run --no-compile bench/trace-move.ts`.
 */
import { network } from "hardhat";
import { deployStack as deployOn, fund, stackAccounts } from "@agent-treasury/agent/devnet";
import { wideGrant } from "./gas.js";

const connection = await network.create();
const { ethers } = connection;
const stack = await deployOn(stackAccounts(await ethers.getSigners()), { strategies: 3 });
const now = (await ethers.provider.getBlock("latest"))!.timestamp;
await fund(stack, stack.users[0], 1_000_000n * stack.unit);
await (await wideGrant(stack, now)).wait();
const sessionId = await stack.sessions.sessionCount();
const targets = async (amounts: bigint[]) =>
  Promise.all(amounts.map(async (assets, i) => ({ strategy: await stack.strategies[i].getAddress(), assets })));
const unit = stack.unit;
await (
  await stack.vault
    .connect(stack.agent)
    .rebalance(await targets([300_000n * unit, 300_000n * unit, 300_000n * unit]), sessionId, ethers.ZeroHash)
).wait();
const tx = await stack.vault
  .connect(stack.agent)
  .rebalance(await targets([100_000n * unit, 400_000n * unit, 400_000n * unit]), sessionId, ethers.ZeroHash);
const receipt = (await tx.wait())!;
console.log(`gasUsed ${receipt.gasUsed}`);

const names = new Map<string, string>();
names.set(stack.vaultAddress.toLowerCase(), "vault");
names.set((await stack.sessions.getAddress()).toLowerCase(), "sessions");
names.set((await stack.asset.getAddress()).toLowerCase(), "asset");
for (const [i, s] of stack.strategies.entries()) names.set((await s.getAddress()).toLowerCase(), `strategy${i}`);
const selectors = new Map<string, string>();
for (const c of [stack.vault, stack.sessions, stack.asset, stack.strategies[0]]) {
  c.interface.forEachFunction((f) => selectors.set(f.selector, f.name));
}

type Log = { op: string; gas: number; gasCost: number; depth: number; stack?: string[]; memory?: string[] };
const trace = (await ethers.provider.send("debug_traceTransaction", [tx.hash, { enableMemory: true }])) as {
  structLogs: Log[];
};
const logs = trace.structLogs;
const word = (h: string) => BigInt(h.startsWith("0x") ? h : `0x${h}`);
const summary = new Map<string, { count: number; gas: number }>();
const add = (key: string, gas: number) => {
  const e = summary.get(key) ?? { count: 0, gas: 0 };
  e.count += 1;
  e.gas += gas;
  summary.set(key, e);
};
const frames: string[] = ["vault"];
for (let i = 0; i < logs.length; i++) {
  const l = logs[i];
  const st = l.stack ?? [];
  const top = (n: number) => word(st[st.length - 1 - n]);
  if (l.op === "CALL" || l.op === "STATICCALL" || l.op === "DELEGATECALL") {
    const to = `0x${top(1).toString(16).padStart(40, "0")}`;
    const argsAt = Number(l.op === "CALL" ? top(3) : top(2));
    const mem = (l.memory ?? []).map((w) => w.replace(/^0x/, "")).join("");
    const sel = `0x${mem.slice(argsAt * 2, argsAt * 2 + 8)}`;
    let j = i + 1;
    while (j < logs.length && logs[j].depth > l.depth) j++;
    const gas = j < logs.length ? l.gas - logs[j].gas : l.gasCost;
    const key = `${"  ".repeat(l.depth - 1)}${frames[l.depth - 1] ?? "?"} ${l.op} ${names.get(to) ?? to}.${selectors.get(sel) ?? sel}`;
    add(key, gas);
    frames[l.depth] = names.get(to) ?? to;
  } else if (l.op === "SSTORE" || l.op === "SLOAD") {
    const slot = top(0).toString(16).slice(0, 8);
    add(`${"  ".repeat(l.depth - 1)}${frames[l.depth - 1] ?? "?"} ${l.op} ${slot}`, l.gasCost);
  } else if (l.op.startsWith("LOG") || l.op === "TSTORE" || l.op === "TLOAD") {
    add(`${"  ".repeat(l.depth - 1)}${frames[l.depth - 1] ?? "?"} ${l.op}`, l.gasCost);
  }
}
for (const [k, v] of summary) console.log(`${String(v.count).padStart(3)} x ${String(v.gas).padStart(7)} gas  ${k}`);
