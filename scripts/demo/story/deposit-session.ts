/**
 * 3. Money: outside depositors in each strategy, then a DAO member into the vault. 4. The session admin grants the
 * agent a session inside the ceilings governance set, from the next whole hour (the start of the agent's days).
 */
import { grantSession } from "../../actions/grant-session.js";
import { amount, type DemoSummary } from "../summary.js";
import { ACCOUNT, HOUR, type Stage } from "./stage.js";

export interface Funding {
  /** What the DAO member deposited. */
  deposits: bigint;
  session: DemoSummary["session"];
}

export async function depositAndGrant(stage: Stage): Promise<Funding> {
  const { chain, ctx, addresses: a, unit, fmt, out, days } = stage;
  const member = stage.signers[ACCOUNT.member]!;
  const asset = await ctx.ethers.getContractAt("MockERC20", a.asset);
  const outside = await stage.market.fund();
  const deposits = 1_000_000n * unit;
  await (await asset.mint(member.address, deposits)).wait();
  await (await asset.connect(member).approve(a.vault, deposits)).wait();
  await (await ctx.vault.connect(member).deposit(deposits, member.address)).wait();
  out(`[funds]      a DAO member deposits ${amount(deposits, fmt)}; ${outside}`);

  stage.start = ((await chain.now()) / HOUR + 1n) * HOUR;
  await chain.mineAt(stage.start);
  const duration = days * 86_400;
  const limits = {
    maxVolumePerCall: 500_000n * unit,
    maxVolumePerEpoch: 1_500_000n * unit,
    maxCallsPerEpoch: 6,
    minInterval: 3_600,
  };
  const grant = await grantSession(await stage.as("sessionAdmin"), {
    agent: stage.agentAddress,
    strategies: "all",
    duration,
    maxVolumePerCall: limits.maxVolumePerCall,
    maxVolumePerEpoch: limits.maxVolumePerEpoch,
    epochLength: 86_400,
    minInterval: limits.minInterval,
    maxCallsPerEpoch: limits.maxCallsPerEpoch,
  });
  out(
    `[session]    the session admin grants session #${grant.sessionId} to the agent ${stage.agentAddress}: ${days} d, ${amount(limits.maxVolumePerCall, fmt)} per call, ${amount(limits.maxVolumePerEpoch, fmt)} and 6 calls a day, 1 h apart`,
  );
  return {
    deposits,
    session: {
      id: grant.sessionId,
      validAfter: Number(stage.start),
      validUntil: Number(stage.start) + duration,
      ...limits,
    },
  };
}
