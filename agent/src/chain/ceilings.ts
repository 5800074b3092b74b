/**
 * The session ceilings governance set for a vault (`SessionManager.ceilings`), read at a block: what the session admin
 * may grant (with the session admin, read at most once an hour); and the vault's exposure ramp room. The daemon reads
 * them only in ticks that need them (a plan a session limit clipped, an open ceilings draft to check, a new buffer
 * draft), never in an idle tick.
 */
import type { Provider } from "ethers";
import { ISessionManager__factory, ITreasuryVault__factory } from "../abi/index.js";

export interface SessionCeilings {
  maxDuration: bigint;
  maxVolumePerCall: bigint;
  maxVolumePerEpoch: bigint;
  /** Who grants within them (the zero address: nobody; only governance grants, and ceilings do not bind it). */
  sessionAdmin?: string;
}

export async function readCeilings(
  provider: Provider,
  sessionManager: string,
  vault: string,
  blockTag: bigint,
): Promise<SessionCeilings> {
  const manager = ISessionManager__factory.connect(sessionManager, provider);
  const at = { blockTag: Number(blockTag) };
  const [c, sessionAdmin] = await Promise.all([manager.ceilings(vault, at), manager.sessionAdmin(at)]);
  return {
    maxDuration: c.maxDuration,
    maxVolumePerCall: c.maxVolumePerCall,
    maxVolumePerEpoch: c.maxVolumePerEpoch,
    sessionAdmin,
  };
}

/** The room the vault's exposure ramp has now (`rampRoom().exposureBps`): how far the idle buffer may be cut. */
export async function readExposureRoom(provider: Provider, vault: string, blockTag: bigint): Promise<number> {
  const room = await ITreasuryVault__factory.connect(vault, provider).rampRoom({ blockTag: Number(blockTag) });
  // Safe: the room is at most MAX_EXPOSURE_RAISE_BPS (5,000).
  return Number(room.exposureBps);
}
