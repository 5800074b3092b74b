/**
 * A bounds or roles change as governance sees it: what to change, encoded as the calls the Timelock (or a Safe) will
 * make, each with a human line stating the value before and after.
 */
import { getAddress, Interface, ZeroAddress } from "ethers";
import { type BoundsChange, formatBps, formatDuration, formatRiskGroups, setCapsCall } from "@agent-treasury/agent";
import { InputError } from "./errors.js";
import { tokenAmount, type TreasuryContext } from "./context.js";
import { hasRole, TIMELOCK_ROLES } from "./governance-shape.js";
import { IRiskGroups__factory } from "../../types/ethers-contracts/index.js";

/** The change types live with the agent, whose what-if replays them (`propose --what-if`). */
export type { BoundsChange };

export interface PlanOptions {
  /**
   * The Timelock executes the calls (a Governor proposal): a new guardian also gets the Timelock's CANCELLER_ROLE and
   * the old one loses it, so the guardian and the Timelock's canceller stay one account. Off for a Safe.
   */
  timelock?: string;
}

/** The Timelock's own role administration (OpenZeppelin's TimelockController is its own admin). */
const TIMELOCK_INTERFACE = new Interface([
  "function grantRole(bytes32 role, address account)",
  "function revokeRole(bytes32 role, address account)",
]);

/** One call governance makes. */
export interface PlannedCall {
  target: string;
  value: bigint;
  data: string;
  /** `TreasuryVault.setCaps` and so on. */
  signature: string;
  /** What it changes, with the value before and after. */
  summary: string;
}

/** Rejects changes that contradict each other or depend on each other inside one proposal. */
export function checkChanges(changes: BoundsChange[]): void {
  if (changes.length === 0) {
    throw new InputError(
      "no change given: pass at least one of --add-strategy, --remove-strategy, --caps, --risk-group-cap, --risk-groups, " +
        "--enable-strategy, --disable-strategy, --idle-buffer, --liquidity-floor, --step-up, --loss-limits, --ceilings, " +
        "--unpause-agents, " +
        "--set-governance, --accept-governance, --set-guardian, --set-session-admin, --withdraw-queue",
    );
  }
  if (changes.some((c) => c.kind === "acceptGovernance") && changes.length > 1) {
    throw new InputError(
      "--accept-governance goes alone in its proposal: until it executes the other calls would still be checked against the old governance",
    );
  }
  const perStrategy = new Map<string, string>();
  const singletons = new Set<string>();
  for (const change of changes) {
    if (change.kind === "setRiskGroupCap" || change.kind === "setRiskGroups") {
      // A strategy's groups go with its other change; one change per group and per strategy's groups.
      const key =
        change.kind === "setRiskGroupCap" ? `group ${change.id}` : `groups of ${change.strategy.toLowerCase()}`;
      if (singletons.has(key))
        throw new InputError(`${change.kind} for ${key.replace("group", "risk group")} is given twice`);
      singletons.add(key);
    } else if ("strategy" in change) {
      const key = change.strategy.toLowerCase();
      const previous = perStrategy.get(key);
      if (previous !== undefined) {
        throw new InputError(
          `strategy ${change.strategy} appears twice (${previous} and ${change.kind}): one change per strategy per proposal` +
            (change.kind === "setCaps" && previous === "addStrategy" ? " (--add-strategy already sets its caps)" : ""),
        );
      }
      perStrategy.set(key, change.kind);
    } else {
      if (singletons.has(change.kind)) throw new InputError(`${change.kind} is given twice`);
      singletons.add(change.kind);
    }
  }
}

/**
 * Encodes `changes` as calls on the vault and the session manager, reading current values for the summaries.
 * Strategies must exist (code on chain) and, except for a listing, be listed; otherwise an InputError says so.
 */
