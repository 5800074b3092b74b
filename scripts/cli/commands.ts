/**
 * The operator commands: each maps its options to one action in scripts/actions/ and prints the result.
 * scripts/treasury.ts parses the command line and connects to the network; nothing here talks to the chain directly.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { ParseArgsConfig } from "node:util";
import { renderWhatIf, whatIfSummary } from "@agent-treasury/agent";
import type { NetworkConnection } from "hardhat/types/network";
import { cancelQueuedProposal } from "../actions/cancel-queued-proposal.js";
import { castVote } from "../actions/cast-vote.js";
import { DEV_CHAIN_IDS, deployStack, MODULES, type StackModule } from "../actions/deploy-stack.js";
import { disableStrategy } from "../actions/disable-strategy.js";
import { executeProposal } from "../actions/execute-proposal.js";
import { exportSafeBatch } from "../actions/export-safe-batch.js";
import { grantSession } from "../actions/grant-session.js";
import { listProposals, resolveProposalId } from "../actions/list-proposals.js";
import { memberDeposit } from "../actions/member-deposit.js";
import { mintMockAsset } from "../actions/mint-mock-asset.js";
import { memberRedeem } from "../actions/member-redeem.js";
import { memberStatus } from "../actions/member-status.js";
import { memberWithdraw } from "../actions/member-withdraw.js";
import { listSessions } from "../actions/list-sessions.js";
import { lowerCap } from "../actions/lower-cap.js";
import { pauseAgents } from "../actions/pause-agents.js";
import { proposalStatus } from "../actions/proposal-status.js";
import { queueProposal } from "../actions/queue-proposal.js";
import { revokeSession } from "../actions/revoke-session.js";
import { rotateSession } from "../actions/rotate-session.js";
import { runBoundsProposal, type RunBoundsProposalResult } from "../actions/run-bounds-proposal.js";
import { treasuryStatus } from "../actions/treasury-status.js";
import { unpauseAgents } from "../actions/unpause-agents.js";
import { whatIfBounds } from "../actions/what-if-bounds.js";
import { writeDown } from "../actions/write-down.js";
import { raiseLiquidityFloor } from "../actions/raise-liquidity-floor.js";
import { lowerStepUp } from "../actions/lower-step-up.js";
import { markStrategy } from "../actions/mark-strategy.js";
import { deRisk } from "../actions/de-risk.js";
import { REPO_ROOT } from "../lib/addresses.js";
import { CHANGE_HELP, CHANGE_OPTIONS, changesFromOptions, type ChangeOptionValues } from "../lib/change-options.js";
import type { TreasuryContext } from "../lib/context.js";
import { InputError } from "../lib/errors.js";
import { SUPPORT, type Support } from "../lib/governance.js";
import { parseMaxLoss } from "../lib/session-params.js";
import {
  parseAddress,
  parseAmount,
  parseBps,
  parseDuration,
  parseInteger,
  parseStrategy,
  parseTime,
} from "../lib/parse.js";
import {
  printMemberStatus,
  printProposal,
  printProposals,
  printRotation,
  printSessions,
  printStatus,
} from "./print.js";

type Options = NonNullable<ParseArgsConfig["options"]>;
type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface CommandEnv {
  connection: NetworkConnection;
  /** Loaded for every command but `deploy`. */
  ctx: TreasuryContext;
  values: Values;
  positionals: string[];
  out: (line: string) => void;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  details?: string;
  options: Options;
  /** Names of the required positional arguments. */
  positionals: string[];
  /** Whether the command needs a deployment (addresses file); `deploy` creates one. */
  needsDeployment: boolean;
  run(env: CommandEnv): Promise<void>;
}

/** An amount of the asset or of shares: no `max`, above 0, at most `decimals` decimals. */
function memberAmount(value: string | undefined, decimals: number, what: string): bigint {
  if (value === "max") throw new InputError(`${what}: give an amount (max is not one here)`);
  const amount = parseAmount(value, decimals, what);
  if (amount === 0n) throw new InputError(`${what}: the amount must be above 0`);
  return amount;
}

