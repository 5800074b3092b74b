/**
 * Reads every live authority over a vault for the inventory (authority.ts judges it): the roles of its session
 * manager, whether governance is a Timelock (its delay, role holders and queued calls to the vault or the session
 * manager), the vault's ceilings and bounds, and its live sessions with what they have left. Read only.
 */
import { Contract, getAddress, id, ZeroHash, type Provider } from "ethers";
import {
  eventsInterface,
  governorInterface,
  ISessionManager__factory,
  ITreasuryVault__factory,
  sessionManagerInterface,
  timelockInterface,
  vaultInterface,
} from "../abi/index.js";
import type { SessionRecord, SessionRemaining } from "../chain/types.js";
import type { AuthorityInventory, OpenProposal, QueuedCall, SessionView, TimelockView } from "./authority.js";
import { getLogsPaged } from "./log-pages.js";
import { scopeNames } from "./names.js";
import { readVaultContext } from "./read-chain.js";

export interface AuthorityOptions {
  /** First block of the event scans (grants, Timelock roles and operations). */
  fromBlock: number;
  maxBlockRange: number;
}

const ROLES: Record<string, string> = {
  PROPOSER: id("PROPOSER_ROLE"),
  EXECUTOR: id("EXECUTOR_ROLE"),
  CANCELLER: id("CANCELLER_ROLE"),
  DEFAULT_ADMIN: ZeroHash,
};

/** Whether `address` answers as a TimelockController; its delay when it does. */
async function timelockDelay(provider: Provider, address: string): Promise<bigint | undefined> {
  if ((await provider.getCode(address)) === "0x") return undefined;
  try {
    return (await new Contract(address, timelockInterface, provider).getFunction("getMinDelay")()) as bigint;
  } catch {
    return undefined;
  }
}

/** A call's function and arguments in one line, decoded with the vault's or the session manager's ABI. */
function describeCall(data: string): string {
  for (const iface of [vaultInterface, sessionManagerInterface]) {
    const parsed = iface.parseTransaction({ data });
    if (parsed)
      return `${parsed.name}(${parsed.args.map((a: unknown) => (Array.isArray(a) ? `[${a.join(", ")}]` : String(a))).join(", ")})`;
  }
  return data.slice(0, 10);
}

/** OpenZeppelin's Governor states a proposal can be in before it is queued, by number. */
const OPEN_STATES: Record<number, OpenProposal["state"]> = { 0: "Pending", 1: "Active", 4: "Succeeded" };

/** The proposer that is the Timelock's Governor (it answers `timelock()` with the Timelock), if any. */
async function findGovernor(provider: Provider, timelock: string, proposers: string[]): Promise<string | undefined> {
  for (const proposer of proposers) {
    if ((await provider.getCode(proposer)) === "0x") continue;
    try {
      const answer = (await new Contract(proposer, governorInterface, provider).getFunction("timelock")()) as string;
      if (getAddress(answer) === timelock) return proposer;
    } catch {
      // A proposer that is another contract (a Safe): not a Governor.
    }
  }
  return undefined;
}

