/** The read-only commands: `plan --dry-run`, `status`, `sessions`. None of them needs or loads the key. */
import { dataPaths, HISTORY_MAX_SAMPLES } from "../daemon/build.js";
import { FileJournal } from "../executor/journal.js";
import { leaseLine, readHaJournal } from "../ha/node.js";
import { loadConfig } from "../config/load.js";
import { eachChain, readOnlyRunners, selectVaults } from "./context.js";
import {
  renderDrafts,
  renderJournal,
  renderPlanReport,
  renderQuarantine,
  renderSessions,
  renderStrategies,
  renderVaultHeader,
} from "./render.js";
import { FilePriceHistory } from "../yield/history.js";
import { DraftStore } from "../drafts/store.js";
import { BoundEvidence } from "../drafts/evidence.js";
import { LensReader } from "../chain/reader.js";

export async function planCommand(
  options: { config?: string; vault?: string },
  print: (text: string) => void,
): Promise<void> {
  const config = loadConfig(options.config);
  const selected = selectVaults(config, options.vault);
  await eachChain(config, print, async (ctx) => {
    const { runners } = await readOnlyRunners(ctx);
    for (const runner of runners) {
      if (!selected.has(runner.config.vault)) continue;
      const report = await runner.tick({ dryRun: true });
      print(renderPlanReport(report));
      print("");
    }
  });
}

export async function statusCommand(options: { config?: string }, print: (text: string) => void): Promise<void> {
  await eachChain(options.config, print, async (ctx, chain) => {
    const reader = new LensReader(ctx.provider, ctx.config.lens);
    const paths = dataPaths(ctx.config, ctx.agent);
    // With high availability the journal is PostgreSQL's, and the lease says which node is active.
    const ha = ctx.config.ha;
    const journal = {
      entries: ha
        ? await readHaJournal(ha, BigInt(ctx.chainId), ctx.agent)
        : new FileJournal(paths.journal, { readOnly: true }).entries(),
    };
    const { runners } = await readOnlyRunners(ctx);
    // On several chains, the header and every vault name their chain.
    const on = chain.several ? ` (network ${chain.name})` : "";
    print(`Agent ${ctx.agent} on chain ${ctx.chainId}${on}`);
    if (ha) print(await leaseLine(ha, BigInt(ctx.chainId), ctx.agent));
    for (const runner of runners) {
      const snap = await reader.snapshot(runner.config.vault, ctx.agent);
      // Read-only, and with an interval nothing passes: the snapshot only counts as the newest price, as in a tick.
      const history = new FilePriceHistory(
        paths.prices(runner.config.vault),
        { minIntervalSeconds: 2n ** 62n, maxSamples: HISTORY_MAX_SAMPLES },
        false,
      );
      history.record(snap);
      const yields = new Map(
        snap.strategies
          .map((s) => [s.strategy, history.estimate(s.strategy, snap.timestamp, runner.config.estimate)] as const)
          .filter((e): e is readonly [string, NonNullable<(typeof e)[1]>] => e[1] !== undefined),
      );
      print("");
      const label = chain.several
        ? `${runner.config.label} [${chain.name}, chain ${ctx.chainId}]`
        : runner.config.label;
      print(renderVaultHeader(label, snap));
      print(`  circuit breaker: ${runner.breaker.open ? `OPEN (${runner.breaker.reason})` : "closed"}`);
      print(renderQuarantine(runner.quarantine.entries(), snap));
      print("");
      print(renderStrategies(snap, yields));
      print("");
      print(renderSessions(snap, runner.config.policy));
      print("");
      print(
        renderJournal(
          journal.entries.filter((e) => e.record.vault.toLowerCase() === runner.config.vault.toLowerCase()),
          snap.assetDecimals,
        ),
      );
      print("");
      print(
        renderDrafts(
          DraftStore.read(paths.drafts).filter((d) => d.vault.toLowerCase() === runner.config.vault.toLowerCase()),
          paths.drafts,
          BoundEvidence.hintOf(paths.evidence(runner.config.vault)),
        ),
      );
    }
  });
}

export async function sessionsCommand(options: { config?: string }, print: (text: string) => void): Promise<void> {
  await eachChain(options.config, print, async (ctx, chain) => {
    const reader = new LensReader(ctx.provider, ctx.config.lens);
    const { runners } = await readOnlyRunners(ctx);
    print(`Sessions of agent ${ctx.agent} on chain ${ctx.chainId}${chain.several ? ` (network ${chain.name})` : ""}`);
    for (const runner of runners) {
      const snap = await reader.snapshot(runner.config.vault, ctx.agent);
      print("");
      print(
        `Vault ${runner.config.label} (${snap.vault}), block time ${new Date(Number(snap.timestamp) * 1000).toISOString()}${snap.agentsPaused ? ", agents PAUSED" : ""}`,
      );
      print(renderSessions(snap, runner.config.policy));
    }
  });
}
