/**
 * The transaction boundary: the only object that holds the key and signs. Everything the executor needs from the
 * chain goes through this interface, so the executor is tested with a fake and for real against a local chain.
 */
import { keccak256, toQuantity, type BaseWallet, type JsonRpcProvider } from "ethers";
import { RpcError } from "../failures.js";
import { isRevert, toRevertError } from "./revert-data.js";

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

/** Calls from the agent's address without signing: simulation and gas estimation. Needs no key. */
export interface CallSimulator {
  readonly address: string;
  /** eth_call from the agent; throws `RevertError` on revert, `RpcError` on transport failure. */
  call(to: string, data: string, blockTag?: number | "latest"): Promise<string>;
}

export interface TxSender extends CallSimulator {
  chainId(): Promise<bigint>;
  /** Mined (`latest`) and mempool-inclusive (`pending`) transaction counts of the agent. */
  nonces(): Promise<{ latest: number; pending: number }>;
  /** Base fee of the latest block and the node's suggested tip. */
  fees(): Promise<{ baseFee: bigint; tip: bigint }>;
  /** Gas for the call from the agent, at `blockTag` (the state the plan was checked on) or the latest block. */
  estimateGas(to: string, data: string, blockTag?: number | "latest"): Promise<bigint>;
  sign(request: TxRequest): Promise<{ raw: string; hash: string }>;
  /** Sends signed bytes. Re-sending bytes the node already has is not an error. */
  broadcast(raw: string): Promise<void>;
  receipt(hash: string): Promise<ChainReceipt | null>;
  /** Whether the node knows the transaction (mempool or chain). */
  isKnown(hash: string): Promise<boolean>;
  blockNumber(): Promise<number>;
}

async function rpc<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isRevert(err)) throw toRevertError(what, err);
    throw new RpcError(`${what} failed`, { cause: err });
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
    private readonly wallet: BaseWallet,
  ) {
    super(provider, wallet.address);
  }

  async chainId(): Promise<bigint> {
    return rpc("eth_chainId", async () => (await this.provider.getNetwork()).chainId);
  }

  async nonces(): Promise<{ latest: number; pending: number }> {
    return rpc("eth_getTransactionCount", async () => {
      const [latest, pending] = await Promise.all([
        this.provider.getTransactionCount(this.address, "latest"),
        this.provider.getTransactionCount(this.address, "pending"),
      ]);
      return { latest, pending };
    });
  }

  async fees(): Promise<{ baseFee: bigint; tip: bigint }> {
    return rpc("fee data", async () => {
      const block = await this.provider.getBlock("latest");
      let tip: bigint;
      try {
        tip = BigInt(await this.provider.send("eth_maxPriorityFeePerGas", []));
      } catch {
        tip = 1_000_000_000n;
      }
      return { baseFee: block?.baseFeePerGas ?? 0n, tip };
    });
  }

  estimateGas(to: string, data: string, blockTag: number | "latest" = "latest"): Promise<bigint> {
    const tag = blockTag === "latest" ? "latest" : toQuantity(blockTag);
    return rpc("eth_estimateGas", async () => BigInt(await this.provider.send("eth_estimateGas", [{ to, data, from: this.address }, tag])));
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
      throw new RpcError("eth_sendRawTransaction failed", { cause: err });
    }
  }

  async receipt(hash: string): Promise<ChainReceipt | null> {
    return rpc("eth_getTransactionReceipt", async () => {
      const r = await this.provider.getTransactionReceipt(hash);
      return r ? { hash: r.hash, blockNumber: r.blockNumber, status: r.status ?? 0, gasUsed: r.gasUsed } : null;
    });
  }

  async isKnown(hash: string): Promise<boolean> {
    return rpc("eth_getTransactionByHash", async () => (await this.provider.getTransaction(hash)) !== null);
  }

  blockNumber(): Promise<number> {
    return rpc("eth_blockNumber", () => this.provider.getBlockNumber());
  }
}