export async function planCalls(
  ctx: TreasuryContext,
  changes: BoundsChange[],
  options: PlanOptions = {},
): Promise<PlannedCall[]> {
  checkChanges(changes);
  const { vault, sessions } = ctx;
  const vaultAddress = await vault.getAddress();
  const sessionsAddress = await sessions.getAddress();
  const amount = tokenAmount(ctx.asset);
  const bounds = await vault.bounds();
  const calls: PlannedCall[] = [];

  const listedConfig = async (strategy: string) => {
    const config = await vault.strategyConfig(strategy);
    if (!config.listed) {
      throw new InputError(`unknown strategy ${strategy}: it is not listed in the vault ${vaultAddress}`);
    }
    return config;
  };
  const onVault = (fn: string, args: unknown[], summary: string) =>
    calls.push({
      target: vaultAddress,
      value: 0n,
      data: vault.interface.encodeFunctionData(fn as never, args as never),
      signature: `TreasuryVault.${fn}`,
      summary,
    });
  const onSessions = (fn: string, args: unknown[], summary: string) =>
    calls.push({
      target: sessionsAddress,
      value: 0n,
      data: sessions.interface.encodeFunctionData(fn as never, args as never),
      signature: `SessionManager.${fn}`,
      summary,
    });

  for (const change of changes) {
    switch (change.kind) {
      case "addStrategy": {
        if ((await ctx.ethers.provider.getCode(change.strategy)) === "0x") {
          throw new InputError(`strategy ${change.strategy} has no contract code on ${ctx.networkName}`);
        }
        onVault(
          "addStrategy",
          [change.strategy, change.absoluteCap, change.relativeCapBps],
          `List strategy ${change.strategy} with caps ${amount(change.absoluteCap)} and ${formatBps(change.relativeCapBps)} of total assets`,
        );
        break;
      }
      case "removeStrategy": {
        await listedConfig(change.strategy);
        onVault("removeStrategy", [change.strategy], `Delist strategy ${change.strategy}`);
        break;
      }
      case "setCaps": {
        // One encoding with the agent's drafted proposals.
        calls.push(setCapsCall(vaultAddress, change.strategy, await listedConfig(change.strategy), change, amount));
        break;
      }
      case "setRiskGroupCap": {
        const c = await IRiskGroups__factory.connect(vaultAddress, ctx.ethers.provider).riskGroupCap(change.id);
        calls.push({
          target: vaultAddress,
          value: 0n,
          data: IRiskGroups__factory.createInterface().encodeFunctionData("setRiskGroupCap", [
            change.id,
            change.absoluteCap,
            change.relativeCapBps,
          ]),
          signature: "TreasuryVault.setRiskGroupCap",
          summary:
            `Set caps of risk group ${change.id} (its members together): absolute ${amount(c.absoluteCap)} -> ` +
            `${amount(change.absoluteCap)}, relative ${formatBps(c.relativeCapBps)} -> ${formatBps(change.relativeCapBps)}`,
        });
        break;
      }
      case "setRiskGroups": {
        const c = await listedConfig(change.strategy);
        const groups = IRiskGroups__factory.connect(vaultAddress, ctx.ethers.provider);
        for (let id = 0; id < 32; id++) {
          if (((change.riskGroups >>> id) & 1) === 0) continue;
          const capped = changes.some((x) => x.kind === "setRiskGroupCap" && x.id === id);
          const cap = await groups.riskGroupCap(id);
          if (!capped && cap.absoluteCap === 0n && cap.relativeCapBps === 0n) {
            throw new InputError(
              `--risk-groups: risk group ${id} has no caps yet, so its members could not be raised at all: ` +
                `set them first (--risk-group-cap ${id}:<absoluteCap>:<relativeCap>, in this proposal or an earlier one)`,
            );
          }
        }
        calls.push({
          target: vaultAddress,
          value: 0n,
          data: IRiskGroups__factory.createInterface().encodeFunctionData("setRiskGroups", [
            change.strategy,
            change.riskGroups,
          ]),
          signature: "TreasuryVault.setRiskGroups",
          summary: `Set the risk groups of strategy ${change.strategy}: ${formatRiskGroups(c.riskGroups)} -> ${formatRiskGroups(change.riskGroups)}`,
        });
        break;
      }
      case "setStrategyEnabled": {
        const c = await listedConfig(change.strategy);
        onVault(
          "setStrategyEnabled",
          [change.strategy, change.enabled],
          `${change.enabled ? "Enable" : "Disable"} deposits into strategy ${change.strategy} (now ${c.enabled ? "enabled" : "disabled"})`,
        );
        break;
      }
      case "setIdleBuffer":
        onVault(
          "setIdleBuffer",
          [change.idleBufferBps],
          `Set the idle buffer: ${formatBps(bounds.idleBufferBps)} -> ${formatBps(change.idleBufferBps)} of total assets`,
        );
        break;
      case "setLiquidityFloor": {
        const now = Number(await vault.liquidityFloorBps());
        onVault(
          "setLiquidityFloor",
          [change.liquidityFloorBps],
          `Set the withdrawable-liquidity floor: ${formatBps(now)} -> ${formatBps(change.liquidityFloorBps)} of total assets`,
        );
        break;
      }
      case "setStepUp": {
        const [threshold, signer] = await vault.stepUp();
        const show = (t: bigint, a: string) => (t === 0n ? "off" : `above ${amount(t)} co-signed by ${a}`);
        onVault(
          "setStepUp",
          [change.threshold, change.policySigner],
          `Set the step-up: ${show(threshold, signer)} -> ${show(change.threshold, change.policySigner)}`,
        );
        break;
      }
      case "setLossLimits": {
        const epoch = change.lossEpochLength ?? Number(bounds.lossEpochLength);
        onVault(
          "setLossLimits",
          [change.maxLossPerCallBps, change.epochLossBudgetBps, epoch],
          `Set loss limits: per call ${formatBps(bounds.maxLossPerCallBps)} -> ${formatBps(change.maxLossPerCallBps)}, ` +
            `per loss epoch ${formatBps(bounds.epochLossBudgetBps)} -> ${formatBps(change.epochLossBudgetBps)}, ` +
            `loss epoch ${formatDuration(bounds.lossEpochLength)} -> ${formatDuration(epoch)}`,
        );
        break;
      }
      case "setCeilings": {
        const c = await sessions.ceilings(vaultAddress);
        onSessions(
          "setCeilings",
          [
            vaultAddress,
            {
              maxDuration: change.maxDuration,
              maxVolumePerCall: change.maxVolumePerCall,
              maxVolumePerEpoch: change.maxVolumePerEpoch,
            },
          ],
          `Set the session admin's ceilings for this vault: duration ${formatDuration(c.maxDuration)} -> ${formatDuration(change.maxDuration)}, ` +
            `volume per call ${amount(c.maxVolumePerCall)} -> ${amount(change.maxVolumePerCall)}, ` +
            `volume per epoch ${amount(c.maxVolumePerEpoch)} -> ${amount(change.maxVolumePerEpoch)}`,
        );
        break;
      }
      case "setMaxPriceRate": {
        const current = Number(await vault.maxPriceRateBps());
        const show = (bps: number) => (bps === 0 ? "off" : `${formatBps(bps)} a day`);
        onVault(
          "setMaxPriceRate",
          [change.maxPriceRateBps],
          `Set the share-price rate bound: ${show(current)} -> ${show(change.maxPriceRateBps)} (a strategy whose price moves from its mark faster is frozen to exit-only)`,
        );
        break;
      }
      case "setDeadManSwitch": {
        const deadMan = await ctx.ethers.getContractAt("IDeadManSwitch", vaultAddress);
        const d = await deadMan.deadManSwitch();
        const show = (stale: number, drop: number, exit: number) =>
          stale === 0
            ? "off"
            : `after ${formatDuration(stale)} without a rebalance, a fall of more than ${formatBps(drop)}, ${formatBps(exit)} of total assets a call`;
        calls.push({
          target: vaultAddress,
          value: 0n,
          data: deadMan.interface.encodeFunctionData("setDeadManSwitch", [
            change.staleAfter,
            change.dropBps,
            change.maxExitBps,
          ]),
          signature: "TreasuryVault.setDeadManSwitch",
          summary: `Set the dead-man's switch: ${show(Number(d.staleAfter), Number(d.dropBps), Number(d.maxExitBps))} -> ${show(change.staleAfter, change.dropBps, change.maxExitBps)} (anyone may then move a fallen strategy to idle)`,
        });
        break;
      }
      case "clearFreeze": {
        await listedConfig(change.strategy);
        const mark = await vault.priceMark(change.strategy);
        onVault(
          "clearFreeze",
          [change.strategy],
          `Clear the freeze of strategy ${change.strategy} (now ${mark.frozen ? "frozen" : "not frozen"}) and re-mark its share price`,
        );
        break;
      }
      case "unpauseAgents": {
        const paused = await sessions.agentsPaused();
        onSessions("unpauseAgents", [], `Lift the agent pause (agents are ${paused ? "paused" : "not paused"} now)`);
        break;
      }
      case "setGovernance": {
        const current = await sessions.governance();
        const pending = await sessions.pendingGovernance();
        if (change.governance === ZeroAddress) {
          if (pending === ZeroAddress)
            throw new InputError(
              "--set-governance none: no governance handover is pending, so there is none to cancel",
            );
          onSessions(
            "setGovernance",
            [ZeroAddress],
            `Cancel the pending governance handover to ${pending} (governance stays ${current})`,
          );
          break;
        }
        if (change.governance === current)
          throw new InputError(`--set-governance: ${change.governance} is already governance`);
        if ((await ctx.ethers.provider.getCode(change.governance)) === "0x") {
          throw new InputError(
            `--set-governance: ${change.governance} has no contract code on ${ctx.networkName}: governance must be a Timelock or a Safe`,
          );
        }
        onSessions(
          "setGovernance",
          [change.governance],
          `Propose ${change.governance} as the next governance, in place of ${current}: it takes over every power over the ` +
            `vault and its sessions when it calls acceptGovernance; until then ${current} keeps them` +
            (pending !== ZeroAddress ? ` (replaces the pending handover to ${pending})` : ""),
        );
        break;
      }
      case "acceptGovernance": {
        const pending = await sessions.pendingGovernance();
        if (pending === ZeroAddress) {
          throw new InputError(
            "--accept-governance: no governance handover is pending (the current governance proposes one with --set-governance)",
          );
        }
        onSessions(
          "acceptGovernance",
          [],
          `Accept governance of the vault and its sessions: ${await sessions.governance()} -> ${pending}`,
        );
        break;
      }
      case "setGuardian": {
        const current = await sessions.guardian();
        const before = calls.length;
        if (change.guardian === ZeroAddress)
          throw new InputError("--set-guardian: the guardian cannot be the zero address");
        if (change.guardian !== current)
          onSessions("setGuardian", [change.guardian], `Replace the guardian: ${current} -> ${change.guardian}`);
        const { timelock } = options;
        if (timelock) {
          const onTimelock = (fn: "grantRole" | "revokeRole", account: string, summary: string) =>
            calls.push({
              target: timelock,
              value: 0n,
              data: TIMELOCK_INTERFACE.encodeFunctionData(fn, [TIMELOCK_ROLES.CANCELLER_ROLE, account]),
              signature: `TimelockController.${fn}`,
              summary,
            });
          if (!(await hasRole(ctx.ethers, timelock, TIMELOCK_ROLES.CANCELLER_ROLE, change.guardian))) {
            onTimelock(
              "grantRole",
              change.guardian,
              `Let the guardian ${change.guardian} cancel queued proposals (the Timelock's CANCELLER_ROLE)`,
            );
          }
          if (
            change.guardian !== current &&
            (await hasRole(ctx.ethers, timelock, TIMELOCK_ROLES.CANCELLER_ROLE, current))
          ) {
            onTimelock("revokeRole", current, `Take the Timelock's CANCELLER_ROLE from the former guardian ${current}`);
          }
        }
        if (calls.length === before) {
          throw new InputError(
            `--set-guardian: ${change.guardian} is already the guardian${timelock ? " and cancels on the Timelock" : ""}`,
          );
        }
        break;
      }
      case "setSessionAdmin": {
        const current = await sessions.sessionAdmin();
        if (change.sessionAdmin === current)
          throw new InputError(`--set-session-admin: ${change.sessionAdmin} is already the session admin`);
        const name = (a: string) => (a === ZeroAddress ? "none (only governance grants)" : a);
        onSessions(
          "setSessionAdmin",
          [change.sessionAdmin],
          `Set the session admin: ${name(current)} -> ${name(change.sessionAdmin)}`,
        );
        break;
      }
      case "setWithdrawQueue": {
        const current = [...(await vault.withdrawQueue())].map((a) => getAddress(a));
        const given = change.queue.map((a) => getAddress(a));
        const seen = new Set<string>();
        for (const s of given) {
          if (seen.has(s)) throw new InputError(`--withdraw-queue: ${s} is named twice`);
          seen.add(s);
          if (!current.includes(s))
            throw new InputError(`--withdraw-queue: ${s} is not listed in the vault ${vaultAddress}`);
        }
        const missing = current.filter((s) => !seen.has(s));
        if (missing.length > 0) {
          throw new InputError(`--withdraw-queue must name every listed strategy once; missing: ${missing.join(", ")}`);
        }
        onVault(
          "setWithdrawQueue",
          [given],
          `Set the withdraw queue (exits pull from the first): ${current.join(", ")} -> ${given.join(", ")}`,
        );
        break;
      }
    }
  }
  return calls;
}

/** The proposal's description: a title line, then one numbered line per call. Markdown, as Governor UIs show it. */
export function describeChanges(
  ctx: TreasuryContext,
  calls: PlannedCall[],
  title?: string,
  whatIf?: readonly string[],
): string {
  const heading = title ?? `Treasury bounds: ${calls.length} change${calls.length === 1 ? "" : "s"}`;
  const lines = calls.map((c, i) => `${i + 1}. ${c.summary} (${c.signature})`);
  return [
    `# ${heading}`,
    "",
    `Vault ${ctx.addresses.vault} (${ctx.asset.symbol}) on chain ${ctx.chainId}.`,
    "",
    ...lines,
    ...(whatIf && whatIf.length > 0 ? ["", "## What-if", "", ...whatIf] : []),
  ].join("\n");
}