/** An option the command cannot do without. */
function required(value: string | boolean | string[] | boolean[] | undefined, option: string, what: string): string {
  if (typeof value !== "string") throw new InputError(`${option}: ${what} is required`);
  return value;
}

async function shareDecimals(ctx: TreasuryContext): Promise<number> {
  return Number(await ctx.vault.decimals());
}

const SLIPPAGE_HELP =
  "--slippage <bps|N%> (default 0.5%) sets the bound from the vault's preview; an explicit bound replaces it.\n" +
  "Amounts are in token units (1000, 1_000.5); more decimals than the token has are refused. Uses TreasuryRouter\n" +
  "(ERC-5143 style): the router is approved for exactly what the call needs and no allowance is left afterwards.";

/** What a member's router call (deposit, withdraw, redeem) takes from its command line. */
interface MemberCall<A> {
  amount: A;
  receiver?: string;
  slippageBps?: number;
  /** The explicit bound that replaces the slippage bound (`--min-shares`, `--max-shares`, `--min-assets`). */
  bound?: bigint;
}

/**
 * A member command: one positional amount, `--receiver`, `--slippage`, and the option of its explicit bound, parsed in
 * that order and handed to `act`.
 */
function memberCommand<A extends bigint | "max">(spec: {
  name: string;
  summary: string;
  usage: string;
  details?: string;
  positional: string;
  amount(ctx: TreasuryContext, value: string | undefined): Promise<A>;
  bound: { option: string; decimals(ctx: TreasuryContext): Promise<number> };
  act(ctx: TreasuryContext, call: MemberCall<A>): Promise<unknown>;
}): Command {
  const { option } = spec.bound;
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    details: spec.details ?? SLIPPAGE_HELP,
    options: { receiver: { type: "string" }, slippage: { type: "string" }, [option]: { type: "string" } },
    positionals: [spec.positional],
    needsDeployment: true,
    async run({ ctx, values, positionals }) {
      const amount = await spec.amount(ctx, positionals[0]);
      const receiver =
        values.receiver === undefined ? undefined : parseAddress(values.receiver as string, "--receiver");
      const slippageBps = values.slippage === undefined ? undefined : parseBps(values.slippage as string, "--slippage");
      const bound =
        values[option] === undefined
          ? undefined
          : parseAmount(values[option] as string, await spec.bound.decimals(ctx), `--${option}`);
      await spec.act(ctx, { amount, receiver, slippageBps, bound });
    },
  };
}

const FAST_FORWARD = {
  "fast-forward": { type: "boolean" },
} as const;

/** The proposal id argument: the full id, a unique prefix of it, or @N from `proposals`. */
async function proposalIdArg(ctx: TreasuryContext, positionals: string[]): Promise<bigint> {
  return await resolveProposalId(ctx, positionals[0]);
}

const PROPOSAL_ID_HELP =
  "<proposalId> is the full id, a unique prefix of it (6 digits or more, as `proposals` shows), or @N (the N-th of `proposals`).";

/** A step of a proposal's lifecycle (queue, execute): one proposal id, and --fast-forward on a local chain. */
function proposalStep(
  name: string,
  summary: string,
  step: (ctx: TreasuryContext, options: { proposalId: bigint; fastForward: boolean }) => Promise<unknown>,
): Command {
  return {
    name,
    summary,
    usage: `${name} <proposalId> [--fast-forward]`,
    details: PROPOSAL_ID_HELP,
    options: { ...FAST_FORWARD },
    positionals: ["proposalId"],
    needsDeployment: true,
    async run({ ctx, values, positionals }) {
      await step(ctx, {
        proposalId: await proposalIdArg(ctx, positionals),
        fastForward: values["fast-forward"] === true,
      });
    },
  };
}

async function printProposalResult(env: CommandEnv, result: RunBoundsProposalResult): Promise<void> {
  env.out("");
  for (const line of result.description.split("\n")) env.out(`  | ${line}`);
  env.out("");
  if (result.executed) {
    env.out(`Proposal ${result.proposalId} executed: the changes are in force.`);
  } else {
    // The short id the other commands take; the full one when the Governor's events cannot be listed.
    const rows = await listProposals(env.ctx).catch(() => []);
    const id = rows.find((r) => r.proposalId === result.proposalId)?.shortId ?? String(result.proposalId);
    env.out(
      `Proposal ${result.proposalId} is pending. Next, as each becomes possible: vote ${id}, queue ${id}, execute ${id}.`,
    );
  }
}

