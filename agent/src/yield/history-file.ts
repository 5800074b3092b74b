/**
 * The price history's file (`prices.bin`): every strategy's recorded samples column by column, as `PriceSeries`
 * keeps them in memory, so loading copies typed arrays and makes no sample, bigint or JSON object (the JSON file it
 * replaces made a bigint per price and a growth worked out in bigint arithmetic per sample: about 2.6 GiB of garbage
 * for 50 vaults of 20 strategies of 2,000 samples at start).
 *
 * Layout, little-endian (the platform's typed arrays; a big-endian platform refuses the file):
 * - header: the bytes `TAPH`, the format version (u32, `HISTORY_FILE_VERSION`), the sequence number of the last log
 *   line the file holds (f64), the number of strategies (u32);
 * - per strategy: its key's length (u16) and UTF-8 bytes, its sample count n (u32), then the columns: times, block
 *   numbers (each a kind byte, 0: n u32, 1: n f64), the share price and the position price (each a kind byte, 0: n u32
 *   high words then n u32 low words, 1: n f64 high parts then n u32 low words, 2: a u32 byte length and a JSON array
 *   of decimal strings or null), then the fine and coarse growth (n f64 each).
 * A file whose bytes run out, or with another magic or version, is refused with an error naming the file.
 */
import os from "node:os";
import { PriceSeries, type StoredPrices, type StoredSeries, type Whole } from "./series.js";

const MAGIC = "TAPH";
/** Bumped whenever the layout or the meaning of a stored column (a growth's formula) changes. */
export const HISTORY_FILE_VERSION = 1;

/** The file's contents: the last log line it holds and each strategy's series. */
export interface HistoryFileContents {
  seq: number;
  series: Map<string, PriceSeries>;
}

function littleEndian(): void {
  if (os.endianness() !== "LE") throw new Error("the price history file is little-endian: this platform is not");
}

/** The file's bytes for `series` (in their storage order) and `seq`. */
export function encodeHistoryFile(seq: number, series: Map<string, PriceSeries>): Buffer {
  littleEndian();
  const parts: Uint8Array[] = [];
  const header = Buffer.alloc(20);
  header.write(MAGIC, 0, "latin1");
  header.writeUInt32LE(HISTORY_FILE_VERSION, 4);
  header.writeDoubleLE(seq, 8);
  header.writeUInt32LE(series.size, 16);
  parts.push(header);
  const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const kind = (k: number) => Uint8Array.of(k);
  const whole = (c: Whole) => {
    parts.push(kind(c instanceof Uint32Array ? 0 : 1), bytes(c));
  };
  const prices = (p: StoredPrices) => {
    if ("wide" in p) {
      const json = Buffer.from(JSON.stringify(p.wide.map((v) => (v === undefined ? null : v.toString()))));
      const length = Buffer.alloc(4);
      length.writeUInt32LE(json.length);
      parts.push(kind(2), length, json);
      return;
    }
    parts.push(kind(p.hi instanceof Uint32Array ? 0 : 1), bytes(p.hi), bytes(p.lo));
  };
  for (const [key, s] of series) {
    const name = Buffer.from(key, "utf8");
    const head = Buffer.alloc(6);
    head.writeUInt16LE(name.length, 0);
    const stored = s.stored();
    head.writeUInt32LE(stored.t.length, 2);
    parts.push(head.subarray(0, 2), name, head.subarray(2));
    whole(stored.t);
    whole(stored.block);
    prices(stored.coarse);
    prices(stored.fine);
    parts.push(bytes(stored.fineRate), bytes(stored.coarseRate));
  }
  return Buffer.concat(parts);
}

/** Reads `bytes` (the file `file`, named in errors), each series keeping at most `maxSamples` (the newest). */
export function decodeHistoryFile(bytes: Buffer, file: string, maxSamples: number): HistoryFileContents {
  littleEndian();
  let at = 0;
  const need = (n: number) => {
    if (at + n > bytes.length) throw new Error(`price history ${file}: the file ends early (damaged)`);
    const from = at;
    at += n;
    return from;
  };
  if (bytes.length < 20 || bytes.toString("latin1", 0, 4) !== MAGIC)
    throw new Error(`price history ${file}: not a price history file`);
  const version = bytes.readUInt32LE(4);
  if (version !== HISTORY_FILE_VERSION)
    throw new Error(`price history ${file}: format version ${version}, this agent reads ${HISTORY_FILE_VERSION}`);
  const seq = bytes.readDoubleLE(8);
  const count = bytes.readUInt32LE(16);
  at = 20;
  // Each column is copied out of the file's bytes (typed arrays need aligned offsets; the series copies them again
  // into its own storage, a few MiB at most).
  const array = <T extends Whole>(Type: new (n: number) => T, n: number): T => {
    const out = new Type(n);
    const width = (out as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    const from = need(n * width);
    new Uint8Array(out.buffer).set(bytes.subarray(from, from + n * width));
    return out;
  };
  const kindAt = () => bytes[need(1)]!;
  const whole = (n: number): Whole => {
    const k = kindAt();
    if (k > 1) throw new Error(`price history ${file}: unknown column kind ${k}`);
    return k === 0 ? array(Uint32Array, n) : array(Float64Array, n);
  };
  const prices = (n: number): StoredPrices => {
    const k = kindAt();
    if (k === 2) {
      const length = bytes.readUInt32LE(need(4));
      const from = need(length);
      const list = JSON.parse(bytes.toString("utf8", from, from + length)) as (string | null)[];
      if (list.length !== n) throw new Error(`price history ${file}: a price column has ${list.length} values of ${n}`);
      return { wide: list.map((v) => (v === null ? undefined : BigInt(v))) };
    }
    if (k > 1) throw new Error(`price history ${file}: unknown column kind ${k}`);
    const hi = k === 0 ? array(Uint32Array, n) : array(Float64Array, n);
    return { hi, lo: array(Uint32Array, n) };
  };
  const series = new Map<string, PriceSeries>();
  for (let i = 0; i < count; i++) {
    const nameLength = bytes.readUInt16LE(need(2));
    const from = need(nameLength);
    const key = bytes.toString("utf8", from, from + nameLength);
    const n = bytes.readUInt32LE(need(4));
    const stored: StoredSeries = {
      t: whole(n),
      block: whole(n),
      coarse: prices(n),
      fine: prices(n),
      fineRate: array(Float64Array, n),
      coarseRate: array(Float64Array, n),
    };
    const s = PriceSeries.fromStored(stored, maxSamples);
    if (s.length > maxSamples) s.dropOldest(s.length - maxSamples);
    series.set(key, s);
  }
  if (at !== bytes.length) throw new Error(`price history ${file}: ${bytes.length - at} bytes after the last series`);
  return { seq, series };
}