/** The Governor's proposals still in their vote that call the vault or its session manager. */
async function openProposals(
  provider: Provider,
  governor: string,
  targets: Record<string, string>,
  options: AuthorityOptions,
  toBlock: number,
): Promise<OpenProposal[]> {
  const contract = new Contract(governor, governorInterface, provider);
  const topic = governorInterface.getEvent("ProposalCreated")!.topicHash;
  const { logs } = await getLogsPaged(
    provider,
    { address: governor, topics: [topic] },
    options.fromBlock,
    toBlock,
    options.maxBlockRange,
  );
  const out: OpenProposal[] = [];
  for (const log of logs) {
    // By position: `values` collides with ethers' Result.values(). ProposalCreated(proposalId, proposer, targets,
    // values, signatures, calldatas, voteStart, voteEnd, description).
    const args = governorInterface.parseLog({ topics: [...log.topics], data: log.data })!.args;
    const [callTargets, calldatas] = [[...args[2]] as string[], [...args[5]] as string[]];
    const calls = callTargets.flatMap((t, i) =>
      targets[getAddress(t)] ? [`${targets[getAddress(t)]}.${describeCall(calldatas[i]!)}`] : [],
    );
    if (calls.length === 0) continue;
    const state = OPEN_STATES[Number(await contract.getFunction("state")(args[0]))];
    if (state)
      out.push({
        id: args[0] as bigint,
        state,
        title: String(args[8])
          .split("\n")[0]!
          .replace(/^#+\s*/, ""),
        calls,
        voteEnd: args[7] as bigint,
      });
  }
  return out;
}

async function readTimelock(
  provider: Provider,
  address: string,
  minDelay: bigint,
  targets: Record<string, string>,
  options: AuthorityOptions,
  toBlock: number,
  now: bigint,
): Promise<TimelockView> {
  const timelock = new Contract(address, timelockInterface, provider);
  const { logs } = await getLogsPaged(provider, { address }, options.fromBlock, toBlock, options.maxBlockRange);
  const candidates = new Map<string, Set<string>>(Object.keys(ROLES).map((r) => [r, new Set<string>()]));
  const scheduled: { id: string; target: string; data: string }[] = [];
  for (const log of logs) {
    const parsed = timelockInterface.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed?.name === "RoleGranted") {
      const role = Object.keys(ROLES).find((r) => ROLES[r] === parsed.args.role);
      if (role) candidates.get(role)!.add(getAddress(parsed.args.account as string));
    } else if (parsed?.name === "CallScheduled" && targets[getAddress(parsed.args.target as string)]) {
      scheduled.push({
        id: parsed.args.id as string,
        target: getAddress(parsed.args.target as string),
        data: parsed.args.data as string,
      });
    }
  }
  const roles: Record<string, string[]> = {};
  for (const [role, holders] of candidates) {
    const held = await Promise.all(
      [...holders].map(async (h) =>
        ((await timelock.getFunction("hasRole")(ROLES[role], h)) as boolean) ? h : undefined,
      ),
    );
    roles[role] = held.filter((h): h is string => h !== undefined).sort();
  }
  const queued: QueuedCall[] = [];
  for (const op of scheduled) {
    if (!((await timelock.getFunction("isOperationPending")(op.id)) as boolean)) continue;
    const readyAt = (await timelock.getFunction("getTimestamp")(op.id)) as bigint;
    queued.push({
      id: op.id,
      target: op.target,
      targetName: targets[op.target]!,
      call: describeCall(op.data),
      readyAt,
      ready: readyAt <= now,
    });
  }
  const governor = await findGovernor(provider, address, roles.PROPOSER ?? []);
  return {
    address,
    minDelay,
    roles,
    queued,
    ...(governor
      ? {
          governor: {
            address: governor,
            proposals: await openProposals(provider, governor, targets, options, toBlock),
          },
        }
      : {}),
  };
}

