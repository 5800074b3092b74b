/**
 * The transaction boundary: the only object that holds the key and signs. Everything the executor needs from the
 * chain goes through this interface, so the executor is tested with a fake and for real against a local chain.
 */
import { keccak256, toQuantity, type JsonRpcProvider, type Provider, type Signer } from "ethers";
import { RpcError } from "../failures.js";
import { InsufficientFundsError, isInsufficientFunds } from "./funds.js";
import { isRevert, toRevertError } from "./revert-data.js";

/**
 * The agent's key as the sender uses it: a local wallet (keystore, development key) or a remote signer
 * (`RemoteSigner`), both ethers signers with their address known up front.
 */
export interface AgentKey extends Signer {
  readonly address: string;
  connect(provider: Provider | null): AgentKey;
}

export interface TxRequest {
  to: string;
  data: string;
  nonce: number;
  gasLimit: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  chainId: bigint;
}

export interface ChainReceipt {
  hash: string;
  blockNumber: number;
  /** 1 success, 0 reverted. */
  status: number;
  gasUsed: bigint;
}

/**
 * What sending a rebalance needs, read in one round trip: the gas of the call (its estimate is also the simulation:
 * it reverts when the call would), the base fee and tip, and the agent's pending nonce.
 */
export interface SendQuote {
  gas: bigint;
  baseFee: bigint;
  tip: bigint;
  pendingNonce: number;
  /** The agent key's balance (wei) at the latest block: what pays for the transaction. */
  balance: bigint;
}

/** Where sent transactions are, read in one round trip. */
export interface Tracking {
  /** One per hash asked, in order; null while not mined. */
  receipts: (ChainReceipt | null)[];
  /** The agent's mined transaction count. */
  latestNonce: number;
  /** Whether the node knows the last hash asked (mempool or chain). */
  lastKnown: boolean;
  /** The head block, when asked for. */
  head?: number;
}

/** Calls from the agent's address without signing: simulation and gas estimation. Needs no key. */
export interface CallSimulator {
  readonly address: string;
  /** eth_call from the agent; throws `RevertError` on revert, `RpcError` on transport failure. */
  call(to: string, data: string, blockTag?: number | "latest"): Promise<string>;
}

export interface TxSender extends CallSimulator {
  chainId(): Promise<bigint>;
  /**
   * Simulates `data` to `to` at `blockTag` (as a gas estimate) and reads the fees and the pending nonce, in one round
   * trip; throws `RevertError` when the call would revert.
   */
  quote(to: string, data: string, blockTag?: number | "latest"): Promise<SendQuote>;
  /** Receipts of `hashes`, the mined nonce, whether the node knows the last hash, and the head when `withHead`: in one
   *  round trip. */
  track(hashes: string[], withHead: boolean): Promise<Tracking>;
  /** The agent key's balance (wei) at the latest block. */
  balance(): Promise<bigint>;
  /** Base fee of the latest block and the node's suggested tip. */
  fees(): Promise<{ baseFee: bigint; tip: bigint }>;
  sign(request: TxRequest): Promise<{ raw: string; hash: string }>;
  /** Sends signed bytes. Re-sending bytes the node already has is not an error. */
  broadcast(raw: string): Promise<void>;
  /** One transaction's receipt, null while not mined (the rare checks outside `track`). */
  receipt(hash: string): Promise<ChainReceipt | null>;
  /** The head block (the rare check outside `track`). */
  blockNumber(): Promise<number>;
  /** The head and the newest block the node calls final (its `finalized` tag; undefined on a node without it), in one
   *  round trip. */
  finality(): Promise<{ head: number; finalized?: number }>;
  /** The agent's pending nonce: its mined transactions and those the node can run next. One the node holds behind a
   *  gap (queued) is not counted. */
  pendingNonce(): Promise<number>;
}

/** A revert as `RevertError`, anything else as `RpcError`. */
function chainError(what: string, err: unknown): Error {
  return isRevert(err) ? toRevertError(what, err) : new RpcError(`${what} failed`, { cause: err });
}

async function rpc<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw chainError(what, err);
  }
}

/** Simulation through a provider, from a given address. */
export class ProviderSimulator implements CallSimulator {
  constructor(
    protected readonly provider: JsonRpcProvider,
    readonly address: string,
  ) {}

  call(to: string, data: string, blockTag: number | "latest" = "latest"): Promise<string> {
    return rpc("eth_call", () => this.provider.call({ to, data, from: this.address, blockTag }));
  }
}

const ALREADY_KNOWN = /already known|known transaction|already imported|nonce too low/i;

export class WalletSender extends ProviderSimulator implements TxSender {
  constructor(
    provider: JsonRpcProvider,
    private readonly wallet: AgentKey,
  ) {
    super(provider, wallet.address);
  }

  async chainId(): Promise<bigint> {
    return rpc("eth_chainId", async () => (await this.provider.getNetwork()).chainId);
  }

