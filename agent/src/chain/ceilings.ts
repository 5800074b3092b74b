/**
 * The session ceilings governance set for a vault (`SessionManager.ceilings`), read at a block: what the session admin
 * may grant. The daemon reads them only in ticks that need them (a plan a session limit clipped, or an open ceilings
 * draft to check), never in an idle tick.
 */
import type { Provider } from "ethers";
import { ISessionManager__factory } from "../abi/index.js";

export interface SessionCeilings {
  maxDuration: bigint;
  maxVolumePerCall: bigint;
  maxVolumePerEpoch: bigint;
}

export async function readCeilings(
  provider: Provider,
  sessionManager: string,
  vault: string,
  blockTag: bigint,
): Promise<SessionCeilings> {
  const c = await ISessionManager__factory.connect(sessionManager, provider).ceilings(vault, {
    blockTag: Number(blockTag),
  });
  return { maxDuration: c.maxDuration, maxVolumePerCall: c.maxVolumePerCall, maxVolumePerEpoch: c.maxVolumePerEpoch };
}
