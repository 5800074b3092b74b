/**
 * `journal compact`: rewrites the agent's journal with only what the daemon still needs (see executor/compact.ts),
 * keeping the old file as a backup. Takes the journal's lock first, so it refuses while a daemon runs on the journal;
 * then reads the chain's final block (nothing mined after it is left out). Sends nothing.
 */
import fs from "node:fs";
import { agentAddressOf } from "../config/key.js";
import { loadConfig } from "../config/load.js";
import { assertChain, createProvider, dataPaths } from "../daemon/build.js";
import { chainConfigs } from "../daemon/chains.js";
import { entriesToKeep } from "../executor/compact.js";
import { FileJournal, type CompactionResult } from "../executor/journal.js";
import { RpcError, UsageError } from "../failures.js";

export async function journalCompactCommand(
  options: { config?: string },
  print: (text: string) => void,
): Promise<void> {
  const config = loadConfig(options.config);
  if (config.ha) {
    throw new UsageError(
      "journal compact: with ha the journal is the PostgreSQL table agent_journal, not a file; it is not compacted by this command (each row is about 1.3 kB per intent)",
    );
  }
  const agent = await agentAddressOf(config);
  // One journal per chain: each compacted against its own chain's final block; a chain without one is passed over.
  const chains = chainConfigs(config).filter((c) => fs.existsSync(dataPaths(c, agent).journal));
  if (chains.length === 0) {
    const file = dataPaths(config, agent).journal;
    throw new UsageError(`journal compact: no journal at ${file} (nothing to compact)`);
  }
  for (const c of chains) {
    const file = dataPaths(c, agent).journal;
    // The lock first: a daemon running on this journal makes this refuse, naming it, before anything is read.
    const journal = new FileJournal(file);
    const provider = createProvider(c);
    try {
      await assertChain(provider, c);
      const finalized = await finalizedBlock(provider, c.network.finalityDepth);
      const result = journal.compact(entriesToKeep(journal.entries(), finalized));
      print(summary(file, result, finalized));
    } finally {
      journal.close();
      provider.destroy();
    }
  }
}

/** The newest final block: the node's `finalized` tag, or `finalityDepth` blocks below the head without it. */
async function finalizedBlock(provider: ReturnType<typeof createProvider>, depth: number): Promise<number> {
  try {
    const [head, tagged] = await Promise.all([
      provider.getBlockNumber(),
      provider.send("eth_getBlockByNumber", ["finalized", false]).then(
        (b: { number?: string } | null) => (b?.number === undefined ? undefined : Number(BigInt(b.number))),
        () => undefined,
      ),
    ]);
    return tagged ?? head - depth;
  } catch (err) {
    throw new RpcError("journal compact: cannot read the chain's final block; nothing was changed", { cause: err });
  }
}

function summary(file: string, r: CompactionResult, finalized: number): string {
  const bytes = (n: number) => n.toLocaleString("en-US");
  return [
    `compacted ${file}: ${bytes(r.before)} → ${bytes(r.after)} bytes`,
    `kept ${r.kept} intent${r.kept === 1 ? "" : "s"} (in flight, not final at block ${finalized}, the highest nonce, each vault's latest); left out ${r.dropped} settled and final`,
    `the old file is kept at ${r.backup}`,
  ].join("\n");
}
