/** The symbol of a vault's asset, for display only (the dashboard). Best effort: "" when the token has none. */
import { Contract, type Provider } from "ethers";

const abi = ["function asset() view returns (address)", "function symbol() view returns (string)"];

export async function assetSymbol(provider: Provider, vault: string): Promise<string> {
  try {
    const asset = (await new Contract(vault, abi, provider).getFunction("asset")()) as string;
    return (await new Contract(asset, abi, provider).getFunction("symbol")()) as string;
  } catch {
    return "";
  }
}

/** Symbols by vault address (lower case). */
export async function assetSymbols(provider: Provider, vaults: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const v of vaults) out[v.toLowerCase()] = await assetSymbol(provider, v);
  return out;
}