  async balance(): Promise<bigint> {
    return rpc("eth_getBalance", () => this.provider.getBalance(this.address, "latest"));
  }

  async fees(): Promise<{ baseFee: bigint; tip: bigint }> {
    return rpc("fee data", () => this.readFees());
  }

  /** Base fee of the latest block and the node's tip (1 gwei when it has no suggestion). */
  private async readFees(): Promise<{ baseFee: bigint; tip: bigint }> {
    const [block, tip] = await Promise.all([
      this.provider.getBlock("latest"),
      this.provider.send("eth_maxPriorityFeePerGas", []).then(
        (v: string) => BigInt(v),
        () => 1_000_000_000n,
      ),
    ]);
    return { baseFee: block?.baseFeePerGas ?? 0n, tip };
  }

  /** Issued together, so the provider sends them as one JSON-RPC batch (one HTTP request). */
  async quote(to: string, data: string, blockTag: number | "latest" = "latest"): Promise<SendQuote> {
    const tag = blockTag === "latest" ? "latest" : toQuantity(blockTag);
    const [gas, fees, pending, balance] = await Promise.allSettled([
      this.provider.send("eth_estimateGas", [{ to, data, from: this.address }, tag]).then((v: string) => BigInt(v)),
      this.readFees(),
      this.provider.getTransactionCount(this.address, "pending"),
      this.provider.getBalance(this.address, "latest"),
    ]);
    // The simulation's outcome first: a revert is the answer even if another read of the batch failed.
    if (gas.status === "rejected") throw chainError("eth_estimateGas", gas.reason);
    if (fees.status === "rejected") throw chainError("fee data", fees.reason);
    if (pending.status === "rejected") throw chainError("eth_getTransactionCount", pending.reason);
    if (balance.status === "rejected") throw chainError("eth_getBalance", balance.reason);
    return {
      gas: gas.value,
      baseFee: fees.value.baseFee,
      tip: fees.value.tip,
      pendingNonce: pending.value,
      balance: balance.value,
    };
  }

  async track(hashes: string[], withHead: boolean): Promise<Tracking> {
    return rpc("transaction status", async () => {
      const last = hashes[hashes.length - 1];
      const [receipts, latestNonce, lastTx, head] = await Promise.all([
        Promise.all(hashes.map((h) => this.provider.getTransactionReceipt(h))),
        this.provider.getTransactionCount(this.address, "latest"),
        last === undefined ? null : this.provider.getTransaction(last),
        withHead ? this.provider.getBlockNumber() : undefined,
      ]);
      return {
        receipts: receipts.map((r) =>
          r ? { hash: r.hash, blockNumber: r.blockNumber, status: r.status ?? 0, gasUsed: r.gasUsed } : null,
        ),
        latestNonce,
        lastKnown: lastTx !== null,
        head,
      };
    });
  }

  async sign(request: TxRequest): Promise<{ raw: string; hash: string }> {
    const raw = await this.wallet.signTransaction({ ...request, type: 2 });
    return { raw, hash: keccak256(raw) };
  }

  async broadcast(raw: string): Promise<void> {
    try {
      await this.provider.send("eth_sendRawTransaction", [raw]);
    } catch (err) {
      const message = String((err as { message?: string })?.message ?? err);
      const inner = String((err as { error?: { message?: string } })?.error?.message ?? "");
      if (ALREADY_KNOWN.test(message) || ALREADY_KNOWN.test(inner)) return;
      if (isInsufficientFunds(err))
        throw new InsufficientFundsError(
          `eth_sendRawTransaction refused: the agent key ${this.address} cannot pay for the gas (${inner || message})`,
          { cause: err },
        );
      throw new RpcError("eth_sendRawTransaction failed", { cause: err });
    }
  }

  async receipt(hash: string): Promise<ChainReceipt | null> {
    return rpc("eth_getTransactionReceipt", async () => {
      const r = await this.provider.getTransactionReceipt(hash);
      return r ? { hash: r.hash, blockNumber: r.blockNumber, status: r.status ?? 0, gasUsed: r.gasUsed } : null;
    });
  }

  blockNumber(): Promise<number> {
    return rpc("eth_blockNumber", () => this.provider.getBlockNumber());
  }

  async finality(): Promise<{ head: number; finalized?: number }> {
    const [head, finalized] = await Promise.all([
      rpc("eth_blockNumber", () => this.provider.getBlockNumber()),
      this.provider.send("eth_getBlockByNumber", ["finalized", false]).then(
        (b: { number?: string } | null) => (b?.number === undefined ? undefined : Number(BigInt(b.number))),
        // A node without the tag answers with an error: its finality is a depth (network.finalityDepth).
        () => undefined,
      ),
    ]);
    return { head, finalized };
  }

  pendingNonce(): Promise<number> {
    return rpc("eth_getTransactionCount", () => this.provider.getTransactionCount(this.address, "pending"));
  }
}
