/**
 * A token's ERC-20 `name()` for display (the dashboard, the audit, the report): best effort and bounded. A name that
 * reverts, does not decode as a string, or is empty reads as ""; control characters are dropped and a long name is cut
 * to `MAX_NAME_CHARS`, so a strategy cannot break or flood a page with its name. `StrategyNames` reads each address
 * once and keeps it.
 */
import { Contract, isError, type Provider } from "ethers";
import { shortAddress } from "../util/format.js";

/** The longest name shown, in characters (a longer one ends with "…"). */
export const MAX_NAME_CHARS = 64;

const abi = ["function name() view returns (string)"];

/** A name as it may be shown: one line, no control characters, at most `MAX_NAME_CHARS`. */
export function cleanName(raw: unknown): string {
  if (typeof raw !== "string") return "";
  const text = raw
    .slice(0, 4 * MAX_NAME_CHARS)
    .replace(/[\p{Cc}\u2028\u2029]+/gu, " ")
    .trim();
  const chars = [...text];
  return chars.length > MAX_NAME_CHARS
    ? `${chars
        .slice(0, MAX_NAME_CHARS - 1)
        .join("")
        .trimEnd()}…`
    : text;
}

/**
 * The token's name: "" when it has none that can be shown (it reverts, answers nothing or not a string), undefined
 * when the node could not be asked (a network error, a timeout: worth asking again).
 */
async function askTokenName(provider: Provider, address: string): Promise<string | undefined> {
  try {
    return cleanName(await new Contract(address, abi, provider).getFunction("name")());
  } catch (err) {
    return isError(err, "CALL_EXCEPTION") || isError(err, "BAD_DATA") ? "" : undefined;
  }
}

/** The token's name, or "" when it has none that can be shown or the node did not answer. */
export async function readTokenName(provider: Provider, address: string): Promise<string> {
  return (await askTokenName(provider, address)) ?? "";
}

/** Strategy names by address, each read once: the label is the name, or the short address when there is none. */
export class StrategyNames {
  /** Reads started, by lower-case address. */
  private readonly reads = new Map<string, Promise<void>>();
  /** Names read, by lower-case address ("" for none). */
  private readonly known = new Map<string, string>();

  constructor(private readonly provider: Provider) {}

  /**
   * Reads the names of the addresses not read yet: once each (also when called again before they answer), again only
   * when the node did not answer.
   */
  async learn(addresses: Iterable<string>): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const a of addresses) {
      const key = a.toLowerCase();
      let read = this.reads.get(key);
      if (!read) {
        read = askTokenName(this.provider, a).then((name) => {
          if (name === undefined)
            this.reads.delete(key); // asked again at the next tick
          else this.known.set(key, name);
        });
        this.reads.set(key, read);
      }
      pending.push(read);
    }
    await Promise.all(pending);
  }

  /** The name read for `address`, or its short address while unknown or when it has none. */
  label(address: string): string {
    return this.known.get(address.toLowerCase()) || shortAddress(address);
  }
}