export const COMMANDS: Command[] = [
  {
    name: "deploy",
    summary: "deploy the treasury with Ignition (new or existing governance) and write deploy/addresses/<chainId>.json",
    usage:
      "deploy [--parameters <file>] [--module local|treasury|timelock|safe] [--strategies <n>] [--deployment-id <id>]",
    details:
      "The module is the one the parameters file has a section for (or --module):\n" +
      "  LocalStack          local: new governance, a mock asset, mock strategies, the treasury (chain id 31337 or 1337)\n" +
      "  Treasury            new governance (votes token, Timelock, Governor) and the treasury over an existing asset\n" +
      "  TreasuryOnTimelock  the treasury governed by an existing Timelock and Governor (nothing else deployed)\n" +
      "  TreasuryOnSafe      the treasury governed by an existing Safe (nothing else deployed)\n" +
      "Templates: deploy/parameters/testnet.template.json, existing-timelock.template.json, safe.template.json.\n" +
      "Without --parameters, a development chain (chain id 31337 or 1337) gets deploy/parameters/local.json.\n" +
      "The chosen module and why is printed; so is every role after the deployment (the deployer keeps none).\n" +
      "--addresses <file> writes the addresses there instead of deploy/addresses/<chainId>.json.",
    options: {
      module: { type: "string" },
      parameters: { type: "string" },
      strategies: { type: "string" },
      "deployment-id": { type: "string" },
    },
    positionals: [],
    needsDeployment: false,
    async run({ connection, values, out }) {
      const module = values.module as string | undefined;
      if (module !== undefined && !(module in MODULES)) {
        throw new InputError(`--module: "${module}" is none of ${Object.keys(MODULES).join(", ")}`);
      }
      let parameters = values.parameters as string | undefined;
      if (parameters === undefined) {
        const chainId = Number((await connection.ethers.provider.getNetwork()).chainId);
        if ((module !== undefined && module !== "local") || !DEV_CHAIN_IDS.includes(chainId)) {
          throw new InputError(
            `--parameters <file> is required ${module !== undefined && module !== "local" ? `for the ${module} module` : `on chain ${chainId}`} ` +
              "(copy a template from deploy/parameters/ and fill it)",
          );
        }
        parameters = path.join(REPO_ROOT, "deploy", "parameters", "local.json");
      }
      const result = await deployStack(connection, {
        module: module as StackModule | undefined,
        parameters,
        strategies:
          values.strategies === undefined
            ? undefined
            : Number(parseInteger(values.strategies as string, "--strategies", 64n)),
        deploymentId: values["deployment-id"] as string | undefined,
        addressesFile: values.addresses as string | undefined,
        // Ignition's progress display redraws in place: only on a terminal.
        displayUi: process.stdout.isTTY === true,
        log: out,
      });
      for (const [key, value] of Object.entries(result.addresses)) {
        out(`  ${key.padEnd(15)} ${Array.isArray(value) ? value.join(", ") || "(none)" : String(value)}`);
      }
      out("Roles on chain:");
      for (const line of result.roles.lines) out(`  ${line}`);
      for (const line of result.roles.todo) out(`Still to do: ${line}`);
    },
  },
  {
    name: "status",
    summary: "show the vault's bounds, strategies, roles and session ceilings",
    usage: "status",
    options: {},
    positionals: [],
    needsDeployment: true,
    async run({ ctx, out }) {
      printStatus(ctx, await treasuryStatus(ctx), out);
    },
  },
  {
    name: "propose",
    summary: "propose a bounds change as one Governor proposal; --fast-forward runs it to execution on a local chain",
    usage:
      "propose <changes> [--title <text>] [--fast-forward] [--reason <text>] " +
      "[--what-if [--days <n>] (--journal <path> | --config <file>) [--dry-run]]",
    details:
      `${CHANGE_HELP}\n\n` +
      "Every call is simulated from the Timelock first: a change that would fail is refused before it is proposed.\n" +
      "--fast-forward (local chains only): vote for it with --from, mine past the vote, queue, travel past the\n" +
      "Timelock delay and execute, in one command.\n" +
      "--what-if: before anything is sent, replay the agent's rebalances of the last --days (default 30) under the\n" +
      "proposed bounds, from the daemon's decision records (--journal: its journal file or a folder of published\n" +
      "records; or --config: the daemon's configuration, its records folder): which would have been blocked (with\n" +
      "the vault's error) or planned otherwise, and the expected yield difference. The summary goes into the\n" +
      "proposal's description; --dry-run stops after the what-if.",
    options: {
      ...CHANGE_OPTIONS,
      title: { type: "string" },
      reason: { type: "string" },
      ...FAST_FORWARD,
      "what-if": { type: "boolean" },
      days: { type: "string" },
      journal: { type: "string" },
      config: { type: "string" },
      "dry-run": { type: "boolean" },
    },
    positionals: [],
    needsDeployment: true,
    async run(env) {
      const { ctx, values } = env;
      const changes = changesFromOptions(values as ChangeOptionValues, ctx);
      let whatIf: string[] | undefined;
      if (values["what-if"] === true) {
        const report = await whatIfBounds(ctx, {
          changes,
          days: Number(parseInteger((values.days as string | undefined) ?? "30", "--days", 3650n)),
          journal: values.journal as string | undefined,
          config: values.config as string | undefined,
        });
        for (const line of renderWhatIf(report).split("\n")) env.out(line);
        whatIf = whatIfSummary(report);
        if (values["dry-run"] === true) return;
        env.out("");
      } else if (["days", "journal", "config", "dry-run"].some((k) => values[k] !== undefined)) {
        throw new InputError("--days, --journal, --config and --dry-run go with --what-if");
      }
      const result = await runBoundsProposal(ctx, {
        changes,
        title: values.title as string | undefined,
        reason: values.reason as string | undefined,
        fastForward: values["fast-forward"] === true,
        ...(whatIf ? { whatIf } : {}),
      });
      await printProposalResult(env, result);
      if (result.executed) {
        env.out("");
        printStatus(ctx, await treasuryStatus(ctx), env.out);
      }
    },
  },
  {
    name: "vote",
    summary: "vote on a proposal (for, against or abstain)",
    usage: "vote <proposalId> [--support for|against|abstain] [--reason <text>] [--fast-forward]",
    details: PROPOSAL_ID_HELP,
    options: { support: { type: "string" }, reason: { type: "string" }, ...FAST_FORWARD },
    positionals: ["proposalId"],
    needsDeployment: true,
    async run({ ctx, values, positionals }) {
      const support = (values.support as string | undefined) ?? "for";
      if (!(support in SUPPORT)) throw new InputError(`--support: "${support}" is not for, against or abstain`);
      await castVote(ctx, {
        proposalId: await proposalIdArg(ctx, positionals),
        support: support as Support,
        reason: values.reason as string | undefined,
        fastForward: values["fast-forward"] === true,
      });
    },
  },
  proposalStep("queue", "queue a succeeded proposal in the Timelock", queueProposal),
  proposalStep("execute", "execute a queued proposal once the Timelock delay has passed", executeProposal),
  {
    name: "proposal",
    summary: "show a proposal's state, votes, timing, calls and description",
    usage: "proposal <proposalId>",
    details: PROPOSAL_ID_HELP,
    options: {},
    positionals: ["proposalId"],
    needsDeployment: true,
    async run({ ctx, positionals, out }) {
      printProposal(await proposalStatus(ctx, await proposalIdArg(ctx, positionals)), out);
    },
  },
  {
    name: "proposals",
    summary: "list the Governor's proposals (index, short id, state, title), oldest first",
    usage: "proposals [--from-block <n>]",
    details:
      "Reads the Governor's ProposalCreated events from the deployment's start block (the addresses file's startBlock)\n" +
      "or --from-block. Any command taking a proposal id takes the short id or @N shown here.",
    options: { "from-block": { type: "string" } },
    positionals: [],
    needsDeployment: true,
    async run({ ctx, values, out }) {
      const fromBlock =
        values["from-block"] === undefined
          ? undefined
          : Number(parseInteger(values["from-block"] as string, "--from-block", 2n ** 53n));
      printProposals(ctx, await listProposals(ctx, { fromBlock }), out, fromBlock ?? ctx.addresses.startBlock ?? 0);
    },
  },
  {
    name: "safe-batch",
    summary: "export a bounds change as a Safe Transaction Builder batch (for a Safe as governance)",
    usage: "safe-batch <changes> [--title <text>] [--safe <address>] [--out <file>]",
    details:
      `${CHANGE_HELP}\n\n` +
      "The calls are simulated from the Safe (default: the vault's governance address). Without --out the JSON goes to\n" +
      "standard output. Load it in the Safe app: Apps > Transaction Builder > drag and drop.",
    options: { ...CHANGE_OPTIONS, title: { type: "string" }, safe: { type: "string" }, out: { type: "string" } },
    positionals: [],
    needsDeployment: true,
    async run({ ctx, values, out }) {
      const file = values.out as string | undefined;
      // Progress lines would corrupt JSON written to standard output.
      const quiet = file === undefined ? { ...ctx, log: () => {} } : ctx;
      const { batch } = await exportSafeBatch(quiet, {
        changes: changesFromOptions(values as ChangeOptionValues, ctx),
        title: values.title as string | undefined,
        safe: values.safe as string | undefined,
      });
      const json = `${JSON.stringify(batch, null, 2)}\n`;
      if (file === undefined) {
        process.stdout.write(json);
      } else {
        await writeFile(file, json);
        const n = batch.transactions.length;
        out(`Wrote ${n} transaction${n === 1 ? "" : "s"} for Safe ${batch.meta.createdFromSafeAddress} to ${file}`);
      }
    },
  },
  memberCommand({
    name: "deposit",
    summary: "member: deposit assets into the vault for shares, with a minimum of shares (slippage bound)",
    usage: "deposit <amount> [--receiver <address>] [--slippage <bps|N%>] [--min-shares <shares>] --from <account>",
    positional: "amount",
    amount: async (ctx, value) => memberAmount(value, ctx.asset.decimals, "amount"),
    bound: { option: "min-shares", decimals: shareDecimals },
    act: (ctx, { bound, ...call }) => memberDeposit(ctx, { ...call, minShares: bound }),
  }),
  memberCommand({
    name: "withdraw",
    summary: "member: withdraw an amount of assets, burning at most a bound of shares (slippage bound)",
    usage: "withdraw <amount> [--receiver <address>] [--slippage <bps|N%>] [--max-shares <shares>] --from <account>",
    positional: "amount",
    amount: async (ctx, value) => memberAmount(value, ctx.asset.decimals, "amount"),
    bound: { option: "max-shares", decimals: shareDecimals },
    act: (ctx, { bound, ...call }) => memberWithdraw(ctx, { ...call, maxShares: bound }),
  }),
  memberCommand({
    name: "redeem",
    summary: "member: redeem shares (or max) for at least a bound of assets (slippage bound)",
    usage: "redeem <shares|max> [--receiver <address>] [--slippage <bps|N%>] [--min-assets <amount>] --from <account>",
    details: `${SLIPPAGE_HELP}\nmax redeems every share that can leave now (maxRedeem).`,
    positional: "shares",
    amount: async (ctx, value): Promise<bigint | "max"> =>
      value === "max" ? "max" : memberAmount(value, await shareDecimals(ctx), "shares"),
    bound: { option: "min-assets", decimals: async (ctx) => ctx.asset.decimals },
    act: (ctx, { amount, bound, ...call }) => memberRedeem(ctx, { ...call, shares: amount, minAssets: bound }),
  }),
  {
    name: "member-status",
    summary: "member: shares, their value now, what can be withdrawn now, the share price, open approvals",
    usage: "member-status [--account <address>]",
    details: "Default account: --from (or the network's first account).",
    options: { account: { type: "string" } },
    positionals: [],
    needsDeployment: true,
    async run({ ctx, values, out }) {
      const account = values.account === undefined ? undefined : parseAddress(values.account as string, "--account");
      printMemberStatus(ctx, await memberStatus(ctx, { account }), out);
    },
  },
  {
    name: "faucet",
    summary: "local stack only: mint the mock asset to an account, to try the member commands",
    usage: "faucet <amount> [--to <address>]",
    details:
      "Default --to: the signing account (--from). Refused for any deployment but the local stack on a development chain.",
    options: { to: { type: "string" } },
    positionals: ["amount"],
    needsDeployment: true,
    async run({ ctx, values, positionals }) {
      await mintMockAsset(ctx, {
        to: values.to === undefined ? ctx.signer.address : parseAddress(values.to as string, "--to"),
        amount: memberAmount(positionals[0], ctx.asset.decimals, "amount"),
      });
    },
  },
  {
    name: "pause-agents",
    summary: "guardian: pause every agent now (withdrawals keep working; only governance unpauses)",
    usage: "pause-agents --from <guardian>",
    options: {},
    positionals: [],
    needsDeployment: true,
    async run({ ctx }) {
      await pauseAgents(ctx);
    },
  },
  {
    name: "cancel-proposal",
    summary: "guardian: cancel a queued proposal in the Timelock during its delay (it can never execute)",
    usage: "cancel-proposal <proposalId> --from <guardian>",
    details:
      "The Timelock operation the Governor queued for the proposal is cancelled with the guardian's CANCELLER_ROLE.\n" +
      "Only a Queued proposal can be cancelled this way; re-proposing is governance's decision.\n" +
      PROPOSAL_ID_HELP,
    options: {},
    positionals: ["proposalId"],
    needsDeployment: true,
    async run({ ctx, positionals }) {
      await cancelQueuedProposal(ctx, { proposalId: await proposalIdArg(ctx, positionals) });
    },
  },
  {
    name: "unpause-agents",
    summary: "propose lifting the agent pause (a governance decision); --fast-forward runs it on a local chain",
    usage: "unpause-agents [--title <text>] [--fast-forward]",
    options: { title: { type: "string" }, ...FAST_FORWARD },
    positionals: [],
    needsDeployment: true,
    async run(env) {
      await printProposalResult(
        env,
        await unpauseAgents(env.ctx, {
          title: env.values.title as string | undefined,
          fastForward: env.values["fast-forward"] === true,
        }),
      );
    },
  },
  {
    name: "lower-cap",
    summary: "guardian: lower a strategy's absolute and/or relative cap now",
    usage: "lower-cap <strategy> [--absolute <amount>] [--relative <bps|N%>] --from <guardian>",
    details: "A cap left out keeps its value. Raising a cap is refused (GuardianCannotLoosen): use `propose --caps`.",
    options: { absolute: { type: "string" }, relative: { type: "string" } },
    positionals: ["strategy"],
    needsDeployment: true,
    async run({ ctx, values, positionals }) {
      await lowerCap(ctx, {
        strategy: parseStrategy(positionals[0], "strategy", ctx.addresses.strategies),
        absoluteCap:
          values.absolute === undefined
            ? undefined
            : parseAmount(values.absolute as string, ctx.asset.decimals, "--absolute"),
        relativeCapBps: values.relative === undefined ? undefined : parseBps(values.relative as string, "--relative"),
      });
    },
  },
  {
    name: "disable-strategy",
    summary: "guardian: stop deposits into a strategy now",
    usage: "disable-strategy <strategy> --from <guardian>",
    options: {},
    positionals: ["strategy"],
    needsDeployment: true,
    async run({ ctx, positionals }) {
      await disableStrategy(ctx, { strategy: parseStrategy(positionals[0], "strategy", ctx.addresses.strategies) });
    },
  },
  {
    name: "write-down",
    summary: "guardian: write a broken strategy's book value down now (its views fail)",
    usage: "write-down <strategy> --to <amount> --from <guardian>",
    details:
      "A strategy whose views fail is counted at its last book value; this lowers it, and total assets with it, at once.\n" +
      "Refused for a strategy whose views answer (StrategyViewsWork: `realizeLoss` marks it, anyone may send it) and\n" +
      "for an amount not below the book. If the strategy recovers, its value comes back at the gain rate.",
    options: { to: { type: "string" } },
    positionals: ["strategy"],
    needsDeployment: true,
    async run({ ctx, values, positionals }) {
      if (values.to === undefined) throw new InputError("--to <amount> is required: the book value to write down to");
      await writeDown(ctx, {
        strategy: parseStrategy(positionals[0], "strategy", ctx.addresses.strategies),
        value: parseAmount(values.to as string, ctx.asset.decimals, "--to"),
      });
    },
  },
  {
    name: "raise-liquidity-floor",
    summary: "guardian: raise the withdrawable-liquidity floor now",
    usage: "raise-liquidity-floor <bps|N%> --from <guardian>",
    details:
      "After a rebalance that raises a strategy, idle plus what the strategies let go now must be at least this share of\n" +
      "total assets (LiquidityFloorBreached). A cut is refused (GuardianCannotLoosen): use `propose --liquidity-floor`.",
    options: {},
    positionals: ["floor"],
    needsDeployment: true,
    async run({ ctx, positionals }) {
      await raiseLiquidityFloor(ctx, { liquidityFloorBps: parseBps(positionals[0], "floor") });
    },
  },
  {
    name: "lower-step-up",
    summary: "guardian: lower the volume above which a rebalance needs the policy signer's co-signature",
    usage: "lower-step-up <threshold> --from <guardian>",
    details:
      "The policy signer stays. Raising the threshold, turning it off or another signer: use `propose --step-up`.",
    options: {},
    positionals: ["threshold"],
    needsDeployment: true,
    async run({ ctx, positionals }) {
      await lowerStepUp(ctx, { threshold: parseAmount(positionals[0], ctx.asset.decimals, "threshold") });
    },
  },
  {
    name: "mark-strategy",
    summary: "anyone: mark a strategy's share price, or freeze it on chain if it moved faster than the rate bound",
    usage: "mark-strategy <strategy> [--from <account>]",
    details:
      "The vault compares the strategy's price (convertToAssets of 1e18 shares) with its mark: within the rate bound it\n" +
      "re-marks it; beyond it, it freezes the strategy to exit-only (StrategyFrozen) until governance clears it with\n" +
      "`propose --clear-freeze`. A strategy whose price view fails is left as it is.",
    options: {},
    positionals: ["strategy"],
    needsDeployment: true,
    async run({ ctx, positionals }) {
      await markStrategy(ctx, { strategy: parseStrategy(positionals[0], "strategy", ctx.addresses.strategies) });
    },
  },
  {
    name: "de-risk",
    summary: "anyone: move part of a fallen strategy to idle under the dead-man's switch",
    usage: "de-risk <strategy> [--from <account>]",
    details:
      "When governance armed the dead-man's switch (`propose --dead-man`), no agent rebalance succeeded for its\n" +
      "staleAfter, and the strategy's price is more than dropBps below its mark, the vault withdraws from it to idle at\n" +
      "most maxExitBps of total assets (and what the strategy lets go now), within the loss limits. Repeat to go on.",
    options: {},
    positionals: ["strategy"],
    needsDeployment: true,
    async run({ ctx, positionals }) {
      await deRisk(ctx, { strategy: parseStrategy(positionals[0], "strategy", ctx.addresses.strategies) });
    },
  },
  {
    name: "grant-session",
    summary: "grant an agent a session (session admin within the ceilings, or governance)",
    usage:
      "grant-session --agent <address> --max-per-call <amount> --max-per-epoch <amount> [--strategies all|<s>,<s>]\n" +
      "              [--duration 7d] [--valid-after now] [--epoch 1d] [--min-interval 60] [--calls-per-epoch 24]\n" +
      "              [--max-loss <amount>] [--reduce-only]",
    details:
      "The grant is simulated first: one beyond the governance ceilings is refused with the contract's reason.\n" +
      "--max-loss <amount>  the session's own loss allowance over its whole life, in token units (1000, 0.5). A rebalance\n" +
      "                     that would pass it is undone and the session revoked in the same call. 0 or absent: none of\n" +
      "                     its own (the vault's per-call and epoch loss limits bind every session either way).\n" +
      "--reduce-only        the agent may only move money from strategies into idle: a rebalance raising any strategy\n" +
      "                     is refused (ReduceOnlySession). For keepers that unwind positions.",
    options: {
      agent: { type: "string" },
      strategies: { type: "string" },
      duration: { type: "string" },
      "valid-after": { type: "string" },
      "max-per-call": { type: "string" },
      "max-per-epoch": { type: "string" },
      epoch: { type: "string" },
      "min-interval": { type: "string" },
      "calls-per-epoch": { type: "string" },
      "max-loss": { type: "string" },
      "reduce-only": { type: "boolean" },
    },
    positionals: [],
    needsDeployment: true,
    async run({ ctx, values }) {
      const now = (await ctx.ethers.provider.getBlock("latest"))!.timestamp;
      const strategies = (values.strategies as string | undefined) ?? "all";
      const d = ctx.asset.decimals;
      await grantSession(ctx, {
        agent: parseAddress(values.agent as string | undefined, "--agent"),
        strategies:
          strategies === "all"
            ? "all"
            : strategies.split(",").map((s) => parseStrategy(s.trim(), "--strategies", ctx.addresses.strategies)),
        validAfter: parseTime(values["valid-after"] as string | undefined, "--valid-after", now),
        duration: parseDuration((values.duration as string | undefined) ?? "7d", "--duration"),
        maxVolumePerCall: parseAmount(values["max-per-call"] as string | undefined, d, "--max-per-call"),
        maxVolumePerEpoch: parseAmount(values["max-per-epoch"] as string | undefined, d, "--max-per-epoch"),
        epochLength: parseDuration((values.epoch as string | undefined) ?? "1d", "--epoch"),
        minInterval: parseDuration((values["min-interval"] as string | undefined) ?? "60", "--min-interval"),
        maxCallsPerEpoch: Number(
          parseInteger((values["calls-per-epoch"] as string | undefined) ?? "24", "--calls-per-epoch", 65_535n),
        ),
        maxLoss: parseMaxLoss(values["max-loss"] as string | undefined, d),
        reduceOnly: values["reduce-only"] === true,
      });
    },
  },
  {
    name: "list-sessions",
    summary: "list the vault's sessions (all, or one agent's) with status and budget left",
    usage: "list-sessions [--agent <address>]",
    options: { agent: { type: "string" } },
    positionals: [],
    needsDeployment: true,
    async run({ ctx, values, out }) {
      const agent = values.agent === undefined ? undefined : parseAddress(values.agent as string, "--agent");
      printSessions(ctx, await listSessions(ctx, { agent }), out);
    },
  },
  {
    name: "rotate-session",
    summary: "move a session to a new agent key, keeping its expiry, scope, limits and what it has used",
    usage: "rotate-session --session <id> --to <address> --from <session admin>",
    details:
      "For a compromised or retired agent key. The session admin (within the vault's ceilings for the new key, as for a\n" +
      "grant) or governance. The rotation is simulated first; a refusal is printed with the contract's reason\n" +
      "(InvalidRotation, SessionExpired, SessionRevoked, AgentCallVolumeAboveCeiling, TooManyActiveSessions, ...).\n" +
      "The old key loses the session in the same transaction.",
    options: { session: { type: "string" }, to: { type: "string" } },
    positionals: [],
    needsDeployment: true,
    async run({ ctx, values, out }) {
      const rotation = await rotateSession(ctx, {
        sessionId: parseInteger(required(values.session, "--session", "a session id"), "--session"),
        to: parseAddress(values.to as string | undefined, "--to"),
      });
      printRotation(ctx, rotation, out);
    },
  },
  {
    name: "revoke-session",
    summary: "revoke a session now (guardian, session admin, governance or the agent itself)",
    usage: "revoke-session <sessionId> --from <account>",
    options: {},
    positionals: ["sessionId"],
    needsDeployment: true,
    async run({ ctx, positionals }) {
      await revokeSession(ctx, { sessionId: parseInteger(positionals[0], "session id") });
    },
  },
];
