/**
 * The agent's key held by a remote signer (Web3Signer, or Clef behind a TLS proxy): an ethers signer whose
 * `signTransaction` asks the signer over JSON-RPC (`eth_signTransaction`; Clef's `account_signTransaction`) and returns
 * the signed bytes only after decoding them and finding exactly the transaction asked for: the signer's address, the
 * chain, nonce, recipient, data, value, gas limit and fees. Anything else is refused (`SignerError`) and never reaches
 * the executor's journal or a node. The key never enters this process.
 */
import {
  AbstractSigner,
  getAddress,
  keccak256,
  resolveAddress,
  toQuantity,
  Transaction,
  type Provider,
  type TransactionRequest,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import { KeyError, SignerError } from "../failures.js";
import { SignerTransport, type SignerTransportOptions } from "./transport.js";

/** Which JSON-RPC methods the signer speaks: Web3Signer's `eth_*`, or Clef's `account_*`. */
export type SignerApi = "eth" | "clef";

export interface RemoteSignerOptions extends SignerTransportOptions {
  /** The agent's address: the signer must hold it (checked at start) and sign with it (checked on every answer). */
  address: string;
  api: SignerApi;
}

const METHODS: Record<SignerApi, { accounts: string; sign: string }> = {
  eth: { accounts: "eth_accounts", sign: "eth_signTransaction" },
  clef: { accounts: "account_list", sign: "account_signTransaction" },
};

export class RemoteSigner extends AbstractSigner {
  readonly address: string;

  constructor(
    private readonly transport: SignerTransport,
    address: string,
    private readonly api: SignerApi,
    provider: Provider | null = null,
  ) {
    super(provider);
    this.address = getAddress(address);
  }

  /** A signer for `options`, checked: the signer answers (TLS and credential accepted) and holds the address. */
  static async open(options: RemoteSignerOptions): Promise<RemoteSigner> {
    const signer = new RemoteSigner(new SignerTransport(options), options.address, options.api);
    await signer.check();
    return signer;
  }

  /** Where the signer is, for logs and messages: scheme, host and port. */
  get endpoint(): string {
    return this.transport.name;
  }

  /** Asks the signer for its accounts: fails when it cannot be reached or does not hold the configured address. */
  async check(): Promise<string[]> {
    const method = METHODS[this.api].accounts;
    const answer = await this.transport.call(method, []);
    if (!Array.isArray(answer) || answer.some((a) => typeof a !== "string"))
      throw new SignerError(
        `the remote signer ${this.endpoint} answered ${method} with something other than addresses`,
      );
    const accounts = (answer as string[]).map((a) => a.toLowerCase());
    if (!accounts.includes(this.address.toLowerCase())) {
      throw new KeyError(
        `the remote signer ${this.endpoint} does not hold ${this.address} (key.remoteSigner.address); it holds ${accounts.length === 0 ? "no account" : answer.join(", ")}`,
      );
    }
    return answer as string[];
  }

  async getAddress(): Promise<string> {
    return this.address;
  }

  connect(provider: Provider | null): RemoteSigner {
    return new RemoteSigner(this.transport, this.address, this.api, provider);
  }

  async signTransaction(request: TransactionRequest): Promise<string> {
    const asked = await this.asked(request);
    const method = METHODS[this.api].sign;
    const params: Record<string, string> = {
      from: this.address,
      to: asked.to,
      data: asked.data,
      // Clef reads `input`, Web3Signer `data`: both carry the same bytes.
      ...(this.api === "clef" ? { input: asked.data } : {}),
      nonce: toQuantity(asked.nonce),
      gas: toQuantity(asked.gasLimit),
      maxFeePerGas: toQuantity(asked.maxFeePerGas),
      maxPriorityFeePerGas: toQuantity(asked.maxPriorityFeePerGas),
      value: toQuantity(asked.value),
      chainId: toQuantity(asked.chainId),
      type: "0x2",
    };
    const answer = await this.transport.call(method, [params]);
    // Web3Signer answers with the bytes; Clef (and geth) with `{raw, tx}`.
    const raw = typeof answer === "string" ? answer : (answer as { raw?: unknown } | null)?.raw;
    if (typeof raw !== "string" || !/^0x[0-9a-fA-F]+$/.test(raw))
      throw new SignerError(
        `the remote signer ${this.endpoint} answered ${method} without signed bytes; nothing was broadcast`,
      );
    const claimed = (answer as { tx?: { hash?: unknown } } | null)?.tx?.hash;
    if (typeof claimed === "string" && claimed.toLowerCase() !== keccak256(raw))
      throw this.refused(`its hash ${claimed} is not the hash of the bytes it returned (${keccak256(raw)})`);
    this.verify(raw, asked);
    return raw;
  }

  signMessage(): Promise<string> {
    return Promise.reject(new SignerError("the agent signs transactions only; no message is signed"));
  }

  signTypedData(
    _domain: TypedDataDomain,
    _types: Record<string, TypedDataField[]>,
    _value: Record<string, unknown>,
  ): Promise<string> {
    return Promise.reject(new SignerError("the agent signs transactions only; no typed data is signed"));
  }

  /** The executor's request with every field the comparison needs (the executor always gives them all). */
  private async asked(tx: TransactionRequest) {
    const missing = (["to", "nonce", "gasLimit", "maxFeePerGas", "maxPriorityFeePerGas", "chainId"] as const).filter(
      (k) => tx[k] === undefined || tx[k] === null,
    );
    if (missing.length > 0)
      throw new SignerError(`a transaction to sign lacks ${missing.join(", ")}; the agent never asks for one`);
    if (tx.type !== undefined && tx.type !== null && Number(tx.type) !== 2)
      throw new SignerError(`the agent signs EIP-1559 (type 2) transactions only, not type ${tx.type}`);
    return {
      to: getAddress(await resolveAddress(tx.to!, this.provider)),
      data: (tx.data ?? "0x").toLowerCase(),
      nonce: Number(tx.nonce),
      gasLimit: BigInt(tx.gasLimit!),
      maxFeePerGas: BigInt(tx.maxFeePerGas!),
      maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas!),
      value: BigInt(tx.value ?? 0),
      chainId: BigInt(tx.chainId!),
    };
  }

  /** Decodes the signer's bytes and refuses them unless they are exactly the transaction asked for, signed by us. */
  private verify(raw: string, asked: Awaited<ReturnType<RemoteSigner["asked"]>>): void {
    let tx: Transaction;
    try {
      tx = Transaction.from(raw);
    } catch (err) {
      throw this.refused(`its bytes do not decode as a transaction (${(err as Error).message.slice(0, 80)})`);
    }
    if (!tx.signature) throw this.refused("it is not signed");
    const differs: string[] = [];
    const compare = (field: string, got: unknown, want: unknown) => {
      if (got !== want) differs.push(`${field} ${String(got)}, not ${String(want)}`);
    };
    compare("type", tx.type, 2);
    compare("from", tx.from, this.address);
    compare("chainId", tx.chainId, asked.chainId);
    compare("nonce", tx.nonce, asked.nonce);
    compare("to", tx.to === null ? null : getAddress(tx.to), asked.to);
    compare("data", tx.data.toLowerCase(), asked.data);
    compare("value", tx.value, asked.value);
    compare("gasLimit", tx.gasLimit, asked.gasLimit);
    compare("maxFeePerGas", tx.maxFeePerGas, asked.maxFeePerGas);
    compare("maxPriorityFeePerGas", tx.maxPriorityFeePerGas, asked.maxPriorityFeePerGas);
    compare("accessList entries", tx.accessList?.length ?? 0, 0);
    if (differs.length > 0) throw this.refused(differs.join("; ").slice(0, 400));
  }

  private refused(why: string): SignerError {
    return new SignerError(
      `the remote signer ${this.endpoint} returned a transaction other than the one asked for (${why}); refused, nothing was journaled or broadcast`,
    );
  }
}
