/**
 * The agent key's ETH, which pays for every transaction the executor sends. Read at start and in every send quote (the
 * same round trip), kept here, exported as `agent_key_balance_eth` and `agent_key_balance_low`, and judged twice: below
 * `tx.lowBalanceEth` the daemon warns (once per crossing); below what a transaction may cost (gas limit × max fee) it
 * sends nothing and says why, since the node would refuse it ("insufficient funds for gas * price + value").
 */
import { formatEther } from "ethers";
import type { Logger } from "pino";
import { RpcError } from "../failures.js";
import type { Metrics } from "../obs/metrics.js";

/** The node refused a signed transaction because the agent key cannot pay for its gas. Not retried into a success:
 *  the bytes stay journaled and are sent again once the key is funded. */
export class InsufficientFundsError extends RpcError {
  override name = "InsufficientFundsError";
}

/**
 * A node's refusal of a transaction the sender cannot pay for (geth, Hardhat/EDR, Anvil, Nethermind, Erigon wordings).
 */
const INSUFFICIENT_FUNDS = /insufficient funds|sender doesn't have enough funds|insufficient balance for transfer/i;

/** Whether an error from `eth_sendRawTransaction` (or its cause) says the key cannot pay for the transaction. */
export function isInsufficientFunds(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const message = String((e as { message?: string }).message ?? "");
    const inner = String((e as { error?: { message?: string } }).error?.message ?? "");
    if (INSUFFICIENT_FUNDS.test(message) || INSUFFICIENT_FUNDS.test(inner)) return true;
  }
  return false;
}

export class KeyFunds {
  private current: bigint | undefined;
  private warnedLow = false;
  /**
   * What the last transaction that could not be paid for needed (wei): until the balance covers it, the key cannot act.
   */
  private needed: bigint | undefined;

  constructor(
    readonly address: string,
    /** Below this (wei) the daemon warns: `tx.lowBalanceEth`. */
    readonly lowBalance: bigint,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
  ) {}

  /** The last balance read (wei), or undefined before the first read. */
  get balance(): bigint | undefined {
    return this.current;
  }

  /** Whether the last balance read is below the warning threshold. */
  get low(): boolean {
    return this.current !== undefined && this.current < this.lowBalance;
  }

  /**
   * Whether the key cannot pay for a transaction: it holds nothing, or less than the last one refused or held back
   * needed.
   */
  get cannotPay(): boolean {
    return (
      this.current === 0n || (this.current !== undefined && this.needed !== undefined && this.current < this.needed)
    );
  }

  /** The node refused a transaction for want of funds: the key cannot act until its balance grows past this one. */
  refused(): void {
    this.needed = (this.current ?? 0n) + 1n;
  }

  /** Records a balance read from the chain; warns when it first falls below the threshold, and when it recovers. */
  observe(balance: bigint): void {
    this.current = balance;
    if (this.needed !== undefined && balance >= this.needed) this.needed = undefined;
    this.metrics?.keyBalance.set(Number(formatEther(balance)));
    this.metrics?.keyBalanceLow.set(this.low ? 1 : 0);
    if (this.low && !this.warnedLow) {
      this.warnedLow = true;
      this.log.warn(
        { agent: this.address, balance: formatEther(balance), threshold: formatEther(this.lowBalance) },
        `the agent key ${this.address} holds ${formatEther(balance)} ETH, below tx.lowBalanceEth (${formatEther(this.lowBalance)} ETH): fund it, or its transactions will be refused`,
      );
    } else if (!this.low && this.warnedLow) {
      this.warnedLow = false;
      this.log.info(
        { agent: this.address, balance: formatEther(balance) },
        `the agent key holds ${formatEther(balance)} ETH again`,
      );
    }
  }

  /** Why a transaction costing up to `maxCost` wei cannot be paid for, or undefined when the last balance covers it. */
  shortfall(maxCost: bigint): string | undefined {
    if (this.current === undefined || this.current >= maxCost) return undefined;
    this.needed = maxCost;
    return `the agent key ${this.address} holds ${formatEther(this.current)} ETH but the transaction may cost up to ${formatEther(maxCost)} ETH (gas limit × max fee per gas): nothing sent; fund the key`;
  }
}
