/**
 * Whether a lens snapshot adds up (pure): the listed strategies' allocations sum to the vault's `totalAllocated`, no
 * strategy is listed twice (by address or by index), and every strategy in the withdraw queue is listed. A snapshot
 * that fails is a lens fault: planning on it would move money by a picture of the vault that is not the vault.
 */
import type { VaultSnapshot } from "./types.js";

export type SnapshotFaultCode = "allocation-sum" | "duplicate-strategy" | "duplicate-index" | "queue-not-listed";

export interface SnapshotFault {
  code: SnapshotFaultCode;
  /** One line naming the figures on both sides. */
  detail: string;
}

/** Every way the snapshot does not add up, in a fixed order (empty when it does). */
export function snapshotFaults(snapshot: VaultSnapshot): SnapshotFault[] {
  const faults: SnapshotFault[] = [];
  const byAddress = new Map<string, number>();
  const byIndex = new Map<number, string>();
  let sum = 0n;
  snapshot.strategies.forEach((s, position) => {
    sum += s.allocation;
    const key = s.strategy.toLowerCase();
    const first = byAddress.get(key);
    if (first !== undefined) {
      faults.push({
        code: "duplicate-strategy",
        detail: `strategy ${s.strategy} is listed twice (entries ${first} and ${position}, allocations ${snapshot.strategies[first]!.allocation} and ${s.allocation})`,
      });
    } else {
      byAddress.set(key, position);
    }
    const owner = byIndex.get(s.index);
    if (owner !== undefined && owner.toLowerCase() !== key) {
      faults.push({
        code: "duplicate-index",
        detail: `index #${s.index} is given to two strategies, ${owner} and ${s.strategy}`,
      });
    } else if (owner === undefined) {
      byIndex.set(s.index, s.strategy);
    }
  });
  if (sum !== snapshot.totalAllocated) {
    const listed = snapshot.strategies.map((s) => `#${s.index} ${s.strategy}=${s.allocation}`).join(", ") || "none";
    faults.push({
      code: "allocation-sum",
      detail: `strategy allocations add up to ${sum} but the vault's totalAllocated is ${snapshot.totalAllocated} (off by ${signed(sum - snapshot.totalAllocated)}; listed: ${listed})`,
    });
  }
  for (const queued of snapshot.withdrawQueue) {
    if (!byAddress.has(queued.toLowerCase())) {
      faults.push({
        code: "queue-not-listed",
        detail: `strategy ${queued} is in the withdraw queue but missing from the listed strategies`,
      });
    }
  }
  return faults;
}

function signed(v: bigint): string {
  return v > 0n ? `+${v}` : String(v);
}
