/** An in-memory chain behind the TxSender interface: a mempool, blocks, nonces, receipts, and a switchable revert. */
import { keccak256, toUtf8Bytes } from "ethers";
import type { ChainReceipt, SendQuote, Tracking, TxRequest, TxSender } from "../../src/executor/sender.js";
import { toRevertError } from "../../src/executor/revert-data.js";
import { treasuryErrors } from "../../src/errors.js";

export class FakeSender implements TxSender {
  readonly address = "0x4444444444444444444444444444444444444444";
  latest = 0;
  head = 100;
  baseFee = 10n * 10n ** 9n;
  tip = 10n ** 9n;
  mempool = new Map<string, TxRequest>();
  receipts = new Map<string, ChainReceipt>();
  broadcasts: string[] = [];
  signed: TxRequest[] = [];
  /** Revert data every call returns, when set. */
  revertWith: string | undefined;
  onBroadcast?: (raw: string) => void;

  async chainId() {
    return 31337n;
  }
  async nonces() {
    return { latest: this.latest, pending: this.latest + this.mempool.size };
  }
  async fees() {
    return { baseFee: this.baseFee, tip: this.tip };
  }
  async call(): Promise<string> {
    if (this.revertWith) throw toRevertError("eth_call", { code: "CALL_EXCEPTION", data: this.revertWith });
    return "0x";
  }
  async estimateGas() {
    return 200_000n;
  }
  async quote(): Promise<SendQuote> {
    await this.call();
    const [gas, { baseFee, tip }, { pending }] = await Promise.all([this.estimateGas(), this.fees(), this.nonces()]);
    return { gas, baseFee, tip, pendingNonce: pending, balance: await this.balance() };
  }
  /** The agent key's balance in wei (plenty unless a test sets it). */
  balanceWei = 10n ** 21n;
  async balance(): Promise<bigint> {
    return this.balanceWei;
  }
  async track(hashes: string[], withHead: boolean): Promise<Tracking> {
    return {
      receipts: await Promise.all(hashes.map((h) => this.receipt(h))),
      latestNonce: (await this.nonces()).latest,
      lastKnown: hashes.length > 0 && (await this.isKnown(hashes[hashes.length - 1]!)),
      head: withHead ? await this.blockNumber() : undefined,
    };
  }
  async sign(request: TxRequest) {
    this.signed.push(request);
    const raw = `0x${Buffer.from(JSON.stringify(request, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).toString("hex")}`;
    return { raw, hash: keccak256(raw) };
  }
  async broadcast(raw: string) {
    this.onBroadcast?.(raw);
    this.broadcasts.push(raw);
    const request = JSON.parse(Buffer.from(raw.slice(2), "hex").toString()) as TxRequest;
    for (const [h, r] of this.mempool) if (r.nonce === request.nonce) this.mempool.delete(h);
    this.mempool.set(keccak256(raw), request);
  }
  async receipt(hash: string) {
    return this.receipts.get(hash) ?? null;
  }
  async isKnown(hash: string) {
    return this.mempool.has(hash) || this.receipts.has(hash);
  }
  async blockNumber() {
    return this.head;
  }
  /** Every block is final as soon as it is mined (a chain that does not reorg). */
  async finality(): Promise<{ head: number; finalized?: number }> {
    return { head: this.head, finalized: this.head };
  }
  async pendingNonce() {
    return (await this.nonces()).pending;
  }
  /** Mines everything in the mempool into the next block. */
  mine(status = 1) {
    this.head++;
    for (const [hash, r] of this.mempool) {
      this.receipts.set(hash, { hash, blockNumber: this.head, status, gasUsed: 150_000n });
      this.latest = Math.max(this.latest, r.nonce + 1);
    }
    this.mempool.clear();
  }
  /** Another transaction of the same account uses the next nonce. */
  useNonceElsewhere() {
    this.mempool.clear();
    this.latest++;
  }
}

export const revertData = (name: string, args: unknown[]) => treasuryErrors.encodeErrorResult(name, args);
export { toUtf8Bytes };
