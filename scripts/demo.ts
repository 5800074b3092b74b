/**
 * The main job, on Hardhat's embedded chain: deploys the treasury stack, funds the vault, grants the agent a
 * session, runs one rebalance through it, shows a rejected out-of-bounds attempt, and prints the state read
 * through the lens.
 */
import { network } from "hardhat";
import { deployStack, fund, grantSession } from "./lib/stack.js";
import { formatUnits } from "ethers";

const { ethers, networkHelpers } = await network.create();

const stack = await deployStack(ethers, { strategies: 3 });
const { vault, lens, strategies, agent, users, unit } = stack;
const errors = await ethers.getContractAt("ErrorsLib", await vault.getAddress());
const fmt = (v: bigint) => Number(formatUnits(v, 6)).toLocaleString("en-US", { maximumFractionDigits: 2 });

console.log("Treasury stack deployed on the embedded chain");
console.log(`  vault            ${await vault.getAddress()}`);
console.log(`  session manager  ${await stack.sessions.getAddress()}`);
console.log(`  lens             ${await lens.getAddress()}`);
for (const [i, s] of strategies.entries()) console.log(`  strategy ${i}       ${await s.getAddress()}`);

await fund(stack, users[0], 1_000_000n * unit);
console.log(`\nA user deposited ${fmt(1_000_000n * unit)} mUSD`);

const now = await networkHelpers.time.latest();
const sessionId = await grantSession(stack, {
  now,
  durationSeconds: 7 * 86_400,
  maxVolumePerCall: 900_000n * unit,
  maxVolumePerEpoch: 3_000_000n * unit,
});
console.log(`Governance granted session #${sessionId} to the agent ${agent.address} for 7 days`);

// The agent weights strategy 1 (the best yield) up to 45%, under its 50% cap, and keeps the 10% idle buffer.
const targets = [
  { strategy: await strategies[0].getAddress(), assets: 200_000n * unit },
  { strategy: await strategies[1].getAddress(), assets: 450_000n * unit },
  { strategy: await strategies[2].getAddress(), assets: 200_000n * unit },
];
const intentHash = ethers.id(JSON.stringify(targets.map((t) => [t.strategy, t.assets.toString()])));
const receipt = await (await vault.connect(agent).rebalance(targets, sessionId, intentHash)).wait();
console.log(`Agent rebalanced into 3 strategies: gas ${receipt!.gasUsed}, intent ${intentHash.slice(0, 18)}…`);

await networkHelpers.time.increase(120); // past the session's 60 s minimum interval
// An out-of-bounds attempt: empty strategy 1 into strategy 0, which would hold 65%, above its 50% relative cap.
const rogue = [
  { strategy: await strategies[1].getAddress(), assets: 0n },
  { strategy: await strategies[0].getAddress(), assets: 650_000n * unit },
];
try {
  await vault.connect(agent).rebalance.staticCall(rogue, sessionId, ethers.ZeroHash);
  throw new Error("the out-of-bounds rebalance was not rejected");
} catch (err: unknown) {
  const data = (err as { data?: string }).data;
  if (!data) throw err;
  const decoded = errors.interface.parseError(data);
  console.log(`Rejected by the contract: ${decoded?.name}(${decoded?.args.map(String).join(", ")})`);
}

const snap = await lens.snapshot(await vault.getAddress(), agent.address);
console.log(`\nVault state at block ${snap.blockNumber}`);
console.log(`  total assets  ${fmt(snap.totalAssets)}   idle ${fmt(snap.idle)} (buffer ${Number(snap.bounds.idleBufferBps) / 100}%)`);
console.table(
  snap.strategies.map((s, i) => ({
    strategy: i,
    allocation: fmt(s.allocation),
    "abs cap": fmt(s.absoluteCap),
    "rel cap %": Number(s.relativeCapBps) / 100,
    "share of total %": Number((s.allocation * 10_000n) / snap.totalAssets) / 100,
  })),
);
for (const s of snap.sessions) {
  console.log(
    `Session #${s.id}: active=${s.remaining.active}, epoch volume left ${fmt(s.remaining.volumeInEpoch)}, ` +
      `calls left ${s.remaining.callsInEpoch}, ${Math.round(Number(s.remaining.timeLeft) / 3600)} h left`,
  );
}