/** The inventory of every live authority over `vaultAddress` at the latest block. */
export async function readAuthority(
  provider: Provider,
  vaultAddress: string,
  options: AuthorityOptions,
): Promise<AuthorityInventory> {
  const ctx = await readVaultContext(provider, vaultAddress);
  const vault = ITreasuryVault__factory.connect(ctx.vault, provider);
  const manager = ISessionManager__factory.connect(ctx.sessionManager, provider);
  const block = await provider.getBlock("latest");
  if (!block) throw new Error("the provider has no latest block");
  const blockTag = block.number;
  const now = BigInt(block.timestamp);
  const [governance, pending, guardian, sessionAdmin, agentsPaused, ceilings, bounds, gainRateBps, maxDrawdownBps] =
    await Promise.all([
      manager.governance({ blockTag }),
      manager.pendingGovernance({ blockTag }),
      manager.guardian({ blockTag }),
      manager.sessionAdmin({ blockTag }),
      manager.agentsPaused({ blockTag }),
      manager.ceilings(ctx.vault, { blockTag }),
      vault.bounds({ blockTag }),
      vault.gainRateBps({ blockTag }),
      vault.maxDrawdownBps({ blockTag }),
    ]);

  // Every grant, any vault: this vault's live sessions, and the other vaults their agents hold live sessions on.
  const { logs } = await getLogsPaged(
    provider,
    { address: ctx.sessionManager, topics: [eventsInterface.getEvent("SessionGranted")!.topicHash] },
    options.fromBlock,
    blockTag,
    options.maxBlockRange,
  );
  const grants = logs.map((log) => eventsInterface.parseLog({ topics: [...log.topics], data: log.data })!.args);
  const live = async (
    sessionId: bigint,
  ): Promise<{ session: SessionRecord; remaining: SessionRemaining } | undefined> => {
    const s = await manager.getSession(sessionId, { blockTag });
    if (s.revoked || now >= s.validUntil) return undefined;
    const r = await manager.remaining(sessionId, { blockTag });
    const session: SessionRecord = {
      agent: getAddress(s.agent),
      vault: getAddress(s.vault),
      validAfter: s.validAfter,
      validUntil: s.validUntil,
      revoked: s.revoked,
      epochLength: s.epochLength,
      minInterval: s.minInterval,
      maxCallsPerEpoch: s.maxCallsPerEpoch,
      maxVolumePerCall: s.maxVolumePerCall,
      maxVolumePerEpoch: s.maxVolumePerEpoch,
      volumeInEpoch: s.volumeInEpoch,
      epoch: s.epoch,
      callsInEpoch: s.callsInEpoch,
      lastCallAt: s.lastCallAt,
      scope: s.scope,
      reduceOnly: s.reduceOnly,
      maxLoss: s.maxLoss,
      lossUsed: s.lossUsed,
    };
    const remaining: SessionRemaining = {
      active: r.active,
      timeLeft: r.timeLeft,
      volumePerCall: r.volumePerCall,
      volumeInEpoch: r.volumeInEpoch,
      callsInEpoch: r.callsInEpoch,
      nextCallAt: r.nextCallAt,
      epochEndsAt: r.epochEndsAt,
      lossLeft: r.lossLeft,
    };
    return { session, remaining };
  };
  const sessions: SessionView[] = [];
  for (const g of grants.filter((g) => getAddress(g.params.vault as string) === ctx.vault)) {
    const state = await live(g.sessionId as bigint);
    if (state)
      sessions.push({
        id: g.sessionId as bigint,
        granter: getAddress(g.granter as string),
        ...state,
        scope: scopeNames(state.session.scope, ctx.strategies),
      });
  }
  const agents = new Set(sessions.map((s) => s.session.agent));
  const otherVaults: Record<string, string[]> = {};
  for (const g of grants) {
    const other = getAddress(g.params.vault as string);
    if (other === ctx.vault) continue;
    // The session's agent now, not the grant's: a session may have moved to another key since.
    const state = await live(g.sessionId as bigint);
    const agent = state?.session.agent;
    if (!agent || !agents.has(agent) || otherVaults[agent]?.includes(other)) continue;
    otherVaults[agent] ??= [];
    otherVaults[agent].push(other);
  }

  // A vault deployed before `adminModule()` existed has no such view: the inventory then leaves the line out.
  const adminModule = await vault.adminModule({ blockTag }).then(getAddress, () => undefined);
  const minDelay = await timelockDelay(provider, governance);
  const targets = { [ctx.vault]: "vault", [ctx.sessionManager]: "session manager" };
  return {
    chainId: ctx.chainId,
    vault: ctx.vault,
    sessionManager: ctx.sessionManager,
    ...(adminModule ? { adminModule } : {}),
    blockNumber: blockTag,
    now,
    assetDecimals: ctx.assetDecimals,
    strategies: ctx.strategies,
    governance: getAddress(governance),
    ...(BigInt(pending) === 0n ? {} : { pendingGovernance: getAddress(pending) }),
    ...(minDelay === undefined
      ? {}
      : { timelock: await readTimelock(provider, getAddress(governance), minDelay, targets, options, blockTag, now) }),
    guardian: getAddress(guardian),
    sessionAdmin: getAddress(sessionAdmin),
    agentsPaused,
    ceilings: {
      maxDuration: ceilings.maxDuration,
      maxVolumePerCall: ceilings.maxVolumePerCall,
      maxVolumePerEpoch: ceilings.maxVolumePerEpoch,
    },
    bounds: {
      maxLossPerCallBps: bounds.maxLossPerCallBps,
      epochLossBudgetBps: bounds.epochLossBudgetBps,
      gainRateBps,
      maxDrawdownBps,
    },
    sessions,
    otherVaults,
  };
}
