/** Strategy names in the report: the ERC-20 name and index, as the audit names them. */
import { getAddress } from "ethers";
import { shortAddress } from "../util/format.js";
import type { GovernanceReport } from "./types.js";

export function strategyLabelOf(r: Pick<GovernanceReport, "strategies">, address: string): string {
  const a = getAddress(address);
  return r.strategies.find((s) => s.address === a)?.label ?? shortAddress(a);
}
